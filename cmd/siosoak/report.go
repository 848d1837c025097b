package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// sample is one reading, every Interval while the users run.
type sample struct {
	At          time.Duration // since the first user started
	RSSKB       int64         // the server's VmRSS
	Goroutines  float64       // go_goroutines
	HeapInuse   float64       // go_memstats_heap_inuse_bytes
	NextGC      float64       // go_memstats_next_gc_bytes: the heap goal the last GC set from what it found live
	GCs         float64       // go_gc_duration_seconds_count: GC cycles so far
	Connected   int64         // connections open (the users' view)
	Connects    int64
	Reconnects  int64
	ConnectFail int64
	Emits       int64
	AcksOK      int64
	AcksFailed  int64
	Received    int64
	Dropped     int64
}

var csvHeader = []string{"elapsed_s", "rss_kb", "goroutines", "heap_inuse_bytes", "next_gc_bytes", "gc_cycles", "connected",
	"connects", "reconnects", "connect_failures", "emits", "acks_ok", "acks_failed", "received", "dropped"}

func (s sample) record() []string {
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	return []string{f(s.At.Seconds()), i(s.RSSKB), f(s.Goroutines), f(s.HeapInuse), f(s.NextGC), f(s.GCs), i(s.Connected),
		i(s.Connects), i(s.Reconnects), i(s.ConnectFail), i(s.Emits), i(s.AcksOK), i(s.AcksFailed), i(s.Received), i(s.Dropped)}
}

func writeCSV(path string, samples []sample) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(csvHeader)
	for _, s := range samples {
		w.Write(s.record())
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// trend is the linear fit of RSS and goroutines over the window.
type trend struct {
	From, To       time.Duration
	Points         int
	RSSKBPerMin    float64
	RSSSE          float64 // standard error of RSSKBPerMin
	RSSIntercept   float64 // KiB at elapsed 0
	GorPerMin      float64
	GorSE          float64
	GorIntercept   float64
	HeapKBPerMin   float64
	HeapIntercept  float64 // KiB
	GoalKBPerMin   float64 // of the GC's heap goal
	GoalSE         float64
	GoalIntercept  float64 // KiB
	RSSFirst, Last float64 // KiB, fitted at From and To
}

// fitWindow fits the samples taken in the last window of the run.
func fitWindow(samples []sample, window time.Duration) (trend, error) {
	if len(samples) == 0 {
		return trend{}, errFewPoints
	}
	end := samples[len(samples)-1].At
	t := trend{From: max(0, end-window), To: end}
	var xs, rss, gor, heap, goal []float64
	for _, s := range samples {
		if s.At < t.From {
			continue
		}
		x := s.At.Minutes()
		xs = append(xs, x)
		rss = append(rss, float64(s.RSSKB))
		gor = append(gor, s.Goroutines)
		heap = append(heap, s.HeapInuse/1024)
		goal = append(goal, s.NextGC/1024)
	}
	t.Points = len(xs)
	var err error
	if t.RSSIntercept, t.RSSKBPerMin, t.RSSSE, err = fitLineSE(xs, rss); err != nil {
		return t, err
	}
	t.GorIntercept, t.GorPerMin, t.GorSE, _ = fitLineSE(xs, gor)
	t.HeapIntercept, t.HeapKBPerMin, _ = fitLine(xs, heap)
	t.GoalIntercept, t.GoalKBPerMin, t.GoalSE, _ = fitLineSE(xs, goal)
	t.RSSFirst = t.RSSIntercept + t.RSSKBPerMin*t.From.Minutes()
	t.Last = t.RSSIntercept + t.RSSKBPerMin*t.To.Minutes()
	return t, nil
}

// plot draws the CSV with gnuplot (Debian's gnuplot-nox): RSS and heap
// above, goroutines and open connections below, each with the fitted line
// over the window.
func plot(ctx context.Context, csvPath, pngPath string, tr trend, title string, length time.Duration) error {
	gp, err := exec.LookPath("gnuplot")
	if err != nil {
		return fmt.Errorf("gnuplot not found (apt-get install gnuplot-nox): %w", err)
	}
	from, to := tr.From.Minutes(), tr.To.Minutes()
	in := func(expr string) string {
		return fmt.Sprintf("(x >= %g && x <= %g) ? %s : 1/0", from, to, expr)
	}
	script := fmt.Sprintf(`
set terminal pngcairo size 1200,800 font "sans,10" noenhanced
set output %q
set datafile separator ","
set multiplot layout 2,1 title %q
set grid
set key left top opaque
set offsets 0, 0, graph 0.45, 0
set xlabel "minutes"
set xrange [0:%g]
set ylabel "MiB"
set yrange [0:*]
rss(x) = %s
goal(x) = %s
plot %q using ($1/60):($2/1024) with linespoints pt 7 ps 0.5 title "server RSS", \
     "" using ($1/60):($4/1048576) with linespoints pt 7 ps 0.5 title "Go heap in use", \
     "" using ($1/60):($5/1048576) with linespoints pt 7 ps 0.5 title "GC heap goal (about twice the live heap at the last GC)", \
     rss(x) with lines lw 2 dt 2 title sprintf("RSS fit: %%.1f KiB/min", %g), \
     goal(x) with lines lw 2 dt 2 title sprintf("heap goal fit: %%.1f KiB/min", %g)
set ylabel "count"
gor(x) = %s
plot %q using ($1/60):3 with linespoints pt 7 ps 0.5 title "server goroutines (go_goroutines)", \
     "" using ($1/60):7 with lines title "open connections (clients' view)", \
     gor(x) with lines lw 2 dt 2 title sprintf("goroutines fit: %%.2f /min", %g)
unset multiplot
`, pngPath, title, length.Minutes(),
		in(fmt.Sprintf("(%g + %g*x)/1024", tr.RSSIntercept, tr.RSSKBPerMin)),
		in(fmt.Sprintf("(%g + %g*x)/1024", tr.GoalIntercept, tr.GoalKBPerMin)),
		csvPath, tr.RSSKBPerMin, tr.GoalKBPerMin,
		in(fmt.Sprintf("%g + %g*x", tr.GorIntercept, tr.GorPerMin)),
		csvPath, tr.GorPerMin)
	cmd := exec.CommandContext(ctx, gp)
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("gnuplot: %w: %s", err, out)
	}
	return nil
}

// summary is what the Markdown report says besides the samples.
type summary struct {
	Cfg        config
	Started    time.Time
	Baseline   sample // before the first user
	Samples    []sample
	Trend      trend
	After      sample        // once every user has gone
	Settled    time.Duration // how long the goroutines took to come back
	SettledOK  bool
	AfterGC    sample // then, after two GCs
	AfterGCOK  bool   // false: no two GCs within Cfg.GCSettle
	GCWait     time.Duration
	Failures   []string
	FirstErrs  []string
	CSV, PNG   string
	PlotErr    error
	ServerArgs []string
	ServerLog  logProblems
}

func writeMarkdown(path string, s summary) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	last := s.Samples[len(s.Samples)-1]
	verdict := "PASS"
	if len(s.Failures) > 0 {
		verdict = "FAIL"
	}
	p("# Soak %s: %d clients, %v — %s\n\n", s.Started.UTC().Format("2006-01-02"), s.Cfg.Clients, s.Cfg.Duration, verdict)
	p("`go run ./cmd/siosoak -clients %d -duration %v` against the `cmd/siogo` binary (in memory, no Redis), %s, %d CPUs, %s/%s, started %s.\n\n",
		s.Cfg.Clients, s.Cfg.Duration, runtime.Version(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, s.Started.UTC().Format(time.RFC3339))
	p("Server flags: `%s`. Traffic: %.0f%% long-polling, the rest WebSocket; each user pauses %v on average (exponential) between actions: "+
		"%.0f%% chat messages with acks (the server acks, and collects delivery receipts with its own acks from every receiver), "+
		"%.0f%% typing notices (volatile broadcasts), %.0f%% joining or leaving the second room (each one a presence broadcast), "+
		"%.0f%% reconnects (half graceful, half a dropped connection, each time rejoining the same rooms). Every user stays in `lobby` or `random` (alternately) and is in the other one half of the time, from the start, so the load does not drift.\n\n",
		strings.Join(s.ServerArgs, " "), 100*s.Cfg.Polling, s.Cfg.Think,
		100*(1-s.Cfg.Reconnect-s.Cfg.Typing-s.Cfg.RoomChange), 100*s.Cfg.Typing, 100*s.Cfg.RoomChange, 100*s.Cfg.Reconnect)
	p("RSS is VmRSS of the server process (/proc/PID/status); goroutines and heap are the server's own `go_goroutines`, `go_memstats_heap_inuse_bytes` and `go_memstats_next_gc_bytes` (the heap goal each GC sets, GOGC=100: about twice what it found live, so the steadiest view of the live heap) from `/metrics`, sampled every %v.\n\n", s.Cfg.Interval)
	if s.PlotErr == nil {
		p("![RSS and goroutines over the soak](%s)\n\n", filepath.Base(s.PNG))
	} else {
		p("No plot: %v\n\n", s.PlotErr)
	}
	p("## Trend over the last %v (%d samples, %v to %v)\n\n", s.Trend.To-s.Trend.From, s.Trend.Points, s.Trend.From.Round(time.Second), s.Trend.To.Round(time.Second))
	p("Least-squares lines; ± is the standard error of the slope (the samples' own noise: a slope within two of it of zero is no trend they can show).\n\n")
	p("| | slope | over the window |\n|---|---|---|\n")
	p("| RSS | %+.1f ± %.1f KiB/min (%+.1f MiB/hour) | %.1f → %.1f MiB (fitted) |\n", s.Trend.RSSKBPerMin, s.Trend.RSSSE, s.Trend.RSSKBPerMin*60/1024, s.Trend.RSSFirst/1024, s.Trend.Last/1024)
	p("| Go heap in use | %+.1f KiB/min | |\n", s.Trend.HeapKBPerMin)
	p("| GC heap goal | %+.1f ± %.1f KiB/min | %.1f → %.1f MiB (fitted) |\n", s.Trend.GoalKBPerMin, s.Trend.GoalSE,
		(s.Trend.GoalIntercept+s.Trend.GoalKBPerMin*s.Trend.From.Minutes())/1024, (s.Trend.GoalIntercept+s.Trend.GoalKBPerMin*s.Trend.To.Minutes())/1024)
	p("| goroutines | %+.2f ± %.2f /min | %.0f → %.0f (fitted) |\n\n", s.Trend.GorPerMin, s.Trend.GorSE,
		s.Trend.GorIntercept+s.Trend.GorPerMin*s.Trend.From.Minutes(), s.Trend.GorIntercept+s.Trend.GorPerMin*s.Trend.To.Minutes())
	p("## Totals\n\n| | before | end of traffic | after every client left |\n|---|---|---|---|\n")
	p("| RSS | %.1f MiB | %.1f MiB | %.1f MiB |\n", float64(s.Baseline.RSSKB)/1024, float64(last.RSSKB)/1024, float64(s.After.RSSKB)/1024)
	p("| goroutines | %.0f | %.0f | %.0f (%s) |\n", s.Baseline.Goroutines, last.Goroutines, s.After.Goroutines, settledText(s))
	p("| Go heap in use | %.1f MiB | %.1f MiB | %.1f MiB |\n", s.Baseline.HeapInuse/1048576, last.HeapInuse/1048576, s.After.HeapInuse/1048576)
	p("| GC heap goal | %.1f MiB | %.1f MiB | %.1f MiB |\n\n", s.Baseline.NextGC/1048576, last.NextGC/1048576, s.After.NextGC/1048576)
	p("The last column is read once every user has left, all at once, each departure a presence broadcast to those still there: no GC has run since that burst, so its heap figures are mostly garbage yet to collect. ")
	switch {
	case s.AfterGCOK:
		p("After two more GCs (%v later) the heap goal was %.1f MiB (%.1f MiB before the first user), the heap in use %.1f MiB, RSS %.1f MiB (Go returns freed memory to the system lazily).\n\n",
			s.GCWait.Round(time.Second), s.AfterGC.NextGC/1048576, s.Baseline.NextGC/1048576, s.AfterGC.HeapInuse/1048576, float64(s.AfterGC.RSSKB)/1024)
	case s.Cfg.GCSettle > 0:
		p("No two GCs ran within %v after that.\n\n", s.Cfg.GCSettle)
	default:
		p("\n\n")
	}
	p("| connects | reconnects | connect failures | events sent | acks ok | acks failed | events received | dropped by the server |\n|---|---|---|---|---|---|---|---|\n")
	p("| %d | %d | %d | %d | %d | %d | %d | %d |\n\n", last.Connects, last.Reconnects, last.ConnectFail, last.Emits, last.AcksOK, last.AcksFailed, last.Received, last.Dropped)
	if len(s.Failures) > 0 {
		p("## Failures\n\n")
		for _, f := range s.Failures {
			p("- %s\n", f)
		}
		p("\n")
	}
	if len(s.FirstErrs) > 0 {
		p("First errors the clients saw:\n\n")
		for _, e := range s.FirstErrs {
			p("- `%s`\n", strings.ReplaceAll(e, "`", "'"))
		}
		p("\n")
	}
	p("The server logged %d lines at WARN or ERROR level.\n\n", s.ServerLog.Count)
	for _, l := range s.ServerLog.Lines {
		p("    %s\n", l)
	}
	if len(s.ServerLog.Lines) > 0 {
		p("\n")
	}
	p("Samples: [%s](%s).\n", filepath.Base(s.CSV), filepath.Base(s.CSV))
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func settledText(s summary) string {
	if s.SettledOK {
		return fmt.Sprintf("back to the baseline within %v", s.Settled.Round(time.Second))
	}
	return fmt.Sprintf("NOT back to the baseline after %v", s.Settled.Round(time.Second))
}
