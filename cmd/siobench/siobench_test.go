package main

import (
	"context"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/siogo/siogo/internal/benchpeer"
	"go.uber.org/goleak"
)

// The generator must leave nothing running once a scenario returns.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startSiogo serves the siogo benchmark handlers in process.
func startSiogo(t *testing.T) target {
	t.Helper()
	io, h := benchpeer.NewSiogo()
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		io.Close()
		srv.Close()
	})
	return target{base: srv.URL, pid: os.Getpid()}
}

var testConfig = config{IdleConns: 50, EchoClients: 5, FanReceivers: 10, FanWindow: 4, ConnWorkers: 2,
	DialParallel: 8, Warmup: 50 * time.Millisecond, Duration: 200 * time.Millisecond, Settle: 50 * time.Millisecond}

func TestScenariosAgainstSiogo(t *testing.T) {
	tg := startSiogo(t)
	m := cpuMeter{serverPID: tg.pid, ticks: clockTicks()}
	d := newDialer()
	for _, name := range scenarioNames {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			run, _ := scenarioByName(name)
			r, err := run(ctx, d, tg, testConfig, m)
			if err != nil {
				t.Fatal(err)
			}
			t.Log(brief(r))
			want := map[string]string{"idle": "idle.rss_kb", "echo": "echo.rt_per_s",
				"fanout": "fanout.msgs_per_s", "connect": "connect.hs_per_s"}[name]
			if _, ok := r[want]; !ok {
				t.Fatalf("no %s in %v", want, r)
			}
			if name == "echo" && r["echo.rt_per_s"] <= 0 {
				t.Fatalf("no round trips: %v", r)
			}
			if name == "fanout" && (r["fanout.lost"] != 0 || r["fanout.disorder"] != 0 || r["fanout.msgs_per_s"] <= 0) {
				t.Fatalf("fanout: %v", r)
			}
			if name == "idle" && r["idle.goroutines"] <= 0 {
				t.Fatalf("idle: no goroutines per connection from /stats: %v", r)
			}
		})
	}
}

func TestDialHandshake(t *testing.T) {
	tg := startSiogo(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := newDialer().Dial(ctx, tg.base)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := make(chan string, 1)
	c.Start(func(pkt []byte) { got <- string(pkt) }, nil)
	if err := c.Write([]byte(`427["echo",1,"a",{"b":[true]}]`)); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		if p != `37[1,"a",{"b":[true]}]` {
			t.Fatalf("ack: got %q", p)
		}
		id, data, ok := parseAck([]byte(p))
		if !ok || id != 7 || string(data) != `[1,"a",{"b":[true]}]` {
			t.Fatalf("parseAck(%q) = %d %q %v", p, id, data, ok)
		}
	case <-ctx.Done():
		t.Fatal("no ack")
	}
}

func TestParseMsg(t *testing.T) {
	seq, ts, ok := parseMsg([]byte(`2["msg",{"seq":42,"t":123456789}]`))
	if !ok || seq != 42 || ts != 123456789 {
		t.Fatalf("got %d %d %v", seq, ts, ok)
	}
	if _, _, ok := parseMsg([]byte(`2["other",{"seq":1,"t":2}]`)); ok {
		t.Fatal("parsed another event")
	}
	if _, _, ok := parseAck([]byte(`2["x"]`)); ok {
		t.Fatal("parsed an event as an ack")
	}
}

func TestHist(t *testing.T) {
	for _, v := range []uint64{0, 1, 127, 128, 129, 255, 256, 1000, 1 << 20, 123456789} {
		i := histIndex(v)
		lo, hi := histValue(i), histValue(i+1)
		if v < lo || v >= hi {
			t.Errorf("%d: bucket %d is [%d,%d)", v, i, lo, hi)
		}
	}
	var h hist
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Microsecond)
	}
	q, n := h.quantiles(0.5, 0.99)
	if n != 1000 || q[0] < 490*time.Microsecond || q[0] > 510*time.Microsecond ||
		q[1] < 975*time.Microsecond || q[1] > 1000*time.Microsecond {
		t.Fatalf("quantiles %v of %d", q, n)
	}
}

func TestMedian(t *testing.T) {
	m := median([]result{{"a": 3, "b": 1}, {"a": 1}, {"a": 2, "b": 3}})
	if m["a"] != 2 || m["b"] != 2 {
		t.Fatalf("median: %v", m)
	}
}
