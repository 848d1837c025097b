package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// metric is one row of the report.
type metric struct {
	key    string
	label  string
	better string // "higher" or "lower"; "" for sizes and counts
}

var metrics = []metric{
	{"idle.conns", "idle: connections", ""},
	{"idle.rss_kb", "idle: server RSS per connection (KB)", "lower"},
	{"idle.goroutines", "idle: goroutines per connection", "lower"},
	{"idle.dial_per_s", "idle: connections opened per second", "higher"},
	{"echo.clients", "echo: clients", ""},
	{"echo.rt_per_s", "echo: round trips per second", "higher"},
	{"echo.p50_us", "echo: latency p50 (µs)", "lower"},
	{"echo.p99_us", "echo: latency p99 (µs)", "lower"},
	{"echo.p999_us", "echo: latency p99.9 (µs)", "lower"},
	{"echo.srv_cpu", "echo: server CPU per round trip (µs)", "lower"},
	{"echo.gen_cpu", "echo: generator CPU per round trip (µs)", ""},
	{"fanout.receivers", "fanout: receivers", ""},
	{"fanout.window", "fanout: broadcasts in flight (at most)", ""},
	{"fanout.msgs_per_s", "fanout: messages delivered per second", "higher"},
	{"fanout.p50_us", "fanout: delivery latency p50 (µs)", "lower"},
	{"fanout.p99_us", "fanout: delivery latency p99 (µs)", "lower"},
	{"fanout.srv_cpu", "fanout: server CPU per delivered message (µs)", "lower"},
	{"fanout.gen_cpu", "fanout: generator CPU per delivered message (µs)", ""},
	{"fanout.lost", "fanout: messages lost (must be 0)", "lower"},
	{"fanout.disorder", "fanout: messages out of order (must be 0)", "lower"},
	{"fanout.stalled", "fanout: stalled, in-flight messages never arrived (1 = yes)", ""},
	{"connect.workers", "connect (polling, then upgrade): concurrent handshakes", ""},
	{"connect.handshakes_per_s", "connect (polling, then upgrade): handshakes per second", "higher"},
	{"connect.p50_us", "connect (polling, then upgrade): handshake latency p50 (µs)", "lower"},
	{"connect.p99_us", "connect (polling, then upgrade): handshake latency p99 (µs)", "lower"},
	{"connect.srv_cpu", "connect (polling, then upgrade): server CPU per handshake (µs)", "lower"},
	{"connect.gen_cpu", "connect (polling, then upgrade): generator CPU per handshake (µs)", ""},
	{"connect.upgrades_failed", "connect (polling, then upgrade): upgrades failed: 2probe unanswered (must be 0)", ""},
	{"connect-ws.workers", "connect-ws (direct WebSocket): concurrent handshakes", ""},
	{"connect-ws.handshakes_per_s", "connect-ws (direct WebSocket): handshakes per second", "higher"},
	{"connect-ws.p50_us", "connect-ws (direct WebSocket): handshake latency p50 (µs)", "lower"},
	{"connect-ws.p99_us", "connect-ws (direct WebSocket): handshake latency p99 (µs)", "lower"},
	{"connect-ws.srv_cpu", "connect-ws (direct WebSocket): server CPU per handshake (µs)", "lower"},
	{"connect-ws.gen_cpu", "connect-ws (direct WebSocket): generator CPU per handshake (µs)", ""},
}

// legacyLabels are row labels of reports written before the connect
// scenario went over polling, when it measured what connect-ws does now.
var legacyLabels = map[string]string{
	"connect: concurrent handshakes":            "connect-ws.workers",
	"connect: handshakes per second":            "connect-ws.handshakes_per_s",
	"connect: server CPU per handshake (µs)":    "connect-ws.srv_cpu",
	"connect: generator CPU per handshake (µs)": "connect-ws.gen_cpu",
}

// median merges repeated runs: the median of each metric over the runs
// that have it.
func median(runs []result) result {
	out := result{}
	keys := map[string]bool{}
	for _, r := range runs {
		for k := range r {
			keys[k] = true
		}
	}
	for k := range keys {
		var vs []float64
		for _, r := range runs {
			if v, ok := r[k]; ok {
				vs = append(vs, v)
			}
		}
		slices.Sort(vs)
		if n := len(vs); n%2 == 1 {
			out[k] = vs[n/2]
		} else {
			out[k] = (vs[n/2-1] + vs[n/2]) / 2
		}
	}
	return out
}

// writeTable writes one Markdown table: a row per metric any peer has, a
// column per peer, then siogo/node and siogo/gorilla ratios.
func writeTable(w io.Writer, peers []string, res map[string]result) {
	var ratios []string
	if slices.Contains(peers, "siogo") {
		for _, p := range []string{"node", "gorilla", "zishang520"} {
			if slices.Contains(peers, p) {
				ratios = append(ratios, p)
			}
		}
	}
	hdr := append([]string{"metric"}, peers...)
	for _, p := range ratios {
		hdr = append(hdr, "siogo/"+p)
	}
	fmt.Fprintf(w, "| %s |\n", strings.Join(hdr, " | "))
	fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(hdr)))
	for _, m := range metrics {
		row := []string{m.label}
		any := false
		for _, p := range peers {
			v, ok := res[p][m.key]
			any = any || ok
			row = append(row, format(v, ok))
		}
		if !any {
			continue
		}
		for _, p := range ratios {
			a, okA := res["siogo"][m.key]
			b, okB := res[p][m.key]
			if !okA || !okB || m.better == "" || b <= 0 || a < 0 || strings.HasSuffix(m.key, ".lost") || strings.HasSuffix(m.key, ".disorder") {
				row = append(row, "")
				continue
			}
			row = append(row, fmt.Sprintf("%.2f", a/b))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
	}
}

func format(v float64, ok bool) string {
	switch {
	case !ok:
		return "—"
	case v < 0:
		return "n/a"
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}
