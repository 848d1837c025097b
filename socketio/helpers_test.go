package socketio_test

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

// wait bounds every read and wait of the integration tests.
const wait = siotest.Wait

// transports lists the ways a test client can connect.
var transports = []string{"websocket", "polling"}

// testServer is a siotest.Server under the short names these tests use.
type testServer struct {
	*siotest.Server
	t  *testing.T
	io *socketio.Server
}

// startServer starts a server with opts; setup registers handlers before
// the first request. Cleanup closes every client, then the server, then
// checks that no goroutine is left behind.
func startServer(t *testing.T, opts socketio.Options, setup func(io *socketio.Server)) *testServer {
	t.Helper()
	s := siotest.StartServer(t, opts, setup)
	return &testServer{Server: s, t: t, io: s.IO}
}

// dial opens an Engine.IO session without joining any namespace.
func (s *testServer) dial(transport string) *siotest.Conn {
	s.t.Helper()
	return s.Dial(s.t, transport, "")
}

// connect dials and joins nsp with auth.
func (s *testServer) connect(transport, nsp, auth string) (*siotest.Conn, *siotest.ConnectReply) {
	s.t.Helper()
	return s.Connect(s.t, transport, nsp, auth)
}

// The helpers below bind siotest's to the names these tests call.

func expect(t *testing.T, c *siotest.Conn, want string) {
	t.Helper()
	siotest.Expect(t, c, want)
}

func expectPrefix(t *testing.T, c *siotest.Conn, prefix string) string {
	t.Helper()
	return siotest.ExpectPrefix(t, c, prefix)
}

func send(t *testing.T, c *siotest.Conn, text string, atts ...[]byte) {
	t.Helper()
	siotest.Send(t, c, text, atts...)
}

func expectClosed(t *testing.T, c *siotest.Conn) []siotest.Packet {
	t.Helper()
	return siotest.ExpectClosed(t, c)
}

func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	return siotest.Recv(t, ch)
}

func nothing[T any](t *testing.T, ch <-chan T, d time.Duration) {
	t.Helper()
	siotest.Nothing(t, ch, d)
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

func jsonString(raw json.RawMessage, s *string) error { return json.Unmarshal(raw, s) }
