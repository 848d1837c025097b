package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/siogo/siogo/internal/plot"
)

// chartMetrics are the figures the ratio chart shows, one group of bars
// each.
var chartMetrics = []struct {
	key, label string
	higher     bool // higher is better
}{
	{"idle.rss_kb", "idle\nRSS per connection", false},
	{"echo.srv_cpu", "echo\nCPU per round trip", false},
	{"echo.rt_per_s", "echo\nround trips/s", true},
	{"fanout.srv_cpu", "fanout\nCPU per delivered msg", false},
	{"fanout.msgs_per_s", "fanout\ndelivered/s", true},
	{"connect.srv_cpu", "connect (polling, upgrade)\nCPU per handshake", false},
	{"connect-ws.srv_cpu", "connect-ws\nCPU per handshake", false},
	// Added later; reports without them leave these groups out. At a
	// fixed rate throughput is what was asked for: only CPU compares.
	{"echo-rate.srv_cpu", "echo-rate (fixed)\nCPU per round trip", false},
	{"fanout-rate.srv_cpu", "fanout-rate (fixed)\nCPU per delivered msg", false},
	{"fanout-10k.srv_cpu", "fanout-10k\nCPU per delivered msg", false},
	{"fanout-10k.msgs_per_s", "fanout-10k\ndelivered/s", true},
	{"cluster.srv_cpu", "cluster (2 nodes, Redis)\nCPU per delivered msg", false},
	{"cluster.msgs_per_s", "cluster (2 nodes, Redis)\ndelivered/s", true},
}

// chartPeers are the peers siogo is compared with, in bar order, and
// their colours.
var chartPeers = []struct{ name, color string }{
	{"node", "#4e79a7"},
	{"zishang520", "#f28e2b"},
	{"gorilla", "#8c8c8c"},
}

// ratioChart holds what the chart plots: ratios[i][j] is siogo over
// chartPeers[j] for chartMetrics[i], NaN where either figure is missing.
type ratioChart struct {
	ratios [][]float64
	peers  []int  // indexes into chartPeers that have at least one ratio
	lossy  []bool // by chartPeers index: lost, reordered or stalled in a fanout scenario
	// lossyAt[i][j]: chartPeers[j] lost, reordered or stalled in the
	// scenario of chartMetrics[i].
	lossyAt [][]bool
}

// lossyIn says whether r lost, reordered or stalled messages in scenario sc.
func lossyIn(r result, sc string) bool {
	return r[sc+".lost"] > 0 || r[sc+".disorder"] > 0 || r[sc+".stalled"] > 0
}

func ratiosOf(res map[string]result) ratioChart {
	var c ratioChart
	siogo, ok := res["siogo"]
	has := make([]bool, len(chartPeers))
	c.lossy = make([]bool, len(chartPeers))
	for _, m := range chartMetrics {
		row := make([]float64, len(chartPeers))
		lossy := make([]bool, len(chartPeers))
		sc, _, _ := strings.Cut(m.key, ".")
		for j, p := range chartPeers {
			lossy[j] = lossyIn(res[p.name], sc)
			c.lossy[j] = c.lossy[j] || lossy[j]
			row[j] = math.NaN()
			a, okA := siogo[m.key]
			b, okB := res[p.name][m.key]
			if ok && okA && okB && a > 0 && b > 0 {
				row[j] = a / b
				has[j] = true
			}
		}
		c.ratios = append(c.ratios, row)
		c.lossyAt = append(c.lossyAt, lossy)
	}
	for j, h := range has {
		if h {
			c.peers = append(c.peers, j)
		}
	}
	return c
}

// writeRatioChart draws the siogo/peer ratios as grouped bars, each bar
// from 1.0 (parity) to the ratio, on a log scale when they span more than
// 4x. It returns an error if there is nothing to plot.
func writeRatioChart(ctx context.Context, pngPath, title string, c ratioChart) error {
	if len(c.peers) == 0 {
		return fmt.Errorf("no ratios to plot: siogo and at least one of node, zishang520, gorilla must have results")
	}
	lo, hi := 1.0, 1.0
	for _, row := range c.ratios {
		for _, r := range row {
			if !math.IsNaN(r) {
				lo, hi = min(lo, r), max(hi, r)
			}
		}
	}
	logScale := hi/lo > 4
	var yrange string
	if logScale {
		yrange = fmt.Sprintf("[%g:%g]", lo/2, hi*2)
	} else {
		yrange = fmt.Sprintf("[0:%g]", math.Ceil(hi*1.15*10)/10)
	}
	// Groups that have no ratio at all (a report from before a scenario
	// existed, or a run of a few scenarios) are left out.
	var shown []int
	pos := map[int]float64{} // chartMetrics index → x of its group
	for i, row := range c.ratios {
		for _, j := range c.peers {
			if !math.IsNaN(row[j]) {
				pos[i] = float64(len(shown))
				shown = append(shown, i)
				break
			}
		}
	}
	n := len(c.peers)
	slot := 0.8 / float64(n) // width of one bar's slot within a group
	width := slot * 0.9

	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("set terminal pngcairo size %d,700 font \"sans,10\" noenhanced\n", max(1400, 190*len(shown)))
	p("set output %s\n", plot.Quote(pngPath))
	p("set title %s\n", plot.Quote(title))
	p("set style fill solid 0.85 border -1\n")
	p("set grid ytics\n")
	p("set key outside right center vertical box\n")
	p("set xrange [-0.5:%g]\n", float64(len(shown))-0.5)
	p("set yrange %s\n", yrange)
	if logScale {
		p("set logscale y 2\n")
		p("set ytics (0.0625, 0.125, 0.25, 0.5, 1, 2, 4, 8, 16) add (0.35, 0.7, 1.4, 2.8)\n")
	}
	p("set ylabel %s\n", plot.Quote("siogo's figure / the other peer's"+map[bool]string{true: " (log scale)", false: ""}[logScale]))
	p("set bmargin 5\n")
	if slices.Contains(c.lossy, true) {
		p("set label %s at graph 0.01, graph 0.97 tc rgb \"#c00000\" font \",9\"\n",
			plot.Quote("lost or reordered: that peer lost or reordered fanout messages (see the table)"))
	}
	var tics []string
	for _, i := range shown {
		m := chartMetrics[i]
		dir := "lower is better"
		if m.higher {
			dir = "higher is better"
		}
		tics = append(tics, fmt.Sprintf("%s %g", plot.Quote(m.label+"\n("+dir+")"), pos[i]))
	}
	p("set xtics (%s) scale 0\n", strings.Join(tics, ", "))
	for k, j := range c.peers {
		p("$r%d << EOD\n", k)
		for i, row := range c.ratios {
			if r := row[j]; !math.IsNaN(r) {
				x := pos[i] + (float64(k)-float64(n-1)/2)*slot
				p("%g %g %g %g %g %g\n", x, r, x-width/2, x+width/2, min(r, 1), max(r, 1))
			}
		}
		p("EOD\n")
	}
	var plots []string
	for k, j := range c.peers {
		pr := chartPeers[j]
		label := "siogo/" + pr.name
		if pr.name == "gorilla" {
			label += " (a floor but for fanout)"
		}
		plots = append(plots, fmt.Sprintf("$r%d using 1:2:3:4:5:6 with boxxyerror lc rgb %q title %s", k, pr.color, plot.Quote(label)))
	}
	// Labels go above the bars that reach up from 1.0 and below the
	// others, each side from a datablock of its own written only when it
	// has points: gnuplot 5.4 crashes on a labels plot of a one-line
	// datablock whose point a filter drops (a peer with a single ratio).
	type pt struct{ x, r float64 }
	labels := func(block string, pts []pt, text string, dy float64, extra string) {
		var up, down []pt
		for _, q := range pts {
			if q.r >= 1 {
				up = append(up, q)
			} else {
				down = append(down, q)
			}
		}
		for s, side := range [][]pt{up, down} {
			if len(side) == 0 {
				continue
			}
			name := "$" + block + []string{"up", "down"}[s]
			p("%s << EOD\n", name)
			for _, q := range side {
				p("%g %g\n", q.x, q.r)
			}
			p("EOD\n")
			off := dy
			if s == 1 {
				off = -dy
			}
			plots = append(plots, fmt.Sprintf("%s using 1:2:%s with labels offset 0,%g font \",8\"%s notitle", name, text, off, extra))
		}
	}
	points := func(k, j int, keep func(i int) bool) []pt {
		var out []pt
		for _, i := range shown {
			if r := c.ratios[i][j]; !math.IsNaN(r) && keep(i) {
				out = append(out, pt{pos[i] + (float64(k)-float64(n-1)/2)*slot, r})
			}
		}
		return out
	}
	for k, j := range c.peers {
		if c.lossy[j] {
			labels(fmt.Sprintf("n%d", k), points(k, j, func(i int) bool { return c.lossyAt[i][j] }),
				`("lost or\nreordered")`, 2.4, ` tc rgb "#c00000"`)
		}
	}
	for k, j := range c.peers {
		labels(fmt.Sprintf("l%d", k), points(k, j, func(int) bool { return true }), `(sprintf("%.2f", $2))`, 0.7, "")
	}
	plots = append(plots, "1 with lines lc rgb \"black\" lw 1.5 dt 2 title \"1.0: same as the other peer\"")
	p("plot %s\n", strings.Join(plots, ", \\\n     "))
	return plot.Gnuplot(ctx, b.String())
}

// chartPath is the PNG written next to a Markdown report.
func chartPath(mdPath string) string {
	return strings.TrimSuffix(mdPath, ".md") + ".png"
}

// parseReport reads the results table back from a Markdown report that
// writeReport wrote: peer columns from the header, metrics by their labels.
// "—" is a missing figure, "n/a" is -1, as format writes them.
// It returns the figures and the chart of the ratio columns as printed.
func parseReport(md string) (map[string]result, ratioChart, error) {
	var c ratioChart
	byLabel := map[string]string{}
	for label, key := range legacyLabels {
		byLabel[label] = key
	}
	for _, m := range metrics {
		byLabel[m.label] = m.key
	}
	cells := func(line string) []string {
		f := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		return f
	}
	var peers []string
	ratioCol := map[int]int{} // table column → chartPeers index
	res := map[string]result{}
	printed := map[string]map[string]float64{} // metric key → peer → ratio

	for line := range strings.Lines(md) {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		f := cells(line)
		if f[0] == "metric" {
			peers = nil
			for i, h := range f[1:] {
				if other, ok := strings.CutPrefix(h, "siogo/"); ok {
					for j, p := range chartPeers {
						if p.name == other {
							ratioCol[i+1] = j
						}
					}
					continue
				}
				peers = append(peers, h)
				res[h] = result{}
			}
			continue
		}
		key, ok := byLabel[f[0]]
		if !ok || peers == nil {
			continue
		}
		for i, p := range peers {
			if i+1 >= len(f) {
				break
			}
			switch v := f[i+1]; v {
			case "—", "":
			case "n/a":
				res[p][key] = -1
			default:
				x, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return nil, c, fmt.Errorf("%s, %s: %q is not a number", f[0], p, v)
				}
				res[p][key] = x
			}
		}
		for col, j := range ratioCol {
			if col < len(f) {
				if x, err := strconv.ParseFloat(f[col], 64); err == nil {
					if printed[key] == nil {
						printed[key] = map[string]float64{}
					}
					printed[key][chartPeers[j].name] = x
				}
			}
		}
	}
	if len(peers) == 0 {
		return nil, c, fmt.Errorf("no results table (a row starting with \"| metric\")")
	}
	// The ratios as the table prints them (from unrounded figures), where
	// it has them.
	c = ratiosOf(res)
	for i, m := range chartMetrics {
		for j, p := range chartPeers {
			if x, ok := printed[m.key][p.name]; ok && !math.IsNaN(c.ratios[i][j]) {
				c.ratios[i][j] = x
			}
		}
	}
	return res, c, nil
}

// cmdChart draws the chart for a report that is already written (one from
// before the chart existed, or to redraw it), and links it from the report
// if it is not yet.
func cmdChart(ctx context.Context, args []string) error {
	if len(args) != 1 || !strings.HasSuffix(args[0], ".md") {
		return fmt.Errorf("usage: siobench chart FILE.md (writes FILE.png)")
	}
	path := args[0]
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	md := string(b)
	_, c, err := parseReport(md)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	title := "siobench: siogo's figure over each other peer's"
	if first, _, _ := strings.Cut(md, "\n"); strings.HasPrefix(first, "# siobench ") {
		mode, when, _ := strings.Cut(strings.TrimPrefix(first, "# siobench "), ", ")
		if len(when) >= 10 {
			when = when[:10]
		}
		title = fmt.Sprintf("siobench %s %s: siogo's figure over each other peer's", mode, when)
	}
	png := chartPath(path)
	if err := writeRatioChart(ctx, png, title, c); err != nil {
		return err
	}
	link := fmt.Sprintf("![siogo's figures over each other peer's](%s)", filepath.Base(png))
	if strings.Contains(md, link) {
		return nil
	}
	i := strings.Index(md, "\n| metric")
	if i < 0 {
		return nil
	}
	md = md[:i+1] + link + "\n\n" + md[i+1:]
	return os.WriteFile(path, []byte(md), 0o644)
}
