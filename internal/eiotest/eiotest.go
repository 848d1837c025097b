// Package eiotest is a raw Engine.IO v4 test client, for tests that check what
// a server puts on the wire.
//
// It is deliberately not a client library: it never answers pings, never
// retries, never decodes more than it is asked to and never hides a response.
// Tests drive every request themselves (a handshake, a GET, a POST, a
// WebSocket dial or an upgrade probe) and get back the status, headers and
// body exactly as the server sent them, so they can assert on statuses,
// header values, packet framing, and the key order of the handshake JSON.
//
// Every blocking helper takes a context.Context or a deadline; nothing in
// this package sleeps.
package eiotest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// RecordSeparator joins the packets of a polling payload.
const RecordSeparator = "\x1e"

// Client sends raw Engine.IO requests to one server path, such as
// "http://127.0.0.1:1234/engine.io/".
type Client struct {
	// Base is the absolute URL of the Engine.IO path, with its trailing slash.
	Base string
	// HTTP sends the polling requests. Its transport never asks for
	// compression by itself, so bodies arrive exactly as the server wrote them.
	HTTP *http.Client
	// Dialer opens WebSockets.
	Dialer *websocket.Dialer
}

// New returns a client for base. Call Close when done to drop its idle
// keep-alive connections (and their goroutines).
func New(base string) *Client {
	tr := &http.Transport{
		DisableCompression:  true, // Accept-Encoding only when a test sets it
		MaxIdleConnsPerHost: 16,
	}
	return &Client{
		Base:   base,
		HTTP:   &http.Client{Transport: tr},
		Dialer: &websocket.Dialer{HandshakeTimeout: 5 * time.Second},
	}
}

// Close closes the client's idle HTTP connections.
func (c *Client) Close() { c.HTTP.CloseIdleConnections() }

// URL returns the Base URL with query appended.
func (c *Client) URL(query string) string {
	if query == "" {
		return c.Base
	}
	return c.Base + "?" + query
}

// WSURL returns the ws:// form of URL(query).
func (c *Client) WSURL(query string) string {
	u := c.URL(query)
	if rest, ok := strings.CutPrefix(u, "https://"); ok {
		return "wss://" + rest
	}
	return "ws://" + strings.TrimPrefix(u, "http://")
}

// Response is a complete HTTP response: the body has been read and closed.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Packets splits the body as a polling payload.
func (r *Response) Packets() []string { return SplitPayload(r.Body) }

func (r *Response) String() string {
	return fmt.Sprintf("%d %q %q", r.Status, r.Header.Get("Content-Type"), r.Body)
}

// Do sends one request to Base?query and reads the whole response. header may
// be nil; body may be nil.
func (c *Client) Do(ctx context.Context, method, query string, header http.Header, body io.Reader) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.URL(query), body)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return c.send(req)
}

// DoURL is Do for an absolute URL (a path outside Base, say).
func (c *Client) DoURL(ctx context.Context, method, url string, header http.Header, body io.Reader) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return c.send(req)
}

func (c *Client) send(req *http.Request) (*Response, error) {
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// PollQuery is the query of a polling request for sid.
func PollQuery(sid string) string { return "EIO=4&transport=polling&sid=" + sid }

// Get polls sid once: GET ?EIO=4&transport=polling&sid=...
func (c *Client) Get(ctx context.Context, sid string) (*Response, error) {
	return c.Do(ctx, http.MethodGet, PollQuery(sid), nil, nil)
}

// Post sends payload (already joined, see JoinPayload) for sid, as
// text/plain;charset=UTF-8 like the browser client.
func (c *Client) Post(ctx context.Context, sid, payload string) (*Response, error) {
	h := http.Header{"Content-Type": {"text/plain;charset=UTF-8"}}
	return c.Do(ctx, http.MethodPost, PollQuery(sid), h, strings.NewReader(payload))
}

// Open is a parsed open packet.
type Open struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"`
	PingTimeout  int64    `json:"pingTimeout"`
	MaxPayload   int64    `json:"maxPayload"`

	// Raw is the JSON exactly as received (without the leading '0').
	Raw string
	// Keys are the top-level keys of Raw, in the order they appear.
	Keys []string
}

// ParseOpen parses an open packet "0{...}".
func ParseOpen(packet string) (*Open, error) {
	raw, ok := strings.CutPrefix(packet, "0")
	if !ok {
		return nil, fmt.Errorf("eiotest: not an open packet: %q", packet)
	}
	var o Open
	if err := json.Unmarshal([]byte(raw), &o); err != nil {
		return nil, fmt.Errorf("eiotest: open packet %q: %w", packet, err)
	}
	keys, err := KeysInOrder(raw)
	if err != nil {
		return nil, err
	}
	o.Raw, o.Keys = raw, keys
	return &o, nil
}

// KeysInOrder returns the top-level keys of a JSON object in document order.
func KeysInOrder(obj string) ([]string, error) {
	dec := json.NewDecoder(strings.NewReader(obj))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("eiotest: not a JSON object: %q", obj)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// Handshake is the result of a polling handshake.
type Handshake struct {
	*Open
	// Response is the handshake GET's response.
	Response *Response
	// Rest holds the packets that followed the open packet in the same payload
	// (an initial packet, say).
	Rest []string
}

// Handshake opens a polling session: GET ?EIO=4&transport=polling. It fails
// unless the answer is 200 and starts with an open packet.
func (c *Client) Handshake(ctx context.Context) (*Handshake, error) {
	return c.HandshakeQuery(ctx, "EIO=4&transport=polling")
}

// HandshakeQuery is Handshake with a custom query (to add b64=1, say).
func (c *Client) HandshakeQuery(ctx context.Context, query string) (*Handshake, error) {
	resp, err := c.Do(ctx, http.MethodGet, query, nil, nil)
	if err != nil {
		return nil, err
	}
	if resp.Status != http.StatusOK {
		return nil, fmt.Errorf("eiotest: handshake: %s", resp)
	}
	pkts := resp.Packets()
	o, err := ParseOpen(pkts[0])
	if err != nil {
		return nil, err
	}
	return &Handshake{Open: o, Response: resp, Rest: pkts[1:]}, nil
}

// SplitPayload splits a polling payload on the record separator.
func SplitPayload(body []byte) []string {
	return strings.Split(string(body), RecordSeparator)
}

// JoinPayload joins packets into a polling payload.
func JoinPayload(packets ...string) string {
	return strings.Join(packets, RecordSeparator)
}

// ErrorBody is the JSON body of a refused polling or handshake request.
type ErrorBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// ErrorJSON returns the exact error body Node writes for code and message:
// compact JSON, with <, > and & left alone as JSON.stringify does.
func ErrorJSON(code int, message string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(ErrorBody{code, message})
	return strings.TrimSuffix(b.String(), "\n")
}

// WSConn is a raw WebSocket to the server.
type WSConn struct {
	*websocket.Conn
}

// DialWS opens a WebSocket to Base?query, for instance
// "EIO=4&transport=websocket" (a direct session) or
// "EIO=4&transport=websocket&sid=..." (an upgrade probe). On a refused
// handshake it returns websocket.ErrBadHandshake and the server's response
// (whose body gorilla keeps, up to 1 KiB).
func (c *Client) DialWS(ctx context.Context, query string, header http.Header) (*WSConn, *http.Response, error) {
	conn, resp, err := c.Dialer.DialContext(ctx, c.WSURL(query), header)
	if err != nil {
		return nil, resp, err
	}
	return &WSConn{conn}, resp, nil
}

// DialWSOpen opens a direct WebSocket session and reads its open packet.
func (c *Client) DialWSOpen(ctx context.Context, query string) (*WSConn, *Open, error) {
	ws, _, err := c.DialWS(ctx, query, nil)
	if err != nil {
		return nil, nil, err
	}
	typ, data, err := ws.ReadFrame(deadlineOf(ctx))
	if err == nil && typ != websocket.TextMessage {
		err = fmt.Errorf("eiotest: first frame is binary: %q", data)
	}
	var o *Open
	if err == nil {
		o, err = ParseOpen(string(data))
	}
	if err != nil {
		ws.Close()
		return nil, nil, err
	}
	return ws, o, nil
}

// DefaultTimeout bounds helpers given a context without a deadline.
const DefaultTimeout = 5 * time.Second

func deadlineOf(ctx context.Context) time.Time {
	if d, ok := ctx.Deadline(); ok {
		return d
	}
	return time.Now().Add(DefaultTimeout)
}

// ReadFrame reads one frame, failing at deadline. After a timeout the
// connection is unusable (gorilla/websocket's rule).
func (ws *WSConn) ReadFrame(deadline time.Time) (typ int, data []byte, err error) {
	ws.SetReadDeadline(deadline)
	return ws.ReadMessage()
}

// ReadText reads one frame and requires it to be text.
func (ws *WSConn) ReadText(deadline time.Time) (string, error) {
	typ, data, err := ws.ReadFrame(deadline)
	if err != nil {
		return "", err
	}
	if typ != websocket.TextMessage {
		return "", fmt.Errorf("eiotest: want a text frame, got binary %q", data)
	}
	return string(data), nil
}

// Frame is one WebSocket data frame.
type Frame struct {
	Binary bool
	Data   []byte
}

func (f Frame) String() string {
	if f.Binary {
		return fmt.Sprintf("binary %x", f.Data)
	}
	return fmt.Sprintf("text %q", f.Data)
}

// ReadUntilClose reads frames until the connection ends and returns them
// with the error that ended it: a *websocket.CloseError when the server sent
// a close frame. It fails with a timeout error if deadline passes first.
func (ws *WSConn) ReadUntilClose(deadline time.Time) ([]Frame, error) {
	var frames []Frame
	for {
		typ, data, err := ws.ReadFrame(deadline)
		if err != nil {
			return frames, err
		}
		frames = append(frames, Frame{Binary: typ == websocket.BinaryMessage, Data: data})
	}
}

// IsTimeout reports whether err is a read deadline expiring.
func IsTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne) && ne.Timeout()
}

// WriteText sends one text frame.
func (ws *WSConn) WriteText(s string) error {
	ws.SetWriteDeadline(time.Now().Add(DefaultTimeout))
	return ws.WriteMessage(websocket.TextMessage, []byte(s))
}

// WriteBinary sends one binary frame.
func (ws *WSConn) WriteBinary(b []byte) error {
	ws.SetWriteDeadline(time.Now().Add(DefaultTimeout))
	return ws.WriteMessage(websocket.BinaryMessage, b)
}

// CloseNormal sends a close frame (1000) and closes the connection.
func (ws *WSConn) CloseNormal() error {
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	err := ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	ws.Close()
	return err
}

// Probe runs the first half of an upgrade on ws: it sends "2probe" and
// requires "3probe" back before deadline.
func (ws *WSConn) Probe(deadline time.Time) error {
	if err := ws.WriteText("2probe"); err != nil {
		return err
	}
	got, err := ws.ReadText(deadline)
	if err != nil {
		return err
	}
	if got != "3probe" {
		return fmt.Errorf("eiotest: probe answered %q, want \"3probe\"", got)
	}
	return nil
}

// BadHandshakeBody returns the body of a refused WebSocket handshake
// response, as gorilla keeps it.
func BadHandshakeBody(resp *http.Response) string {
	if resp == nil || resp.Body == nil {
		return ""
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return string(b)
}

// RawRequest is an HTTP/1.1 request written by hand on its own TCP
// connection, for requests a test must hold half-sent: a POST whose body is
// still being written, say.
type RawRequest struct {
	Conn net.Conn
	br   *bufio.Reader
}

// StartRequest dials the server of Base and writes method Base?query with the
// given headers ("Name: value" lines) and the first part of the body. The
// rest is up to the caller (Conn.Write) or never comes.
func (c *Client) StartRequest(ctx context.Context, method, query string, headers []string, body []byte) (*RawRequest, error) {
	u, err := url.Parse(c.URL(query))
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, u.RequestURI(), u.Host)
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)
	conn.SetWriteDeadline(deadlineOf(ctx))
	if _, err := conn.Write(b.Bytes()); err != nil {
		conn.Close()
		return nil, err
	}
	return &RawRequest{Conn: conn, br: bufio.NewReader(conn)}, nil
}

// ReadResponse reads the response, body included, failing at deadline.
func (r *RawRequest) ReadResponse(deadline time.Time) (*Response, error) {
	r.Conn.SetReadDeadline(deadline)
	resp, err := http.ReadResponse(r.br, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// Close closes the connection.
func (r *RawRequest) Close() error { return r.Conn.Close() }
