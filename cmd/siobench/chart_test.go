package main

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Figures from bench/results/2026-11-24-quick.md (its connect was
// connect-ws), with made-up polling connect figures.
var chartTestResults = map[string]result{
	"siogo":      {"idle.rss_kb": 14.6, "echo.srv_cpu": 11.0, "echo.rt_per_s": 89499, "fanout.srv_cpu": 6.14, "fanout.msgs_per_s": 162224, "connect.srv_cpu": 250, "connect-ws.srv_cpu": 62.6},
	"node":       {"idle.rss_kb": 17.7, "echo.srv_cpu": 11.7, "echo.rt_per_s": 85414, "fanout.srv_cpu": 6.20, "fanout.msgs_per_s": 161353, "connect.srv_cpu": 400, "connect-ws.srv_cpu": 173},
	"gorilla":    {"idle.rss_kb": 10.6, "echo.srv_cpu": 6.36, "echo.rt_per_s": 154657, "fanout.srv_cpu": 4.47, "fanout.msgs_per_s": 222781, "connect.srv_cpu": -1, "connect-ws.srv_cpu": 52.9},
	"zishang520": {"idle.rss_kb": 36.5, "echo.srv_cpu": 18.8, "echo.rt_per_s": 52759, "fanout.srv_cpu": 14.0, "fanout.msgs_per_s": 71386, "connect.srv_cpu": 450, "connect-ws.srv_cpu": -1},
}

func TestRatios(t *testing.T) {
	c := ratiosOf(chartTestResults)
	if len(c.peers) != 3 {
		t.Fatalf("peers %v", c.peers)
	}
	if r := c.ratios[0][0]; math.Abs(r-14.6/17.7) > 1e-9 {
		t.Fatalf("idle siogo/node = %v", r)
	}
	if r := c.ratios[6][1]; !math.IsNaN(r) {
		t.Fatalf("connect-ws siogo/zishang520 with n/a = %v, want NaN", r)
	}
	if r := c.ratios[5][2]; !math.IsNaN(r) {
		t.Fatalf("connect siogo/gorilla with n/a = %v, want NaN", r)
	}
	if r := c.ratios[5][0]; r != 250.0/400 {
		t.Fatalf("connect siogo/node = %v", r)
	}
	if c := ratiosOf(map[string]result{"node": {"idle.rss_kb": 1}}); len(c.peers) != 0 {
		t.Fatalf("no siogo: peers %v", c.peers)
	}
}

func TestRatioChart(t *testing.T) {
	if _, err := exec.LookPath("gnuplot"); err != nil {
		t.Skip("no gnuplot")
	}
	for name, res := range map[string]map[string]result{
		"wide":   chartTestResults,
		"narrow": {"siogo": {"idle.rss_kb": 1, "echo.srv_cpu": 1.2}, "node": {"idle.rss_kb": 1.5, "echo.srv_cpu": 1}},
		// One ratio for gorilla, above 1, and a lossy peer with one fan-out
		// ratio: a labels plot with no point on one side crashed gnuplot 5.4.
		"single": {"siogo": {"connect.srv_cpu": 200, "connect-ws.srv_cpu": 60, "fanout.srv_cpu": 5},
			"gorilla": {"connect.srv_cpu": -1, "connect-ws.srv_cpu": 50},
			"node":    {"connect.srv_cpu": 400, "connect-ws.srv_cpu": 120, "fanout.srv_cpu": 6, "fanout.lost": 3}},
	} {
		png := filepath.Join(t.TempDir(), name+".png")
		if err := writeRatioChart(context.Background(), png, "test "+name, ratiosOf(res)); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(png); err != nil || fi.Size() < 1000 {
			t.Fatalf("%s: %v %v", png, fi, err)
		}
		if dir := os.Getenv("SIOBENCH_CHART_DIR"); dir != "" {
			b, _ := os.ReadFile(png)
			os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644)
		}
	}
}

// parseReport reads back what writeReport wrote, with the ratios as printed.
func TestParseReport(t *testing.T) {
	var b strings.Builder
	writeReport(&b, plan{peers: peerNames, mode: "quick", repeat: 1, pinPeer: -1}, &report{results: chartTestResults}, runEnv{})
	res, c, err := parseReport(b.String())
	if err != nil {
		t.Fatal(err)
	}
	if got := res["node"]["echo.rt_per_s"]; got != 85414 {
		t.Fatalf("node echo.rt_per_s = %v", got)
	}
	if got := res["zishang520"]["connect-ws.srv_cpu"]; got != -1 {
		t.Fatalf("n/a parsed as %v", got)
	}
	if got := c.ratios[0][0]; got != 0.82 {
		t.Fatalf("idle siogo/node = %v, want 0.82 as printed", got)
	}
	if len(c.peers) != 3 {
		t.Fatalf("peers %v", c.peers)
	}
	// A report from before connect went over polling: its connect rows
	// are connect-ws.
	legacy := "| metric | siogo | node | siogo/node |\n|---|---|---|---|\n" +
		"| connect: handshakes per second | 5848 | 4059 | 1.44 |\n" +
		"| connect: server CPU per handshake (µs) | 76.6 | 129 | 0.59 |\n"
	res, c, err = parseReport(legacy)
	if err != nil {
		t.Fatal(err)
	}
	if got := res["siogo"]["connect-ws.handshakes_per_s"]; got != 5848 {
		t.Fatalf("legacy connect: handshakes per second: %v", res)
	}
	if _, ok := res["siogo"]["connect.srv_cpu"]; ok {
		t.Fatalf("legacy connect row read as polling connect: %v", res)
	}
	if got := c.ratios[6][0]; got != 0.59 {
		t.Fatalf("legacy connect CPU siogo/node = %v, want 0.59 as printed", got)
	}
	if _, _, err := parseReport("# nothing\n"); err == nil {
		t.Fatal("no error without a table")
	}
}

// A peer's losses mark the bars of the scenario it lost messages in only.
func TestRatiosLossyPerScenario(t *testing.T) {
	c := ratiosOf(map[string]result{
		"siogo": {"fanout.srv_cpu": 1, "fanout-10k.srv_cpu": 1, "cluster.srv_cpu": 1},
		"node":  {"fanout.srv_cpu": 2, "fanout-10k.srv_cpu": 2, "cluster.srv_cpu": 2, "fanout-10k.lost": 3},
	})
	for i, m := range chartMetrics {
		want := strings.HasPrefix(m.key, "fanout-10k.")
		if got := c.lossyAt[i][0]; got != want {
			t.Errorf("%s: lossy %v for node, want %v", m.key, got, want)
		}
	}
	if !c.lossy[0] || c.lossy[1] {
		t.Fatalf("lossy by peer %v", c.lossy)
	}
}
