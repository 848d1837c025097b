package roomauth_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/socketio"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testServer is a siotest.Server under the short names these tests use.
type testServer struct {
	*siotest.Server
	t  *testing.T
	io *socketio.Server
}

// startServer runs a server on 127.0.0.1; setup registers handlers before
// the first request. Cleanup closes the clients, then the server, then
// checks that no goroutine is left behind.
func startServer(t *testing.T, setup func(io *socketio.Server)) *testServer {
	t.Helper()
	s := siotest.StartServer(t, socketio.Options{}, setup)
	return &testServer{Server: s, t: t, io: s.IO}
}

// connect opens a WebSocket session and joins the main namespace with auth.
func (s *testServer) connect(auth string) (*siotest.Conn, *siotest.ConnectReply) {
	s.t.Helper()
	return s.Connect(s.t, "websocket", "/", auth)
}

func send(t *testing.T, c *siotest.Conn, text string) {
	t.Helper()
	siotest.Send(t, c, text)
}

func expect(t *testing.T, c *siotest.Conn, want string) {
	t.Helper()
	siotest.Expect(t, c, want)
}

func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	return siotest.Recv(t, ch)
}
