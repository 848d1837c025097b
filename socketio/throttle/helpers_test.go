package throttle_test

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

// wait bounds every read and wait of the tests.
const wait = 3 * time.Second

var transports = []string{"websocket", "polling"}

type testServer struct {
	t   *testing.T
	io  *socketio.Server
	url string

	mu    sync.Mutex
	conns []*siotest.Conn
}

// startServer runs a server with opts on 127.0.0.1; setup registers
// handlers before the first request. Cleanup closes the clients, then the
// server, then checks that no goroutine is left behind.
func startServer(t *testing.T, opts socketio.Options, setup func(io *socketio.Server)) *testServer {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	io := socketio.NewServer(opts)
	if setup != nil {
		setup(io)
	}
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

// dial opens an Engine.IO session, or returns the handshake's error.
func (s *testServer) dial(transport string) (*siotest.Conn, error) {
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
		return nil, err
	}
	s.mu.Lock()
	s.conns = append(s.conns, c)
	s.mu.Unlock()
	return c, nil
}

// connect dials and joins the main namespace.
func (s *testServer) connect(transport string) (*siotest.Conn, *siotest.ConnectReply) {
	s.t.Helper()
	c, err := s.dial(transport)
	if err != nil {
		s.t.Fatalf("dial %s: %v", transport, err)
	}
	r, err := c.Connect("/", "", wait)
	if err != nil {
		s.t.Fatalf("connect %s: %v", transport, err)
	}
	return c, r
}

func send(t *testing.T, c *siotest.Conn, text string) {
	t.Helper()
	if err := c.Send(text); err != nil {
		t.Fatalf("send %q: %v", text, err)
	}
}

// sendAll sends packets at once (one POST over polling), so that they reach
// the server faster than any refill.
func sendAll(t *testing.T, c *siotest.Conn, texts ...string) {
	t.Helper()
	batch := make([]siotest.Packet, len(texts))
	for i, s := range texts {
		batch[i].Text = s
	}
	if err := c.SendBatch(batch); err != nil {
		t.Fatalf("send: %v", err)
	}
}

func read(t *testing.T, c *siotest.Conn) string {
	t.Helper()
	got, err := c.ReadText(wait)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	return got
}

func expect(t *testing.T, c *siotest.Conn, want string) {
	t.Helper()
	if got := read(t, c); got != want {
		t.Fatalf("got packet %q, want %q", got, want)
	}
}

// limitedAck is the default Reply as the client decodes it.
const limitedAck = `[{"error":"rate_limited","message":"too many events, slow down","ok":false}]`

// isLimited reports whether an ack packet's text carries the default Reply,
// whatever the order of its keys.
func isLimited(t *testing.T, text string) bool {
	t.Helper()
	if !strings.HasPrefix(text, "3") {
		t.Fatalf("packet %q is not an ack", text)
	}
	var got, want any
	if err := json.Unmarshal([]byte(siotest.Payload(text)), &got); err != nil {
		t.Fatalf("ack %q: %v", text, err)
	}
	json.Unmarshal([]byte(limitedAck), &want)
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	return string(g) == string(w)
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

// nothing checks that ch stays empty for a short while.
func nothing[T any](t *testing.T, ch <-chan T, d time.Duration) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("unexpected %v", v)
	case <-time.After(d):
	}
}
