package throttle_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/socketio"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every read and wait of the tests.
const wait = siotest.Wait

var transports = []string{"websocket", "polling"}

// testServer is a siotest.Server under the short names these tests use.
type testServer struct {
	*siotest.Server
	t   *testing.T
	url string
}

// startServer runs a server with opts on 127.0.0.1; setup registers
// handlers before the first request. Cleanup closes the clients, then the
// server, then checks that no goroutine is left behind.
func startServer(t *testing.T, opts socketio.Options, setup func(io *socketio.Server)) *testServer {
	t.Helper()
	s := siotest.StartServer(t, opts, setup)
	return &testServer{Server: s, t: t, url: s.URL}
}

// connect dials and joins the main namespace.
func (s *testServer) connect(transport string) (*siotest.Conn, *siotest.ConnectReply) {
	s.t.Helper()
	return s.Connect(s.t, transport, "/", "")
}

func send(t *testing.T, c *siotest.Conn, text string) {
	t.Helper()
	siotest.Send(t, c, text)
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
	return siotest.Read(t, c)
}

func expect(t *testing.T, c *siotest.Conn, want string) {
	t.Helper()
	siotest.Expect(t, c, want)
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
	return siotest.Recv(t, ch)
}

func nothing[T any](t *testing.T, ch <-chan T, d time.Duration) {
	t.Helper()
	siotest.Nothing(t, ch, d)
}
