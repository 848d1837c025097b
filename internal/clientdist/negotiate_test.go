package clientdist

import "testing"

// The expected values are what Node's accepts(req).encodings(...) answers
// (accepts 1.3.8, negotiator 0.6.3, as socket.io 4.8.4 uses them), for the
// list Node serves with and for the one without brotli.
func TestNegotiateAsNode(t *testing.T) {
	for _, tc := range [][3]string{
		{"", "", ""},
		{"gzip", "gzip", "gzip"},
		{"gzip, deflate, br", "gzip", "gzip"},
		{"gzip, deflate, br, zstd", "gzip", "gzip"},
		{"deflate, gzip, br, zstd", "deflate", "deflate"},
		{"br", "br", ""},
		{"br;q=0.5, gzip;q=0.8", "gzip", "gzip"},
		{"*", "br", "gzip"},
		{"*;q=0.5, gzip;q=0.1", "br", "deflate"},
		{"identity", "", ""},
		{"identity, gzip;q=0.5", "gzip", "gzip"},
		{"gzip;q=0", "", ""},
		{"gzip;q=0, *", "br", "deflate"},
		{"x, y", "", ""},
		{"GZIP", "gzip", "gzip"},
		{"deflate;q=abc, gzip", "gzip", "gzip"},
		{"gzip;q=0.5x, deflate;q=0.4", "gzip", "gzip"},
		{"br;q=1, gzip;q=1", "br", "gzip"},
		{"gzip;q", "", ""},
		{"compress, *;q=0.2", "br", "gzip"},
		{"identity;q=0, br;q=0.1", "br", ""},
		{" gzip ; q=0.3 , deflate ; q=0.3", "gzip", "gzip"},
		{"*;q=0", "", ""},
		{"gzip;q=1e-1, deflate;q=.2", "deflate", "deflate"},
	} {
		if got := Negotiate(tc[0], "br", "gzip", "deflate"); got != tc[1] {
			t.Errorf("Negotiate(%q, br gzip deflate) = %q, want %q", tc[0], got, tc[1])
		}
		if got := Negotiate(tc[0], "gzip", "deflate"); got != tc[2] {
			t.Errorf("Negotiate(%q, gzip deflate) = %q, want %q", tc[0], got, tc[2])
		}
	}
}
