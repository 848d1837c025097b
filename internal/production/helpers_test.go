// Package production_test checks siogo under the conditions of production
// rather than of a protocol test: Redis dying under traffic, clients that
// stop reading, connection churn, and the ordering the README promises.
//
// Everything is real: redis-server on a free port (internal/redistest),
// socketio servers with the Redis adapter and the Prometheus metrics on
// loopback listeners, and raw clients on real sockets. The tests measure
// what they assert (recovery times, latencies, goroutines and heap before
// and after) and log the figures; run with -v to see them.
package production_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/siogo/siogo/internal/promtest"
	"github.com/siogo/siogo/internal/redistest"
	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/metrics"
	"github.com/siogo/siogo/redisadapter"
	"github.com/siogo/siogo/socketio"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every read and wait that normally ends within milliseconds.
const wait = 10 * time.Second

// nodeOptions configures one in-process siogo server.
type nodeOptions struct {
	// Redis, when set, makes the node a member of the cluster on it.
	Redis *redistest.Server
	// Socket is the server's options; the metrics hooks are chained onto
	// its Hooks and Engine.Hooks, and Adapter is set when Redis is.
	Socket socketio.Options
	// Setup registers the handlers (nil: joinFromAuth on connection).
	Setup func(io *socketio.Server)
}

// node is one siogo server: socketio with metrics (and the Redis adapter)
// on a loopback listener.
type node struct {
	t     testing.TB
	io    *socketio.Server
	reg   *prometheus.Registry
	ts    *httptest.Server
	url   string // the Socket.IO path
	rdb   *redis.Client
	redis *redisadapter.Node
}

// startNode starts a server on 127.0.0.1:0; it is closed when t ends.
func startNode(t testing.TB, o nodeOptions) *node {
	t.Helper()
	reg := prometheus.NewRegistry()
	m := metrics.New(metrics.Options{Registerer: reg})
	opts := o.Socket
	m.Instrument(&opts)
	n := &node{t: t, reg: reg}
	if o.Redis != nil {
		n.rdb = redis.NewClient(&redis.Options{Addr: o.Redis.Addr()})
		rn, err := redisadapter.NewNode(n.rdb, redisadapter.Options{
			OnError: m.AdapterErrorHook(),
			// The outage tests provoke the adapter's warnings on purpose;
			// the metrics and counters are what they check.
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
		if err != nil {
			t.Fatal(err)
		}
		n.redis = rn
		opts.Adapter = rn.NewAdapter
	}
	n.io = socketio.NewServer(opts)
	if o.Setup != nil {
		o.Setup(n.io)
	} else {
		n.io.OnConnection(joinFromAuth)
	}
	n.ts = httptest.NewServer(n.io)
	n.url = n.ts.URL + "/socket.io/"
	t.Cleanup(n.close)
	return n
}

func (n *node) close() {
	n.io.Close()
	n.ts.Close()
	if n.rdb != nil {
		n.rdb.Close()
	}
}

// auth is what the test clients send in CONNECT.
type auth struct {
	Name  string   `json:"name,omitempty"`
	Rooms []string `json:"rooms,omitempty"`
}

func (a auth) String() string {
	b, _ := json.Marshal(a)
	return string(b)
}

// joinFromAuth joins the rooms the client asked for in its CONNECT.
func joinFromAuth(s *socketio.Socket) {
	var a auth
	s.Handshake().DecodeAuth(&a)
	s.Join(a.Rooms...)
}

// dial opens a Socket.IO connection to "/" over transport ("websocket" or
// "polling") and connects with a; it is closed when t ends.
func (n *node) dial(t testing.TB, transport string, a auth) *siotest.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	var c *siotest.Conn
	var err error
	if transport == "polling" {
		c, err = siotest.DialPolling(ctx, n.url, "")
	} else {
		c, err = siotest.DialWebSocket(ctx, n.url, "")
	}
	if err != nil {
		t.Fatalf("dial %s: %v", transport, err)
	}
	t.Cleanup(c.Close)
	if _, err := c.Connect("/", a.String(), wait); err != nil {
		t.Fatalf("connect %s: %v", transport, err)
	}
	return c
}

// waitServers waits until the node counts n servers in the cluster.
func (n *node) waitServers(t testing.TB, want int) {
	t.Helper()
	eventually(t, wait, fmt.Sprintf("%d servers in the cluster", want), func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		got, err := n.io.Of("/").Adapter().ServerCount(ctx)
		return err == nil && got == want
	})
}

// eventually polls cond until it holds, failing t after timeout.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		<-tick.C
	}
}

// usage is the process's goroutines and live heap.
type usage struct {
	goroutines int
	heap       uint64 // HeapAlloc after a full GC
}

func (u usage) String() string {
	return fmt.Sprintf("%d goroutines, heap %.2f MiB", u.goroutines, float64(u.heap)/(1<<20))
}

// measure collects garbage, twice so that sync.Pool contents are gone too,
// and reads the goroutine count and the live heap.
func measure() usage {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return usage{runtime.NumGoroutine(), ms.HeapAlloc}
}

// settle waits until goroutines and heap are back within tolerance of
// before (goroutine exits and GC lag the closes a little) and returns the
// last measure; it fails t if they are not by the deadline.
func settle(t testing.TB, before usage, goroutines int, heap uint64) usage {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		now := measure()
		if now.goroutines <= before.goroutines+goroutines && now.heap <= before.heap+heap {
			return now
		}
		if time.Now().After(deadline) {
			var buf strings.Builder
			p := make([]byte, 1<<20)
			buf.Write(p[:runtime.Stack(p, true)])
			t.Fatalf("not back to the baseline after %v: before %v, now %v (tolerance %d goroutines, %.1f MiB)\n%s",
				wait, before, now, goroutines, float64(heap)/(1<<20), buf.String())
		}
		time.Sleep(20 * time.Millisecond) // measure runs two GCs: poll gently
	}
}

// event is one received event carrying integers: `2["name",1,2]`.
type event struct {
	name string
	ints []int64
}

// parseEvent parses an EVENT packet on "/" whose arguments after the name
// are integers (more arguments of other types are ignored).
func parseEvent(text string) (event, bool) {
	if !strings.HasPrefix(text, "2[") {
		return event{}, false
	}
	var args []json.RawMessage
	if err := json.Unmarshal([]byte(text[1:]), &args); err != nil || len(args) == 0 {
		return event{}, false
	}
	var e event
	if json.Unmarshal(args[0], &e.name) != nil {
		return event{}, false
	}
	for _, a := range args[1:] {
		var n int64
		if json.Unmarshal(a, &n) != nil {
			break
		}
		e.ints = append(e.ints, n)
	}
	return e, true
}

// arrival is one event a recorder saw, with its local arrival time.
type arrival struct {
	seq  int64
	sent time.Time // the second integer argument, in Unix nanoseconds, if any
	at   time.Time
}

// recorder reads a WebSocket connection in its own goroutine and records
// every event named name. It ends when the connection does.
type recorder struct {
	name string
	done chan struct{}

	mu  sync.Mutex
	got []arrival
	err error
}

func record(c *siotest.Conn, name string) *recorder {
	r := &recorder{name: name, done: make(chan struct{})}
	go r.run(c)
	return r
}

func (r *recorder) run(c *siotest.Conn) {
	defer close(r.done)
	for {
		text, err := c.ReadText(time.Hour) // ends when the connection closes
		at := time.Now()
		if err != nil {
			r.mu.Lock()
			r.err = err
			r.mu.Unlock()
			return
		}
		e, ok := parseEvent(text)
		if !ok || e.name != r.name || len(e.ints) == 0 {
			continue
		}
		a := arrival{seq: e.ints[0], at: at}
		if len(e.ints) > 1 {
			a.sent = time.Unix(0, e.ints[1])
		}
		r.mu.Lock()
		r.got = append(r.got, a)
		r.mu.Unlock()
	}
}

// arrivals returns a copy of what was recorded so far.
func (r *recorder) arrivals() []arrival {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// waitSeq waits until an event with sequence number seq has arrived.
func (r *recorder) waitSeq(t testing.TB, what string, seq int64) {
	t.Helper()
	eventually(t, wait, what, func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return slices.ContainsFunc(r.got, func(a arrival) bool { return a.seq == seq })
	})
}

// percentile returns the p-th percentile (0-100) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p / 100)
	return s[i]
}

// stallMeter measures how late the process's own timers fire. On a shared
// machine the whole process can go unscheduled for a while; a delivery gap
// is the server's doing only beyond what an idle ticker saw at the time.
type stallMeter struct {
	stop chan struct{}
	done chan struct{}

	mu    sync.Mutex
	ticks []time.Time
}

// stallPeriod is the stall meter's tick.
const stallPeriod = 5 * time.Millisecond

// startStallMeter starts measuring; it stops when t ends.
func startStallMeter(t testing.TB) *stallMeter {
	m := &stallMeter{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		tick := time.NewTicker(stallPeriod)
		defer tick.Stop()
		for {
			select {
			case <-m.stop:
				return
			case <-tick.C:
				now := time.Now() // when this goroutine ran, not when the timer fired
				m.mu.Lock()
				m.ticks = append(m.ticks, now)
				m.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		close(m.stop)
		<-m.done
	})
	return m
}

// worst returns the longest the process went without running its ticker
// (beyond the tick period) between from and to.
func (m *stallMeter) worst(from, to time.Time) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	var worst time.Duration
	prev := from
	for _, at := range m.ticks {
		if at.Before(from) {
			continue
		}
		if at.After(to) {
			break
		}
		worst = max(worst, at.Sub(prev)-stallPeriod)
		prev = at
	}
	return worst
}

// metric returns the value of the series name{labels} (label pairs), 0 if
// it does not exist.
func (n *node) metric(name string, labels ...string) float64 {
	n.t.Helper()
	return promtest.Value(n.t, n.reg, name, labels...)
}
