package siotest

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/siogo/siogo/socketio"
)

// Wait bounds every read and wait of the helpers of this package. A server
// on the loopback answers within milliseconds, even under the race
// detector: a test that waits longer has found a bug, not a slow machine.
const Wait = 3 * time.Second

// Server is a socketio.Server on a real listener on 127.0.0.1, for one
// test.
//
// The connections it dials belong to the test: the test's cleanup closes
// them, then the server, then runs the functions given to AfterClose, then
// checks that no goroutine started since StartServer is still running.
type Server struct {
	// IO is the server under test.
	IO *socketio.Server
	// URL is the URL of its Socket.IO path,
	// "http://127.0.0.1:port/socket.io/".
	URL string

	mu      sync.Mutex
	closers []func() // the clients', in the order they were made
	after   []func()
}

// StartServer serves a socketio.Server made with opts. setup, if not nil,
// registers handlers before the listener exists, so that no request can
// arrive before them.
func StartServer(t testing.TB, opts socketio.Options, setup func(*socketio.Server)) *Server {
	t.Helper()
	// Goroutines running now are other tests' or the runtime's: only
	// those started from here on must be gone at cleanup.
	ignore := goleak.IgnoreCurrent()
	io := socketio.NewServer(opts)
	if setup != nil {
		setup(io)
	}
	ts := httptest.NewServer(io)
	s := &Server{IO: io, URL: ts.URL + "/socket.io/"}
	t.Cleanup(func() {
		s.mu.Lock()
		closers, after := s.closers, s.after
		s.mu.Unlock()
		// Clients first: a server closed under its clients would test
		// the shutdown, not what the test meant to.
		for _, c := range closers {
			c()
		}
		io.Close()
		ts.Close()
		for _, fn := range after {
			fn()
		}
		goleak.VerifyNone(t, ignore)
	})
	return s
}

// Track has the test's cleanup call fn with the clients' Close, before
// the server is closed: for a connection made other than by Dial.
func (s *Server) Track(fn func()) {
	s.mu.Lock()
	s.closers = append(s.closers, fn)
	s.mu.Unlock()
}

// AfterClose has the test's cleanup call fn once the server is closed,
// before the goroutine check: to wait for work that outlives the server
// for a moment.
func (s *Server) AfterClose(fn func()) {
	s.mu.Lock()
	s.after = append(s.after, fn)
	s.mu.Unlock()
}

// Dial opens an Engine.IO session over transport ("websocket" or
// "polling"), with query added to the handshake (may be ""), and joins no
// namespace. It fails the test if the handshake does.
func (s *Server) Dial(t testing.TB, transport, query string) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	dial := DialWebSocket
	if transport == "polling" {
		dial = DialPolling
	}
	c, err := dial(ctx, s.URL, query)
	if err != nil {
		t.Fatalf("dial %s: %v", transport, err)
	}
	s.Track(c.Close)
	return c
}

// Connect dials and joins nsp with auth (a JSON object, or "" for none).
// It fails the test unless the server accepts.
func (s *Server) Connect(t testing.TB, transport, nsp, auth string) (*Conn, *ConnectReply) {
	t.Helper()
	c := s.Dial(t, transport, "")
	r, err := c.Connect(nsp, auth, Wait)
	if err != nil {
		t.Fatalf("connect %s %s: %v", transport, nsp, err)
	}
	return c, r
}
