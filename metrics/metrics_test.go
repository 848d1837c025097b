package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/internal/eiotest"
	"github.com/siogo/siogo/internal/promtest"
	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/metrics"
	"github.com/siogo/siogo/socketio"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every wait: values normally change within milliseconds.
const wait = 5 * time.Second

type server struct {
	*siotest.Server
	t   *testing.T
	m   *metrics.Metrics
	reg *prometheus.Registry
}

// start runs an instrumented server on 127.0.0.1:0 with its own registry.
// Cleanup closes the clients, then the server, then checks that no
// goroutine is left behind.
func start(t *testing.T, opts socketio.Options, setup func(*socketio.Server)) *server {
	t.Helper()
	reg := prometheus.NewRegistry()
	m := metrics.New(metrics.Options{Registerer: reg})
	m.Instrument(&opts)
	return &server{Server: siotest.StartServer(t, opts, setup), t: t, m: m, reg: reg}
}

// eventually waits until name{labels} equals want.
func (s *server) eventually(want float64, name string, labels ...string) {
	s.t.Helper()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		got := s.value(name, labels...)
		if got == want {
			return
		}
		select {
		case <-deadline.C:
			s.t.Fatalf("%s%v = %v, want %v", name, labels, got, want)
		case <-tick.C:
		}
	}
}

func TestConnectEventsDisconnect(t *testing.T) {
	for _, transport := range []string{engineio.WebSocket, engineio.Polling} {
		t.Run(transport, func(t *testing.T) {
			s := start(t, socketio.Options{}, func(io *socketio.Server) {
				io.OnConnection(func(so *socketio.Socket) {
					so.On("echo", func(v string) { so.Emit("echo", v) })
				})
			})
			c, _ := s.Connect(t, transport, "/", "")
			s.eventually(1, "siogo_open_sockets", "namespace", "/")
			s.eventually(1, "siogo_connects_total", "namespace", "/")
			s.eventually(1, "siogo_engine_open_connections", "transport", transport)
			s.eventually(1, "siogo_engine_sessions_opened_total", "transport", transport)
			// The open packet and the CONNECT reply are out; the CONNECT in.
			s.eventually(1, "siogo_engine_packets_sent_total", "transport", transport, "type", "open")
			// One message each way: the CONNECT and its reply.
			s.eventually(1, "siogo_engine_received_message_size_bytes")
			s.eventually(1, "siogo_engine_sent_message_size_bytes")

			for i := range 3 {
				if err := c.Send(fmt.Sprintf(`2["echo","hello %d"]`, i)); err != nil {
					t.Fatal(err)
				}
				siotest.Expect(t, c, fmt.Sprintf(`2["echo","hello %d"]`, i))
			}
			s.eventually(3, "siogo_events_received_total", "namespace", "/")
			s.eventually(3, "siogo_events_sent_total", "namespace", "/")
			s.eventually(4, "siogo_engine_received_message_size_bytes")
			s.eventually(4, "siogo_engine_sent_message_size_bytes")
			if got := s.value("siogo_engine_bytes_received_total", "transport", transport); got < 3*float64(len(`2["echo","hello 0"]`)) {
				t.Errorf("bytes received = %v, want at least the 3 events", got)
			}

			c.Close()
			s.eventually(0, "siogo_open_sockets", "namespace", "/")
			s.eventually(0, "siogo_engine_open_connections", "transport", transport)
			s.eventually(1, "siogo_disconnects_total", "namespace", "/", "reason", socketio.ReasonTransportClose)
			s.eventually(1, "siogo_engine_sessions_closed_total", "transport", transport, "reason", engineio.ReasonTransportClose)
			if got := s.value("siogo_engine_http_request_duration_seconds", "transport", transport, "method", http.MethodGet); got < 1 {
				t.Errorf("no HTTP request timed for %s GET", transport)
			}
		})
	}
}

// A broadcast is encoded once but sent to every socket: 3 events and 3
// Engine.IO messages out, 3 observations of the size histogram.
func TestBroadcastCountsEachRecipient(t *testing.T) {
	s := start(t, socketio.Options{}, nil)
	var conns []*siotest.Conn
	for range 3 {
		c, _ := s.Connect(t, engineio.WebSocket, "/", "")
		conns = append(conns, c)
	}
	// The server reports a write once it is done, maybe after the client
	// has read it: wait for the 3 CONNECT replies to be counted.
	s.eventually(3, "siogo_engine_packets_sent_total", "transport", engineio.WebSocket, "type", "message")
	s.eventually(3, "siogo_engine_sent_message_size_bytes")

	if err := s.IO.Emit("news", "extra"); err != nil {
		t.Fatal(err)
	}
	for _, c := range conns {
		siotest.Expect(t, c, `2["news","extra"]`)
	}
	s.eventually(3, "siogo_events_sent_total", "namespace", "/")
	s.eventually(6, "siogo_engine_packets_sent_total", "transport", engineio.WebSocket, "type", "message")
	s.eventually(6, "siogo_engine_sent_message_size_bytes")
}

func TestUnknownSIDIsABadRequest(t *testing.T) {
	s := start(t, socketio.Options{}, nil)
	c := eiotest.New(s.URL)
	defer c.Close()
	resp, err := c.Get(context.Background(), "no-such-session")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", resp.Status)
	}
	s.eventually(1, "siogo_engine_bad_requests_total", "code", engineio.RefusedUnknownSID)
	s.eventually(1, "siogo_engine_http_request_duration_seconds", "transport", engineio.Polling, "method", http.MethodGet)

	if _, err := c.Do(context.Background(), http.MethodPost, "EIO=4&transport=polling", nil, strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	s.eventually(1, "siogo_engine_bad_requests_total", "code", engineio.RefusedBadHandshakeMethod)
}

func TestAckTimeouts(t *testing.T) {
	sockets := make(chan *socketio.Socket, 1)
	s := start(t, socketio.Options{}, func(io *socketio.Server) {
		io.OnConnection(func(so *socketio.Socket) { sockets <- so })
	})
	c, _ := s.Connect(t, engineio.WebSocket, "/", "")
	so := siotest.Recv(t, sockets)

	// The client reads the event and never acks it.
	if _, err := so.Timeout(20*time.Millisecond).EmitWithAck(context.Background(), "question"); !errors.Is(err, socketio.ErrTimeout) {
		t.Fatalf("EmitWithAck: %v, want ErrTimeout", err)
	}
	s.eventually(1, "siogo_ack_timeouts_total", "namespace", "/")
	if _, err := s.IO.Timeout(20*time.Millisecond).EmitWithAck(context.Background(), "question"); !errors.Is(err, socketio.ErrTimeout) {
		t.Fatalf("broadcast EmitWithAck: %v, want ErrTimeout", err)
	}
	s.eventually(2, "siogo_ack_timeouts_total", "namespace", "/")

	// A canceled wait is not a timeout.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	so.EmitWithAck(ctx, "question")
	for range 3 {
		if _, err := c.ReadText(wait); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.value("siogo_ack_timeouts_total", "namespace", "/"); got != 2 {
		t.Errorf("ack timeouts = %v after a cancellation, want 2", got)
	}
}

func TestRefusalsAndParseErrors(t *testing.T) {
	s := start(t, socketio.Options{}, func(io *socketio.Server) {
		io.Of("/admin").Use(func(*socketio.Socket) error { return errors.New("not you") })
	})
	c := s.Dial(t, engineio.WebSocket, "")
	if err := c.Send(siotest.ConnectPacket("/admin", "")); err != nil {
		t.Fatal(err)
	}
	siotest.Expect(t, c, `4/admin,{"message":"not you"}`)
	s.eventually(1, "siogo_connect_refused_total", "namespace", "/admin")
	if err := c.Send(siotest.ConnectPacket("/nowhere", "")); err != nil {
		t.Fatal(err)
	}
	siotest.Expect(t, c, `4/nowhere,{"message":"Invalid namespace"}`)
	s.eventually(1, "siogo_invalid_namespace_total")
	if got := s.value("siogo_open_sockets", "namespace", "/admin"); got != 0 {
		t.Errorf("open sockets of /admin = %v, want 0", got)
	}

	// A packet type Socket.IO does not have.
	if err := c.Send("9"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Closed(wait); err != nil {
		t.Fatal(err)
	}
	s.eventually(1, "siogo_parse_errors_total")
	s.eventually(0, "siogo_engine_open_connections", "transport", engineio.WebSocket)
}

func TestUpgrade(t *testing.T) {
	s := start(t, socketio.Options{}, nil)
	c := eiotest.New(s.URL)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	h, err := c.Handshake(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.eventually(1, "siogo_engine_open_connections", "transport", engineio.Polling)
	ws, _, err := c.DialWS(ctx, "EIO=4&transport=websocket&sid="+h.Open.SID, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.Probe(time.Now().Add(wait)); err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteText("5"); err != nil {
		t.Fatal(err)
	}
	s.eventually(1, "siogo_engine_upgrades_total")
	s.eventually(0, "siogo_engine_open_connections", "transport", engineio.Polling)
	s.eventually(1, "siogo_engine_open_connections", "transport", engineio.WebSocket)
	s.eventually(1, "siogo_engine_packets_received_total", "transport", engineio.WebSocket, "type", "upgrade")

	ws.CloseNormal()
	s.eventually(0, "siogo_engine_open_connections", "transport", engineio.WebSocket)
	s.eventually(1, "siogo_engine_sessions_closed_total", "transport", engineio.WebSocket, "reason", engineio.ReasonTransportClose)
}

// A polling client that is not polling can take nothing at once: volatile
// events are dropped, and a queue over MaxBufferedPackets ends the session.
func TestVolatileDropsAndQueueOverflow(t *testing.T) {
	sockets := make(chan *socketio.Socket, 1)
	s := start(t, socketio.Options{Engine: engineio.Options{MaxBufferedPackets: 4}}, func(io *socketio.Server) {
		io.OnConnection(func(so *socketio.Socket) { sockets <- so })
	})
	s.Connect(t, engineio.Polling, "/", "")
	so := siotest.Recv(t, sockets)
	so.Volatile().Emit("tick")
	s.eventually(1, "siogo_engine_volatile_dropped_total", "transport", engineio.Polling)

	for range 5 {
		so.Emit("flood")
	}
	s.eventually(1, "siogo_engine_queue_overflows_total", "transport", engineio.Polling)
	s.eventually(1, "siogo_engine_sessions_closed_total", "transport", engineio.Polling, "reason", engineio.ReasonTransportError)
	s.eventually(0, "siogo_open_sockets", "namespace", "/")
}

func TestReportingMethods(t *testing.T) {
	s := start(t, socketio.Options{}, nil)
	s.m.RateLimited("/", "event")
	s.m.RateLimited("", "connection")
	s.m.AuthRefused("/", "expired")
	s.m.AuthRefused("/", "expired")
	s.m.JoinRefused("/chat")
	hook := s.m.AdapterErrorHook()
	hook("publish", errors.New("redis away"))
	hook("request", errors.New("timeout"))
	hook("request", errors.New("timeout"))

	for _, c := range []struct {
		want   float64
		name   string
		labels []string
	}{
		{1, "siogo_rate_limited_total", []string{"namespace", "/", "kind", "event"}},
		{1, "siogo_rate_limited_total", []string{"namespace", "", "kind", "connection"}},
		{2, "siogo_auth_refused_total", []string{"namespace", "/", "code", "expired"}},
		{1, "siogo_join_refused_total", []string{"namespace", "/chat"}},
		{1, "siogo_adapter_errors_total", []string{"op", "publish"}},
		{2, "siogo_adapter_errors_total", []string{"op", "request"}},
	} {
		if got := s.value(c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}

// Namespaces past the bound share one label, whatever clients ask for.
func TestNamespaceLabelsAreBounded(t *testing.T) {
	s := start(t, socketio.Options{}, nil)
	for i := range 250 {
		s.m.JoinRefused(fmt.Sprintf("/room-%d", i))
	}
	families, err := s.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "siogo_join_refused_total" {
			if n := len(f.GetMetric()); n > 101 {
				t.Errorf("%d series, want at most 101", n)
			}
		}
	}
	if got := s.value("siogo_join_refused_total", "namespace", "other"); got < 149 {
		t.Errorf("other = %v, want at least 149", got)
	}
}

// Hooks set before Instrument are still called.
func TestInstrumentChainsHooks(t *testing.T) {
	var connected, opened atomic.Int32
	opts := socketio.Options{
		Hooks:  &socketio.Hooks{Connected: func(string) { connected.Add(1) }},
		Engine: engineio.Options{Hooks: &engineio.Hooks{SessionOpened: func(string) { opened.Add(1) }}},
	}
	s := start(t, opts, nil)
	s.Connect(t, engineio.WebSocket, "/", "")
	s.eventually(1, "siogo_open_sockets", "namespace", "/")
	s.eventually(1, "siogo_engine_open_connections", "transport", engineio.WebSocket)
	if connected.Load() != 1 || opened.Load() != 1 {
		t.Errorf("earlier hooks called %d and %d times, want 1 and 1", connected.Load(), opened.Load())
	}
}

func TestHandler(t *testing.T) {
	s := start(t, socketio.Options{}, nil)
	s.Connect(t, engineio.WebSocket, "/", "")
	ts := httptest.NewServer(s.m.Handler())
	defer ts.Close()
	resp, err := http.Get(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`siogo_open_sockets{namespace="/"} 1`, "siogo_engine_received_message_size_bytes_bucket"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// The zero Options make a registry of their own, with the Go collector.
func TestHandlerOfOwnRegistry(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.JoinRefused("/")
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{`siogo_join_refused_total{namespace="/"} 1`, "go_goroutines"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// Two Metrics on one registry share the collectors instead of failing.
func TestNewTwiceOnOneRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := metrics.New(metrics.Options{Registerer: reg, Namespace: "app"})
	b := metrics.New(metrics.Options{Registerer: reg, Namespace: "app"})
	a.JoinRefused("/")
	b.JoinRefused("/")
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "app_join_refused_total" {
			if v := f.GetMetric()[0].GetCounter().GetValue(); v != 2 {
				t.Errorf("join refusals = %v, want 2", v)
			}
			return
		}
	}
	t.Error("app_join_refused_total not gathered")
}

// value returns the value of the series name{labels} (label pairs), or for
// a histogram its sample count; 0 if the series does not exist.
func (s *server) value(name string, labels ...string) float64 {
	s.t.Helper()
	return promtest.Value(s.t, s.reg, name, labels...)
}
