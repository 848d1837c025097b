package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// handshakeTimeout bounds one connection's handshake in the connect
// scenarios.
const handshakeTimeout = 10 * time.Second

// runConnect is the connection storm as socket.io-client connects by
// default: cfg.ConnWorkers workers each do the Engine.IO handshake over
// polling, connect to "/" over polling, upgrade to WebSocket, and reset
// the connection, again and again. It reports handshakes completed per
// second, their latency, and the CPU per handshake.
//
// It needs many more workers than connect-ws to keep a server busy: an
// upgrade waits for the server to release the pending poll, which Node
// does from a 100 ms timer.
func runConnect(ctx context.Context, d *dialer, t target, cfg config, m cpuMeter) (result, error) {
	return runStorm(ctx, cfg.ConnWorkers, cfg, m, "connect", true, func() (func(context.Context) (*Conn, error), func()) {
		p := newPoller(d, t.base)
		return p.connect, p.Close
	})
}

// runConnectWS is the connection storm over a direct WebSocket (what a
// client with transports: ["websocket"] does): cfg.WSWorkers workers each
// open a WebSocket, wait for the open packet, CONNECT to "/" and its
// answer, and reset the connection.
func runConnectWS(ctx context.Context, d *dialer, t target, cfg config, m cpuMeter) (result, error) {
	return runStorm(ctx, cfg.WSWorkers, cfg, m, "connect-ws", false, func() (func(context.Context) (*Conn, error), func()) {
		return func(ctx context.Context) (*Conn, error) { return d.Dial(ctx, t.base) }, func() {}
	})
}

// runStorm has workers workers each open a connection with the
// handshake newWorker gives it and close it (a reset: SO_LINGER 0, no
// TIME_WAIT), as fast as they can, and reports the figures under
// prefix+".": handshakes per second, latency, CPU per handshake, and with
// upgrades the handshakes whose upgrade failed (errUpgradeFailed), which
// do not fail the run.
func runStorm(ctx context.Context, workers int, cfg config, m cpuMeter, prefix string, upgrades bool,
	newWorker func() (handshake func(context.Context) (*Conn, error), done func())) (result, error) {
	var phase atomic.Int32
	var done, failed, upgFailed atomic.Uint64
	var lat hist
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	for range max(workers, 1) {
		handshake, finish := newWorker()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer finish()
			for ctx.Err() == nil && phase.Load() != phaseStop {
				hctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
				start := time.Now()
				c, err := handshake(hctx)
				took := time.Since(start)
				cancel()
				if upgrades && errors.Is(err, errUpgradeFailed) {
					upgFailed.Add(1)
					continue
				}
				if err != nil {
					if ctx.Err() == nil {
						failed.Add(1)
						errOnce.Do(func() { firstErr = err })
					}
					continue
				}
				c.Close()
				if phase.Load() == phaseMeasure {
					done.Add(1)
					lat.record(took)
				}
			}
		}()
	}
	var c0, c1 cpuSample
	err := sleep(ctx, cfg.Warmup)
	if err == nil {
		c0 = m.sample()
		phase.Store(phaseMeasure)
		err = sleep(ctx, cfg.Duration)
		c1 = m.sample()
	}
	phase.Store(phaseStop)
	n := done.Load()
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if f := failed.Load(); f > 0 {
		return nil, fmt.Errorf("%s: %d handshakes failed, first: %w", prefix, f, firstErr)
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: no handshake completed in %v", prefix, cfg.Duration)
	}
	q, _ := lat.quantiles(0.5, 0.99)
	r := result{
		prefix + ".workers":          float64(workers),
		prefix + ".handshakes_per_s": float64(n) / c1.at.Sub(c0.at).Seconds(),
		prefix + ".p50_us":           micros(q[0]),
		prefix + ".p99_us":           micros(q[1]),
		prefix + ".gen_cpu":          perUnit(c1.self-c0.self, n),
	}
	if upgrades {
		r[prefix+".upgrades_failed"] = float64(upgFailed.Load())
	}
	if m.serverPID > 0 {
		r[prefix+".srv_cpu"] = perUnit(c1.server-c0.server, n)
	}
	return r, nil
}
