package main

import (
	"context"
	"encoding/csv"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFitLine(t *testing.T) {
	xs := []float64{1000, 1001, 1002, 1003, 1004}
	ys := make([]float64, len(xs))
	for i, x := range xs {
		ys[i] = 3 - 0.25*x
	}
	a, b, err := fitLine(xs, ys)
	if err != nil || math.Abs(a-3) > 1e-6 || math.Abs(b+0.25) > 1e-9 {
		t.Errorf("fitLine = %v + %v·x, %v; want 3 - 0.25·x", a, b, err)
	}
	// Noise around a flat line: the slope is the one least squares gives.
	if _, b, se, _ := fitLineSE([]float64{0, 1, 2, 3}, []float64{1, 3, 1, 3}); math.Abs(b-0.4) > 1e-12 || math.Abs(se-math.Sqrt(0.32)) > 1e-12 {
		t.Errorf("slope %v ± %v, want 0.4 ± √0.32", b, se)
	}
	for _, xs := range [][]float64{nil, {1}, {2, 2, 2}} {
		if _, _, err := fitLine(xs, make([]float64, len(xs))); !errors.Is(err, errFewPoints) {
			t.Errorf("fitLine(%v): %v, want errFewPoints", xs, err)
		}
	}
}

func TestFitWindow(t *testing.T) {
	var samples []sample
	for i := range 61 { // 10 minutes every 10 s: flat for 2, then +100 KiB/min
		at := time.Duration(i) * 10 * time.Second
		rss := int64(50000)
		if at > 2*time.Minute {
			rss += int64(100 * (at - 2*time.Minute).Minutes())
		}
		samples = append(samples, sample{At: at, RSSKB: rss, Goroutines: 1000})
	}
	tr, err := fitWindow(samples, 8*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if tr.From != 2*time.Minute || tr.To != 10*time.Minute || tr.Points != 49 {
		t.Errorf("window %v to %v, %d points", tr.From, tr.To, tr.Points)
	}
	if math.Abs(tr.RSSKBPerMin-100) > 0.01 || tr.GorPerMin != 0 {
		t.Errorf("slopes %v KiB/min, %v goroutines/min; want 100, 0", tr.RSSKBPerMin, tr.GorPerMin)
	}
}

func TestListeningURL(t *testing.T) {
	line := `time=2026-11-24T10:00:00.000Z level=INFO msg=listening url=http://127.0.0.1:41287/ node=127.0.0.1:41287 adapter=memory` + "\n"
	if u, ok := listeningURL(line); !ok || u != "http://127.0.0.1:41287/" {
		t.Errorf("listeningURL = %q, %v", u, ok)
	}
	if _, ok := listeningURL(`level=INFO msg=request url=http://127.0.0.1:1/`); ok {
		t.Error("a request line taken for the listening line")
	}
}

func TestEventName(t *testing.T) {
	for data, want := range map[string]string{
		`["message",{"a":1}]`: "message", `["delivered"]`: "delivered", `[1]`: "", `{}`: "", `["x`: "",
	} {
		if got := eventName(data); got != want {
			t.Errorf("eventName(%s) = %q, want %q", data, got, want)
		}
	}
}

// TestSoakShort runs the whole soak briefly against the real server
// binary: a few users over both transports, every kind of action, the
// outputs written, no failure, and (through TestMain) no goroutine left.
func TestSoakShort(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs cmd/siogo")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out := t.TempDir()
	bin, err := buildServer(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := parseFlags([]string{"-clients", "16", "-duration", "4s", "-interval", "500ms", "-window", "3s",
		"-think", "200ms", "-ramp", "500ms", "-reconnect", "0.1", "-polling", "0.5", "-settle", "30s", "-gc-settle", "30s",
		"-out", out, "-name", "short", "-server", bin})
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	sum, err := soak(ctx, cfg, &log)
	if err != nil {
		t.Fatalf("soak: %v\n%s", err, log.String())
	}
	if len(sum.Failures) > 0 {
		t.Fatalf("failures %q; first errors %q\n%s", sum.Failures, sum.FirstErrs, log.String())
	}
	last := sum.Samples[len(sum.Samples)-1]
	if len(sum.Samples) < 6 || last.AcksOK == 0 || last.Reconnects == 0 || last.Received == 0 || last.Connects < 16 {
		t.Errorf("%d samples, last %+v", len(sum.Samples), last)
	}
	if !sum.SettledOK || !sum.AfterGCOK || sum.ServerLog.Count != 0 {
		t.Errorf("settled %v, two GCs seen %v; server log problems %q", sum.SettledOK, sum.AfterGCOK, sum.ServerLog.Lines)
	}

	f, err := os.Open(filepath.Join(out, "short.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) != len(sum.Samples)+1 || strings.Join(rows[0], ",") != strings.Join(csvHeader, ",") {
		t.Errorf("CSV: %d rows, header %q, %v", len(rows), rows[0], err)
	}
	md, err := os.ReadFile(filepath.Join(out, "short.md"))
	if err != nil || !strings.Contains(string(md), "— PASS") {
		t.Errorf("report: %v\n%s", err, md)
	}
	if _, err := exec.LookPath("gnuplot"); err == nil {
		if sum.PlotErr != nil {
			t.Errorf("plot: %v", sum.PlotErr)
		}
		if st, err := os.Stat(filepath.Join(out, "short.png")); err != nil || st.Size() == 0 {
			t.Errorf("PNG: %v", err)
		}
	}
}
