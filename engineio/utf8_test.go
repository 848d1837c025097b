package engineio

import "testing"

// The expected strings are what Node's Buffer.toString("utf8") gives for
// the same bytes (Node 20), which is how Node reads a polling body.
func TestToValidUTF8(t *testing.T) {
	const r = "\uFFFD"
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"héllo €😀", "héllo €😀"},
		{"a\xffb", "a" + r + "b"},
		{"\xe2\x82A", r + "A"},              // a truncated sequence is one subpart
		{"\xe2\x82", r},                     // ... also at the end
		{"\xf0\x9f\x98", r},                 // a truncated 4-byte sequence
		{"\xc0\xaf", r + r},                 // overlong: C0 starts nothing
		{"\xed\xa0\x80", r + r + r},         // surrogate: ED A0 is no prefix
		{"\xe0\x80\x80", r + r + r},         // overlong 3-byte form
		{"\xf4\x90\x80\x80", r + r + r + r}, // above U+10FFFF
		{"\x80\x80", r + r},                 // lone continuation bytes
		{"\xf8\x88\x80\x80\x80", r + r + r + r + r},
		{"\xef\xbf\xbd", r}, // U+FFFD itself is valid
		{"\xe1\x80\xe2\xf0\x91\x92\xf1\xbfA", r + r + r + r + "A"},
	} {
		if got := string(toValidUTF8([]byte(tc.in))); got != tc.want {
			t.Errorf("toValidUTF8(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
