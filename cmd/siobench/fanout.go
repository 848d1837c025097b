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
	lag       hist          // fanout-rate: send time minus due time, while measuring
	probed    atomic.Int64  // cluster: receivers that got a probe broadcast
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
	probed   bool   // cluster: got a probe broadcast
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
	if isProbe(pkt) {
		f.mu.Lock()
		if !f.probed {
			f.probed = true
			f.run.probed.Add(1)
		}
		f.mu.Unlock()
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
	return fanoutScenario(ctx, d, t, cfg, m, "fanout", cfg.FanReceivers, 0)
}

// runFanout10k is fanout with cfg.Fan10kReceivers receivers (10,000 in the
// full preset).
func runFanout10k(ctx context.Context, d *dialer, t target, cfg config, m cpuMeter) (result, error) {
	return fanoutScenario(ctx, d, t, cfg, m, "fanout-10k", cfg.Fan10kReceivers, 0)
}

// runFanoutRate is fanout with the sender emitting at cfg.FanRate
// broadcasts per second, whether or not the earlier ones have arrived;
// latency counts from when each broadcast was due.
func runFanoutRate(ctx context.Context, d *dialer, t target, cfg config, m cpuMeter) (result, error) {
	if cfg.FanRate <= 0 {
		return nil, fmt.Errorf("fanout-rate: no rate (--fanout-rate)")
	}
	return fanoutScenario(ctx, d, t, cfg, m, "fanout-rate", cfg.FanReceivers, cfg.FanRate)
}

// fanoutScenario runs fanout with n receivers, windowed (rate 0) or at rate
// broadcasts per second, reporting under the metric keys name.*.
func fanoutScenario(ctx context.Context, d *dialer, t target, cfg config, m cpuMeter, name string, n int, rate float64) (result, error) {
	if n <= 0 {
		return nil, fmt.Errorf("%s: no receivers", name)
	}
	run := &fanRun{base: time.Now(), progress: make(chan struct{}, 1)}
	recv := make([]*fanReceiver, n)
	conns, err := dialMany(ctx, d, t.base, n, cfg.DialParallel, func(i int, c *Conn) packetFunc {
		recv[i] = &fanReceiver{run: run, joined: make(chan struct{})}
		return recv[i].onPacket
	})
	if err != nil {
		return nil, err
	}
	defer conns.Close()
	if err := joinAll(ctx, conns.conns, recv); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	sender, err := d.Dial(ctx, t.base)
	if err != nil {
		return nil, fmt.Errorf("%s: sender: %w", name, err)
	}
	defer sender.Close()
	sender.Start(func([]byte) {}, nil)
	return fanoutMeasure(ctx, cfg, m, run, recv, conns, sender, name, rate)
}

// joinAll has every receiver join room "fan" and waits for each ack.
func joinAll(ctx context.Context, conns []*Conn, recv []*fanReceiver) error {
	for i, c := range conns {
		if err := c.Write([]byte(`420["join","fan"]`)); err != nil {
			return fmt.Errorf("join: %w", err)
		}
		select {
		case <-recv[i].joined:
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Second):
			return errors.New("no ack for join")
		}
	}
	return nil
}

// fanoutMeasure has sender emit "fanout" for the warmup and the measured
// window, windowed or at rate, then waits for every receiver in recv to get
// every broadcast and reports under name.*. The servers it sends to must
// broadcast to every receiver (conns are the receivers' connections).
func fanoutMeasure(ctx context.Context, cfg config, m cpuMeter, run *fanRun, recv []*fanReceiver,
	conns *connSet, sender *Conn, name string, rate float64) (result, error) {
	n := len(recv)
	var sent uint64
	var buf []byte
	send := func(due time.Time) error {
		sent++
		buf = append(buf[:0], `42["fanout",{"seq":`...)
		buf = strconv.AppendUint(buf, sent, 10)
		buf = append(buf, `,"t":`...)
		buf = strconv.AppendInt(buf, int64(due.Sub(run.base)), 10)
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
	var pace *pacer
	if rate > 0 {
		pace = newPacer(rate)
	}
	pump := func(d time.Duration) error {
		end := time.Now().Add(d)
		if pace != nil {
			// At a fixed rate nothing waits for deliveries: a server that
			// cannot keep up falls behind, and its latency shows it.
			return pace.run(ctx, end, func(_ uint64, due time.Time) error {
				if run.phase.Load() == phaseMeasure {
					run.lag.record(time.Since(due))
				}
				return send(due)
			})
		}
		for time.Now().Before(end) {
			if sent >= window {
				if err := waitFor((sent - window + 1) * uint64(n)); err != nil {
					return err
				}
			}
			if err := send(time.Now()); err != nil {
				return err
			}
		}
		return nil
	}
	// A server that loses messages stalls the pump; the run still reports
	// what was delivered and how much was lost.
	err := pump(cfg.Warmup)
	if err != nil && !errors.Is(err, errStalled) {
		return nil, err
	}
	c0 := m.sample()
	sent0 := sent
	if err == nil {
		run.phase.Store(phaseMeasure)
		err = pump(cfg.Duration)
		if err != nil && !errors.Is(err, errStalled) {
			return nil, err
		}
	}
	run.phase.Store(phaseStop)
	c1 := m.sample()
	measured, sentMeasured := run.measured.Load(), sent-sent0
	stalled := err != nil
	if !stalled {
		stalled = waitFor(sent*uint64(n)) != nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := conns.dropped(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var lost, disorder uint64
	for _, f := range recv {
		f.mu.Lock()
		lost += sent - min(f.got, sent) // every seq is sent once: no duplicates
		disorder += f.disorder
		f.mu.Unlock()
	}
	q, _ := run.lat.quantiles(0.5, 0.99)
	span := c1.at.Sub(c0.at)
	r := result{
		name + ".receivers":  float64(n),
		name + ".msgs_per_s": float64(measured) / span.Seconds(),
		name + ".p50_us":     micros(q[0]),
		name + ".p99_us":     micros(q[1]),
		name + ".lost":       float64(lost),
		name + ".disorder":   float64(disorder),
	}
	if rate > 0 {
		r[name+".target_per_s"] = rate
		r[name+".sent_per_s"] = float64(sentMeasured) / span.Seconds()
		lag, _ := run.lag.quantiles(0.5, 0.99)
		r[name+".lag_p50_us"], r[name+".lag_p99_us"] = micros(lag[0]), micros(lag[1])
	} else {
		r[name+".window"] = float64(window)
	}
	r[name+".gen_cpu"] = perUnit(c1.self-c0.self, measured)
	if stalled {
		r[name+".stalled"] = 1
	}
	if m.serverPID > 0 {
		r[name+".srv_cpu"] = perUnit(c1.server-c0.server, measured)
	}
	return r, nil
}
