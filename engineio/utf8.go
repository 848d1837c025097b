package engineio

import "unicode/utf8"

// replacement is U+FFFD, the character that stands for undecodable bytes.
const replacement = "\uFFFD"

// toValidUTF8 returns b if it is valid UTF-8, else a copy in which each
// maximal ill-formed subsequence is replaced by U+FFFD: the WHATWG
// decoding that Node applies to a polling body (read as a "utf8" string),
// so that the text a polling client sends reaches the application as it
// would in Node, and can be relayed to WebSocket clients, which must
// never receive invalid UTF-8.
func toValidUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	out := make([]byte, 0, len(b)+len(replacement))
	for i := 0; i < len(b); {
		if r, n := utf8.DecodeRune(b[i:]); r != utf8.RuneError || n > 1 {
			out = append(out, b[i:i+n]...)
			i += n
			continue
		}
		out = append(out, replacement...)
		i += illFormedLen(b[i:])
	}
	return out
}

// illFormedLen returns the length of the maximal subpart at the start of b,
// which starts no valid sequence: a lead byte and the continuation bytes
// that a valid sequence could still have had after it (Unicode 3.9,
// "U+FFFD Substitution of Maximal Subparts"), or 1.
func illFormedLen(b []byte) int {
	lo, hi := byte(0x80), byte(0xbf) // the range of the next byte
	var need int                     // continuation bytes after the lead
	switch c := b[0]; {
	case c >= 0xc2 && c <= 0xdf:
		need = 1
	case c == 0xe0:
		need, lo = 2, 0xa0 // no overlongs
	case c == 0xed:
		need, hi = 2, 0x9f // no surrogates
	case c >= 0xe1 && c <= 0xef:
		need = 2
	case c == 0xf0:
		need, lo = 3, 0x90 // no overlongs
	case c == 0xf4:
		need, hi = 3, 0x8f // nothing above U+10FFFF
	case c >= 0xf1 && c <= 0xf3:
		need = 3
	default:
		return 1
	}
	n := 1
	for n <= need && n < len(b) && b[n] >= lo && b[n] <= hi {
		lo, hi = 0x80, 0xbf
		n++
	}
	return n
}
