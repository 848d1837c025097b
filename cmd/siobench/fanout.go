package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// fanRun is the shared state of one fanout run.
type fanRun struct {
	base      time.Time // the timestamps in the payloads count from here
	phase     atomic.Int32
	delivered atomic.Uint64 // messages received, all phases
	measured  atomic.Uint64 // messages received while measuring
	lat       hist
	progress  chan struct{} // poked by receivers, capacity 1
}

// fanReceiver counts the broadcasts it gets and those that arrive after a
// later one.
type fanReceiver struct {
	run      *fanRun
	mu       sync.Mutex
	got      uint64 // messages received
	max      uint64 // highest sequence number seen
	disorder uint64 // messages with a sequence number below max
	joined   chan struct{}
}

// stallAfter is how long fanout waits without any delivery before it
// gives up on the messages still in flight and counts them as lost.
const stallAfter = 3 * time.Second

var errStalled = errors.New("fanout: deliveries stalled")

var (
	msgPrefix = []byte(`2["msg",{"seq":`)
	tField    = []byte(`,"t":`)
)

// parseMsg reads seq and t from `2["msg",{"seq":N,"t":T}]`.
func parseMsg(pkt []byte) (seq, t uint64, ok bool) {
	rest, ok := bytes.CutPrefix(pkt, msgPrefix)
	if !ok {
		return 0, 0, false
	}
	seq, rest = leadingUint(rest)
	rest, ok = bytes.CutPrefix(rest, tField)
	if !ok {
		return 0, 0, false
	}
	t, _ = leadingUint(rest)
	return seq, t, true
}

func leadingUint(b []byte) (uint64, []byte) {
	var n uint64
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + uint64(b[i]-'0')
	}
	return n, b[i:]
}

func (f *fanReceiver) onPacket(pkt []byte) {
	if _, _, ok := parseAck(pkt); ok { // the ack of "join"
		close(f.joined)
		return
	}
	seq, t, ok := parseMsg(pkt)
	if !ok {
		return
	}
	now := time.Since(f.run.base)
	f.mu.Lock()
	f.got++
	if seq > f.max {
		f.max = seq
	} else {
		f.disorder++
	}
	f.mu.Unlock()
	f.run.delivered.Add(1)
	if f.run.phase.Load() == phaseMeasure {
		f.run.measured.Add(1)
		f.run.lat.record(now - time.Duration(t))
	}
	select {
	case f.run.progress <- struct{}{}:
	default:
	}
}

// runFanout puts cfg.FanReceivers receivers in room "fan" and has one more
// client emit "fanout" as fast as the receivers keep up, with at most
// cfg.FanWindow broadcasts in flight. It reports messages delivered per
// second, delivery latency, server CPU per delivered message, and messages
// lost or out of order (both must be 0).
func runFanout(ctx context.Context, d *dialer, t target, cfg config, m cpuMeter) (result, error) {
	run := &fanRun{base: time.Now(), progress: make(chan struct{}, 1)}
	n := cfg.FanReceivers
	recv := make([]*fanReceiver, n)
	conns, err := dialMany(ctx, d, t.base, n, cfg.DialParallel, func(i int, c *Conn) packetFunc {
		recv[i] = &fanReceiver{run: run, joined: make(chan struct{})}
		return recv[i].onPacket
	})
	if err != nil {
		return nil, err
	}
	defer conns.Close()
	for i, c := range conns.conns {
		if err := c.Write([]byte(`420["join","fan"]`)); err != nil {
			return nil, fmt.Errorf("fanout: join: %w", err)
		}
		select {
		case <-recv[i].joined:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Second):
			return nil, errors.New("fanout: no ack for join")
		}
	}
	sender, err := d.Dial(ctx, t.base)
	if err != nil {
		return nil, fmt.Errorf("fanout: sender: %w", err)
	}
	defer sender.Close()
	sender.Start(func([]byte) {}, nil)

	var sent uint64
	var buf []byte
	send := func() error {
		sent++
		buf = append(buf[:0], `42["fanout",{"seq":`...)
		buf = strconv.AppendUint(buf, sent, 10)
		buf = append(buf, `,"t":`...)
		buf = strconv.AppendInt(buf, int64(time.Since(run.base)), 10)
		buf = append(buf, "}]"...)
		return sender.Write(buf)
	}
	// waitFor blocks until the receivers hold at least want messages, or
	// returns errStalled when none arrives for stallAfter.
	waitFor := func(want uint64) error {
		last, lastAt := run.delivered.Load(), time.Now()
		for {
			got := run.delivered.Load()
			if got >= want {
				return nil
			}
			if got != last {
				last, lastAt = got, time.Now()
			} else if time.Since(lastAt) > stallAfter {
				return errStalled
			}
			select {
			case <-run.progress:
			case <-time.After(20 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	window := uint64(max(cfg.FanWindow, 1))
	pump := func(d time.Duration) error {
		end := time.Now().Add(d)
		for time.Now().Before(end) {
			if sent >= window {
				if err := waitFor((sent - window + 1) * uint64(n)); err != nil {
					return err
				}
			}
			if err := send(); err != nil {
				return err
			}
		}
		return nil
	}
	// A server that loses messages stalls the pump; the run still reports
	// what was delivered and how much was lost.
	err = pump(cfg.Warmup)
	if err != nil && !errors.Is(err, errStalled) {
		return nil, err
	}
	c0 := m.sample()
	if err == nil {
		run.phase.Store(phaseMeasure)
		err = pump(cfg.Duration)
		if err != nil && !errors.Is(err, errStalled) {
			return nil, err
		}
	}
	run.phase.Store(phaseStop)
	c1 := m.sample()
	measured := run.measured.Load()
	stalled := err != nil
	if !stalled {
		stalled = waitFor(sent*uint64(n)) != nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := conns.dropped(); err != nil {
		return nil, fmt.Errorf("fanout: %w", err)
	}
	var lost, disorder uint64
	for _, f := range recv {
		f.mu.Lock()
		lost += sent - min(f.got, sent) // every seq is sent once: no duplicates
		disorder += f.disorder
		f.mu.Unlock()
	}
	q, _ := run.lat.quantiles(0.5, 0.99)
	r := result{
		"fanout.receivers":  float64(n),
		"fanout.window":     float64(window),
		"fanout.msgs_per_s": float64(measured) / c1.at.Sub(c0.at).Seconds(),
		"fanout.p50_us":     micros(q[0]),
		"fanout.p99_us":     micros(q[1]),
		"fanout.lost":       float64(lost),
		"fanout.disorder":   float64(disorder),
		"fanout.gen_cpu":    perUnit(c1.self-c0.self, measured),
	}
	if stalled {
		r["fanout.stalled"] = 1
	}
	if m.serverPID > 0 {
		r["fanout.srv_cpu"] = perUnit(c1.server-c0.server, measured)
	}
	return r, nil
}
