package main

import (
	"errors"
	"math"
)

// errFewPoints is returned by fitLine for fewer than two distinct x.
var errFewPoints = errors.New("siosoak: a line needs two distinct x values")

// fitLine returns the least-squares line y = a + b·x through the points.
func fitLine(xs, ys []float64) (a, b float64, err error) {
	a, b, _, err = fitLineSE(xs, ys)
	return a, b, err
}

// fitLineSE is fitLine with the standard error of the slope (0 for two
// points): a slope within two of them of zero is no trend the samples
// can tell from their noise.
func fitLineSE(xs, ys []float64) (a, b, se float64, err error) {
	n := float64(len(xs))
	if len(xs) != len(ys) || len(xs) < 2 {
		return 0, 0, 0, errFewPoints
	}
	var sx, sy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
	}
	mx, my := sx/n, sy/n
	// Centred sums: no cancellation when x is large (seconds since start)
	// and the slope small.
	var sxx, sxy float64
	for i := range xs {
		dx := xs[i] - mx
		sxx += dx * dx
		sxy += dx * (ys[i] - my)
	}
	if sxx == 0 {
		return 0, 0, 0, errFewPoints
	}
	b = sxy / sxx
	a = my - b*mx
	if len(xs) > 2 {
		var sse float64
		for i := range xs {
			r := ys[i] - a - b*xs[i]
			sse += r * r
		}
		se = math.Sqrt(sse / (n - 2) / sxx)
	}
	return a, b, se, nil
}
