package socketio_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/socketio"
)

// benchClients opens n polling sessions on io and joins "/" with each,
// without any network: the requests go straight to ServeHTTP through
// httptest recorders. It returns the Engine.IO session ids.
func benchClients(b *testing.B, io *socketio.Server, n int) []string {
	b.Helper()
	sids := make([]string, 0, n)
	for range n {
		w := httptest.NewRecorder()
		io.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/socket.io/?EIO=4&transport=polling", nil))
		body := w.Body.String()
		var open struct{ SID string }
		if err := json.Unmarshal([]byte(strings.TrimPrefix(body, "0")), &open); err != nil {
			b.Fatalf("handshake %q: %v", body, err)
		}
		w = httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/socket.io/?EIO=4&transport=polling&sid="+open.SID, strings.NewReader("40"))
		r.Header.Set("Content-Type", "text/plain;charset=UTF-8")
		io.ServeHTTP(w, r)
		if w.Body.String() != "ok" {
			b.Fatalf("POST 40: %d %q", w.Code, w.Body)
		}
		sids = append(sids, open.SID)
	}
	return sids
}

// drain polls every session once, emptying its queue (each one has
// something queued, so no GET waits).
func drain(b *testing.B, io *socketio.Server, sids []string) {
	for _, sid := range sids {
		w := httptest.NewRecorder()
		io.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/socket.io/?EIO=4&transport=polling&sid="+sid, nil))
		if w.Code != http.StatusOK {
			b.Fatalf("poll: %d %q", w.Code, w.Body)
		}
	}
}

// BenchmarkBroadcast10k emits to 10,000 connected sockets (real engineio
// sessions, polling, driven in process). The emit itself must not allocate
// per recipient: allocs/recipient is reported.
func BenchmarkBroadcast10k(b *testing.B) {
	for _, bc := range []struct {
		name string
		emit func(io *socketio.Server) error
	}{
		{"Emit", func(io *socketio.Server) error { return io.Emit("news", "hello", 42) }},
		{"To-room", func(io *socketio.Server) error { return io.To("all").Emit("news", "hello", 42) }},
		{"Except-room", func(io *socketio.Server) error { return io.Except("none").Emit("news", "hello") }},
		{"binary", func(io *socketio.Server) error { return io.Emit("bin", []byte("0123456789")) }},
	} {
		b.Run(bc.name, func(b *testing.B) { benchBroadcast(b, socketio.Options{}, bc.emit) })
	}
}

// BenchmarkBroadcast10kHooks is the Emit case with every hook of both
// layers set (to functions that do nothing): what calling them costs.
func BenchmarkBroadcast10kHooks(b *testing.B) {
	opts := socketio.Options{
		Hooks: &socketio.Hooks{
			Connected:      func(string) {},
			Disconnected:   func(string, string) {},
			ConnectRefused: func(string, error) {},
			EventIn:        func(string, int) {},
			EventOut:       func(string, int, int) {},
			AckTimeout:     func(string) {},
			ParseError:     func(error) {},
		},
		Engine: engineio.Options{Hooks: &engineio.Hooks{
			SessionOpened:   func(string) {},
			SessionClosed:   func(string, string) {},
			PacketIn:        func(string, string, int) {},
			PacketOut:       func(string, string, int) {},
			QueueOverflow:   func(string) {},
			VolatileDropped: func(string, int) {},
			RequestRefused:  func(string) {},
			RequestDone:     func(string, string, time.Duration) {},
		}},
	}
	benchBroadcast(b, opts, func(io *socketio.Server) error { return io.Emit("news", "hello", 42) })
}

func benchBroadcast(b *testing.B, opts socketio.Options, emit func(io *socketio.Server) error) {
	const n = 10_000
	opts.Engine.PingInterval, opts.Engine.PingTimeout = time.Hour, time.Hour
	opts.Engine.HTTPCompression = engineio.HTTPCompression{Disabled: true}
	io := socketio.NewServer(opts)
	defer io.Close()
	io.OnConnection(func(s *socketio.Socket) { s.Join("all") })
	sids := benchClients(b, io, n)
	// Queues hold at most 4096 packets (engineio's default
	// MaxBufferedPackets): drain well before that.
	const every = 1000
	// Warm up: an engineio session alternates between two queue
	// arrays; after two drains both have their full size, so the
	// measured loop shows the steady state, not their growth.
	for range 2 {
		drain(b, io, sids)
		for range every - 1 {
			emit(io)
		}
	}
	drain(b, io, sids)
	var ms runtime.MemStats
	var mallocs uint64
	runtime.ReadMemStats(&ms)
	start := ms.Mallocs
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := emit(io); err != nil {
			b.Fatal(err)
		}
		if i%every == every-1 {
			b.StopTimer()
			runtime.ReadMemStats(&ms)
			mallocs += ms.Mallocs - start
			drain(b, io, sids)
			runtime.ReadMemStats(&ms)
			start = ms.Mallocs
			b.StartTimer()
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms)
	mallocs += ms.Mallocs - start
	b.ReportMetric(float64(mallocs)/float64(b.N)/n, "allocs/recipient")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/recipient")
}
