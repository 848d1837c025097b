package attack_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/internal/attack"
	"github.com/siogo/siogo/metrics"
	"github.com/siogo/siogo/socketio"
)

// Every test ends with its servers closed and its clients gone: no
// goroutine of the server may outlive an attack.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every wait of these tests for something that should happen.
const wait = 5 * time.Second

// serverOptions configures a test server. The HTTP timeouts are the
// http.Server's; a test of a slow client sets them short instead of
// waiting for production values.
type serverOptions struct {
	engine            engineio.Options
	readHeaderTimeout time.Duration
	idleTimeout       time.Duration
}

// server is a real Socket.IO server on 127.0.0.1:0, instrumented with
// the metrics package on its own registry.
type server struct {
	t      *testing.T
	io     *socketio.Server
	reg    *prometheus.Registry
	hs     *http.Server
	base   string // http://127.0.0.1:PORT/socket.io/
	target *attack.Target
}

// startServer starts a server whose namespaces "/" and "/admin" answer:
//
//	"echo"  with an ack: the ack returns the arguments as received;
//	        without one: the socket gets an "echo" event with them
//	"relay" every other socket of the namespace gets a "relay" event with
//	        the arguments as received (Args.Values, never decoded)
func startServer(t *testing.T, o serverOptions) *server {
	t.Helper()
	reg := prometheus.NewRegistry()
	m := metrics.New(metrics.Options{Registerer: reg})
	opts := socketio.Options{Engine: o.engine}
	if opts.Engine.PingInterval == 0 {
		opts.Engine.PingInterval = 2 * time.Second
		opts.Engine.PingTimeout = 2 * time.Second
	}
	m.Instrument(&opts)
	io := socketio.NewServer(opts)
	for _, name := range []string{"/", "/admin"} {
		io.Of(name).OnConnection(func(s *socketio.Socket) {
			s.On("echo", func(a *socketio.Args, ack socketio.AckFunc) {
				if ack != nil {
					ack(a.Values()...)
					return
				}
				s.Emit("echo", a.Values()...)
			})
			s.On("relay", func(a *socketio.Args) {
				s.Broadcast().Emit("relay", a.Values()...)
			})
		})
	}
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: o.readHeaderTimeout, IdleTimeout: o.idleTimeout}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	s := &server{t: t, io: io, reg: reg, hs: hs, base: "http://" + ln.Addr().String() + "/socket.io/"}
	s.target = attack.New(s.base)
	t.Cleanup(func() {
		s.target.Close()
		io.Close()
		hs.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return s
}

// ctx returns a context that ends after wait, or with the test.
func ctx(t *testing.T) context.Context { return ctxFor(t, wait) }

// ctxFor returns a context that ends after d, or with the test.
func ctxFor(t *testing.T, d time.Duration) context.Context {
	c, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return c
}
