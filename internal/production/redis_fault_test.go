package production_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/siogo/siogo/internal/redistest"
	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/socketio"
)

// sender emits numbered "send" events from one client at a steady rate;
// the server relays each as a "tick" broadcast to room "r".
type sender struct {
	c     *siotest.Conn
	every time.Duration
	next  int64 // the next number; owned by the loop while it runs
	err   error // the loop's send error, read after halt
	stop  chan struct{}
	done  chan struct{}
}

func (s *sender) start() {
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(s.done)
		tick := time.NewTicker(s.every)
		defer tick.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
			if err := s.c.Send(fmt.Sprintf(`2["send",%d]`, s.next)); err != nil {
				s.err = err
				return
			}
			s.next++
		}
	}()
}

// halt stops the loop and returns how many events were sent in all.
func (s *sender) halt(t testing.TB) int64 {
	t.Helper()
	close(s.stop)
	<-s.done
	if s.err != nil {
		t.Fatalf("sender: %v", s.err)
	}
	return s.next
}

// relayTicks makes "send" from any client a "tick" to room "r", stamped
// with the time of the broadcast.
func relayTicks(io *socketio.Server) {
	io.OnConnection(func(s *socketio.Socket) {
		joinFromAuth(s)
		s.On("send", func(n int64) { s.To("r").Emit("tick", n, time.Now().UnixNano()) })
	})
}

// TestRedisKilledUnderTraffic kills redis-server (SIGKILL) under a steady
// broadcast from node A to receivers on A and B, and starts it again on
// the same port a few seconds later. Local delivery must never pause;
// cross-node delivery must come back within maxRecovery of Redis; nothing
// may leak.
func TestRedisKilledUnderTraffic(t *testing.T) {
	const (
		every       = 10 * time.Millisecond
		outage      = 2500 * time.Millisecond
		maxLocalGap = 300 * time.Millisecond // 30 ticks; generous for -race on 2 shared cores
		maxRecovery = 2 * time.Second
	)
	rs := redistest.Start(t)
	stalls := startStallMeter(t)
	a := startNode(t, nodeOptions{Redis: rs, Setup: relayTicks})
	b := startNode(t, nodeOptions{Redis: rs, Setup: relayTicks})
	a.waitServers(t, 2)
	b.waitServers(t, 2)
	onA := record(a.dial(t, "websocket", auth{Rooms: []string{"r"}}), "tick")
	onB := record(b.dial(t, "websocket", auth{Rooms: []string{"r"}}), "tick")
	snd := &sender{c: a.dial(t, "websocket", auth{}), every: every}

	// Warm up (connection pools, buffers), then measure at rest.
	snd.start()
	eventually(t, wait, "20 ticks on B", func() bool { return onB.count() >= 20 })
	n := snd.halt(t)
	onA.waitSeq(t, "the last warm-up tick on A", n-1)
	onB.waitSeq(t, "the last warm-up tick on B", n-1)
	before := measure()

	start := time.Now()
	snd.start()
	eventually(t, wait, "traffic before the fault", func() bool { return onA.count() >= int(n)+20 })
	kill := time.Now()
	rs.Stop()
	eventually(t, wait, "node A counting lost publishes", func() bool {
		return a.metric("siogo_adapter_errors_total", "op", "publish") > 0
	})
	// The outage lasts a fixed time: that is the scenario, not a wait.
	time.Sleep(time.Until(kill.Add(outage)))
	rs.Resume(t)
	back := time.Now()

	// Cross-node delivery is back when B receives a tick emitted after the kill.
	var recovered time.Time
	eventually(t, maxRecovery+wait, "a tick on B emitted after the kill", func() bool {
		for _, x := range onB.arrivals() {
			if x.sent.After(kill) {
				recovered = x.at
				return true
			}
		}
		return false
	})
	recovery := recovered.Sub(back)
	got := onB.count()
	eventually(t, wait, "20 more ticks on B", func() bool { return onB.count() >= got+20 })
	n = snd.halt(t)
	end := time.Now()
	onA.waitSeq(t, "the last tick on A", n-1)
	onB.waitSeq(t, "the last tick on B", n-1)

	// A's receiver got every tick, in order, with no pause.
	arrA := onA.arrivals()
	for i, x := range arrA {
		if x.seq != int64(i) {
			t.Fatalf("A: tick #%d is %d: local delivery lost or reordered a tick", i, x.seq)
		}
	}
	gapBefore, gapDuring := maxGap(arrA, start, kill), maxGap(arrA, kill, end)
	stalled := stalls.worst(kill, end)
	if gapDuring > maxLocalGap+stalled {
		t.Errorf("local delivery paused %v during the outage (before it: %v; the process itself stalled up to %v); want at most %v more than the stall",
			gapDuring, gapBefore, stalled, maxLocalGap)
	}

	// B's receiver lost what was published while Redis was away (as with
	// Node's adapter), but nothing else, and saw the rest in order.
	arrB := onB.arrivals()
	for i := 1; i < len(arrB); i++ {
		if arrB[i].seq <= arrB[i-1].seq {
			t.Fatalf("B: tick %d after %d", arrB[i].seq, arrB[i-1].seq)
		}
	}
	lost := int(n) - len(arrB)
	if stalled := stalls.worst(back, recovered); recovery > maxRecovery+stalled {
		t.Errorf("cross-node delivery came back %v after Redis (the process stalled up to %v meanwhile), want within %v",
			recovery, stalled, maxRecovery)
	}

	for _, x := range []*node{a, b} {
		if x.redis.Reconnects() == 0 {
			t.Errorf("node %s: subscriber never reconnected", x.url)
		}
		if x.metric("siogo_adapter_errors_total", "op", "subscribe") == 0 {
			t.Errorf("node %s: no subscribe error counted", x.url)
		}
		if c := x.io.Engine().ClientsCount(); c == 0 {
			t.Errorf("node %s: lost its sessions", x.url)
		}
	}
	for name, r := range map[string]*recorder{"A": onA, "B": onB} {
		r.mu.Lock()
		err := r.err
		r.mu.Unlock()
		if err != nil {
			t.Errorf("receiver on %s disconnected: %v", name, err)
		}
	}

	after := settle(t, before, 3, 1<<20)
	t.Logf("outage %v; cross-node delivery back %v after Redis answered; %d of %d ticks lost on B, 0 on A",
		outage, recovery.Round(time.Millisecond), lost, n)
	t.Logf("largest gap between ticks on A: %v before the kill, %v from the kill on (largest stall of the process itself: %v)",
		gapBefore.Round(time.Millisecond), gapDuring.Round(time.Millisecond), stalled.Round(time.Millisecond))
	t.Logf("node A published %d and counted %d publish errors for %d broadcasts (the rest were queued while Redis was away)",
		a.redis.Published(), a.redis.PublishErrors(), n)
	t.Logf("before the fault: %v; after: %v", before, after)
}

// maxGap returns the longest time between consecutive arrivals in
// [from, to], counting from from.
func maxGap(arr []arrival, from, to time.Time) time.Duration {
	var gap time.Duration
	prev := from
	for _, x := range arr {
		if x.at.Before(from) || x.at.After(to) {
			continue
		}
		gap = max(gap, x.at.Sub(prev))
		prev = x.at
	}
	return gap
}
