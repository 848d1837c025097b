package notepack

import (
	"encoding/binary"
	"math"
	"time"
	"unicode/utf8"
)

// AppendNil appends nil (c0), which notepack.io writes for null and undefined.
func AppendNil(b []byte) []byte { return append(b, 0xc0) }

// AppendBool appends false (c2) or true (c3).
func AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 0xc3)
	}
	return append(b, 0xc2)
}

// AppendInt appends v in the smallest integer form, as notepack.io writes
// the number v: positive fixint, uint8/16/32/64 for v >= 0, negative fixint,
// int8/16/32/64 otherwise. Beyond ±2^53, where a JavaScript number cannot
// hold v exactly, v is still written exactly, in the form notepack.io
// picks for that magnitude.
func AppendInt(b []byte, v int64) []byte {
	const exact = 1 << 53
	switch {
	case v > exact:
		return binary.BigEndian.AppendUint64(append(b, 0xcf), uint64(v))
	case v < -exact:
		return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(v))
	}
	return AppendFloat(b, float64(v))
}

// AppendFloat appends the JavaScript number v as notepack.io does: a whole
// finite v as an integer (see AppendInt), anything else as float64 (cb).
// Like notepack.io, a whole v of 2^64 or more, or below -2^63, is written
// as uint64 or int64 holding v modulo 2^64 (garbage, but the same garbage).
func AppendFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Floor(v) != v {
		return binary.BigEndian.AppendUint64(append(b, 0xcb), math.Float64bits(v))
	}
	if v >= 0 { // includes -0, written 00
		switch {
		case v < 0x80:
			return append(b, byte(v))
		case v < 0x100:
			return append(b, 0xcc, byte(v))
		case v < 0x10000:
			return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(v))
		case v < 0x100000000:
			return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(v))
		}
		// hi = (value / 2^32) >> 0; lo = value >>> 0
		b = binary.BigEndian.AppendUint32(append(b, 0xcf), mod32(math.Trunc(v/0x100000000)))
		return binary.BigEndian.AppendUint32(b, mod32(v))
	}
	switch {
	case v >= -0x20:
		return append(b, byte(int8(v)))
	case v >= -0x80:
		return append(b, 0xd0, byte(int8(v)))
	case v >= -0x8000:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(int16(v)))
	case v >= -0x80000000:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(int32(v)))
	}
	// hi = Math.floor(value / 2^32); lo = value >>> 0
	b = binary.BigEndian.AppendUint32(append(b, 0xd3), mod32(math.Floor(v/0x100000000)))
	return binary.BigEndian.AppendUint32(b, mod32(v))
}

// mod32 returns the whole number x modulo 2^32, as JavaScript's ToUint32.
func mod32(x float64) uint32 {
	m := math.Mod(x, 0x100000000)
	if m < 0 {
		m += 0x100000000
	}
	return uint32(m)
}

// AppendString appends s in the str family (fixstr, str8, str16, str32).
// Invalid UTF-8 in s is written as U+FFFD, as if s had been decoded by
// Node first. A string of 2^32 bytes or more is truncated; notepack.io
// refuses it.
func AppendString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		r := appendRepaired(nil, []byte(s))
		return append(appendStrHeader(b, len(r)), r...)
	}
	if len(s) > math.MaxUint32 {
		s = s[:math.MaxUint32]
	}
	return append(appendStrHeader(b, len(s)), s...)
}

func appendStrHeader(b []byte, n int) []byte {
	switch {
	case n < 0x20:
		return append(b, 0xa0|byte(n))
	case n < 0x100:
		return append(b, 0xd9, byte(n))
	case n < 0x10000:
		return binary.BigEndian.AppendUint16(append(b, 0xda), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, 0xdb), uint32(n))
}

// AppendBytes appends v as bin (c4, c5, c6), which is how notepack.io writes
// a Buffer. A nil v is an empty bin. v must be shorter than 2^32 bytes.
func AppendBytes(b []byte, v []byte) []byte {
	n := len(v)
	switch {
	case n < 0x100:
		b = append(b, 0xc4, byte(n))
	case n < 0x10000:
		b = binary.BigEndian.AppendUint16(append(b, 0xc5), uint16(n))
	default:
		b = binary.BigEndian.AppendUint32(append(b, 0xc6), uint32(n))
	}
	return append(b, v...)
}

// AppendArrayHeader appends the header of an array of n elements (fixarray,
// array16, array32); the caller appends the n elements.
func AppendArrayHeader(b []byte, n int) []byte {
	switch {
	case n < 0x10:
		return append(b, 0x90|byte(n))
	case n < 0x10000:
		return binary.BigEndian.AppendUint16(append(b, 0xdc), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, 0xdd), uint32(n))
}

// AppendMapHeader appends the header of a map of n key/value pairs (fixmap,
// map16, map32); the caller appends the pairs, keys as strings. To match
// notepack.io byte for byte, write keys in JavaScript's Object.keys order
// and leave out keys whose value would be undefined.
func AppendMapHeader(b []byte, n int) []byte {
	switch {
	case n < 0x10:
		return append(b, 0x80|byte(n))
	case n < 0x10000:
		return binary.BigEndian.AppendUint16(append(b, 0xde), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, 0xdf), uint32(n))
}

// AppendTime appends t as notepack.io writes the JavaScript Date of the
// same millisecond (t rounded down to a millisecond): the timestamp
// extension (type -1) in its 32-bit form when the milliseconds are 0 and
// the seconds fit in 32 bits, the 64-bit form for other times from 1970 to
// 2514, and the 96-bit form otherwise.
func AppendTime(b []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	s := ms / 1000
	if ms%1000 < 0 {
		s--
	}
	ns := (ms - s*1000) * 1e6
	if s >= 0 && s <= 1<<34-1 {
		if ns == 0 && s <= 1<<32-1 {
			return binary.BigEndian.AppendUint32(append(b, 0xd6, 0xff), uint32(s))
		}
		return binary.BigEndian.AppendUint64(append(b, 0xd7, 0xff), uint64(ns)<<34|uint64(s))
	}
	b = binary.BigEndian.AppendUint32(append(b, 0xc7, 0x0c, 0xff), uint32(ns))
	return binary.BigEndian.AppendUint64(b, uint64(s))
}

// encode appends the msgpack form of the tree value v. key tells whether v
// is an object key (notepack.io writes those through its key cache).
func (t *tree) encode(b []byte, v node, key bool) ([]byte, error) {
	switch v.kind {
	case kUndefined, kNull:
		return AppendNil(b), nil
	case kBool:
		return AppendBool(b, v.flag), nil
	case kNumber:
		return AppendFloat(b, v.num), nil
	case kString:
		s := v.data
		if v.flag {
			s = notepackText(s, key)
		}
		if len(s) > math.MaxUint32 {
			return b, ErrTooLarge
		}
		return append(appendStrHeader(b, len(s)), s...), nil
	case kBuffer, kArrayBuffer:
		if len(v.data) > math.MaxUint32 {
			return b, ErrTooLarge
		}
		return AppendBytes(b, v.data), nil
	case kDate:
		return appendDateMs(b, v.num), nil
	case kArray:
		if v.n > math.MaxUint32 {
			return b, ErrTooLarge
		}
		b = AppendArrayHeader(b, v.n)
		var err error
		for _, e := range t.nodes[v.first : v.first+v.n] {
			if b, err = t.encode(b, e, false); err != nil {
				return b, err
			}
		}
		return b, nil
	case kObject:
		pairs := t.nodes[v.first : v.first+2*v.n]
		n := 0
		for i := 1; i < len(pairs); i += 2 {
			if pairs[i].kind != kUndefined {
				n++
			}
		}
		if n > math.MaxUint32 {
			return b, ErrTooLarge
		}
		b = AppendMapHeader(b, n)
		var err error
		for i := 0; i < len(pairs); i += 2 {
			if pairs[i+1].kind == kUndefined {
				continue
			}
			if b, err = t.encode(b, pairs[i], true); err != nil {
				return b, err
			}
			if b, err = t.encode(b, pairs[i+1], false); err != nil {
				return b, err
			}
		}
		return b, nil
	}
	return b, nil
}

// appendDateMs appends a Date of time value ms (whole, or NaN) as
// notepack.io does.
func appendDateMs(b []byte, ms float64) []byte {
	if math.IsNaN(ms) {
		// s and ns are NaN: the 96-bit form with every byte 0.
		return append(b, 0xc7, 0x0c, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	}
	return AppendTime(b, time.UnixMilli(int64(ms)))
}
