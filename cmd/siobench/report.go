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
	{"echo-rate.clients", "echo-rate: clients", ""},
	{"echo-rate.target_per_s", "echo-rate: round trips per second asked for", ""},
	{"echo-rate.rt_per_s", "echo-rate: round trips per second achieved", "higher"},
	{"echo-rate.p50_us", "echo-rate: latency from due time p50 (µs)", "lower"},
	{"echo-rate.p99_us", "echo-rate: latency from due time p99 (µs)", "lower"},
	{"echo-rate.p999_us", "echo-rate: latency from due time p99.9 (µs)", "lower"},
	{"echo-rate.srv_cpu", "echo-rate: server CPU per round trip (µs)", "lower"},
	{"echo-rate.gen_cpu", "echo-rate: generator CPU per round trip (µs)", ""},
	{"echo-rate.lag_p50_us", "echo-rate: generator's send lag behind due time p50 (µs)", ""},
	{"echo-rate.lag_p99_us", "echo-rate: generator's send lag behind due time p99 (µs)", ""},
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
	{"fanout-rate.receivers", "fanout-rate: receivers", ""},
	{"fanout-rate.target_per_s", "fanout-rate: broadcasts per second asked for", ""},
	{"fanout-rate.sent_per_s", "fanout-rate: broadcasts per second sent", ""},
	{"fanout-rate.msgs_per_s", "fanout-rate: messages delivered per second", "higher"},
	{"fanout-rate.p50_us", "fanout-rate: delivery latency from due time p50 (µs)", "lower"},
	{"fanout-rate.p99_us", "fanout-rate: delivery latency from due time p99 (µs)", "lower"},
	{"fanout-rate.srv_cpu", "fanout-rate: server CPU per delivered message (µs)", "lower"},
	{"fanout-rate.gen_cpu", "fanout-rate: generator CPU per delivered message (µs)", ""},
	{"fanout-rate.lag_p50_us", "fanout-rate: generator's send lag behind due time p50 (µs)", ""},
	{"fanout-rate.lag_p99_us", "fanout-rate: generator's send lag behind due time p99 (µs)", ""},
	{"fanout-rate.lost", "fanout-rate: messages lost (must be 0)", "lower"},
	{"fanout-rate.disorder", "fanout-rate: messages out of order (must be 0)", "lower"},
	{"fanout-rate.stalled", "fanout-rate: stalled, sent messages never arrived (1 = yes)", ""},
	{"fanout-10k.receivers", "fanout-10k: receivers", ""},
	{"fanout-10k.window", "fanout-10k: broadcasts in flight (at most)", ""},
	{"fanout-10k.msgs_per_s", "fanout-10k: messages delivered per second", "higher"},
	{"fanout-10k.p50_us", "fanout-10k: delivery latency p50 (µs)", "lower"},
	{"fanout-10k.p99_us", "fanout-10k: delivery latency p99 (µs)", "lower"},
	{"fanout-10k.srv_cpu", "fanout-10k: server CPU per delivered message (µs)", "lower"},
	{"fanout-10k.gen_cpu", "fanout-10k: generator CPU per delivered message (µs)", ""},
	{"fanout-10k.lost", "fanout-10k: messages lost (must be 0)", "lower"},
	{"fanout-10k.disorder", "fanout-10k: messages out of order (must be 0)", "lower"},
	{"fanout-10k.stalled", "fanout-10k: stalled, in-flight messages never arrived (1 = yes)", ""},
	{"cluster.receivers", "cluster (2 nodes on Redis): receivers, half on each node", ""},
	{"cluster.window", "cluster (2 nodes on Redis): broadcasts in flight (at most)", ""},
	{"cluster.msgs_per_s", "cluster (2 nodes on Redis): messages delivered per second", "higher"},
	{"cluster.p50_us", "cluster (2 nodes on Redis): delivery latency p50 (µs)", "lower"},
	{"cluster.p99_us", "cluster (2 nodes on Redis): delivery latency p99 (µs)", "lower"},
	{"cluster.srv_cpu", "cluster (2 nodes on Redis): CPU of both nodes per delivered message (µs)", "lower"},
	{"cluster.redis_cpu", "cluster (2 nodes on Redis): Redis CPU per delivered message (µs)", ""},
	{"cluster.gen_cpu", "cluster (2 nodes on Redis): generator CPU per delivered message (µs)", ""},
	{"cluster.lost", "cluster (2 nodes on Redis): messages lost (must be 0)", "lower"},
	{"cluster.disorder", "cluster (2 nodes on Redis): messages out of order (must be 0)", "lower"},
	{"cluster.stalled", "cluster (2 nodes on Redis): stalled, in-flight messages never arrived (1 = yes)", ""},
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
