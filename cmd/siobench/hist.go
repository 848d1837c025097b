package main

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// hist is a lock-free log-linear latency histogram in nanoseconds: exact
// below 128 ns, then 64 buckets per power of two (about 1.5% wide).
type hist struct {
	counts [58 * 64]atomic.Uint64
}

func histIndex(v uint64) int {
	if v < 128 {
		return int(v)
	}
	e := bits.Len64(v) - 7
	return e*64 + int(v>>e)
}

func histValue(i int) uint64 {
	if i < 128 {
		return uint64(i)
	}
	e := i/64 - 1
	return uint64(i%64+64) << e
}

func (h *hist) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	i := histIndex(uint64(d))
	if i >= len(h.counts) {
		i = len(h.counts) - 1
	}
	h.counts[i].Add(1)
}

// quantiles returns the values at the given quantiles (0..1), as the lower
// bound of the bucket each falls in, and the number of samples.
func (h *hist) quantiles(qs ...float64) ([]time.Duration, uint64) {
	snap := make([]uint64, len(h.counts))
	var total uint64
	for i := range h.counts {
		snap[i] = h.counts[i].Load()
		total += snap[i]
	}
	out := make([]time.Duration, len(qs))
	if total == 0 {
		return out, 0
	}
	for k, q := range qs {
		rank := uint64(q * float64(total))
		if rank >= total {
			rank = total - 1
		}
		var seen uint64
		for i, n := range snap {
			seen += n
			if seen > rank {
				out[k] = time.Duration(histValue(i))
				break
			}
		}
	}
	return out, total
}
