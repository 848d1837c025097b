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
	const n = 10_000
	for _, bc := range []struct {
		name string
		emit func(io *socketio.Server) error
	}{
		{"Emit", func(io *socketio.Server) error { return io.Emit("news", "hello", 42) }},
		{"To-room", func(io *socketio.Server) error { return io.To("all").Emit("news", "hello", 42) }},
		{"Except-room", func(io *socketio.Server) error { return io.Except("none").Emit("news", "hello") }},
		{"binary", func(io *socketio.Server) error { return io.Emit("bin", []byte("0123456789")) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			io := socketio.NewServer(socketio.Options{Engine: engineio.Options{
				PingInterval: time.Hour, PingTimeout: time.Hour, HTTPCompression: engineio.HTTPCompression{Disabled: true},
			}})
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
					bc.emit(io)
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
				if err := bc.emit(io); err != nil {
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
		})
	}
}
