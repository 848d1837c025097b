package engineio_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/internal/eiotest"
)

// waitTimeout bounds every wait for an event. Events normally arrive within
// milliseconds; the bound only turns a hang into a failure.
const waitTimeout = 5 * time.Second

// leakCheck verifies, once every other cleanup of t has run (servers
// closed, clients closed), that t left no goroutine behind. Call it first in
// a test: cleanups run last-registered first, so this one runs last.
// Nothing is ignored: the server's idle sessions own no goroutine, and the
// test client's keep-alive goroutines end when the listener closes.
func leakCheck(t *testing.T) {
	t.Helper()
	t.Cleanup(func() { goleak.VerifyNone(t) })
}

// closeEvent is one OnClose call.
type closeEvent struct {
	id, reason string
	cause      error
}

// env is a server on a real listener with a raw client.
type env struct {
	t      *testing.T
	srv    *engineio.Server
	ts     *httptest.Server
	c      *eiotest.Client
	conns  chan *engineio.Socket // every new session
	closes chan closeEvent       // every OnClose
}

// startServer serves engineio.NewServer(opts) on a fresh listener, records
// sessions and close events, and, if echo is set, sends every incoming
// message back unchanged. Server and client are closed in t.Cleanup.
func startServer(t *testing.T, opts engineio.Options, echo bool) *env {
	t.Helper()
	e := &env{
		t:      t,
		conns:  make(chan *engineio.Socket, 64),
		closes: make(chan closeEvent, 64),
	}
	user := opts.OnConnection
	opts.OnConnection = func(s *engineio.Socket) {
		s.OnClose(func(reason string, cause error) {
			e.closes <- closeEvent{s.ID(), reason, cause}
		})
		if echo {
			s.OnMessage(func(data []byte, binary bool) {
				s.Send(engineio.NewMessage(data, binary))
			})
		}
		if user != nil {
			user(s)
		}
		e.conns <- s
	}
	e.srv = engineio.NewServer(opts)
	e.ts = httptest.NewServer(e.srv)
	path := opts.Path
	if path == "" {
		path = "/engine.io/"
	}
	e.c = eiotest.New(e.ts.URL + path)
	// Cleanups run in reverse: the engine.io server first (it answers the
	// pending polls, so httptest can finish its requests), then the
	// listener, then the client's idle connections.
	t.Cleanup(e.c.Close)
	t.Cleanup(e.ts.Close)
	t.Cleanup(func() { e.srv.Close() })
	return e
}

// startHandler serves h (a mux holding an engine.io server, say) with a
// client for base path.
func startHandler(t *testing.T, srv *engineio.Server, h http.Handler, path string) *env {
	t.Helper()
	e := &env{t: t, srv: srv, ts: httptest.NewServer(h)}
	e.c = eiotest.New(e.ts.URL + path)
	t.Cleanup(e.c.Close)
	t.Cleanup(e.ts.Close)
	t.Cleanup(func() { srv.Close() })
	return e
}

// ctx returns a context that ends after waitTimeout or with the test.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), waitTimeout)
	t.Cleanup(cancel)
	return c
}

func deadline() time.Time { return time.Now().Add(waitTimeout) }

// handshake opens a polling session and returns its open packet.
func (e *env) handshake() *eiotest.Handshake {
	e.t.Helper()
	h, err := e.c.Handshake(ctx(e.t))
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// session waits for the server side of the next new session.
func (e *env) session() *engineio.Socket {
	e.t.Helper()
	select {
	case s := <-e.conns:
		return s
	case <-time.After(waitTimeout):
		e.t.Fatal("no new session")
		return nil
	}
}

// waitClose waits for the next OnClose and checks its session and reason.
func (e *env) waitClose(id, reason string) closeEvent {
	e.t.Helper()
	select {
	case ev := <-e.closes:
		if ev.id != id || ev.reason != reason {
			e.t.Fatalf("OnClose(%q) for %s, want %q for %s (cause %v)", ev.reason, ev.id, reason, id, ev.cause)
		}
		return ev
	case <-time.After(waitTimeout):
		e.t.Fatalf("session %s not closed, want reason %q", id, reason)
		return closeEvent{}
	}
}

// noClose fails if any session has been closed so far.
func (e *env) noClose() {
	e.t.Helper()
	select {
	case ev := <-e.closes:
		e.t.Fatalf("unexpected OnClose(%q) for %s (cause %v)", ev.reason, ev.id, ev.cause)
	default:
	}
}

func (e *env) get(id string) *eiotest.Response {
	e.t.Helper()
	r, err := e.c.Get(ctx(e.t), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) post(id string, packets ...string) *eiotest.Response {
	e.t.Helper()
	r, err := e.c.Post(ctx(e.t), id, eiotest.JoinPayload(packets...))
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// postOK posts packets and requires Node's 200 "ok".
func (e *env) postOK(id string, packets ...string) {
	e.t.Helper()
	r := e.post(id, packets...)
	if r.Status != http.StatusOK || string(r.Body) != "ok" {
		e.t.Fatalf("POST %q: %s, want 200 ok", packets, r)
	}
}

// do sends a request with query and an optional body.
func (e *env) do(method, query string, header http.Header, body string) *eiotest.Response {
	e.t.Helper()
	var r *eiotest.Response
	var err error
	if body == "" {
		r, err = e.c.Do(ctx(e.t), method, query, header, nil)
	} else {
		r, err = e.c.Do(ctx(e.t), method, query, header, strings.NewReader(body))
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// pollResult is the outcome of a GET run in the background.
type pollResult struct {
	r   *eiotest.Response
	err error
}

// getAsync polls in the background; the result arrives on the channel.
func (e *env) getAsync(id string) <-chan pollResult {
	ch := make(chan pollResult, 1)
	c := ctx(e.t)
	go func() {
		r, err := e.c.Get(c, id)
		ch <- pollResult{r, err}
	}()
	return ch
}

func (e *env) waitPoll(ch <-chan pollResult) *eiotest.Response {
	e.t.Helper()
	select {
	case p := <-ch:
		if p.err != nil {
			e.t.Fatal(p.err)
		}
		return p.r
	case <-time.After(waitTimeout):
		e.t.Fatal("poll not answered")
		return nil
	}
}

// wantError checks a refused polling or handshake request: Node's status,
// Content-Type and exact JSON body.
func wantError(t *testing.T, r *eiotest.Response, status, code int, message string) {
	t.Helper()
	want := eiotest.ErrorJSON(code, message)
	if r.Status != status || string(r.Body) != want || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("got %s, want %d application/json %s", r, status, want)
	}
}

// wantUpgradeRefused checks a refused WebSocket handshake: a plain 400 with
// the message as text/html and no 101.
func wantUpgradeRefused(t *testing.T, e *env, query, message string) {
	t.Helper()
	ws, resp, err := e.c.DialWS(ctx(t), query, nil)
	if err == nil {
		ws.Close()
		t.Fatalf("WebSocket %s accepted, want 400 %q", query, message)
	}
	if resp == nil {
		t.Fatalf("WebSocket %s: %v, want a 400 response", query, err)
	}
	body := eiotest.BadHandshakeBody(resp)
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Content-Type") != "text/html" || body != message {
		t.Fatalf("WebSocket %s: %d %q %q, want 400 text/html %q", query, resp.StatusCode, resp.Header.Get("Content-Type"), body, message)
	}
}

// collectUntilClose polls id until a payload carries the close packet and
// returns every packet before it, noops left out.
func (e *env) collectUntilClose(id string) []string {
	e.t.Helper()
	var got []string
	for range 10 {
		r := e.get(id)
		if r.Status != http.StatusOK {
			e.t.Fatalf("GET while waiting for the close packet: %s (so far %q)", r, got)
		}
		for _, p := range r.Packets() {
			switch p {
			case "1":
				return got
			case "6":
			default:
				got = append(got, p)
			}
		}
	}
	e.t.Fatalf("no close packet in 10 polls; got %q", got)
	return nil
}

// waitFor waits until cond holds, checking every millisecond, and fails
// after waitTimeout. It is for server states that have no event.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	timeout := time.After(waitTimeout)
	for !cond() {
		select {
		case <-tick.C:
		case <-timeout:
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

// getPending starts a GET for s and returns once the server holds it.
func (e *env) getPending(s *engineio.Socket) <-chan pollResult {
	e.t.Helper()
	ch := e.getAsync(s.ID())
	waitFor(e.t, "the server holds the GET", func() bool { return engineio.PollPending(s) })
	return ch
}

func deadlineC() <-chan time.Time { return time.After(waitTimeout) }
