package socketio_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/socketio"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every read and wait of the integration tests.
const wait = 3 * time.Second

// transports lists the ways a test client can connect.
var transports = []string{"websocket", "polling"}

type testServer struct {
	t   *testing.T
	io  *socketio.Server
	ts  *httptest.Server
	url string

	mu    sync.Mutex
	conns []*siotest.Conn
}

// startServer starts io with opts behind a real listener; setup registers
// handlers before the first request. Cleanup closes every client, then the
// server, then checks that no goroutine is left behind.
func startServer(t *testing.T, opts socketio.Options, setup func(io *socketio.Server)) *testServer {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	io := socketio.NewServer(opts)
	if setup != nil {
		setup(io)
	}
	ts := httptest.NewServer(io)
	s := &testServer{t: t, io: io, ts: ts, url: ts.URL + "/socket.io/"}
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

// dial opens an Engine.IO session without joining any namespace.
func (s *testServer) dial(transport string) *siotest.Conn {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	var c *siotest.Conn
	var err error
	if transport == "polling" {
		c, err = siotest.DialPolling(ctx, s.url, "")
	} else {
		c, err = siotest.DialWebSocket(ctx, s.url, "")
	}
	if err != nil {
		s.t.Fatalf("dial %s: %v", transport, err)
	}
	s.mu.Lock()
	s.conns = append(s.conns, c)
	s.mu.Unlock()
	return c
}

// connect dials and joins nsp with auth.
func (s *testServer) connect(transport, nsp, auth string) (*siotest.Conn, *siotest.ConnectReply) {
	s.t.Helper()
	c := s.dial(transport)
	r, err := c.Connect(nsp, auth, wait)
	if err != nil {
		s.t.Fatalf("connect %s %s: %v", transport, nsp, err)
	}
	return c, r
}

// expect reads the next packet and compares its text.
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

// expectPrefix reads the next packet and checks its beginning.
func expectPrefix(t *testing.T, c *siotest.Conn, prefix string) string {
	t.Helper()
	got, err := c.ReadText(wait)
	if err != nil {
		t.Fatalf("reading (want %q...): %v", prefix, err)
	}
	if !strings.HasPrefix(got, prefix) {
		t.Fatalf("got packet %q, want prefix %q", got, prefix)
	}
	return got
}

func send(t *testing.T, c *siotest.Conn, text string, atts ...[]byte) {
	t.Helper()
	if err := c.Send(text, atts...); err != nil {
		t.Fatalf("send %q: %v", text, err)
	}
}

// expectClosed waits until the server ends the session.
func expectClosed(t *testing.T, c *siotest.Conn) []siotest.Packet {
	t.Helper()
	got, err := c.Closed(wait)
	if err != nil {
		t.Fatalf("connection not closed: %v (received %v)", err, got)
	}
	return got
}

// recv waits for a value on ch.
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

// nothing checks that ch stays empty for a short while.
func nothing[T any](t *testing.T, ch <-chan T, d time.Duration) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("unexpected %v", v)
	case <-time.After(d):
	}
}

// keysOf returns the top-level keys of a JSON object, in order.
func keysOf(t *testing.T, obj string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(obj))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %q", obj)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// sockets collects the server-side sockets of a namespace as they connect.
func sockets(nsp *socketio.Namespace) <-chan *socketio.Socket {
	ch := make(chan *socketio.Socket, 64)
	nsp.OnConnection(func(s *socketio.Socket) { ch <- s })
	return ch
}

// reasons collects the disconnect reasons of every socket of nsp.
func reasons(nsp *socketio.Namespace) <-chan string {
	ch := make(chan string, 64)
	nsp.OnConnection(func(s *socketio.Socket) { s.OnDisconnect(func(r string) { ch <- r }) })
	return ch
}

func jsonString(raw json.RawMessage, s *string) error { return json.Unmarshal(raw, s) }
