package binjson

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string the way JSON.stringify writes it:
// only '"', '\\' and control characters are escaped (short forms where they
// exist, else \u00xx in lower case). Unlike encoding/json, '<', '>', '&',
// U+2028 and U+2029 are left alone. Invalid UTF-8, which a JavaScript string
// cannot hold, becomes \ufffd as encoding/json writes it.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendFloat formats f as encoding/json does, which matches ECMAScript's
// Number::toString except that -0 stays "-0" (JavaScript writes "0").
func appendFloat(dst []byte, f float64, bits int) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return dst, &json.UnsupportedValueError{Value: reflect.ValueOf(f), Str: strconv.FormatFloat(f, 'g', -1, bits)}
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format == 'e' {
		// Clean up e-09 to e-9, as JavaScript writes it.
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}

var lineSeparatorEscape = []byte(`\u202`)

// restoreLineSeparators rewrites, in b[start:], the \u2028 and \u2029
// escapes that encoding/json always writes as the raw characters, because
// JSON.stringify does not escape them. b[start:] must be valid JSON that
// starts at a value boundary, so its first backslash starts an escape.
func restoreLineSeparators(b []byte, start int) []byte {
	if !bytes.Contains(b[start:], lineSeparatorEscape) {
		return b
	}
	w := start + bytes.IndexByte(b[start:], '\\')
	for r := w; r < len(b); {
		if b[r] != '\\' {
			b[w] = b[r]
			w++
			r++
			continue
		}
		n := 2
		if r+1 < len(b) && b[r+1] == 'u' {
			n = 6
		}
		if r+n > len(b) { // not possible for valid JSON
			n = len(b) - r
		}
		esc := b[r : r+n]
		switch string(esc) {
		case `\u2028`:
			w += copy(b[w:], "\u2028")
		case `\u2029`:
			w += copy(b[w:], "\u2029")
		default:
			w += copy(b[w:], esc)
		}
		r += n
	}
	return b[:w]
}
