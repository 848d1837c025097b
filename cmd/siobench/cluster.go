package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"time"

	"github.com/siogo/siogo/internal/redistest"
)

// runCluster is fanout across a cluster: two nodes of the same peer on one
// Redis (t.base and t.base2), half of cfg.ClusterReceivers in room "fan" on
// each, and the sender on the first node, whose broadcasts reach the
// second node's receivers through Redis. It reports what fanout does, with
// the server CPU summed over both nodes (m meters both) and Redis's CPU
// apart.
func runCluster(ctx context.Context, d *dialer, t target, cfg config, m cpuMeter) (result, error) {
	const name = "cluster"
	if t.base2 == "" {
		return nil, errors.New("cluster: needs two nodes on one Redis; siobench run starts them")
	}
	n := cfg.ClusterReceivers
	if n < 2 {
		return nil, errors.New("cluster: needs at least 2 receivers")
	}
	run := &fanRun{base: time.Now(), progress: make(chan struct{}, 1)}
	recv := make([]*fanReceiver, n)
	half := n / 2
	handler := func(off int) func(i int, c *Conn) packetFunc {
		return func(i int, c *Conn) packetFunc {
			recv[off+i] = &fanReceiver{run: run, joined: make(chan struct{})}
			return recv[off+i].onPacket
		}
	}
	onA, err := dialMany(ctx, d, t.base, half, cfg.DialParallel, handler(0))
	if err != nil {
		return nil, fmt.Errorf("cluster: node A: %w", err)
	}
	defer onA.Close()
	onB, err := dialMany(ctx, d, t.base2, n-half, cfg.DialParallel, handler(half))
	if err != nil {
		return nil, fmt.Errorf("cluster: node B: %w", err)
	}
	defer onB.Close()
	all := &connSet{conns: append(append([]*Conn{}, onA.conns...), onB.conns...)}
	if err := joinAll(ctx, all.conns, recv); err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	sender, err := d.Dial(ctx, t.base)
	if err != nil {
		return nil, fmt.Errorf("cluster: sender: %w", err)
	}
	defer sender.Close()
	sender.Start(func([]byte) {}, nil)
	// Node B may not be subscribed yet when it starts listening: probe
	// until a broadcast reaches every receiver, so none is lost to that.
	if err := probeAll(ctx, run, sender, n); err != nil {
		return nil, err
	}
	var r0 time.Duration
	if t.redisPID > 0 {
		r0, _ = procCPU(t.redisPID, m.ticks)
	}
	r, err := fanoutMeasure(ctx, cfg, m, run, recv, all, sender, name, 0)
	if err != nil {
		return nil, err
	}
	for _, set := range []*connSet{onA, onB} {
		if err := set.dropped(); err != nil {
			return nil, fmt.Errorf("cluster: %w", err)
		}
	}
	if t.redisPID > 0 {
		if r1, err := procCPU(t.redisPID, m.ticks); err == nil && r[name+".msgs_per_s"] > 0 {
			r[name+".redis_cpu"] = perUnit(r1-r0, run.measured.Load())
		}
	}
	return r, nil
}

// probeAll has sender broadcast probes, which receivers count apart from
// the messages, until every one of the n receivers has had one.
func probeAll(ctx context.Context, run *fanRun, sender *Conn, n int) error {
	end := time.Now().Add(10 * time.Second)
	for run.probed.Load() < int64(n) {
		if time.Now().After(end) {
			return fmt.Errorf("cluster: probe broadcasts reached %d of %d receivers in 10s", run.probed.Load(), n)
		}
		if err := sender.Write([]byte(`42["fanout",{"probe":1}]`)); err != nil {
			return fmt.Errorf("cluster: probe: %w", err)
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

var probePrefix = []byte(`2["msg",{"probe":`)

// isProbe reports whether pkt is a probe broadcast.
func isProbe(pkt []byte) bool { return bytes.HasPrefix(pkt, probePrefix) }

// startRedis runs a redis-server for a cluster run, pinned to cpu when
// cpu >= 0.
func startRedis(cpu int) (*redistest.Server, error) {
	var wrap []string
	if cpu >= 0 {
		if ts, err := exec.LookPath("taskset"); err == nil {
			wrap = []string{ts, "-c", strconv.Itoa(cpu)}
		}
	}
	return redistest.Run(wrap...)
}
