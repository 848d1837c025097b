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

// echoClient keeps one "echo" with an ack in flight; its reader sends the
// next one as soon as the ack arrives.
type echoClient struct {
	mu     sync.Mutex // the first send races with the reader otherwise
	c      *Conn
	run    *echoRun
	id     uint64
	sentAt time.Time
	buf    []byte
}

type echoRun struct {
	phase   atomic.Int32
	trips   atomic.Uint64 // acks received while measuring
	bad     atomic.Uint64 // acks with a wrong id or payload
	lat     hist
	stopped sync.WaitGroup // one per client, done when it stops sending
}

func (e *echoClient) send() {
	e.id++
	e.buf = append(e.buf[:0], "42"...)
	e.buf = strconv.AppendUint(e.buf, e.id, 10)
	e.buf = append(e.buf, `["echo",`...)
	e.buf = append(e.buf, echoPayload...)
	e.sentAt = time.Now()
	if e.c.Write(e.buf) != nil {
		e.run.stopped.Done() // the connection is gone: this client is done
	}
}

func (e *echoClient) onPacket(pkt []byte) {
	id, data, ok := parseAck(pkt)
	if !ok {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	lat := time.Since(e.sentAt)
	if id != e.id || string(data) != "["+echoPayload {
		e.run.bad.Add(1)
	}
	switch e.run.phase.Load() {
	case phaseMeasure:
		e.run.trips.Add(1)
		e.run.lat.record(lat)
	case phaseStop:
		e.run.stopped.Done()
		return
	}
	e.send()
}

// runEcho has cfg.EchoClients clients each emit "echo" with an ack as fast
// as the acks return, and reports round trips per second, their latency,
// and the CPU time per round trip of the server and of the generator.
func runEcho(ctx context.Context, d *dialer, t target, cfg config, m cpuMeter) (result, error) {
	run := &echoRun{}
	clients := make([]*echoClient, cfg.EchoClients)
	conns, err := dialMany(ctx, d, t.base, cfg.EchoClients, cfg.DialParallel, func(i int, c *Conn) packetFunc {
		clients[i] = &echoClient{c: c, run: run}
		return clients[i].onPacket
	})
	if err != nil {
		return nil, err
	}
	defer conns.Close()

	run.stopped.Add(len(clients))
	for _, e := range clients {
		e.mu.Lock()
		e.send()
		e.mu.Unlock()
	}
	if err := sleep(ctx, cfg.Warmup); err != nil {
		return nil, err
	}
	c0 := m.sample()
	run.phase.Store(phaseMeasure)
	if err := sleep(ctx, cfg.Duration); err != nil {
		return nil, err
	}
	run.phase.Store(phaseStop)
	c1 := m.sample()
	trips := run.trips.Load()
	if err := waitGroup(ctx, &run.stopped, 10*time.Second); err != nil {
		return nil, fmt.Errorf("echo: clients still waiting for acks: %w", err)
	}
	if err := conns.dropped(); err != nil {
		return nil, fmt.Errorf("echo: %w", err)
	}
	if trips == 0 {
		return nil, fmt.Errorf("echo: no round trip completed")
	}
	if bad := run.bad.Load(); bad > 0 {
		return nil, fmt.Errorf("echo: %d acks with a wrong id or payload", bad)
	}
	q, _ := run.lat.quantiles(0.5, 0.99, 0.999)
	window := c1.at.Sub(c0.at)
	r := result{
		"echo.clients":  float64(cfg.EchoClients),
		"echo.rt_per_s": float64(trips) / window.Seconds(),
		"echo.p50_us":   micros(q[0]),
		"echo.p99_us":   micros(q[1]),
		"echo.p999_us":  micros(q[2]),
		"echo.gen_cpu":  perUnit(c1.self-c0.self, trips),
	}
	if m.serverPID > 0 {
		r["echo.srv_cpu"] = perUnit(c1.server-c0.server, trips)
	}
	return r, nil
}

// waitGroup waits for wg, at most limit.
func waitGroup(ctx context.Context, wg *sync.WaitGroup, limit time.Duration) error {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-t.C:
		return context.DeadlineExceeded
	case <-ctx.Done():
		return ctx.Err()
	}
}
