package notepack

import (
	"math"
	"strconv"
	"time"
)

// writeJSON appends v as JSON.stringify writes it after socket.io-parser's
// deconstructPacket has replaced each Buffer and ArrayBuffer by a
// placeholder numbered in order of appearance, appending its bytes to atts.
func (t *tree) writeJSON(dst []byte, v node, atts *[][]byte) []byte {
	switch v.kind {
	case kUndefined, kNull:
		return append(dst, "null"...)
	case kBool:
		if v.flag {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case kNumber:
		if math.IsNaN(v.num) || math.IsInf(v.num, 0) {
			return append(dst, "null"...)
		}
		return appendJSNumber(dst, v.num)
	case kString:
		return appendJSONString(dst, v.data, v.flag)
	case kBuffer, kArrayBuffer:
		dst = append(dst, `{"_placeholder":true,"num":`...)
		dst = strconv.AppendInt(dst, int64(len(*atts)), 10)
		*atts = append(*atts, v.data)
		return append(dst, '}')
	case kDate:
		if math.IsNaN(v.num) {
			return append(dst, "null"...)
		}
		dst = append(dst, '"')
		dst = appendISODate(dst, v.num)
		return append(dst, '"')
	case kArray:
		dst = append(dst, '[')
		for i, e := range t.nodes[v.first : v.first+v.n] {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = t.writeJSON(dst, e, atts)
		}
		return append(dst, ']')
	case kObject:
		dst = append(dst, '{')
		pairs := t.nodes[v.first : v.first+2*v.n]
		comma := false
		for i := 0; i < len(pairs); i += 2 {
			if pairs[i+1].kind == kUndefined {
				continue // JSON.stringify leaves the key out
			}
			if comma {
				dst = append(dst, ',')
			}
			comma = true
			dst = appendJSONString(dst, pairs[i].data, false)
			dst = append(dst, ':')
			dst = t.writeJSON(dst, pairs[i+1], atts)
		}
		return append(dst, '}')
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as JSON.stringify quotes it: only '"',
// '\\' and control characters are escaped, with lowercase \u00xx for the
// ones without a short form. repair asks for invalid UTF-8 to be replaced.
func appendJSONString(dst, s []byte, repair bool) []byte {
	if repair {
		s = appendRepaired(nil, s)
	}
	dst = append(dst, '"')
	start := 0
	for i, c := range s {
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		start = i + 1
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
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendJSNumber appends the finite f as JavaScript's Number#toString
// writes it (the ES6 algorithm, which encoding/json also follows), with -0
// written "0".
func appendJSNumber(dst []byte, f float64) []byte {
	if f == 0 {
		return append(dst, '0')
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs < 1e-6 || abs >= 1e21 {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// appendNumberKey appends f as String(f) writes it, NaN and infinities
// included.
func appendNumberKey(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	return appendJSNumber(dst, f)
}

// appendISODate appends the valid Date of time value ms as
// Date.prototype.toISOString writes it: UTC, milliseconds, "Z", and a
// signed six-digit year outside 0..9999.
func appendISODate(dst []byte, ms float64) []byte {
	tm := time.UnixMilli(int64(ms)).UTC()
	year, month, day := tm.Date()
	switch {
	case year < 0:
		dst = append(dst, '-')
		dst = appendPadded(dst, -year, 6)
	case year > 9999:
		dst = append(dst, '+')
		dst = appendPadded(dst, year, 6)
	default:
		dst = appendPadded(dst, year, 4)
	}
	dst = append(dst, '-')
	dst = appendPadded(dst, int(month), 2)
	dst = append(dst, '-')
	dst = appendPadded(dst, day, 2)
	dst = append(dst, 'T')
	dst = appendPadded(dst, tm.Hour(), 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, tm.Minute(), 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, tm.Second(), 2)
	dst = append(dst, '.')
	dst = appendPadded(dst, tm.Nanosecond()/1e6, 3)
	return append(dst, 'Z')
}

// appendDateString appends the Date of time value ms as
// Date.prototype.toString writes it in the UTC time zone.
func appendDateString(dst []byte, ms float64) []byte {
	if math.IsNaN(ms) {
		return append(dst, "Invalid Date"...)
	}
	tm := time.UnixMilli(int64(ms)).UTC()
	dst = append(dst, tm.Weekday().String()[:3]...)
	dst = append(dst, ' ')
	dst = append(dst, tm.Month().String()[:3]...)
	dst = append(dst, ' ')
	dst = appendPadded(dst, tm.Day(), 2)
	dst = append(dst, ' ')
	year := tm.Year()
	if year < 0 {
		dst = append(dst, '-')
		year = -year
	}
	dst = appendPadded(dst, year, 4)
	dst = append(dst, ' ')
	dst = appendPadded(dst, tm.Hour(), 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, tm.Minute(), 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, tm.Second(), 2)
	return append(dst, " GMT+0000 (Coordinated Universal Time)"...)
}

func appendPadded(dst []byte, v, width int) []byte {
	var buf [20]byte
	s := strconv.AppendInt(buf[:0], int64(v), 10)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// appendString appends String(v), the property name JavaScript makes of v.
func (t *tree) appendString(dst []byte, v node) []byte {
	switch v.kind {
	case kUndefined:
		return append(dst, "undefined"...)
	case kNull:
		return append(dst, "null"...)
	case kBool:
		if v.flag {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case kNumber:
		return appendNumberKey(dst, v.num)
	case kString, kBuffer: // Buffer#toString decodes UTF-8
		return appendRepaired(dst, v.data)
	case kArrayBuffer:
		return append(dst, "[object ArrayBuffer]"...)
	case kDate:
		return appendDateString(dst, v.num)
	case kArray: // Array#join(","), with "" for null and undefined
		for i, e := range t.nodes[v.first : v.first+v.n] {
			if i > 0 {
				dst = append(dst, ',')
			}
			if e.kind != kNull && e.kind != kUndefined {
				dst = t.appendString(dst, e)
			}
		}
		return dst
	}
	return append(dst, "[object Object]"...)
}
