package redisadapter_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/redisadapter"
)

// benchCluster is two servers on one Redis, with a client on the second;
// the benchmarks emit on the first.
func benchCluster(b *testing.B) (*cluster, *siotest.Conn) {
	c := newCluster(b, 2, redisadapter.Options{MaxPendingPublishes: 1 << 20}, nil)
	return c, c.servers[1].connect("/", testAuth{})
}

// latencies receives n events ["b",<unix ns sent>] and returns their
// delivery latencies.
func latencies(cl *siotest.Conn, n int) ([]time.Duration, error) {
	out := make([]time.Duration, 0, n)
	for len(out) < n {
		p, err := cl.ReadText(10 * time.Second)
		if err != nil {
			return out, fmt.Errorf("after %d of %d events: %w", len(out), n, err)
		}
		now := time.Now().UnixNano()
		i := strings.IndexByte(p, ',')
		sent, err := strconv.ParseInt(strings.TrimSuffix(p[i+1:], "]"), 10, 64)
		if i < 0 || err != nil {
			return out, fmt.Errorf("unexpected packet %q", p)
		}
		out = append(out, time.Duration(now-sent))
	}
	return out, nil
}

func report(b *testing.B, lat []time.Duration, elapsed time.Duration) {
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "msgs/s")
}

// BenchmarkCrossNodeBroadcast emits as fast as it can on one server and
// waits for every event on a client of the other: delivery throughput, and
// latency under that load.
func BenchmarkCrossNodeBroadcast(b *testing.B) {
	c, cl := benchCluster(b)
	s0 := c.servers[0]
	b.ReportAllocs()
	b.ResetTimer()
	type result struct {
		lat []time.Duration
		err error
	}
	done := make(chan result)
	go func() {
		lat, err := latencies(cl, b.N)
		done <- result{lat, err}
	}()
	start := time.Now()
	for range b.N {
		s0.io.Emit("b", time.Now().UnixNano())
	}
	r := <-done
	elapsed := time.Since(start)
	if r.err != nil {
		b.Fatal(r.err)
	}
	lat := r.lat
	b.StopTimer()
	report(b, lat, elapsed)
	if e := s0.node.PublishErrors(); e > 0 {
		b.Fatalf("%d publish errors", e)
	}
}

// BenchmarkCrossNodeLatency emits one event at a time and waits for it on
// the other server: latency without queueing.
func BenchmarkCrossNodeLatency(b *testing.B) {
	c, cl := benchCluster(b)
	s0 := c.servers[0]
	b.ReportAllocs()
	b.ResetTimer()
	lat := make([]time.Duration, 0, b.N)
	start := time.Now()
	for range b.N {
		s0.io.Emit("b", time.Now().UnixNano())
		l, err := latencies(cl, 1)
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, l...)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	report(b, lat, elapsed)
}
