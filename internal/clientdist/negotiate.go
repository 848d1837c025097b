package clientdist

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Negotiate picks among provided the encoding an Accept-Encoding header
// prefers, as the negotiator package (0.6, under Node's accepts) does; ""
// means none of them, so the identity. Its rules, kept here because pages
// see their outcome: an entry without q has q=1; identity is acceptable at
// the lowest q listed unless the header names it (or *); ties go to the
// header's order, then to provided's.
func Negotiate(header string, provided ...string) string {
	accepts := parseAcceptEncoding(header)
	best, found := priority{}, false
	for i, enc := range provided {
		p := encodingPriority(enc, accepts, i)
		if !(p.q > 0) {
			continue
		}
		if !found || compareSpecs(p, best) < 0 {
			best, found = p, true
		}
	}
	if !found {
		return ""
	}
	return provided[best.i]
}

type acceptSpec struct {
	encoding string
	q        float64
	i        int
}

type priority struct {
	i, o int // index in provided, index in the header
	q    float64
	s    int // 1: named exactly; 0: by *
}

var simpleEncoding = regexp.MustCompile(`^\s*([^\s;]+)\s*(?:;(.*))?$`)

func parseAcceptEncoding(header string) []acceptSpec {
	parts := strings.Split(header, ",")
	var out []acceptSpec
	hasIdentity := false
	minQ := 1.0
	for i, part := range parts {
		m := simpleEncoding.FindStringSubmatch(strings.TrimSpace(part))
		if m == nil {
			continue
		}
		spec := acceptSpec{encoding: m[1], q: 1, i: i}
		if m[2] != "" {
			for _, param := range strings.Split(m[2], ";") {
				kv := strings.Split(strings.TrimSpace(param), "=")
				if kv[0] == "q" {
					spec.q = math.NaN()
					if len(kv) > 1 {
						spec.q = parseFloat(kv[1])
					}
					break
				}
			}
		}
		out = append(out, spec)
		if _, ok := specify("identity", spec, 0); ok {
			hasIdentity = true
		}
		minQ = math.Min(minQ, orOne(spec.q))
	}
	if !hasIdentity {
		out = append(out, acceptSpec{encoding: "identity", q: minQ, i: len(parts)})
	}
	return out
}

func encodingPriority(enc string, accepts []acceptSpec, index int) priority {
	p := priority{o: -1}
	for _, a := range accepts {
		spec, ok := specify(enc, a, index)
		if !ok {
			continue
		}
		if d := firstNonZero(float64(p.s-spec.s), p.q-spec.q, float64(p.o-spec.o)); d < 0 {
			p = spec
		}
	}
	return p
}

func specify(enc string, a acceptSpec, index int) (priority, bool) {
	s := 0
	if strings.EqualFold(a.encoding, enc) {
		s = 1
	} else if a.encoding != "*" {
		return priority{}, false
	}
	return priority{i: index, o: a.i, q: a.q, s: s}, true
}

// compareSpecs orders by q, then exactness, then header order, then
// provided order; negative when a comes first.
func compareSpecs(a, b priority) float64 {
	return firstNonZero(b.q-a.q, float64(b.s-a.s), float64(a.o-b.o), float64(a.i-b.i))
}

// firstNonZero is JavaScript's a || b || c over numbers, where 0 and NaN
// are false.
func firstNonZero(xs ...float64) float64 {
	for _, x := range xs {
		if x != 0 && !math.IsNaN(x) {
			return x
		}
	}
	return 0
}

func orOne(q float64) float64 {
	if q == 0 || math.IsNaN(q) {
		return 1
	}
	return q
}

// parseFloat is JavaScript's: the longest leading decimal number, NaN when
// there is none.
func parseFloat(s string) float64 {
	m := jsFloat.FindString(strings.TrimLeft(s, " \t\n\r\v\f"))
	if m == "" {
		return math.NaN()
	}
	f, _ := strconv.ParseFloat(m, 64) // "Infinity" too; a huge exponent gives ±Inf, as in JavaScript
	return f
}

var jsFloat = regexp.MustCompile(`^[+-]?(Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)`)
