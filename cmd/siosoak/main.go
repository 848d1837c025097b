// Command siosoak holds a crowd of simulated chat users on the cmd/siogo
// demo server for a long while and watches the server for leaks.
//
// It builds and starts the real server binary (in memory, on a free port),
// logs each user in at POST /api/token, and connects them with the token
// in the CONNECT auth payload, some over long-polling and the rest over
// WebSocket, with an Engine.IO client of its own (cheap: a reader
// goroutine per connection). Each user then does what a chat user does,
// at random: messages with acks (whose receivers ack back for delivery
// receipts), typing notices, joining and leaving a room, reconnecting.
//
// Every -interval it samples the server's RSS from /proc/PID/status and
// its goroutines and heap from /metrics. At the end it disconnects every
// user, waits for the server's goroutines to come back to where they
// started, and writes DIR/soak-DATE.csv, .png (gnuplot) and .md: the
// least-squares slope of RSS and goroutines over the last -window, the
// totals, and a verdict. It exits with status 1 when the verdict is FAIL:
// goroutines not back to the baseline, or more than a few acks or
// connects failing.
//
// Usage:
//
//	siosoak [-clients 1000] [-duration 10m] [-interval 10s] [-window 8m] [-out bench/results] [-server PATH]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

// config is the command line.
type config struct {
	Clients    int
	Duration   time.Duration
	Interval   time.Duration
	Window     time.Duration
	Out        string
	Name       string
	Server     string
	Polling    float64
	Think      time.Duration
	Ramp       time.Duration
	Reconnect  float64
	Typing     float64
	RoomChange float64
	Settle     time.Duration
	GCSettle   time.Duration
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("siosoak", flag.ContinueOnError)
	fs.IntVar(&c.Clients, "clients", 1000, "simulated users")
	fs.DurationVar(&c.Duration, "duration", 10*time.Minute, "how long the users run")
	fs.DurationVar(&c.Interval, "interval", 10*time.Second, "sampling period")
	fs.DurationVar(&c.Window, "window", 8*time.Minute, "the slopes are fitted over the last window of the run")
	fs.StringVar(&c.Out, "out", "bench/results", "directory of the outputs")
	fs.StringVar(&c.Name, "name", "soak-"+time.Now().UTC().Format("2006-01-02"), "base name of the outputs")
	fs.StringVar(&c.Server, "server", "", "the siogo binary; empty builds ./cmd/siogo")
	fs.Float64Var(&c.Polling, "polling", 0.3, "share of connections over long-polling")
	fs.DurationVar(&c.Think, "think", time.Minute, "mean pause between a user's actions")
	// Each join is a presence broadcast of the room's member list to the
	// room: n users arriving make O(n²) bytes, which a short ramp turns
	// into a burst no steady state has.
	fs.DurationVar(&c.Ramp, "ramp", time.Minute, "the first connections are spread over this")
	fs.Float64Var(&c.Reconnect, "reconnect", 0.08, "share of actions that are a reconnect")
	fs.Float64Var(&c.Typing, "typing", 0.25, "share of actions that are a typing notice")
	fs.Float64Var(&c.RoomChange, "room-change", 0.12, "share of actions that join or leave the second room")
	fs.DurationVar(&c.Settle, "settle", time.Minute, "how long the server's goroutines may take to come back once the users are gone")
	fs.DurationVar(&c.GCSettle, "gc-settle", 5*time.Minute, "then how long to wait for two GCs, to read the live heap; 0 skips it")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case c.Clients < 1:
		return c, errors.New("-clients must be at least 1")
	case c.Interval <= 0 || c.Duration < 2*c.Interval:
		return c, errors.New("-duration must hold at least two -interval")
	case c.Reconnect+c.Typing+c.RoomChange > 1:
		return c, errors.New("-reconnect + -typing + -room-change must be at most 1")
	}
	return c, nil
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "siosoak:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sum, err := soak(ctx, cfg, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "siosoak:", err)
		os.Exit(1)
	}
	if len(sum.Failures) > 0 {
		for _, f := range sum.Failures {
			fmt.Fprintln(os.Stderr, "siosoak: FAIL:", f)
		}
		os.Exit(1)
	}
}

// soak runs the whole thing and writes the outputs.
func soak(ctx context.Context, cfg config, logw io.Writer) (*summary, error) {
	logf := func(format string, args ...any) {
		fmt.Fprintf(logw, "siosoak: "+format+"\n", args...)
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "siosoak")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bin := cfg.Server
	if bin == "" {
		logf("building cmd/siogo")
		if bin, err = buildServer(ctx, tmp); err != nil {
			return nil, err
		}
	}
	// Tokens outlive the run (an expiry would disconnect everyone at
	// once); connections are limited well above the ramp's rate.
	args := []string{"-token-ttl", (cfg.Duration + time.Hour).String(), "-log-level", "info",
		"-conn-rate", fmt.Sprint(max(200, 4*cfg.Clients/max(1, int(cfg.Ramp.Seconds()))))}
	srv, err := startServer(ctx, bin, filepath.Join(tmp, "server.log"), args...)
	if err != nil {
		return nil, err
	}
	defer srv.stop(15 * time.Second)
	logf("server pid %d at %s; %d clients for %v", srv.pid(), srv.base, cfg.Clients, cfg.Duration)

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	cnt := &counters{}
	read := func(at time.Duration) (sample, error) {
		rss, err := rssKB(srv.pid())
		if err != nil {
			return sample{}, err
		}
		m, err := scrape(ctx, hc, srv.base, "go_goroutines", "go_memstats_heap_inuse_bytes", "go_memstats_next_gc_bytes", "go_gc_duration_seconds_count")
		if err != nil {
			return sample{}, err
		}
		return sample{At: at, RSSKB: rss, Goroutines: m["go_goroutines"], HeapInuse: m["go_memstats_heap_inuse_bytes"], NextGC: m["go_memstats_next_gc_bytes"], GCs: m["go_gc_duration_seconds_count"],
			Connected: cnt.connected.Load(), Connects: cnt.connects.Load(), Reconnects: cnt.reconnects.Load(),
			ConnectFail: cnt.connectFail.Load(), Emits: cnt.emits.Load(), AcksOK: cnt.acksOK.Load(),
			AcksFailed: cnt.acksFailed.Load(), Received: cnt.received.Load(), Dropped: cnt.dropped.Load()}, nil
	}
	sum := &summary{Cfg: cfg, Started: time.Now(), ServerArgs: args}
	if sum.Baseline, err = read(0); err != nil {
		return nil, err
	}

	t := &traffic{Base: srv.base, Clients: cfg.Clients, Polling: cfg.Polling, Think: cfg.Think, Ramp: cfg.Ramp,
		AckTimeout: 10 * time.Second, Reconnect: cfg.Reconnect, Typing: cfg.Typing, RoomChange: cfg.RoomChange, MessageSize: 80}
	// The users run until the sample at the end of the run is taken, so
	// that no sample sees them leaving.
	tctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	cnt.start = start
	usersDone := make(chan struct{})
	go func() { t.run(tctx, cnt); close(usersDone) }()
	sum.Samples = append(sum.Samples, sum.Baseline)

	tick := time.NewTicker(cfg.Interval)
	for time.Since(start) < cfg.Duration-cfg.Interval/2 && ctx.Err() == nil {
		select {
		case <-tick.C:
		case <-ctx.Done():
			continue
		}
		s, err := read(time.Since(start))
		if err != nil {
			logf("sample: %v", err)
			continue
		}
		sum.Samples = append(sum.Samples, s)
		logf("%5.0fs rss %6.1f MiB goroutines %5.0f connected %4d acks %d/%d failed, received %d, reconnects %d, dropped %d",
			s.At.Seconds(), float64(s.RSSKB)/1024, s.Goroutines, s.Connected, s.AcksFailed, s.AcksOK+s.AcksFailed, s.Received, s.Reconnects, s.Dropped)
	}
	tick.Stop()
	cancel()
	select {
	case <-usersDone:
	case <-time.After(time.Minute):
		return nil, errors.New("users still connected a minute after the end")
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if len(sum.Samples) < 2 {
		return nil, errors.New("fewer than two samples")
	}

	// Every user is gone: the server's goroutines must come back to what
	// they were before the first one (a small margin for the HTTP
	// server's idle connections, which close on their own timeout).
	settleStart := time.Now()
	for {
		s, err := read(time.Since(start))
		if err == nil {
			sum.After = s
			if s.Goroutines <= sum.Baseline.Goroutines+5 {
				sum.SettledOK = true
				break
			}
		}
		if time.Since(settleStart) > cfg.Settle {
			break
		}
		if !sleep(ctx, time.Second) {
			return nil, ctx.Err()
		}
	}
	sum.Settled = time.Since(settleStart)

	// Then two GCs, so that the heap goal reflects what is still live (the
	// first may have started while the users were leaving). The runtime
	// forces one every two minutes; the scrapes allocate too, which brings
	// the next one sooner once the heap is small.
	if cfg.GCSettle > 0 {
		gcStart := time.Now()
		for {
			s, err := read(time.Since(start))
			if err == nil && s.GCs >= sum.After.GCs+2 {
				sum.AfterGC, sum.AfterGCOK = s, true
				break
			}
			if time.Since(gcStart) > cfg.GCSettle {
				break
			}
			if !sleep(ctx, 200*time.Millisecond) {
				return nil, ctx.Err()
			}
		}
		sum.GCWait = time.Since(gcStart)
	}
	srv.stop(15 * time.Second)
	sum.ServerLog = serverProblems(filepath.Join(tmp, "server.log"))

	sum.Trend, err = fitWindow(sum.Samples, cfg.Window)
	if err != nil {
		return nil, err
	}
	last := sum.Samples[len(sum.Samples)-1]
	if !sum.SettledOK {
		sum.Failures = append(sum.Failures, fmt.Sprintf("goroutines %.0f after every client left, %.0f before the first", sum.After.Goroutines, sum.Baseline.Goroutines))
	}
	// What the users left behind in the heap: the margin covers what a
	// server keeps once it has served a crowd (maps do not shrink).
	if goal, limit := sum.AfterGC.NextGC, sum.Baseline.NextGC+16<<20; sum.AfterGCOK && goal > limit {
		sum.Failures = append(sum.Failures, fmt.Sprintf("heap goal %.1f MiB after every client left and two GCs, %.1f MiB before the first (limit +16 MiB)", goal/(1<<20), sum.Baseline.NextGC/(1<<20)))
	}
	if acks := last.AcksOK + last.AcksFailed; acks == 0 || float64(last.AcksFailed) > 0.001*float64(acks) {
		sum.Failures = append(sum.Failures, fmt.Sprintf("%d of %d acks failed (limit 0.1%%)", last.AcksFailed, acks))
	}
	if float64(last.ConnectFail) > 0.01*float64(last.Connects) {
		sum.Failures = append(sum.Failures, fmt.Sprintf("%d connects failed for %d made (limit 1%%)", last.ConnectFail, last.Connects))
	}
	if float64(last.Dropped) > 0.01*float64(last.Connects) {
		sum.Failures = append(sum.Failures, fmt.Sprintf("the server dropped %d connections of %d (limit 1%%)", last.Dropped, last.Connects))
	}
	cnt.errMu.Lock()
	sum.FirstErrs = cnt.firstErrors
	cnt.errMu.Unlock()

	base := filepath.Join(cfg.Out, cfg.Name)
	sum.CSV, sum.PNG = base+".csv", base+".png"
	if err := writeCSV(sum.CSV, sum.Samples); err != nil {
		return nil, err
	}
	title := fmt.Sprintf("siogo soak: %d clients, %v (over the last %v: RSS %+.1f ± %.1f KiB/min, goroutines %+.2f ± %.2f /min)",
		cfg.Clients, cfg.Duration, sum.Trend.To-sum.Trend.From, sum.Trend.RSSKBPerMin, sum.Trend.RSSSE, sum.Trend.GorPerMin, sum.Trend.GorSE)
	if sum.PlotErr = plot(ctx, sum.CSV, sum.PNG, sum.Trend, title, sum.Trend.To); sum.PlotErr != nil {
		logf("%v", sum.PlotErr)
	}
	if err := writeMarkdown(base+".md", *sum); err != nil {
		return nil, err
	}
	logf("wrote %s.{csv,png,md}: over the last %v, RSS %+.1f ± %.1f KiB/min, goroutines %+.2f ± %.2f /min",
		base, sum.Trend.To-sum.Trend.From, sum.Trend.RSSKBPerMin, sum.Trend.RSSSE, sum.Trend.GorPerMin, sum.Trend.GorSE)
	return sum, nil
}
