package main

import (
	"context"
	"time"
)

// pacer schedules sends at a fixed rate: the k-th send (from 0) is due at
// start + k/rate, whether or not earlier ones have been answered, so a slow
// server does not slow the schedule down (no coordinated omission).
// Latencies are measured from the due time, not from when the send went
// out, so a send the generator could not make on time counts its delay.
//
// The pacer sleeps until the next send is due and then makes every send
// that is due. Go's timers wake up to about 1 ms late here (sub-millisecond
// sleeps round up to 1 ms in the runtime's netpoller), so a send goes out
// up to ~1 ms after its due time; the scenarios record by how much and
// report it (the send lag rows). Spinning instead would be worse: with the generator on
// one CPU (GOMAXPROCS=1), a goroutine that yields in a loop keeps the
// scheduler from polling the network, and acks wait ~10 ms for sysmon.
type pacer struct {
	rate  float64 // sends per second
	start time.Time
	n     uint64 // sends made
}

func newPacer(rate float64) *pacer { return &pacer{rate: rate, start: time.Now()} }

func (p *pacer) due(k uint64) time.Time {
	return p.start.Add(time.Duration(float64(k) / p.rate * float64(time.Second)))
}

// run makes every send due before end, calling send with the send's index
// and due time; it returns the first error send returns, or ctx's.
func (p *pacer) run(ctx context.Context, end time.Time, send func(k uint64, due time.Time) error) error {
	for {
		now := time.Now()
		for p.n < ^uint64(0) {
			due := p.due(p.n)
			if due.After(now) || !due.Before(end) {
				break
			}
			if err := send(p.n, due); err != nil {
				return err
			}
			p.n++
		}
		next := p.due(p.n)
		if !next.Before(end) {
			return sleep(ctx, time.Until(end))
		}
		if err := sleep(ctx, time.Until(next)); err != nil {
			return err
		}
	}
}
