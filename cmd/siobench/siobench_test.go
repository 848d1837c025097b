package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/siogo/siogo/internal/benchpeer"
	"github.com/siogo/siogo/internal/redistest"
	"github.com/siogo/siogo/redisadapter"
	"github.com/siogo/siogo/socketio"
	"go.uber.org/goleak"
)

// The generator must leave nothing running once a scenario returns.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startSiogo serves the siogo benchmark handlers in process.
func startSiogo(t *testing.T) target {
	tg, _ := startSiogoServer(t)
	return tg
}

func startSiogoServer(t *testing.T) (target, *socketio.Server) {
	t.Helper()
	io, h := benchpeer.NewSiogo(socketio.Options{})
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		io.Close()
		srv.Close()
	})
	return target{base: srv.URL, pid: os.Getpid()}, io
}

var testConfig = config{IdleConns: 50, EchoClients: 5, EchoRate: 200, FanReceivers: 10, FanWindow: 4, FanRate: 50, Fan10kReceivers: 30,
	ConnWorkers: 4, WSWorkers: 2,
	DialParallel: 8, Warmup: 50 * time.Millisecond, Duration: 200 * time.Millisecond, Settle: 50 * time.Millisecond}

// waitSessions waits until the server holds at most n Engine.IO sessions.
func waitSessions(t *testing.T, io *socketio.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for io.Engine().ClientsCount() > n {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions left on the server", io.Engine().ClientsCount())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestScenariosAgainstSiogo(t *testing.T) {
	tg, io := startSiogoServer(t)
	m := cpuMeter{serverPID: tg.pid, ticks: clockTicks()}
	d := newDialer()
	for _, name := range scenarioNames {
		if name == "cluster" {
			continue // TestClusterAgainstSiogo
		}
		t.Run(name, func(t *testing.T) {
			sessions := io.Engine().ClientsCount()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			run, _ := scenarioByName(name)
			r, err := run(ctx, d, tg, testConfig, m)
			if err != nil {
				t.Fatal(err)
			}
			t.Log(brief(r))
			want := map[string]string{"idle": "idle.rss_kb", "echo": "echo.rt_per_s", "fanout": "fanout.msgs_per_s",
				"echo-rate": "echo-rate.rt_per_s", "fanout-rate": "fanout-rate.msgs_per_s", "fanout-10k": "fanout-10k.msgs_per_s",
				"connect": "connect.handshakes_per_s", "connect-ws": "connect-ws.handshakes_per_s"}[name]
			if _, ok := r[want]; !ok {
				t.Fatalf("no %s in %v", want, r)
			}
			if strings.HasPrefix(name, "connect") {
				if r[name+".handshakes_per_s"] <= 0 || r[name+".srv_cpu"] <= 0 || r[name+".p50_us"] <= 0 {
					t.Fatalf("%s: %v", name, r)
				}
				// Every connection was reset after its handshake: no
				// session is left behind (those of the scenario before
				// may still be closing).
				waitSessions(t, io, sessions)
			}
			if name == "connect" && r["connect.upgrades_failed"] != 0 {
				t.Fatalf("connect: failed upgrades: %v", r)
			}
			if name == "echo" && r["echo.rt_per_s"] <= 0 {
				t.Fatalf("no round trips: %v", r)
			}
			if strings.HasPrefix(name, "fanout") && (r[name+".lost"] != 0 || r[name+".disorder"] != 0 ||
				r[name+".stalled"] != 0 || r[name+".msgs_per_s"] <= 0) {
				t.Fatalf("%s: %v", name, r)
			}
			if name == "fanout-10k" && r["fanout-10k.receivers"] != float64(testConfig.Fan10kReceivers) {
				t.Fatalf("fanout-10k: %v receivers, want %d", r["fanout-10k.receivers"], testConfig.Fan10kReceivers)
			}
			// At a fixed rate the generator sends what was asked for (and
			// a server in process keeps up): within a third of the target.
			if name == "echo-rate" && (r["echo-rate.rt_per_s"] < testConfig.EchoRate*2/3 || r["echo-rate.rt_per_s"] > testConfig.EchoRate*4/3) {
				t.Fatalf("echo-rate: %v", r)
			}
			if name == "fanout-rate" {
				if s := r["fanout-rate.sent_per_s"]; s < testConfig.FanRate*2/3 || s > testConfig.FanRate*4/3 {
					t.Fatalf("fanout-rate: %v", r)
				}
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

// The polling connect ends on an upgraded WebSocket that carries the
// session: an echo goes out and its ack comes back on it.
func TestPollingConnect(t *testing.T) {
	tg, io := startSiogoServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p := newPoller(newDialer(), tg.base)
	defer p.Close()
	for i := range 3 { // the worker's keep-alive connections are reused
		c, err := p.connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n := io.Engine().ClientsCount(); n != 1 {
			t.Fatalf("%d sessions", n)
		}
		got := make(chan string, 1)
		c.Start(func(pkt []byte) { got <- string(pkt) }, nil)
		if err := c.Write([]byte(`421["echo","x"]`)); err != nil {
			t.Fatal(err)
		}
		select {
		case p := <-got:
			if p != `31["x"]` {
				t.Fatalf("connection %d: ack %q", i, p)
			}
		case <-ctx.Done():
			t.Fatalf("connection %d: no ack over the upgraded WebSocket", i)
		}
		c.Close()
		waitSessions(t, io, 0)
	}
}

// A server without polling fails the polling handshake with its answer.
func TestPollingConnectRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "websocket only", http.StatusBadRequest)
	}))
	defer srv.Close()
	p := newPoller(newDialer(), srv.URL)
	defer p.Close()
	_, err := p.connect(context.Background())
	if err == nil || !strings.Contains(err.Error(), "polling handshake") || !strings.Contains(err.Error(), "400") {
		t.Fatalf("got %v", err)
	}
}

func TestParseOpen(t *testing.T) {
	sid, err := parseOpen([]byte(`0{"sid":"a-b_c","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`))
	if err != nil || sid != "a-b_c" {
		t.Fatalf("got %q %v", sid, err)
	}
	for _, bad := range []string{``, `40`, `0{"sid":"x","upgrades":[]}`, `0{"upgrades":["websocket"]}`, `0{`} {
		if _, err := parseOpen([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// gorilla has no polling: its connect figures are n/a, the reason listed
// under the table, and the ratios left empty.
func TestNotApplicable(t *testing.T) {
	if notApplicable("gorilla", "connect") == "" || notApplicable("gorilla", "connect-ws") != "" || notApplicable("siogo", "connect") != "" {
		t.Fatal("notApplicable")
	}
	na := naResult("connect")
	if na["connect.handshakes_per_s"] != -1 || na["connect.srv_cpu"] != -1 {
		t.Fatalf("naResult: %v", na)
	}
	if _, ok := na["connect-ws.handshakes_per_s"]; ok {
		t.Fatalf("naResult marks connect-ws: %v", na)
	}
	gorilla := naResult("connect")
	gorilla["connect-ws.srv_cpu"] = 50
	res := map[string]result{"siogo": {"connect.srv_cpu": 300, "connect-ws.srv_cpu": 60}, "gorilla": gorilla}
	var b strings.Builder
	writeReport(&b, plan{peers: []string{"siogo", "gorilla"}, mode: "quick", repeat: 1, pinPeer: -1},
		&report{results: res, skipped: []string{"gorilla connect: " + notApplicable("gorilla", "connect")}}, runEnv{})
	md := b.String()
	for _, want := range []string{
		"| connect (polling, then upgrade): server CPU per handshake (µs) | 300 | n/a |  |",
		"| connect-ws (direct WebSocket): server CPU per handshake (µs) | 60 | 50 | 1.20 |",
		"Not applicable (n/a in the table):\n\n- gorilla connect: the bare gorilla peer speaks no polling",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
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

// The pacer sends on schedule: the k-th send is due at start + k/rate, and
// it makes every send due before the end, none after.
func TestPacer(t *testing.T) {
	p := newPacer(1000)
	var n uint64
	var late time.Duration
	end := p.start.Add(100 * time.Millisecond)
	err := p.run(context.Background(), end, func(k uint64, due time.Time) error {
		if k != n {
			t.Fatalf("send %d, want %d", k, n)
		}
		if want := p.start.Add(time.Duration(k) * time.Millisecond); due.Sub(want).Abs() > time.Microsecond {
			t.Fatalf("send %d due at %v, want %v", k, due.Sub(p.start), want.Sub(p.start))
		}
		if !due.Before(end) {
			t.Fatalf("send %d due at %v, after the end", k, due.Sub(p.start))
		}
		late = max(late, time.Since(due))
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 100 {
		t.Fatalf("%d sends, want 100", n)
	}
	if time.Now().Before(end) {
		t.Fatal("run returned before the end")
	}
	t.Logf("latest send %v after its due time", late)
}

// The cluster scenario against two in-process siogo nodes on a
// redis-server of its own (skipped without redis-server).
func TestClusterAgainstSiogo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rs := redistest.Start(t)
	node := func() string {
		ropts, err := redis.ParseURL(rs.URL())
		if err != nil {
			t.Fatal(err)
		}
		rdb := redis.NewClient(ropts)
		rn, err := redisadapter.NewNode(rdb, redisadapter.Options{})
		if err != nil {
			t.Fatal(err)
		}
		io := socketio.NewServer(socketio.Options{Adapter: rn.NewAdapter})
		io.OnConnection(func(s *socketio.Socket) {
			s.On("join", func(room string, ack socketio.AckFunc) {
				s.Join(room)
				ack()
			})
			s.On("fanout", func(a *socketio.Args) { io.To(benchpeer.FanRoom).Emit("msg", a.Values()...) })
		})
		srv := httptest.NewServer(io)
		t.Cleanup(func() {
			io.Close()
			srv.Close()
			rdb.Close()
		})
		return srv.URL
	}
	tg := target{base: node(), base2: node(), pid: os.Getpid(), redisPID: rs.Pid()}
	cfg := testConfig
	cfg.ClusterReceivers = 10
	r, err := runCluster(ctx, newDialer(), tg, cfg, cpuMeter{serverPID: os.Getpid(), ticks: clockTicks()})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(brief(r))
	if r["cluster.lost"] != 0 || r["cluster.disorder"] != 0 || r["cluster.stalled"] != 0 || r["cluster.msgs_per_s"] <= 0 ||
		r["cluster.receivers"] != 10 {
		t.Fatalf("cluster: %v", r)
	}
	if _, err := runCluster(ctx, newDialer(), target{base: tg.base}, cfg, cpuMeter{}); err == nil {
		t.Fatal("cluster with one node: no error")
	}
}
