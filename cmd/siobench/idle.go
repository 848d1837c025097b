package main

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// runIdle holds cfg.IdleConns connections to namespace "/" and reports the
// server's resident memory, and goroutines when the server exposes them at
// /stats, per connection.
func runIdle(ctx context.Context, d *dialer, t target, cfg config, m cpuMeter) (result, error) {
	if err := sleep(ctx, cfg.Settle/2); err != nil {
		return nil, err
	}
	rss0, err := procRSS(t.pid)
	if err != nil && t.pid > 0 {
		return nil, err
	}
	g0, haveG := goroutines(ctx, t.base)
	start := time.Now()
	conns, err := dialMany(ctx, d, t.base, cfg.IdleConns, cfg.DialParallel, nil)
	if err != nil {
		return nil, err
	}
	defer conns.Close()
	dialTime := time.Since(start)
	if err := sleep(ctx, cfg.Settle); err != nil {
		return nil, err
	}
	if err := conns.dropped(); err != nil {
		return nil, err
	}
	n := float64(cfg.IdleConns)
	r := result{"idle.conns": n, "idle.dial_per_s": n / dialTime.Seconds()}
	if t.pid > 0 {
		rss1, err := procRSS(t.pid)
		if err != nil {
			return nil, err
		}
		r["idle.rss_kb"] = float64(rss1-rss0) / 1024 / n
	}
	if g1, ok := goroutines(ctx, t.base); ok && haveG {
		r["idle.goroutines"] = float64(g1-g0) / n
	}
	return r, nil
}

// goroutines asks a Go peer for its goroutine count (GET /stats).
func goroutines(ctx context.Context, base string) (int, bool) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/stats", nil)
	if err != nil {
		return 0, false
	}
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	var s struct {
		Goroutines *int `json:"goroutines"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&s) != nil || s.Goroutines == nil {
		return 0, false
	}
	return *s.Goroutines, true
}
