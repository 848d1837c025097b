// Command siobench is a load generator for Socket.IO v4 servers. It speaks
// Engine.IO 4 / Socket.IO 5 over WebSocket itself (one small reader
// goroutine per connection, 1 KB buffers), so one process holds thousands
// of connections cheaply, and over HTTP long-polling with net/http for the
// connect scenario's handshakes; it reads the server's CPU and memory from
// /proc.
//
// Scenarios:
//
//   - idle: N connections joined to "/"; the server's RSS (and goroutines,
//     for peers that serve /stats) per connection.
//   - echo: C clients each emit "echo" with an ack as fast as acks return;
//     round trips per second, latency p50/p99/p99.9, CPU per round trip.
//   - echo-rate: the echo clients emitting at a fixed total rate
//     (--echo-rate), one client after the other; round trips per second
//     achieved, latency from each emit's due time (no coordinated
//     omission), CPU per round trip.
//   - fanout: N receivers in room "fan" and one sender whose "fanout"
//     events the server broadcasts, with a bounded number in flight;
//     deliveries per second, delivery latency, CPU per delivered message,
//     and messages lost or out of order (must be 0).
//   - fanout-rate: fanout with the sender broadcasting at a fixed rate
//     (--fanout-rate); latency from each broadcast's due time.
//   - fanout-10k: fanout with 10,000 receivers (2,000 with --quick).
//   - cluster: fanout across two nodes of the same peer on one Redis (a
//     redis-server siobench starts), receivers split across both, the
//     sender on the first; CPU of both nodes per delivered message. Not for
//     the gorilla and zishang520 peers, which have no Redis adapter.
//   - connect: the connection storm as socket.io-client connects by
//     default: Engine.IO handshake and CONNECT to "/" over HTTP long-polling,
//     then the upgrade to WebSocket; handshakes per second, their latency,
//     CPU per handshake. Not for the gorilla peer, which has no polling.
//   - connect-ws: the same over a direct WebSocket (a client with
//     transports: ["websocket"]).
//
// Usage:
//
//	siobench run [--peers siogo,node,gorilla,zishang520] [--scenarios idle,echo,echo-rate,fanout,fanout-rate,fanout-10k,cluster,connect,connect-ws] [--quick] [--out FILE]
//	siobench smoke
//	siobench chart FILE.md
//	siobench scenario --url http://127.0.0.1:3000 [--pid PID] --scenario echo [--quick]
//
// run builds and starts each peer of bench/peers (a fresh process per run,
// pinned to CPU 0 with taskset, the generator re-executed on CPU 1), runs
// the scenarios (3 times and takes the median, or once with --quick) and
// prints a Markdown table with siogo/node, siogo/gorilla and
// siogo/zishang520 ratios; with --out FILE.md it also writes FILE.png, a
// gnuplot bar chart of those ratios, and links it from the report. smoke
// runs every scenario briefly against the siogo peer and exits non-zero on
// failure. chart redraws FILE.png from the table in FILE.md. scenario runs
// against a server that is already running.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "run":
		err = cmdRun(ctx, os.Args[2:])
	case "smoke":
		err = cmdSmoke(ctx, os.Args[2:])
	case "chart":
		err = cmdChart(ctx, os.Args[2:])
	case "scenario":
		err = cmdScenario(ctx, os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "siobench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: siobench run|smoke|chart|scenario [flags] (siobench CMD -h for flags)")
	os.Exit(2)
}

// sizeFlags lets the command line override a preset.
func sizeFlags(fs *flag.FlagSet) func(config) config {
	idle := fs.Int("idle-n", 0, "idle: connections (default by preset)")
	echo := fs.Int("echo-c", 0, "echo, echo-rate: clients")
	fan := fs.Int("fanout-n", 0, "fanout, fanout-rate: receivers")
	window := fs.Int("fanout-window", 0, "fanout, fanout-10k: broadcasts in flight")
	echoRate := fs.Float64("echo-rate", 0, "echo-rate: round trips per second, all clients together")
	fanRate := fs.Float64("fanout-rate", 0, "fanout-rate: broadcasts per second")
	fan10k := fs.Int("fanout-10k-n", 0, "fanout-10k: receivers")
	clusterN := fs.Int("cluster-n", 0, "cluster: receivers, half on each node")
	workers := fs.Int("connect-c", 0, "connect: concurrent handshakes (polling, then upgrade)")
	wsWorkers := fs.Int("connect-ws-c", 0, "connect-ws: concurrent handshakes (WebSocket)")
	dur := fs.Duration("duration", 0, "measured window per scenario")
	warm := fs.Duration("warmup", 0, "warmup before each measured window")
	return func(c config) config {
		set := func(dst *int, v int) {
			if v > 0 {
				*dst = v
			}
		}
		set(&c.IdleConns, *idle)
		set(&c.EchoClients, *echo)
		set(&c.FanReceivers, *fan)
		set(&c.FanWindow, *window)
		set(&c.Fan10kReceivers, *fan10k)
		set(&c.ClusterReceivers, *clusterN)
		if *echoRate > 0 {
			c.EchoRate = *echoRate
		}
		if *fanRate > 0 {
			c.FanRate = *fanRate
		}
		set(&c.ConnWorkers, *workers)
		set(&c.WSWorkers, *wsWorkers)
		if *dur > 0 {
			c.Duration = *dur
		}
		if *warm > 0 {
			c.Warmup = *warm
		}
		return c
	}
}

func cmdRun(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	peers := fs.String("peers", "siogo,node,gorilla,zishang520", "peers to run, comma-separated: "+strings.Join(peerNames, ","))
	scenarios := fs.String("scenarios", strings.Join(scenarioNames, ","), "scenarios, comma-separated")
	quick := fs.Bool("quick", false, "small sizes, short windows, one run per cell (under 3 minutes)")
	repeat := fs.Int("repeat", 0, "runs per cell, median taken (default 3, 1 with --quick)")
	out := fs.String("out", "", "also write the Markdown report to this file")
	noPin := fs.Bool("no-pin", false, "do not pin the peers and the generator to CPUs")
	root := fs.String("root", ".", "repository root (holds bench/peers)")
	sizes := sizeFlags(fs)
	fs.Parse(args)

	if !*noPin {
		pinSelf("1") // re-executes under taskset; returns if it cannot
	}
	raiseFileLimit()
	pl := plan{root: *root, peers: splitList(*peers), scenarios: splitList(*scenarios),
		repeat: *repeat, cfg: fullConfig, pinPeer: 0, mode: "full", log: os.Stderr}
	if *quick {
		pl.cfg, pl.mode = quickConfig, "quick"
	}
	pl.cfg = sizes(pl.cfg)
	if pl.repeat <= 0 {
		pl.repeat = 3
		if *quick {
			pl.repeat = 1
		}
	}
	if *noPin {
		pl.pinPeer = -1
	}
	load0, start := loadAvg(), time.Now()
	loads := sampleLoad(ctx, 5*time.Second)
	rep, err := runPlan(ctx, pl)
	if err != nil {
		return err
	}
	env := runEnv{loadBefore: load0, loadAfter: loadAvg(), loadDuring: loads(), took: time.Since(start)}
	if *out == "" {
		writeReport(os.Stdout, pl, rep, env)
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	env.chart = chartPath(*out)
	env.chartErr = writeRatioChart(ctx, env.chart,
		fmt.Sprintf("siobench %s %s: siogo's figure over each other peer's", pl.mode, start.UTC().Format("2006-01-02")), ratiosOf(rep.results))
	if env.chartErr != nil {
		fmt.Fprintln(os.Stderr, "siobench: chart:", env.chartErr)
	}
	writeReport(os.Stdout, pl, rep, env)
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	writeReport(f, pl, rep, env)
	return f.Close()
}

// cmdSmoke runs every scenario briefly against the siogo peer, unpinned.
func cmdSmoke(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("smoke", flag.ExitOnError)
	root := fs.String("root", ".", "repository root (holds bench/peers)")
	fs.Parse(args)
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	raiseFileLimit()
	start := time.Now()
	pl := plan{root: *root, peers: []string{"siogo"}, scenarios: scenarioNames, repeat: 1,
		cfg: smokeConfig, pinPeer: -1, mode: "smoke", log: nopWriter{}}
	rep, err := runPlan(ctx, pl)
	if err != nil {
		return err
	}
	if len(rep.failures) > 0 {
		return fmt.Errorf("smoke: %s", strings.Join(rep.failures, "; "))
	}
	r := rep.results["siogo"]
	fans := []string{"fanout", "fanout-rate", "fanout-10k", "cluster"}
	if slices.ContainsFunc(rep.skipped, func(s string) bool { return strings.HasPrefix(s, "siogo cluster:") }) {
		fans = fans[:3] // no redis-server: said below
	}
	for _, sc := range fans {
		if r[sc+".lost"] != 0 || r[sc+".disorder"] != 0 || r[sc+".stalled"] != 0 || r[sc+".msgs_per_s"] <= 0 {
			return fmt.Errorf("smoke: %s delivered %v msgs/s, lost %v and reordered %v messages", sc,
				r[sc+".msgs_per_s"], r[sc+".lost"], r[sc+".disorder"])
		}
	}
	// A fixed rate must be (about) achieved: the generator sends on time.
	if got, want := r["echo-rate.rt_per_s"], r["echo-rate.target_per_s"]; got < want/2 {
		return fmt.Errorf("smoke: echo-rate: %.0f round trips/s of %.0f asked for", got, want)
	}
	if got, want := r["fanout-rate.sent_per_s"], r["fanout-rate.target_per_s"]; got < want/2 {
		return fmt.Errorf("smoke: fanout-rate: %.0f broadcasts/s sent of %.0f asked for", got, want)
	}
	if r["connect.upgrades_failed"] != 0 {
		return fmt.Errorf("smoke: connect: %v upgrades failed", r["connect.upgrades_failed"])
	}
	for _, sc := range []string{"connect", "connect-ws"} {
		if r[sc+".handshakes_per_s"] <= 0 {
			return fmt.Errorf("smoke: %s: no handshakes", sc)
		}
	}
	for _, s := range rep.skipped {
		fmt.Println("siobench smoke: skipped", s)
	}
	fmt.Printf("siobench smoke: ok in %v (echo %.0f rt/s, echo-rate %.0f rt/s, fanout %.0f msgs/s, fanout-rate %.0f msgs/s, fanout-10k %.0f msgs/s, cluster %.0f msgs/s, connect over polling %.0f hs/s, connect-ws %.0f hs/s)\n",
		time.Since(start).Round(10*time.Millisecond), r["echo.rt_per_s"], r["echo-rate.rt_per_s"], r["fanout.msgs_per_s"],
		r["fanout-rate.msgs_per_s"], r["fanout-10k.msgs_per_s"], r["cluster.msgs_per_s"],
		r["connect.handshakes_per_s"], r["connect-ws.handshakes_per_s"])
	return nil
}

// cmdScenario runs scenarios against a server that is already running.
func cmdScenario(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("scenario", flag.ExitOnError)
	url := fs.String("url", "", "server base URL, http://127.0.0.1:PORT (required)")
	pid := fs.Int("pid", 0, "server process id, for CPU and memory figures")
	names := fs.String("scenario", "echo", "scenarios, comma-separated")
	quick := fs.Bool("quick", false, "quick sizes instead of full ones")
	sizes := sizeFlags(fs)
	fs.Parse(args)
	if *url == "" {
		return fmt.Errorf("scenario: --url is required")
	}
	raiseFileLimit()
	cfg := fullConfig
	if *quick {
		cfg = quickConfig
	}
	cfg = sizes(cfg)
	m := cpuMeter{serverPID: *pid, ticks: clockTicks()}
	d := newDialer()
	for _, name := range splitList(*names) {
		run, ok := scenarioByName(name)
		if !ok {
			return fmt.Errorf("unknown scenario %q", name)
		}
		r, err := run(ctx, d, target{base: strings.TrimSuffix(*url, "/"), pid: *pid}, cfg, m)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Printf("%s: %s\n", name, brief(r))
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }
