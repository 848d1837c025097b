package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
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

// redisServer is a redis-server process of our own.
type redisServer struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

// startRedis runs redis-server on a free port of 127.0.0.1, without
// persistence, pinned to cpu when cpu >= 0, and waits until it answers.
func startRedis(ctx context.Context, cpu int) (*redisServer, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("redis-server not found (make deps installs it)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	argv := []string{bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}
	if cpu >= 0 {
		if ts, err := exec.LookPath("taskset"); err == nil {
			argv = append([]string{ts, "-c", strconv.Itoa(cpu)}, argv...)
		}
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	rs := &redisServer{cmd: cmd, url: fmt.Sprintf("redis://127.0.0.1:%d", port), done: make(chan struct{})}
	var exited atomic.Bool
	go func() { cmd.Wait(); exited.Store(true); close(rs.done) }()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	end := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.SetDeadline(time.Now().Add(time.Second))
			c.Write([]byte("PING\r\n"))
			line, err := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if err == nil && line == "+PONG\r\n" {
				return rs, nil
			}
		}
		if exited.Load() {
			return nil, fmt.Errorf("redis-server exited: %s", bytes.TrimSpace(out.Bytes()))
		}
		if time.Now().After(end) || ctx.Err() != nil {
			rs.stop()
			return nil, fmt.Errorf("redis-server not answering on %s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *redisServer) pid() int { return r.cmd.Process.Pid }

// stop sends SIGTERM, then SIGKILL after 3 s, and waits for the exit.
func (r *redisServer) stop() {
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
		return
	case <-time.After(3 * time.Second):
	}
	r.cmd.Process.Kill()
	<-r.done
}
