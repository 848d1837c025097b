package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Phases of a measured scenario.
const (
	phaseWarmup int32 = iota
	phaseMeasure
	phaseStop
)

const echoPayload = `"siobench-echo-0123456789"]`

// echoClient sends "echo" with an ack. Closed loop (echo), it keeps one in
// flight and its reader sends the next one as soon as the ack arrives; at a
// fixed rate (echo-rate), the run's pacer sends and acks only count.
type echoClient struct {
	mu      sync.Mutex // the pacer's or the first send races with the reader otherwise
	c       *Conn
	run     *echoRun
	id      uint64
	pending map[uint64]time.Time // ack id → when the emit was due
	buf     []byte
}

type echoRun struct {
	closedLoop  bool // send the next emit from the reader
	phase       atomic.Int32
	trips       atomic.Uint64 // acks received while measuring
	bad         atomic.Uint64 // acks with a wrong id or payload
	outstanding atomic.Int64  // emits not yet acked, or given up on a closed connection
	lat         hist
	lag         hist // echo-rate: send time minus due time, while measuring
}

// send emits "echo" with the next ack id; due is when the emit was due, for
// the latency. Called with e.mu held.
func (e *echoClient) send(due time.Time) error {
	e.id++
	e.buf = append(e.buf[:0], "42"...)
	e.buf = strconv.AppendUint(e.buf, e.id, 10)
	e.buf = append(e.buf, `["echo",`...)
	e.buf = append(e.buf, echoPayload...)
	if e.pending == nil {
		e.pending = make(map[uint64]time.Time, 1)
	}
	e.pending[e.id] = due
	e.run.outstanding.Add(1)
	if err := e.c.Write(e.buf); err != nil {
		delete(e.pending, e.id) // the connection is gone: no ack will come
		e.run.outstanding.Add(-1)
		return err
	}
	return nil
}

func (e *echoClient) onPacket(pkt []byte) {
	id, data, ok := parseAck(pkt)
	if !ok {
		return
	}
	now := time.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	due, ok := e.pending[id]
	if ok {
		delete(e.pending, id)
		defer e.run.outstanding.Add(-1)
	}
	if !ok || string(data) != "["+echoPayload {
		e.run.bad.Add(1)
	}
	switch e.run.phase.Load() {
	case phaseMeasure:
		e.run.trips.Add(1)
		e.run.lat.record(now.Sub(due))
	case phaseStop:
		return
	}
	if e.run.closedLoop {
		e.send(time.Now())
	}
}

// runEcho has cfg.EchoClients clients each emit "echo" with an ack as fast
// as the acks return, and reports round trips per second, their latency,
// and the CPU time per round trip of the server and of the generator.
func runEcho(ctx context.Context, d *dialer, t target, cfg config, m cpuMeter) (result, error) {
	return echoScenario(ctx, d, t, cfg, m, "echo", 0)
}

// runEchoRate has the same clients emit at cfg.EchoRate round trips per
// second in all, each client in turn, and reports the round trips per
// second achieved and their latency from when each emit was due.
func runEchoRate(ctx context.Context, d *dialer, t target, cfg config, m cpuMeter) (result, error) {
	if cfg.EchoRate <= 0 {
		return nil, fmt.Errorf("echo-rate: no rate (--echo-rate)")
	}
	return echoScenario(ctx, d, t, cfg, m, "echo-rate", cfg.EchoRate)
}

// echoScenario runs echo closed loop (rate 0) or at rate emits per second,
// reporting under the metric keys name.*.
func echoScenario(ctx context.Context, d *dialer, t target, cfg config, m cpuMeter, name string, rate float64) (result, error) {
	run := &echoRun{closedLoop: rate <= 0}
	clients := make([]*echoClient, cfg.EchoClients)
	conns, err := dialMany(ctx, d, t.base, cfg.EchoClients, cfg.DialParallel, func(i int, c *Conn) packetFunc {
		clients[i] = &echoClient{c: c, run: run}
		return clients[i].onPacket
	})
	if err != nil {
		return nil, err
	}
	defer conns.Close()

	// measure runs the load for d: closed loop, it only waits; at a fixed
	// rate the pacer sends, to one client after the other.
	var pace *pacer
	measure := func(d time.Duration) error {
		if pace == nil {
			return sleep(ctx, d)
		}
		return pace.run(ctx, time.Now().Add(d), func(k uint64, due time.Time) error {
			if run.phase.Load() == phaseMeasure {
				run.lag.record(time.Since(due))
			}
			e := clients[k%uint64(len(clients))]
			e.mu.Lock()
			defer e.mu.Unlock()
			if e.send(due) != nil {
				return fmt.Errorf("%s: client %d: connection closed", name, k%uint64(len(clients)))
			}
			return nil
		})
	}
	if run.closedLoop {
		for _, e := range clients {
			e.mu.Lock()
			e.send(time.Now())
			e.mu.Unlock()
		}
	} else {
		pace = newPacer(rate)
	}
	if err := measure(cfg.Warmup); err != nil {
		return nil, err
	}
	c0 := m.sample()
	run.phase.Store(phaseMeasure)
	if err := measure(cfg.Duration); err != nil {
		return nil, err
	}
	run.phase.Store(phaseStop)
	c1 := m.sample()
	trips := run.trips.Load()
	if err := waitZero(ctx, &run.outstanding, 10*time.Second); err != nil {
		return nil, fmt.Errorf("%s: %d emits still waiting for acks: %w", name, run.outstanding.Load(), err)
	}
	if err := conns.dropped(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if trips == 0 {
		return nil, fmt.Errorf("%s: no round trip completed", name)
	}
	if bad := run.bad.Load(); bad > 0 {
		return nil, fmt.Errorf("%s: %d acks with a wrong id or payload", name, bad)
	}
	q, _ := run.lat.quantiles(0.5, 0.99, 0.999)
	window := c1.at.Sub(c0.at)
	r := result{
		name + ".clients":  float64(cfg.EchoClients),
		name + ".rt_per_s": float64(trips) / window.Seconds(),
		name + ".p50_us":   micros(q[0]),
		name + ".p99_us":   micros(q[1]),
		name + ".p999_us":  micros(q[2]),
	}
	if rate > 0 {
		r[name+".target_per_s"] = rate
		lag, _ := run.lag.quantiles(0.5, 0.99)
		r[name+".lag_p50_us"], r[name+".lag_p99_us"] = micros(lag[0]), micros(lag[1])
	}
	r[name+".gen_cpu"] = perUnit(c1.self-c0.self, trips)
	if m.serverPID > 0 {
		r[name+".srv_cpu"] = perUnit(c1.server-c0.server, trips)
	}
	return r, nil
}

// waitZero waits until n is 0, at most limit.
func waitZero(ctx context.Context, n *atomic.Int64, limit time.Duration) error {
	end := time.Now().Add(limit)
	for n.Load() > 0 {
		if time.Now().After(end) {
			return context.DeadlineExceeded
		}
		if err := sleep(ctx, 2*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}
