package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// target is a running server under test.
type target struct {
	base string // "http://127.0.0.1:PORT"
	pid  int    // its process, for /proc figures; 0 if unknown
	// cluster: the second node (same peer, same Redis) and Redis itself.
	base2    string
	pid2     int
	redisPID int
}

// config sizes the scenarios.
type config struct {
	IdleConns        int           // idle: connections held
	EchoClients      int           // echo, echo-rate: clients, one ack in flight each for echo
	EchoRate         float64       // echo-rate: round trips per second, all clients together
	FanReceivers     int           // fanout, fanout-rate: receivers in room "fan"
	FanWindow        int           // fanout, fanout-10k: broadcasts in flight
	FanRate          float64       // fanout-rate: broadcasts per second
	Fan10kReceivers  int           // fanout-10k: receivers
	ClusterReceivers int           // cluster: receivers, half on each node
	ConnWorkers      int           // connect: concurrent handshakes (polling, then upgrade)
	WSWorkers        int           // connect-ws: concurrent handshakes (WebSocket)
	DialParallel     int           // connections opened at once while setting up
	Warmup           time.Duration // before each measured window
	Duration         time.Duration // measured window
	Settle           time.Duration // idle: wait before reading RSS
}

// result holds one run's figures by metric key (see metrics in report.go).
type result map[string]float64

// scenario runs once against a target.
type scenario func(ctx context.Context, d *dialer, t target, cfg config, m cpuMeter) (result, error)

var scenarioNames = []string{"idle", "echo", "echo-rate", "fanout", "fanout-rate", "fanout-10k", "cluster", "connect", "connect-ws"}

func scenarioByName(name string) (scenario, bool) {
	switch name {
	case "idle":
		return runIdle, true
	case "echo":
		return runEcho, true
	case "echo-rate":
		return runEchoRate, true
	case "fanout":
		return runFanout, true
	case "fanout-rate":
		return runFanoutRate, true
	case "fanout-10k":
		return runFanout10k, true
	case "cluster":
		return runCluster, true
	case "connect":
		return runConnect, true
	case "connect-ws":
		return runConnectWS, true
	}
	return nil, false
}

// connSet is a group of connections opened together.
type connSet struct {
	conns []*Conn
	ended atomic.Int64 // readers that returned: connections the server closed, until Close
}

// dropped returns an error if any connection ended before Close.
func (s *connSet) dropped() error {
	if n := s.ended.Load(); n > 0 {
		return fmt.Errorf("%d of %d connections closed by the server", n, len(s.conns))
	}
	return nil
}

// Close closes every connection.
func (s *connSet) Close() { closeAll(s.conns) }

// dialMany opens n connections, parallel at a time, and starts each one's
// reader with the handler newHandler(i, conn) returns (nil: ignore packets).
// On error it closes what it opened.
func dialMany(ctx context.Context, d *dialer, base string, n, parallel int,
	newHandler func(i int, c *Conn) packetFunc) (*connSet, error) {
	if parallel < 1 {
		parallel = 1
	}
	set := &connSet{conns: make([]*Conn, n)}
	conns := set.conns
	errs := make([]error, n)
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			errs[i] = ctx.Err()
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, err := d.Dial(ctx, base)
			if err != nil {
				errs[i] = err
				return
			}
			conns[i] = c
			h := packetFunc(func([]byte) {})
			if newHandler != nil {
				if hh := newHandler(i, c); hh != nil {
					h = hh
				}
			}
			c.Start(h, func() { set.ended.Add(1) })
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			closeAll(conns)
			return nil, fmt.Errorf("connection %d of %d: %w", i+1, n, err)
		}
	}
	return set, nil
}

func closeAll(conns []*Conn) {
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// perUnit returns the CPU time spent between two samples per unit of
// work, in microseconds, or -1 if n is 0.
func perUnit(cpu time.Duration, n uint64) float64 {
	if n == 0 {
		return -1
	}
	return float64(cpu.Microseconds()) / float64(n)
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
