package metrics_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/metrics"
	"github.com/siogo/siogo/socketio"
)

// BenchmarkBroadcast measures what the metrics add to a broadcast to 1,000
// polling sessions driven in process: each iteration emits once and polls
// every session, so every recipient's message goes through the hooks.
func BenchmarkBroadcast(b *testing.B) {
	b.Run("plain", func(b *testing.B) { benchBroadcast(b, false) })
	b.Run("instrumented", func(b *testing.B) { benchBroadcast(b, true) })
}

func benchBroadcast(b *testing.B, instrument bool) {
	const n = 1000
	opts := socketio.Options{Engine: engineio.Options{
		PingInterval: time.Hour, PingTimeout: time.Hour, HTTPCompression: engineio.HTTPCompression{Disabled: true},
	}}
	if instrument {
		metrics.New(metrics.Options{Registerer: prometheus.NewRegistry()}).Instrument(&opts)
	}
	io := socketio.NewServer(opts)
	defer io.Close()
	sids := make([]string, 0, n)
	for range n {
		w := httptest.NewRecorder()
		io.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/socket.io/?EIO=4&transport=polling", nil))
		var open struct{ SID string }
		if err := json.Unmarshal([]byte(strings.TrimPrefix(w.Body.String(), "0")), &open); err != nil {
			b.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodPost, "/socket.io/?EIO=4&transport=polling&sid="+open.SID, strings.NewReader("40"))
		r.Header.Set("Content-Type", "text/plain;charset=UTF-8")
		io.ServeHTTP(httptest.NewRecorder(), r)
		sids = append(sids, open.SID)
	}
	poll := func() {
		for _, sid := range sids {
			w := httptest.NewRecorder()
			io.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/socket.io/?EIO=4&transport=polling&sid="+sid, nil))
			if w.Code != http.StatusOK {
				b.Fatalf("poll: %d %q", w.Code, w.Body)
			}
		}
	}
	poll() // the CONNECT replies
	for b.Loop() {
		if err := io.Emit("news", "hello", 42); err != nil {
			b.Fatal(err)
		}
		poll()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/recipient")
}
