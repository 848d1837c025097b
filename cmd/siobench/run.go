package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Presets for the scenario sizes.
var (
	quickConfig = config{IdleConns: 5000, EchoClients: 100, EchoRate: 5000, FanReceivers: 200, FanWindow: 16, FanRate: 100, Fan10kReceivers: 2000, ClusterReceivers: 200,
		ConnWorkers: 256, WSWorkers: 16, DialParallel: 64, Warmup: 500 * time.Millisecond, Duration: 3 * time.Second, Settle: time.Second}
	fullConfig = config{IdleConns: 10000, EchoClients: 1000, EchoRate: 20000, FanReceivers: 1000, FanWindow: 8, FanRate: 50, Fan10kReceivers: 10000, ClusterReceivers: 1000,
		ConnWorkers: 512, WSWorkers: 64, DialParallel: 128, Warmup: 2 * time.Second, Duration: 10 * time.Second, Settle: 3 * time.Second}
	smokeConfig = config{IdleConns: 200, EchoClients: 10, EchoRate: 500, FanReceivers: 20, FanWindow: 8, FanRate: 100, Fan10kReceivers: 100, ClusterReceivers: 20,
		ConnWorkers: 8, WSWorkers: 4, DialParallel: 32, Warmup: 100 * time.Millisecond, Duration: 400 * time.Millisecond, Settle: 200 * time.Millisecond}
)

// plan is what the driver runs.
type plan struct {
	root      string // repository root
	peers     []string
	scenarios []string
	repeat    int
	cfg       config
	pinPeer   int // CPU for the peers, -1 for none
	mode      string
	log       io.Writer // progress
}

// report is what runPlan measured.
type report struct {
	results  map[string]result // median of the repeats, by peer
	failures []string          // runs that failed, "peer scenario: error"
	skipped  []string          // scenarios a peer cannot run, "peer scenario: why"
}

// notApplicable says why peer cannot run scenario, "" if it can.
func notApplicable(peer, scenario string) string {
	if peer == "gorilla" && scenario == "connect" {
		return "the bare gorilla peer speaks no polling (WebSocket only); connect-ws is its handshake"
	}
	if scenario == "cluster" {
		switch peer {
		case "gorilla":
			return "the bare gorilla peer has no adapter: it cannot be a node of a cluster"
		case "zishang520":
			return "the zishang520 peer has no Redis adapter: its module requires only socket.io/v2, not the port's separate adapter module"
		}
		if _, err := exec.LookPath("redis-server"); err != nil {
			return "redis-server not found (make deps installs it)"
		}
	}
	return ""
}

// runPlan builds and runs every peer through every scenario, a fresh peer
// process for each run. A peer that does not build, or a failed run, is
// noted and the rest goes on; only a cancelled ctx stops everything.
func runPlan(ctx context.Context, pl plan) (*report, error) {
	dir, err := os.MkdirTemp("", "siobench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	m := cpuMeter{ticks: clockTicks()}
	d := newDialer()
	out := &report{results: map[string]result{}}
	for _, name := range pl.peers {
		argv, err := buildPeer(ctx, pl.root, dir, name)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			fmt.Fprintln(pl.log, "siobench:", err)
			out.failures = append(out.failures, err.Error())
			continue
		}
		merged := result{}
		for _, sc := range pl.scenarios {
			run, ok := scenarioByName(sc)
			if !ok {
				return nil, fmt.Errorf("unknown scenario %q (known: %s)", sc, strings.Join(scenarioNames, ", "))
			}
			if why := notApplicable(name, sc); why != "" {
				maps.Copy(merged, naResult(sc))
				msg := fmt.Sprintf("%s %s: %s", name, sc, why)
				fmt.Fprintln(pl.log, "siobench: skipped", msg)
				out.skipped = append(out.skipped, msg)
				continue
			}
			var runs []result
			for i := range pl.repeat {
				once := runOnce
				if sc == "cluster" {
					once = runClusterOnce
				}
				r, err := once(ctx, argv, pl.pinPeer, func(ctx context.Context, t target) (result, error) {
					m.serverPID, m.otherPIDs = t.pid, nil
					if t.pid2 > 0 {
						m.otherPIDs = []int{t.pid2}
					}
					return run(ctx, d, t, pl.cfg, m)
				})
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				if err != nil {
					msg := fmt.Sprintf("%s %s run %d: %v", name, sc, i+1, err)
					fmt.Fprintln(pl.log, "siobench:", msg)
					out.failures = append(out.failures, msg)
					continue
				}
				fmt.Fprintf(pl.log, "siobench: %s %s run %d/%d: %s\n", name, sc, i+1, pl.repeat, brief(r))
				runs = append(runs, r)
			}
			if len(runs) == 0 {
				continue
			}
			for k, v := range median(runs) {
				merged[k] = v
			}
		}
		out.results[name] = merged
	}
	return out, nil
}

// naResult marks the figures of scenario sc that the table compares as
// not applicable (-1, "n/a" in the table).
func naResult(sc string) result {
	r := result{}
	for _, m := range metrics {
		if strings.HasPrefix(m.key, sc+".") && m.better != "" {
			r[m.key] = -1
		}
	}
	return r
}

// runOnce starts a peer, runs fn against it within a time limit, and
// stops the peer.
func runOnce(ctx context.Context, argv []string, cpu int, fn func(context.Context, target) (result, error)) (result, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	p, err := startPeer(ctx, argv, cpu)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	return fn(ctx, target{base: p.base, pid: p.pid()})
}

// runClusterOnce starts a Redis and two nodes of a peer on it (--redis
// URL), runs fn against them within a time limit, and stops them all.
func runClusterOnce(ctx context.Context, argv []string, cpu int, fn func(context.Context, target) (result, error)) (result, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	rs, err := startRedis(cpu)
	if err != nil {
		return nil, err
	}
	defer rs.Stop()
	argv = append(append([]string{}, argv...), "--redis", rs.URL())
	a, err := startPeer(ctx, argv, cpu)
	if err != nil {
		return nil, err
	}
	defer a.stop()
	b, err := startPeer(ctx, argv, cpu)
	if err != nil {
		return nil, err
	}
	defer b.stop()
	return fn(ctx, target{base: a.base, pid: a.pid(), base2: b.base, pid2: b.pid(), redisPID: rs.Pid()})
}

func brief(r result) string {
	var parts []string
	for _, m := range metrics {
		if v, ok := r[m.key]; ok {
			parts = append(parts, m.key+"="+format(v, true))
		}
	}
	return strings.Join(parts, " ")
}

// writeReport writes the results as Markdown, with what the machine was
// doing around the run.
// runEnv is what the report says about the run besides the results.
type runEnv struct {
	loadBefore, loadAfter string    // /proc/loadavg, 1, 5 and 15 minutes
	loadDuring            []float64 // 1-minute load average, sampled during the run
	took                  time.Duration
	chart                 string // PNG path, "" for none
	chartErr              error
}

func writeReport(w io.Writer, pl plan, rep *report, env runEnv) {
	fmt.Fprintf(w, "# siobench %s, %s\n\n", pl.mode, time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "- machine: %s CPUs, %s, %s, node %s\n", strings.TrimSpace(cmdOutput("getconf", "_NPROCESSORS_ONLN")), runtime.GOOS+"/"+runtime.GOARCH,
		runtime.Version(), strings.TrimSpace(cmdOutput("node", "--version")))
	pin := "no pinning"
	if pl.pinPeer >= 0 {
		pin = fmt.Sprintf("peers pinned to CPU %d, generator to CPU %s", pl.pinPeer, orDash(os.Getenv(pinnedEnv)))
	}
	fmt.Fprintf(w, "- %s; a fresh peer process per run; %d run(s) per cell, median\n", pin, pl.repeat)
	during := ""
	if len(env.loadDuring) > 0 {
		during = fmt.Sprintf("; 1-minute load during the run %.2f–%.2f", slices.Min(env.loadDuring), slices.Max(env.loadDuring))
	}
	fmt.Fprintf(w, "- load average before: %s; after: %s%s (other processes on the machine skew the figures; CPU per operation is the comparable one)\n",
		env.loadBefore, env.loadAfter, during)
	fmt.Fprintf(w, "- warmup %v, measured window %v; namespace \"/\"; connect over polling, then upgraded to WebSocket, every other scenario over WebSocket only; took %v\n\n",
		pl.cfg.Warmup, pl.cfg.Duration, env.took.Round(time.Second))
	switch {
	case env.chart != "" && env.chartErr == nil:
		fmt.Fprintf(w, "![siogo's figures over each other peer's](%s)\n\n", filepath.Base(env.chart))
	case env.chartErr != nil:
		fmt.Fprintf(w, "No chart: %v\n\n", env.chartErr)
	}
	var peers []string
	for _, p := range pl.peers {
		if _, ok := rep.results[p]; ok {
			peers = append(peers, p)
		}
	}
	writeTable(w, peers, rep.results)
	fmt.Fprintln(w, "\nRatios are siogo's figure over the other peer's. CPU is utime+stime from /proc/PID/stat over the measured window.")
	if len(rep.skipped) > 0 {
		fmt.Fprintln(w, "\nNot applicable (n/a in the table):")
		for _, s := range rep.skipped {
			fmt.Fprintf(w, "\n- %s", s)
		}
		fmt.Fprintln(w)
	}
	if len(rep.failures) > 0 {
		fmt.Fprintln(w, "\nFailed runs:")
		for _, f := range rep.failures {
			fmt.Fprintf(w, "\n- %s", f)
		}
		fmt.Fprintln(w)
	}
}

// sampleLoad reads the 1-minute load average every interval until ctx is
// done or the returned function is called, which returns the samples.
func sampleLoad(ctx context.Context, interval time.Duration) func() []float64 {
	ctx, cancel := context.WithCancel(ctx)
	var out []float64
	done := make(chan struct{})
	read := func() {
		if f := strings.Fields(loadAvg()); len(f) > 0 {
			if v, err := strconv.ParseFloat(f[0], 64); err == nil {
				out = append(out, v)
			}
		}
	}
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		read()
		for {
			select {
			case <-t.C:
				read()
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() []float64 {
		cancel()
		<-done
		return out
	}
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func cmdOutput(name string, args ...string) string {
	var b bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout = &b
	if cmd.Run() != nil {
		return "?"
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
