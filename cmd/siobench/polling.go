package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// probeTimeout is how long connect waits for "3probe". The official
// client waits until the server's upgrade timeout (10 s by default) closes
// the probe and then stays on polling; the benchmark gives up sooner,
// closes the session and counts a failed upgrade.
const probeTimeout = 2 * time.Second

// errUpgradeFailed marks a handshake whose probe was not answered.
var errUpgradeFailed = errors.New("upgrade failed")

// poller is one connect worker's client for the polling transport. It has
// an http.Transport of its own, so its keep-alive connections carry the
// polling requests of one handshake after another, as a browser reuses its
// connections to a server; the WebSocket of each upgrade is a new
// connection, as in a browser.
type poller struct {
	d    *dialer
	base string // "http://host:port"
	tr   *http.Transport
	hc   *http.Client
	t    uint64 // cache buster, as the client's t= query parameter
	buf  []byte // body of the last GET
	post []byte // body of the last POST
	pend []byte // body of the poll pending during an upgrade
}

func newPoller(d *dialer, base string) *poller {
	tr := &http.Transport{
		DialContext:         d.netDial,
		MaxIdleConnsPerHost: 2, // a pending GET and a POST at most
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
		WriteBufferSize:     1024,
	}
	return &poller{d: d, base: base, tr: tr, hc: &http.Client{Transport: tr}}
}

// Close closes the worker's keep-alive connections.
func (p *poller) Close() { p.tr.CloseIdleConnections() }

func (p *poller) url(sid string) string {
	p.t++
	b := make([]byte, 0, len(p.base)+64+len(sid))
	b = append(b, p.base...)
	b = append(b, "/socket.io/?EIO=4&transport=polling&t="...)
	b = strconv.AppendUint(b, p.t, 36)
	if sid != "" {
		b = append(b, "&sid="...)
		b = append(b, url.QueryEscape(sid)...)
	}
	return string(b)
}

// do sends one polling request (a POST when body is not empty) and reads
// the answer's body into *dst; any status but 200 is an error.
func (p *poller) do(ctx context.Context, sid, body string, dst *[]byte) error {
	method := http.MethodGet
	var rb io.Reader
	if body != "" {
		method, rb = http.MethodPost, strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.url(sid), rb)
	if err != nil {
		return err
	}
	if body != "" {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8") // what a browser's XHR sends
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return err
	}
	b, err := readBody(resp.Body, (*dst)[:0])
	resp.Body.Close()
	*dst = b
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	if resp.StatusCode != http.StatusOK {
		if len(b) > 100 {
			b = b[:100]
		}
		return fmt.Errorf("%s: %s: %q", method, resp.Status, b)
	}
	return nil
}

// readBody reads r to its end into buf, which it grows as needed.
func readBody(r io.Reader, buf []byte) ([]byte, error) {
	if cap(buf) == 0 {
		buf = make([]byte, 0, 256)
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// parseOpen returns the session id of a polling handshake's answer, which
// must be an open packet offering the websocket upgrade.
func parseOpen(payload []byte) (string, error) {
	pkt, _, _ := bytes.Cut(payload, []byte{0x1e})
	if len(pkt) == 0 || pkt[0] != '0' {
		return "", fmt.Errorf("open packet: got %q", payload)
	}
	var open struct {
		Sid      string   `json:"sid"`
		Upgrades []string `json:"upgrades"`
	}
	if err := json.Unmarshal(pkt[1:], &open); err != nil || open.Sid == "" {
		return "", fmt.Errorf("open packet: %q: %v", pkt, err)
	}
	if !slices.Contains(open.Upgrades, "websocket") {
		return "", fmt.Errorf("open packet: no websocket upgrade offered: %s", pkt)
	}
	return open.Sid, nil
}

// scan handles the packets of a polling payload: it reports whether the
// CONNECT answer for "/" was among them, and answers pings.
func (p *poller) scan(ctx context.Context, sid string, payload []byte) (connected bool, err error) {
	for len(payload) > 0 {
		var pkt []byte
		pkt, payload, _ = bytes.Cut(payload, []byte{0x1e})
		switch {
		case bytes.HasPrefix(pkt, []byte("40")):
			connected = true
		case bytes.HasPrefix(pkt, []byte("44")):
			return false, fmt.Errorf("connect refused: %s", pkt)
		case bytes.Equal(pkt, []byte("2")):
			if err := p.do(ctx, sid, "3", &p.post); err != nil {
				return false, fmt.Errorf("pong: %w", err)
			}
		case len(pkt) > 0 && pkt[0] == '1':
			return false, errors.New("session closed by the server")
		}
	}
	return connected, nil
}

// connect opens a Socket.IO session to "/" the way socket.io-client does
// by default: the Engine.IO handshake over polling; CONNECT posted and its
// answer polled; then the upgrade: a WebSocket with the session id,
// "2probe" answered by "3probe", polling paused (the server releases the
// pending poll with a noop), and "5". It returns the upgraded WebSocket.
func (p *poller) connect(ctx context.Context) (*Conn, error) {
	if err := p.do(ctx, "", "", &p.buf); err != nil {
		return nil, fmt.Errorf("polling handshake: %w", err)
	}
	sid, err := parseOpen(p.buf)
	if err != nil {
		return nil, fmt.Errorf("polling handshake: %w", err)
	}
	if err := p.do(ctx, sid, "40", &p.post); err != nil {
		return nil, fmt.Errorf("CONNECT over polling: %w", err)
	}
	if string(p.post) != "ok" {
		return nil, fmt.Errorf("CONNECT over polling: POST answered %q, want \"ok\"", p.post)
	}
	connected := false
	for !connected {
		if err := p.do(ctx, sid, "", &p.buf); err != nil {
			return nil, fmt.Errorf("polling for the CONNECT answer: %w", err)
		}
		if connected, err = p.scan(ctx, sid, p.buf); err != nil {
			return nil, fmt.Errorf("polling for the CONNECT answer: %w", err)
		}
	}

	// The client polls on while it probes the WebSocket.
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	poll := p.startPoll(pctx, sid)
	u := "ws" + p.base[len("http"):] + "/socket.io/?EIO=4&transport=websocket&sid=" + url.QueryEscape(sid)
	ws, _, err := p.d.ws.DialContext(ctx, u, nil)
	if err != nil {
		cancel()
		<-poll
		return nil, fmt.Errorf("upgrade: %w", err)
	}
	c := &Conn{ws: ws}
	fail := func(what string, err error) (*Conn, error) {
		cancel()
		c.Close()
		<-poll
		return nil, fmt.Errorf("upgrade: %s: %w", what, err)
	}
	dl, ok := ctx.Deadline()
	if !ok {
		dl = time.Now().Add(10 * time.Second)
	}
	ws.SetReadDeadline(time.Now().Add(probeTimeout))
	if err := c.Write([]byte("2probe")); err != nil {
		return fail("2probe", err)
	}
	msg, err := c.next()
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		// Close the session that stays on polling: drop the pending
		// poll, then post a close packet.
		cancel()
		c.Close()
		<-poll
		p.do(ctx, sid, "1", &p.post)
		return nil, fmt.Errorf("%w: no 3probe within %v", errUpgradeFailed, probeTimeout)
	}
	if err != nil {
		return fail("waiting for 3probe", err)
	}
	ws.SetReadDeadline(dl)
	if string(msg) != "3probe" {
		return fail("waiting for 3probe", fmt.Errorf("got %q", msg))
	}
	// Pause polling: wait for the pending poll, which the server answers
	// with a noop (or with what it had queued).
	select {
	case err = <-poll:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		return fail("pending poll", err)
	}
	if ok, err := p.scan(ctx, sid, p.pend); err != nil {
		return fail("pending poll", err)
	} else if ok {
		connected = true
	}
	if err := c.Write([]byte("5")); err != nil {
		return fail("5", err)
	}
	for !connected { // not reached by the servers we know, which answer CONNECT at once
		msg, err := c.next()
		if err != nil {
			return fail("CONNECT answer", err)
		}
		switch {
		case bytes.HasPrefix(msg, []byte("40")):
			connected = true
		case bytes.Equal(msg, []byte("2")):
			c.Write([]byte("3"))
		case bytes.HasPrefix(msg, []byte("44")):
			return fail("CONNECT answer", fmt.Errorf("refused: %s", msg))
		}
	}
	ws.SetReadDeadline(time.Time{})
	return c, nil
}

// startPoll sends a GET that the server holds open, and returns once the
// request is written (or has failed). The returned channel gets the GET's
// outcome, its body in p.pend.
func (p *poller) startPoll(ctx context.Context, sid string) <-chan error {
	written := make(chan struct{})
	var once sync.Once
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) {
		once.Do(func() { close(written) })
	}}
	done := make(chan error, 1)
	go func() {
		err := p.do(httptrace.WithClientTrace(ctx, trace), sid, "", &p.pend)
		once.Do(func() { close(written) })
		done <- err
	}()
	<-written
	return done
}
