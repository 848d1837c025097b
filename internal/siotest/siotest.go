// Package siotest is a raw Socket.IO v5 test client over Engine.IO v4, for
// tests that check what a server puts on the wire.
//
// It speaks just enough Engine.IO to carry Socket.IO packets, over
// WebSocket or HTTP long-polling: it answers pings (unless told not to),
// skips noops, and reassembles binary packets from their attachments. It
// never reconnects, never acks by itself and never reorders anything:
// tests send packet text and read packet text.
//
// StartServer runs the server side of such a test on 127.0.0.1, closes
// what the test opened and checks for leaked goroutines; the Expect and
// Recv helpers bound every wait.
package siotest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// ErrClosed is returned once the server has ended the session (a close
// packet, a closed WebSocket, or a 400 on a poll).
var ErrClosed = errors.New("siotest: connection closed by the server")

// ErrTimeout is returned by Read when nothing arrived in time.
var ErrTimeout = errors.New("siotest: timeout")

// Packet is one Socket.IO packet as received: its text (without the
// Engine.IO message type) and its binary attachments.
type Packet struct {
	Text        string
	Attachments [][]byte
}

func (p Packet) String() string {
	if len(p.Attachments) == 0 {
		return p.Text
	}
	return fmt.Sprintf("%s +%d attachments %q", p.Text, len(p.Attachments), p.Attachments)
}

type message struct {
	data   []byte
	binary bool
}

// Conn is one Engine.IO session used as a Socket.IO connection.
type Conn struct {
	// SID is the Engine.IO session id.
	SID string
	// Open is the JSON of the open packet.
	Open string
	// Transport is "websocket" or "polling".
	Transport string
	// IgnorePings stops the client from answering the server's pings.
	IgnorePings atomic.Bool

	base    string
	pending []message // polling: messages received but not read yet

	// websocket
	ws     *websocket.Conn
	wmu    sync.Mutex
	in     chan message
	rerr   error // set before in is closed
	readWG sync.WaitGroup

	// polling
	http   *http.Client
	closed bool
}

// DialWebSocket opens a direct WebSocket session to base, the URL of the
// server's path ("http://127.0.0.1:1234/socket.io/"), and reads the open
// packet. query is appended to the handshake query (may be "").
func DialWebSocket(ctx context.Context, base, query string) (*Conn, error) {
	u := "ws" + strings.TrimPrefix(base, "http") + "?EIO=4&transport=websocket"
	if query != "" {
		u += "&" + query
	}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	ws, _, err := d.DialContext(ctx, u, nil)
	if err != nil {
		return nil, err
	}
	c := &Conn{base: base, ws: ws, Transport: "websocket", in: make(chan message, 1<<14)}
	ws.SetReadDeadline(deadline(ctx))
	typ, data, err := ws.ReadMessage()
	ws.SetReadDeadline(time.Time{})
	if err != nil || typ != websocket.TextMessage || len(data) == 0 || data[0] != '0' {
		ws.Close()
		return nil, fmt.Errorf("siotest: open packet: %q %v", data, err)
	}
	if err := c.parseOpen(string(data[1:])); err != nil {
		ws.Close()
		return nil, err
	}
	c.readWG.Add(1)
	go c.readLoop()
	return c, nil
}

// DialPolling opens an HTTP long-polling session to base.
func DialPolling(ctx context.Context, base, query string) (*Conn, error) {
	c := &Conn{base: base, Transport: "polling",
		http: &http.Client{Transport: &http.Transport{DisableCompression: true}}}
	q := "EIO=4&transport=polling"
	if query != "" {
		q += "&" + query
	}
	body, err := c.do(ctx, http.MethodGet, base+"?"+q, nil)
	if err != nil {
		c.http.CloseIdleConnections()
		return nil, err
	}
	pkts := strings.Split(string(body), "\x1e")
	if !strings.HasPrefix(pkts[0], "0") {
		c.http.CloseIdleConnections()
		return nil, fmt.Errorf("siotest: open packet: %q", body)
	}
	if err := c.parseOpen(pkts[0][1:]); err != nil {
		c.http.CloseIdleConnections()
		return nil, err
	}
	for _, p := range pkts[1:] {
		c.queueEngine(p)
	}
	return c, nil
}

func (c *Conn) parseOpen(js string) error {
	var o struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal([]byte(js), &o); err != nil || o.SID == "" {
		return fmt.Errorf("siotest: open packet %q: %v", js, err)
	}
	c.SID, c.Open = o.SID, js
	return nil
}

func deadline(ctx context.Context) time.Time {
	if d, ok := ctx.Deadline(); ok {
		return d
	}
	return time.Now().Add(5 * time.Second)
}

func (c *Conn) readLoop() {
	defer c.readWG.Done()
	defer close(c.in)
	for {
		typ, data, err := c.ws.ReadMessage()
		if err != nil {
			c.rerr = err
			return
		}
		if typ == websocket.BinaryMessage {
			c.in <- message{data, true}
			continue
		}
		if len(data) == 0 {
			continue
		}
		switch data[0] {
		case '2':
			if !c.IgnorePings.Load() {
				c.writeWS(websocket.TextMessage, []byte("3"+string(data[1:])))
			}
		case '4':
			c.in <- message{data[1:], false}
		case '1':
			c.rerr = ErrClosed
			return
		}
	}
}

func (c *Conn) writeWS(typ int, data []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteMessage(typ, data)
}

func (c *Conn) do(ctx context.Context, method, url string, body io.Reader) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		c.closed = true
		return nil, fmt.Errorf("%w: HTTP %d %q", ErrClosed, resp.StatusCode, b)
	}
	return b, nil
}

func (c *Conn) pollURL() string {
	return c.base + "?EIO=4&transport=polling&sid=" + c.SID
}

// queueEngine takes one Engine.IO packet of a polling payload.
func (c *Conn) queueEngine(p string) {
	switch {
	case p == "":
	case p[0] == 'b':
		b, err := base64.StdEncoding.DecodeString(p[1:])
		if err == nil {
			c.pending = append(c.pending, message{b, true})
		}
	case p[0] == '4':
		c.pending = append(c.pending, message{[]byte(p[1:]), false})
	case p[0] == '1':
		c.closed = true
	case p[0] == '2':
		if !c.IgnorePings.Load() {
			c.postEngine(context.Background(), "3")
		}
	}
}

// SendEngine sends raw Engine.IO packets ("1" to close, "3" a pong...): over
// polling, all of them in one POST; over WebSocket, one frame each.
func (c *Conn) SendEngine(ctx context.Context, packets ...string) error {
	if c.ws != nil {
		for _, p := range packets {
			if err := c.writeWS(websocket.TextMessage, []byte(p)); err != nil {
				return err
			}
		}
		return nil
	}
	return c.postEngine(ctx, packets...)
}

func (c *Conn) postEngine(ctx context.Context, packets ...string) error {
	body, err := c.do(ctx, http.MethodPost, c.pollURL(), strings.NewReader(strings.Join(packets, "\x1e")))
	if err != nil {
		return err
	}
	if string(body) != "ok" {
		return fmt.Errorf("siotest: POST answered %q", body)
	}
	return nil
}

// Send sends one Socket.IO packet and its binary attachments.
func (c *Conn) Send(text string, attachments ...[]byte) error {
	return c.SendBatch([]Packet{{Text: text, Attachments: attachments}})
}

// SendBatch sends packets: over polling in a single POST (which the server
// answers once it has handled them), over WebSocket one frame per message.
func (c *Conn) SendBatch(packets []Packet) error {
	if c.ws != nil {
		for _, p := range packets {
			if err := c.writeWS(websocket.TextMessage, []byte("4"+p.Text)); err != nil {
				return err
			}
			for _, a := range p.Attachments {
				if err := c.writeWS(websocket.BinaryMessage, a); err != nil {
					return err
				}
			}
		}
		return nil
	}
	var parts []string
	for _, p := range packets {
		parts = append(parts, "4"+p.Text)
		for _, a := range p.Attachments {
			parts = append(parts, "b"+base64.StdEncoding.EncodeToString(a))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.postEngine(ctx, parts...)
}

// next returns the next Engine.IO message.
func (c *Conn) next(timeout time.Duration) (message, error) {
	if c.ws != nil {
		t := time.NewTimer(timeout)
		defer t.Stop()
		select {
		case m, ok := <-c.in:
			if !ok {
				if errors.Is(c.rerr, ErrClosed) {
					return message{}, ErrClosed
				}
				return message{}, fmt.Errorf("%w: %v", ErrClosed, c.rerr)
			}
			return m, nil
		case <-t.C:
			return message{}, ErrTimeout
		}
	}
	for len(c.pending) == 0 {
		if c.closed {
			return message{}, ErrClosed
		}
		// A poll that times out makes the server drop the session, as a
		// real client going away would.
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		body, err := c.do(ctx, http.MethodGet, c.pollURL(), nil)
		timedOut := ctx.Err() != nil
		cancel()
		if err != nil {
			if timedOut {
				return message{}, ErrTimeout
			}
			return message{}, err
		}
		for _, p := range strings.Split(string(body), "\x1e") {
			c.queueEngine(p)
		}
	}
	m := c.pending[0]
	c.pending = c.pending[1:]
	return m, nil
}

// Read returns the next Socket.IO packet, with its attachments. Over
// polling, it polls as needed; a poll that times out ends the session.
func (c *Conn) Read(timeout time.Duration) (Packet, error) {
	end := time.Now().Add(timeout)
	m, err := c.next(timeout)
	if err != nil {
		return Packet{}, err
	}
	if m.binary {
		return Packet{}, fmt.Errorf("siotest: unexpected binary message %q", m.data)
	}
	p := Packet{Text: string(m.data)}
	for n := AttachmentCount(p.Text); len(p.Attachments) < n; {
		m, err := c.next(time.Until(end))
		if err != nil {
			return p, err
		}
		if !m.binary {
			return p, fmt.Errorf("siotest: text %q while waiting for attachments of %q", m.data, p.Text)
		}
		p.Attachments = append(p.Attachments, m.data)
	}
	return p, nil
}

// AttachmentCount returns the number of attachments a packet's text
// announces (0 for a packet that is not BINARY_EVENT or BINARY_ACK).
func AttachmentCount(text string) int {
	if len(text) < 2 || (text[0] != '5' && text[0] != '6') {
		return 0
	}
	i := strings.IndexByte(text, '-')
	if i < 0 {
		return 0
	}
	n, _ := strconv.Atoi(text[1:i])
	return n
}

// ReadText reads the next packet and fails if it has attachments.
func (c *Conn) ReadText(timeout time.Duration) (string, error) {
	p, err := c.Read(timeout)
	if err != nil {
		return "", err
	}
	if len(p.Attachments) > 0 {
		return p.Text, fmt.Errorf("siotest: unexpected attachments in %s", p)
	}
	return p.Text, nil
}

// ConnectReply is the parsed CONNECT reply of a namespace.
type ConnectReply struct {
	SID string `json:"sid"`
	PID string `json:"pid"`
	// Raw is the whole packet text; JSON the payload.
	Raw  string
	JSON string
}

// Connect sends a CONNECT for nsp ("/" or "/name") with auth (a JSON
// object, or "" for none) and reads the reply, which must be a CONNECT.
func (c *Conn) Connect(nsp, auth string, timeout time.Duration) (*ConnectReply, error) {
	if err := c.Send(ConnectPacket(nsp, auth)); err != nil {
		return nil, err
	}
	prefix := "0"
	if nsp != "/" {
		prefix += nsp + ","
	}
	for {
		p, err := c.ReadText(timeout)
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(p, prefix+"{") {
			if strings.HasPrefix(p, "2") {
				continue // an event sent before the reply (connection state recovery)
			}
			return nil, fmt.Errorf("siotest: CONNECT %s answered %q", nsp, p)
		}
		r := &ConnectReply{Raw: p, JSON: p[len(prefix):]}
		if err := json.Unmarshal([]byte(r.JSON), r); err != nil {
			return nil, err
		}
		return r, nil
	}
}

// ConnectPacket is the text of a CONNECT for nsp with auth.
func ConnectPacket(nsp, auth string) string {
	s := "0"
	if nsp != "/" {
		s += nsp + ","
	}
	return s + auth
}

// Closed waits until the server ends the session, discarding what arrives
// meanwhile; it returns those packets, and an error if the session is still
// open after timeout.
func (c *Conn) Closed(timeout time.Duration) ([]Packet, error) {
	end := time.Now().Add(timeout)
	var got []Packet
	for {
		left := time.Until(end)
		if left <= 0 {
			return got, ErrTimeout
		}
		p, err := c.Read(left)
		if errors.Is(err, ErrClosed) {
			return got, nil
		}
		if err != nil {
			return got, err
		}
		got = append(got, p)
	}
}

// Close ends the session from the client side and releases everything the
// Conn holds (its reader goroutine, its idle HTTP connections).
func (c *Conn) Close() {
	if c.ws != nil {
		c.wmu.Lock()
		c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		c.wmu.Unlock()
		c.ws.Close()
		// Drain so the reader can finish.
		go func() {
			for range c.in {
			}
		}()
		c.readWG.Wait()
		return
	}
	if !c.closed {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c.postEngine(ctx, "1")
		cancel()
		c.closed = true
	}
	c.http.CloseIdleConnections()
}

// DropTransport closes the WebSocket without any close frame, as a lost
// network would (the server sees "transport close" or "transport error").
// Over polling, it only forgets the session: the server notices at its
// ping timeout.
func (c *Conn) DropTransport() {
	if c.ws != nil {
		c.ws.Close()
		go func() {
			for range c.in {
			}
		}()
		c.readWG.Wait()
		return
	}
	c.closed = true
	c.http.CloseIdleConnections()
}

// header returns where the ack id of a packet's text starts and ends.
func header(text string) (int, int) {
	i := 1
	if len(text) > 0 && (text[0] == '5' || text[0] == '6') {
		if j := strings.IndexByte(text, '-'); j >= 0 {
			i = j + 1
		}
	}
	if i < len(text) && text[i] == '/' {
		j := strings.IndexByte(text[i:], ',')
		if j < 0 {
			return len(text), len(text)
		}
		i += j + 1
	}
	start := i
	for i < len(text) && text[i] >= '0' && text[i] <= '9' {
		i++
	}
	return start, i
}

// Payload returns the JSON after the type, attachment count, namespace and
// ack id of a packet's text.
func Payload(text string) string {
	_, end := header(text)
	if end > len(text) {
		return ""
	}
	return text[end:]
}

// AckID returns the ack id of a packet's text, or -1.
func AckID(text string) int64 {
	start, end := header(text)
	if start == end {
		return -1
	}
	n, err := strconv.ParseInt(text[start:end], 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// Args splits a JSON array payload into its elements.
func Args(payload string) ([]json.RawMessage, error) {
	var out []json.RawMessage
	dec := json.NewDecoder(bytes.NewReader([]byte(payload)))
	dec.UseNumber()
	err := dec.Decode(&out)
	return out, err
}

// SendBinaryFrame sends one raw binary WebSocket frame (an attachment, or a
// stray one). t is only for its Helper/Fatal.
func (c *Conn) SendBinaryFrame(t interface{ Fatal(...any) }, b []byte) {
	if c.ws == nil {
		t.Fatal("siotest: SendBinaryFrame over polling")
	}
	if err := c.writeWS(websocket.BinaryMessage, b); err != nil {
		t.Fatal(err)
	}
}
