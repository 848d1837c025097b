package throttle

import (
	"math"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// Refusals count in a row: an allowed event starts the count again, and
// only the refusal that reaches the maximum reports abuse.
func TestEventLimiterInARow(t *testing.T) {
	t0 := time.Unix(1000, 0)
	l := &eventLimiter{lim: rate.NewLimiter(1, 1), maxRefused: 2}
	l.lim.AllowN(t0, 0) // start the clock at t0
	type step struct {
		at             time.Duration
		allowed, abuse bool
	}
	for i, s := range []step{
		{0, true, false},
		{0, false, false},           // 1 refused
		{time.Second, true, false},  // refilled: the count starts again
		{time.Second, false, false}, // 1
		{time.Second, false, true},  // 2: abuse
		{time.Second, false, false}, // 3: already reported
		{3 * time.Second, true, false},
	} {
		allowed, abuse := l.take(t0.Add(s.at))
		if allowed != s.allowed || abuse != s.abuse {
			t.Errorf("step %d: allowed %v abuse %v, want %v %v", i, allowed, abuse, s.allowed, s.abuse)
		}
	}

	never := &eventLimiter{lim: rate.NewLimiter(0, 0), maxRefused: -1}
	for range 1000 {
		if _, abuse := never.take(t0); abuse {
			t.Fatal("abuse with a negative MaxRefused")
		}
	}
}

func TestEventLimiterAllocs(t *testing.T) {
	l := &eventLimiter{lim: rate.NewLimiter(rate.Inf, 1), maxRefused: 50}
	if n := testing.AllocsPerRun(1000, func() { l.take(time.Now()) }); n != 0 {
		t.Errorf("allowed event: %v allocations", n)
	}
	l = &eventLimiter{lim: rate.NewLimiter(0, 0), maxRefused: -1}
	if n := testing.AllocsPerRun(1000, func() { l.take(time.Now()) }); n != 0 {
		t.Errorf("refused event: %v allocations", n)
	}
}

func TestDefaults(t *testing.T) {
	e := EventOptions{}.withDefaults()
	if e.Rate != 10 || e.Burst != 20 || e.MaxRefused != 50 || len(e.Reply) != 1 {
		t.Errorf("event defaults %+v", e)
	}
	if e := (EventOptions{MaxRefused: -1, Reply: []any{}}).withDefaults(); e.MaxRefused != -1 || e.Reply == nil || len(e.Reply) != 0 {
		t.Errorf("explicit values replaced: %+v", e)
	}
	for _, tt := range []struct {
		rate  rate.Limit
		burst int
	}{
		{0, 200},
		{100, 200},
		{7.2, 15},
		{0.1, 1},
		{rate.Limit(math.Inf(1)), 1},
	} {
		if c := (ConnectionOptions{Rate: tt.rate}).withDefaults(); c.Burst != tt.burst {
			t.Errorf("rate %v: burst %d, want %d", tt.rate, c.Burst, tt.burst)
		}
	}
}
