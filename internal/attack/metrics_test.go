package attack_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// counters is a snapshot of every counter and gauge of a registry, keyed
// by name and labels: `siogo_parse_errors_total`,
// `siogo_engine_bad_requests_total{code="unknown sid"}`.
type counters map[string]float64

// metricKey is the key of a series: labels are "name", "value" pairs.
func metricKey(name string, labels ...string) string {
	if len(labels) == 0 {
		return name
	}
	pairs := make([]string, 0, len(labels)/2)
	for i := 0; i+1 < len(labels); i += 2 {
		pairs = append(pairs, fmt.Sprintf("%s=%q", labels[i], labels[i+1]))
	}
	slices.Sort(pairs)
	return name + "{" + strings.Join(pairs, ",") + "}"
}

func (s *server) counters() counters {
	s.t.Helper()
	families, err := s.reg.Gather()
	if err != nil {
		s.t.Fatal(err)
	}
	out := counters{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName(), l.GetValue())
			}
			switch {
			case m.Counter != nil:
				out[metricKey(f.GetName(), labels...)] = m.Counter.GetValue()
			case m.Gauge != nil:
				out[metricKey(f.GetName(), labels...)] = m.Gauge.GetValue()
			}
		}
	}
	return out
}

// moved is one expected change of a series: it must grow by at least by.
type moved struct {
	key string
	by  float64
}

// counted is a helper for a table: the series of name and labels must
// grow by 1.
func counted(name string, labels ...string) moved {
	return moved{key: metricKey(name, labels...), by: 1}
}

// waitMoved waits until every series in want has grown by its amount
// since before. The hooks run on the server's goroutines and may follow
// the answer the client saw by a moment, hence the wait (bounded).
func (s *server) waitMoved(t *testing.T, before counters, want ...moved) {
	t.Helper()
	end := time.Now().Add(wait)
	tick := time.NewTicker(10 * time.Millisecond) // polls the registry, bounded by end
	defer tick.Stop()
	for {
		now := s.counters()
		var missing []string
		for _, w := range want {
			if got := now[w.key] - before[w.key]; got < w.by {
				missing = append(missing, fmt.Sprintf("%s moved by %v, want %v", w.key, got, w.by))
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("metrics did not count the attack:\n  %s\nseries that moved: %s", strings.Join(missing, "\n  "), diff(before, now))
		}
		<-tick.C
	}
}

// waitMovedAny waits until one of the series keys has grown since before.
func (s *server) waitMovedAny(t *testing.T, before counters, keys ...string) {
	t.Helper()
	end := time.Now().Add(wait)
	tick := time.NewTicker(10 * time.Millisecond) // polls the registry, bounded by end
	defer tick.Stop()
	for {
		now := s.counters()
		for _, k := range keys {
			if now[k] > before[k] {
				return
			}
		}
		if time.Now().After(end) {
			t.Fatalf("none of %s moved; series that moved: %s", strings.Join(keys, ", "), diff(before, now))
		}
		<-tick.C
	}
}

// diff lists the series that changed, for failure messages.
func diff(before, after counters) string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(after)) {
		if d := after[k] - before[k]; d != 0 && !strings.Contains(k, "_bytes") && !strings.Contains(k, "duration") {
			out = append(out, fmt.Sprintf("%s %+v", k, d))
		}
	}
	return strings.Join(out, ", ")
}
