package notepack

import (
	"encoding/binary"
	"math"
	"unicode/utf8"
)

// An mpParser reads one msgpack value into a tree as notepack.io's decode
// builds the JavaScript value.
type mpParser struct {
	tree
	src []byte
	pos int
}

// need returns the next n bytes and advances past them.
func (p *mpParser) need(n uint64) ([]byte, error) {
	if uint64(len(p.src)-p.pos) < n {
		return nil, errAt(ErrTruncated, len(p.src))
	}
	b := p.src[p.pos : p.pos+int(n) : p.pos+int(n)]
	p.pos += int(n)
	return b, nil
}

// length reads a big-endian length of size bytes.
func (p *mpParser) length(size int) (uint64, error) {
	b, err := p.need(uint64(size))
	if err != nil {
		return 0, err
	}
	switch size {
	case 1:
		return uint64(b[0]), nil
	case 2:
		return uint64(binary.BigEndian.Uint16(b)), nil
	}
	return uint64(binary.BigEndian.Uint32(b)), nil
}

func (p *mpParser) value() (node, error) {
	at := p.pos
	b, err := p.need(1)
	if err != nil {
		return node{}, err
	}
	c := b[0]
	switch {
	case c < 0x80:
		return number(float64(c)), nil
	case c < 0x90:
		return p.object(uint64(c & 0x0f))
	case c < 0xa0:
		return p.array(uint64(c & 0x0f))
	case c < 0xc0:
		return p.str(uint64(c & 0x1f))
	case c > 0xdf:
		return number(float64(int8(c))), nil
	}
	switch c {
	case 0xc0:
		return node{kind: kNull}, nil
	case 0xc2, 0xc3:
		return node{kind: kBool, flag: c == 0xc3}, nil
	case 0xc4, 0xc5, 0xc6:
		n, err := p.length(1 << (c - 0xc4))
		if err != nil {
			return node{}, err
		}
		data, err := p.need(n)
		return node{kind: kBuffer, data: data}, err
	case 0xc7, 0xc8, 0xc9:
		n, err := p.length(1 << (c - 0xc7))
		if err != nil {
			return node{}, err
		}
		tb, err := p.need(1)
		if err != nil {
			return node{}, err
		}
		typ := int8(tb[0])
		switch {
		case typ == 0: // legacy ArrayBuffer
			data, err := p.need(n)
			return node{kind: kArrayBuffer, data: data}, err
		case typ == -1 && c == 0xc7: // timestamp 96, whatever the length says
			d, err := p.need(12)
			if err != nil {
				return node{}, err
			}
			ns := float64(binary.BigEndian.Uint32(d))
			s := float64(float64(int32(binary.BigEndian.Uint32(d[4:])))*0x100000000) + float64(binary.BigEndian.Uint32(d[8:]))
			return date(float64(s*1e3) + float64(ns/1e6)), nil
		}
		return p.ext(typ, n)
	case 0xca:
		d, err := p.need(4)
		if err != nil {
			return node{}, err
		}
		return number(float64(math.Float32frombits(binary.BigEndian.Uint32(d)))), nil
	case 0xcb:
		d, err := p.need(8)
		if err != nil {
			return node{}, err
		}
		return number(math.Float64frombits(binary.BigEndian.Uint64(d))), nil
	case 0xcc, 0xcd, 0xce:
		n, err := p.length(1 << (c - 0xcc))
		return number(float64(n)), err
	case 0xcf, 0xd3:
		d, err := p.need(8)
		if err != nil {
			return node{}, err
		}
		hi := float64(binary.BigEndian.Uint32(d))
		if c == 0xd3 {
			hi = float64(int32(binary.BigEndian.Uint32(d)))
		}
		return number(float64(hi*0x100000000) + float64(binary.BigEndian.Uint32(d[4:]))), nil
	case 0xd0:
		d, err := p.need(1)
		if err != nil {
			return node{}, err
		}
		return number(float64(int8(d[0]))), nil
	case 0xd1:
		d, err := p.need(2)
		if err != nil {
			return node{}, err
		}
		return number(float64(int16(binary.BigEndian.Uint16(d)))), nil
	case 0xd2:
		d, err := p.need(4)
		if err != nil {
			return node{}, err
		}
		return number(float64(int32(binary.BigEndian.Uint32(d)))), nil
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
		tb, err := p.need(1)
		if err != nil {
			return node{}, err
		}
		typ := int8(tb[0])
		n := uint64(1) << (c - 0xd4)
		switch {
		case c == 0xd4 && typ == 0: // legacy undefined: one byte skipped
			_, err := p.need(1)
			return node{kind: kUndefined}, err
		case c == 0xd6 && typ == -1: // timestamp 32
			d, err := p.need(4)
			if err != nil {
				return node{}, err
			}
			return date(float64(binary.BigEndian.Uint32(d)) * 1e3), nil
		case c == 0xd7 && typ == 0: // legacy Date: int64 milliseconds
			d, err := p.need(8)
			if err != nil {
				return node{}, err
			}
			hi := float64(int32(binary.BigEndian.Uint32(d)))
			return date(float64(hi*0x100000000) + float64(binary.BigEndian.Uint32(d[4:]))), nil
		case c == 0xd7 && typ == -1: // timestamp 64
			d, err := p.need(8)
			if err != nil {
				return node{}, err
			}
			hi := binary.BigEndian.Uint32(d)
			s := float64(hi&3)*0x100000000 + float64(binary.BigEndian.Uint32(d[4:]))
			return date(float64(s*1e3) + float64(float64(hi>>2)/1e6)), nil
		}
		return p.ext(typ, n)
	case 0xd9, 0xda, 0xdb:
		n, err := p.length(1 << (c - 0xd9))
		if err != nil {
			return node{}, err
		}
		return p.str(n)
	case 0xdc, 0xdd:
		n, err := p.length(2 << (c - 0xdc))
		if err != nil {
			return node{}, err
		}
		return p.array(n)
	case 0xde, 0xdf:
		n, err := p.length(2 << (c - 0xde))
		if err != nil {
			return node{}, err
		}
		return p.object(n)
	}
	return node{}, errAt(ErrInvalid, at) // 0xc1
}

func number(f float64) node { return node{kind: kNumber, num: f} }

// date returns a Date of time value ms after TimeClip: NaN out of range,
// otherwise truncated to an integer (and -0 to +0).
func date(ms float64) node {
	if math.IsNaN(ms) || math.Abs(ms) > 8.64e15 {
		return node{kind: kDate, num: math.NaN()}
	}
	return node{kind: kDate, num: math.Trunc(ms) + 0}
}

// ext returns the array [type, Buffer] notepack.io makes of an extension
// it does not know.
func (p *mpParser) ext(typ int8, n uint64) (node, error) {
	data, err := p.need(n)
	if err != nil {
		return node{}, err
	}
	first := len(p.nodes)
	p.nodes = append(p.nodes, number(float64(typ)), node{kind: kBuffer, data: data})
	return node{kind: kArray, first: first, n: 2}, nil
}

func (p *mpParser) str(n uint64) (node, error) {
	data, err := p.need(n)
	if err != nil {
		return node{}, err
	}
	return node{kind: kString, data: data, flag: !utf8.Valid(data)}, nil
}

func (p *mpParser) array(n uint64) (node, error) {
	if err := p.enter(p.pos); err != nil {
		return node{}, err
	}
	base := len(p.stack)
	for range n {
		v, err := p.value()
		if err != nil {
			return node{}, err
		}
		p.stack = append(p.stack, v)
	}
	return p.endArray(base), nil
}

// object reads n pairs. Keys of any type become property names as
// JavaScript converts them; "__proto__" makes no property.
func (p *mpParser) object(n uint64) (node, error) {
	if err := p.enter(p.pos); err != nil {
		return node{}, err
	}
	base := len(p.stack)
	for range n {
		k, err := p.value()
		if err != nil {
			return node{}, err
		}
		k = p.propertyKey(k)
		v, err := p.value()
		if err != nil {
			return node{}, err
		}
		if string(k.data) == "__proto__" {
			continue
		}
		p.stack = append(p.stack, k, v)
	}
	return p.endObject(base), nil
}

// propertyKey returns the string JavaScript makes of v when it is used as a
// property name.
func (p *mpParser) propertyKey(v node) node {
	if v.kind == kString && !v.flag {
		return v
	}
	start := len(p.text)
	p.text = p.appendString(p.text, v)
	return node{kind: kString, data: p.text[start:len(p.text):len(p.text)]}
}
