package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// The soak needs what internal/siotest does not give: reading and writing
// from different goroutines at once, over polling too, where Engine.IO
// refuses two POSTs in flight (it closes the session). So this file has a
// small Engine.IO 4 client of its own, text packets only (the chat sends
// no binary).

// errClosed is returned once the session is over, whoever ended it.
var errClosed = errors.New("siosoak: session closed")

// session is one Engine.IO session over WebSocket or long-polling.
type session interface {
	// recv returns the next Engine.IO packets (type digit first); over
	// polling, one poll's worth. It answers pings itself.
	recv() ([]string, error)
	// send sends Engine.IO packets; safe to call with recv in flight.
	send(pkts ...string) error
	// close ends the session: gracefully (a close packet) or not (the
	// connection just goes away, as a lost network).
	close(graceful bool)
}

// dialSession opens a session of the given transport to base
// ("http://host:port") and returns it with its open packet's sid.
func dialSession(ctx context.Context, d *dialer, base, transport string) (session, error) {
	if transport == "websocket" {
		return dialWS(ctx, &d.ws, base)
	}
	hc := d.hc
	return dialPolling(ctx, hc, base)
}

type wsSession struct {
	ws  *websocket.Conn
	wmu sync.Mutex
}

// dialer holds what every session shares: WebSocket buffers and the HTTP
// connections of long-polling.
type dialer struct {
	ws websocket.Dialer
	hc *http.Client
}

func newDialer(clients int) *dialer {
	return &dialer{
		ws: websocket.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 1024, WriteBufferPool: &sync.Pool{}},
		// A polling session holds two connections: its poll and its POST.
		// Idle ones are closed before the server's IdleTimeout (a minute
		// in cmd/siogo) can: a POST sent on a connection the server is
		// closing gets a reset, which Go's client does not retry for a
		// POST (browsers do), and the session would end.
		hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * clients, IdleConnTimeout: 30 * time.Second, DisableCompression: true}},
	}
}

func (d *dialer) close() { d.hc.CloseIdleConnections() }

func dialWS(ctx context.Context, wsd *websocket.Dialer, base string) (*wsSession, error) {
	u := "ws" + strings.TrimPrefix(base, "http") + "/socket.io/?EIO=4&transport=websocket"
	ws, _, err := wsd.DialContext(ctx, u, nil)
	if err != nil {
		return nil, err
	}
	s := &wsSession{ws: ws}
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, open, err := ws.ReadMessage()
	ws.SetReadDeadline(time.Time{})
	if err != nil || len(open) == 0 || open[0] != '0' {
		ws.Close()
		return nil, fmt.Errorf("open packet %q: %v", open, err)
	}
	return s, nil
}

func (s *wsSession) recv() ([]string, error) {
	for {
		typ, b, err := s.ws.ReadMessage()
		if err != nil {
			return nil, errors.Join(errClosed, err)
		}
		if typ != websocket.TextMessage || len(b) == 0 {
			continue
		}
		switch b[0] {
		case '2':
			if err := s.send("3"); err != nil {
				return nil, err
			}
			continue
		case '1':
			return nil, errClosed
		}
		return []string{string(b)}, nil
	}
}

func (s *wsSession) send(pkts ...string) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	for _, p := range pkts {
		if err := s.ws.WriteMessage(websocket.TextMessage, []byte(p)); err != nil {
			return errors.Join(errClosed, err)
		}
	}
	return nil
}

func (s *wsSession) close(graceful bool) {
	if graceful {
		s.send("1")
		s.wmu.Lock()
		s.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		s.wmu.Unlock()
	}
	s.ws.Close()
}

// pollSession batches what is sent as engine.io-client does: packets
// queue while a POST is in flight and go together in the next one, so a
// busy client makes one POST per round trip, not one per packet.
type pollSession struct {
	hc   *http.Client
	url  string // with the sid
	ctx  context.Context
	stop context.CancelFunc

	mu      sync.Mutex
	queue   []string
	drained chan struct{} // closed when the POST in flight ends with an empty queue; nil when none is
	err     error         // the first failed POST's
}

func dialPolling(ctx context.Context, hc *http.Client, base string) (*pollSession, error) {
	u := base + "/socket.io/?EIO=4&transport=polling"
	body, err := do(ctx, hc, http.MethodGet, u, "")
	if err != nil {
		return nil, err
	}
	open, _, _ := strings.Cut(body, "\x1e")
	var o struct {
		SID string `json:"sid"`
	}
	if !strings.HasPrefix(open, "0") || json.Unmarshal([]byte(open[1:]), &o) != nil || o.SID == "" {
		return nil, fmt.Errorf("open packet %q", open)
	}
	sctx, stop := context.WithCancel(context.Background())
	return &pollSession{hc: hc, url: u + "&sid=" + o.SID, ctx: sctx, stop: stop}, nil
}

func (s *pollSession) recv() ([]string, error) {
	for {
		// A poll lasts at most a ping interval; the bound is a safety net.
		ctx, cancel := context.WithTimeout(s.ctx, 2*time.Minute)
		body, err := do(ctx, s.hc, http.MethodGet, s.url, "")
		cancel()
		if err != nil {
			return nil, errors.Join(errClosed, err)
		}
		var out []string
		for p := range strings.SplitSeq(body, "\x1e") {
			switch {
			case p == "" || p[0] == '6': // noop: the server ends a poll for an upgrade or a close
			case p[0] == '2':
				if err := s.send("3"); err != nil {
					return nil, err
				}
			case p[0] == '1':
				return out, errClosed
			default:
				out = append(out, p)
			}
		}
		if len(out) > 0 {
			return out, nil
		}
	}
}

func (s *pollSession) send(pkts ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.queue = append(s.queue, pkts...)
	if s.drained == nil {
		s.drained = make(chan struct{})
		go s.flush(s.drained)
	}
	return nil
}

// flush POSTs the queue until it is empty, then closes drained.
func (s *pollSession) flush(drained chan struct{}) {
	for {
		s.mu.Lock()
		batch := s.queue
		s.queue = nil
		if len(batch) == 0 || s.err != nil {
			s.drained = nil
			s.mu.Unlock()
			close(drained)
			return
		}
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(s.ctx, 20*time.Second)
		body, err := do(ctx, s.hc, http.MethodPost, s.url, strings.Join(batch, "\x1e"))
		cancel()
		if err == nil && body != "ok" {
			err = fmt.Errorf("POST answered %q", body)
		}
		if err != nil {
			s.mu.Lock()
			s.err = errors.Join(errClosed, err)
			s.mu.Unlock()
		}
	}
}

func (s *pollSession) close(graceful bool) {
	if graceful && s.send("1") == nil {
		s.mu.Lock()
		drained := s.drained
		s.mu.Unlock()
		if drained != nil {
			select {
			case <-drained:
			case <-time.After(10 * time.Second):
			}
		}
	}
	// Cancelling the poll in flight is the client going away: the server
	// sees the request end (Node and siogo close the session on it).
	s.stop()
}

// do runs one HTTP request and returns the body of a 200.
func do(ctx context.Context, hc *http.Client, method, url, body string) (string, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return "", err
	}
	if r != nil {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s %s: HTTP %d %q", method, url, resp.StatusCode, b)
	}
	return string(b), nil
}
