package roomauth_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/socketio"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every read and wait of the tests.
const wait = 3 * time.Second

type testServer struct {
	t   *testing.T
	io  *socketio.Server
	url string

	mu    sync.Mutex
	conns []*siotest.Conn
}

// startServer runs a server on 127.0.0.1; setup registers handlers before
// the first request. Cleanup closes the clients, then the server, then
// checks that no goroutine is left behind.
func startServer(t *testing.T, setup func(io *socketio.Server)) *testServer {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	io := socketio.NewServer(socketio.Options{})
	setup(io)
	ts := httptest.NewServer(io)
	s := &testServer{t: t, io: io, url: ts.URL + "/socket.io/"}
	t.Cleanup(func() {
		s.mu.Lock()
		conns := s.conns
		s.mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
		io.Close()
		ts.Close()
		goleak.VerifyNone(t, ignore)
	})
	return s
}

// connect opens a WebSocket session and joins the main namespace with auth.
func (s *testServer) connect(auth string) (*siotest.Conn, *siotest.ConnectReply) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, err := siotest.DialWebSocket(ctx, s.url, "")
	if err != nil {
		s.t.Fatalf("dial: %v", err)
	}
	s.mu.Lock()
	s.conns = append(s.conns, c)
	s.mu.Unlock()
	r, err := c.Connect("/", auth, wait)
	if err != nil {
		s.t.Fatalf("connect: %v", err)
	}
	return c, r
}

func send(t *testing.T, c *siotest.Conn, text string) {
	t.Helper()
	if err := c.Send(text); err != nil {
		t.Fatalf("send %q: %v", text, err)
	}
}

func expect(t *testing.T, c *siotest.Conn, want string) {
	t.Helper()
	got, err := c.ReadText(wait)
	if err != nil {
		t.Fatalf("reading (want %q): %v", want, err)
	}
	if got != want {
		t.Fatalf("got packet %q, want %q", got, want)
	}
}

func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		var zero T
		t.Fatalf("timed out waiting for a %T", zero)
		return zero
	}
}
