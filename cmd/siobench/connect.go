package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// runConnect has cfg.ConnWorkers workers each open a WebSocket session,
// connect to "/", and close it, again and again; it reports handshakes
// completed per second and the server's CPU per handshake.
func runConnect(ctx context.Context, d *dialer, t target, cfg config, m cpuMeter) (result, error) {
	var phase atomic.Int32
	var done, failed atomic.Uint64
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	for range max(cfg.ConnWorkers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && phase.Load() != phaseStop {
				c, err := d.Dial(ctx, t.base)
				if err != nil {
					failed.Add(1)
					errOnce.Do(func() { firstErr = err })
					continue
				}
				c.Close()
				if phase.Load() == phaseMeasure {
					done.Add(1)
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
		return nil, fmt.Errorf("connect: %d handshakes failed, first: %w", f, firstErr)
	}
	r := result{
		"connect.workers":  float64(cfg.ConnWorkers),
		"connect.hs_per_s": float64(n) / c1.at.Sub(c0.at).Seconds(),
		"connect.gen_cpu":  perUnit(c1.self-c0.self, n),
	}
	if m.serverPID > 0 {
		r["connect.srv_cpu"] = perUnit(c1.server-c0.server, n)
	}
	return r, nil
}
