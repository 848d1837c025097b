package notepack

import "unicode/utf8"

// decodeRune decodes the UTF-8 sequence at the start of the non-empty s as
// the WHATWG decoder used by Node does: it returns the rune and its length,
// or utf8.RuneError and the length of the maximal subpart of a valid
// sequence (at least 1), which is replaced by one U+FFFD.
func decodeRune(s []byte) (rune, int) {
	r, n := utf8.DecodeRune(s)
	if r != utf8.RuneError || n != 1 {
		return r, n
	}
	need := 0
	lo, hi := byte(0x80), byte(0xbf)
	switch c := s[0]; {
	case c >= 0xc2 && c <= 0xdf:
		need = 1
	case c == 0xe0:
		need, lo = 2, 0xa0
	case c == 0xed:
		need, hi = 2, 0x9f
	case c >= 0xe1 && c <= 0xef:
		need = 2
	case c == 0xf0:
		need, lo = 3, 0x90
	case c >= 0xf1 && c <= 0xf3:
		need = 3
	case c == 0xf4:
		need, hi = 3, 0x8f
	default:
		return utf8.RuneError, 1
	}
	i := 1
	for ; i <= need && i < len(s); i++ {
		if s[i] < lo || s[i] > hi {
			break
		}
		lo, hi = 0x80, 0xbf
	}
	return utf8.RuneError, i
}

// appendRepaired appends s with every invalid sequence replaced by U+FFFD
// as Node's Buffer#toString("utf8") does.
func appendRepaired(dst, s []byte) []byte {
	for len(s) > 0 {
		if s[0] < utf8.RuneSelf {
			dst = append(dst, s[0])
			s = s[1:]
			continue
		}
		r, n := decodeRune(s)
		if r == utf8.RuneError && string(s[:n]) != "\uFFFD" {
			dst = append(dst, "\uFFFD"...)
		} else {
			dst = append(dst, s[:n]...)
		}
		s = s[n:]
	}
	return dst
}

// WTF-8: strings parsed from JSON may hold lone surrogates (from \uD800
// style escapes). They are kept as the 3-byte generalized UTF-8 form
// ED A0..BF 80..BF; surrogate pairs are always combined into one 4-byte
// sequence, so a high surrogate is never directly followed by a low one.

// appendWTF8Surrogate appends the generalized UTF-8 form of the surrogate u.
func appendWTF8Surrogate(dst []byte, u rune) []byte {
	return append(dst, 0xed, byte(0x80|(u>>6)&0x3f), byte(0x80|u&0x3f))
}

// isWTF8Surrogate reports whether s starts with an encoded surrogate.
func isWTF8Surrogate(s []byte) bool {
	return len(s) >= 3 && s[0] == 0xed && s[1] >= 0xa0
}

// utf16Units returns the UTF-16 code units of the WTF-8 text s.
func utf16Units(s []byte) []uint16 {
	units := make([]uint16, 0, len(s))
	for len(s) > 0 {
		if isWTF8Surrogate(s) {
			units = append(units, 0xd000|uint16(s[1]&0x3f)<<6|uint16(s[2]&0x3f))
			s = s[3:]
			continue
		}
		r, n := utf8.DecodeRune(s)
		s = s[n:]
		if r >= 0x10000 {
			r -= 0x10000
			units = append(units, 0xd800|uint16(r>>10), 0xdc00|uint16(r&0x3ff))
		} else {
			units = append(units, uint16(r))
		}
	}
	return units
}

// appendGreedy appends the bytes notepack.io's utf8Write writes for the
// UTF-16 units: any surrogate, paired or not, takes the next unit (or 0
// past the end) as its partner.
func appendGreedy(dst []byte, units []uint16) []byte {
	for i := 0; i < len(units); i++ {
		c := rune(units[i])
		switch {
		case c < 0x80:
			dst = append(dst, byte(c))
		case c < 0x800:
			dst = append(dst, byte(0xc0|c>>6), byte(0x80|c&0x3f))
		case c < 0xd800 || c >= 0xe000:
			dst = append(dst, byte(0xe0|c>>12), byte(0x80|c>>6&0x3f), byte(0x80|c&0x3f))
		default:
			i++
			var next rune
			if i < len(units) {
				next = rune(units[i])
			}
			c = 0x10000 + ((c&0x3ff)<<10 | next&0x3ff)
			dst = append(dst, byte(0xf0|c>>18), byte(0x80|c>>12&0x3f), byte(0x80|c>>6&0x3f), byte(0x80|c&0x3f))
		}
	}
	return dst
}

// appendReplaced appends the WTF-8 text s as UTF-8 with each lone
// surrogate replaced by U+FFFD, as Buffer.byteLength and Buffer#write see
// it. The length does not change.
func appendReplaced(dst, s []byte) []byte {
	for len(s) > 0 {
		if isWTF8Surrogate(s) {
			dst = append(dst, "\uFFFD"...)
			s = s[3:]
			continue
		}
		dst = append(dst, s[0])
		s = s[1:]
	}
	return dst
}

// notepackText returns the bytes notepack.io writes for the JavaScript
// string denoted by the WTF-8 text s, which holds lone surrogates. key
// tells whether the string is an object key (written by encodeKey). See the
// package documentation for the cases that cannot be matched.
func notepackText(s []byte, key bool) []byte {
	units := utf16Units(s)
	replaced := appendReplaced(make([]byte, 0, len(s)), s)
	if len(units) <= 32 {
		// Header from utf8Length (greedy); body from utf8Write when it is a
		// key or at most 32 bytes long.
		greedy := appendGreedy(nil, units)
		if key || len(greedy) <= 32 {
			return greedy
		}
		return replaced
	}
	if key {
		// Header from Buffer.byteLength, body from utf8Write into a buffer
		// of that size: writes past the end are dropped.
		greedy := appendGreedy(nil, units)
		if len(greedy) >= len(replaced) {
			return greedy[:len(replaced)]
		}
	}
	return replaced
}
