package notepack

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// A jsonParser reads JSON text into a tree as JSON.parse followed by
// socket.io-parser's reconstructPacket would build the JavaScript value.
type jsonParser struct {
	tree
	src  []byte
	pos  int
	atts [][]byte
}

func (p *jsonParser) syntax() error {
	return errAt(ErrSyntax, p.pos)
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// parse reads the whole text: one value, with only white space around it.
func (p *jsonParser) parse() (node, error) {
	v, err := p.value()
	if err != nil {
		return node{}, err
	}
	p.skipSpace()
	if p.pos != len(p.src) {
		return node{}, p.syntax()
	}
	return v, nil
}

func (p *jsonParser) value() (node, error) {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return node{}, p.syntax()
	}
	switch c := p.src[p.pos]; c {
	case '{':
		return p.object()
	case '[':
		return p.array()
	case '"':
		s, lone, err := p.str()
		return node{kind: kString, data: s, flag: lone}, err
	case 't':
		return node{kind: kBool, flag: true}, p.literal("true")
	case 'f':
		return node{kind: kBool}, p.literal("false")
	case 'n':
		return node{kind: kNull}, p.literal("null")
	default:
		if c == '-' || c >= '0' && c <= '9' {
			return p.number()
		}
		return node{}, p.syntax()
	}
}

func (p *jsonParser) literal(word string) error {
	if len(p.src)-p.pos < len(word) || string(p.src[p.pos:p.pos+len(word)]) != word {
		return p.syntax()
	}
	p.pos += len(word)
	return nil
}

func (p *jsonParser) array() (node, error) {
	if err := p.enter(p.pos); err != nil {
		return node{}, err
	}
	p.pos++ // [
	base := len(p.stack)
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		return p.endArray(base), nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return node{}, err
		}
		p.stack = append(p.stack, v)
		p.skipSpace()
		if p.pos >= len(p.src) {
			return node{}, p.syntax()
		}
		c := p.src[p.pos]
		p.pos++
		if c == ']' {
			return p.endArray(base), nil
		}
		if c != ',' {
			p.pos--
			return node{}, p.syntax()
		}
	}
}

func (p *jsonParser) object() (node, error) {
	start := p.pos
	if err := p.enter(p.pos); err != nil {
		return node{}, err
	}
	p.pos++ // {
	base := len(p.stack)
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		return p.endObject(base), nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != '"' {
			return node{}, p.syntax()
		}
		k, lone, err := p.str()
		if err != nil {
			return node{}, err
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return node{}, p.syntax()
		}
		p.pos++
		v, err := p.value()
		if err != nil {
			return node{}, err
		}
		p.stack = append(p.stack, node{kind: kString, data: k, flag: lone}, v)
		p.skipSpace()
		if p.pos >= len(p.src) {
			return node{}, p.syntax()
		}
		c := p.src[p.pos]
		p.pos++
		if c == '}' {
			return p.placeholder(p.endObject(base), start)
		}
		if c != ',' {
			p.pos--
			return node{}, p.syntax()
		}
	}
}

// placeholder returns the attachment o stands for if o is a placeholder as
// socket.io-parser recognizes one (its _placeholder property is true), and
// o itself otherwise.
func (p *jsonParser) placeholder(o node, start int) (node, error) {
	ph, ok := p.lookup(o, "_placeholder")
	if !ok || ph.kind != kBool || !ph.flag {
		return o, nil
	}
	num, ok := p.lookup(o, "num")
	if !ok || num.kind != kNumber || num.num != math.Trunc(num.num) ||
		num.num < 0 || num.num >= float64(len(p.atts)) {
		return node{}, errAt(ErrPlaceholder, start)
	}
	return node{kind: kBuffer, data: p.atts[int(num.num)]}, nil
}

// str reads a string token. It returns a slice of the input when the
// string has no escapes and is valid UTF-8, and otherwise its text in
// p.text: WTF-8 with lone surrogates (lone is then true), invalid UTF-8
// replaced as Node's decoder replaces it.
func (p *jsonParser) str() (s []byte, lone bool, err error) {
	p.pos++ // "
	start := p.pos
	ascii := true
	for i := p.pos; i < len(p.src); i++ {
		c := p.src[i]
		if c == '"' {
			if ascii || utf8.Valid(p.src[start:i]) {
				p.pos = i + 1
				return p.src[start:i:i], false, nil
			}
			break
		}
		if c == '\\' || c < 0x20 {
			break
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	textStart := len(p.text)
	for {
		if p.pos >= len(p.src) {
			return nil, false, p.syntax()
		}
		c := p.src[p.pos]
		switch {
		case c == '"':
			p.pos++
			return p.text[textStart:len(p.text):len(p.text)], lone, nil
		case c < 0x20:
			return nil, false, p.syntax()
		case c == '\\':
			if p.pos+1 >= len(p.src) {
				return nil, false, p.syntax()
			}
			e := p.src[p.pos+1]
			p.pos += 2
			switch e {
			case '"', '\\', '/':
				p.text = append(p.text, e)
			case 'b':
				p.text = append(p.text, '\b')
			case 'f':
				p.text = append(p.text, '\f')
			case 'n':
				p.text = append(p.text, '\n')
			case 'r':
				p.text = append(p.text, '\r')
			case 't':
				p.text = append(p.text, '\t')
			case 'u':
				u, ok := p.hex4(p.pos)
				if !ok {
					return nil, false, p.syntax()
				}
				p.pos += 4
				if u >= 0xd800 && u < 0xdc00 && p.pos+6 <= len(p.src) &&
					p.src[p.pos] == '\\' && p.src[p.pos+1] == 'u' {
					if lo, ok := p.hex4(p.pos + 2); ok && lo >= 0xdc00 && lo < 0xe000 {
						p.pos += 6
						p.text = utf8.AppendRune(p.text, 0x10000+(u-0xd800)<<10+(lo-0xdc00))
						continue
					}
				}
				if u >= 0xd800 && u < 0xe000 {
					p.text = appendWTF8Surrogate(p.text, u)
					lone = true
				} else {
					p.text = utf8.AppendRune(p.text, u)
				}
			default:
				p.pos -= 2
				return nil, false, p.syntax()
			}
		case c < utf8.RuneSelf:
			p.text = append(p.text, c)
			p.pos++
		default:
			r, n := decodeRune(p.src[p.pos:])
			if r == utf8.RuneError && string(p.src[p.pos:p.pos+n]) != "\uFFFD" {
				p.text = append(p.text, "\uFFFD"...)
			} else {
				p.text = append(p.text, p.src[p.pos:p.pos+n]...)
			}
			p.pos += n
		}
	}
}

func (p *jsonParser) hex4(at int) (rune, bool) {
	if at+4 > len(p.src) {
		return 0, false
	}
	var r rune
	for _, c := range p.src[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// number reads a number token and rounds it to a float64 as JSON.parse
// does; out of range values become ±Infinity or ±0.
func (p *jsonParser) number() (node, error) {
	start := p.pos
	i := p.pos
	if p.src[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(p.src) && p.src[i] >= '0' && p.src[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(p.src) && p.src[i] == '0' {
		i++
	} else if digits() == 0 {
		p.pos = i
		return node{}, p.syntax()
	}
	simple := true
	if i < len(p.src) && p.src[i] == '.' {
		simple = false
		i++
		if digits() == 0 {
			p.pos = i
			return node{}, p.syntax()
		}
	}
	if i < len(p.src) && (p.src[i] == 'e' || p.src[i] == 'E') {
		simple = false
		i++
		if i < len(p.src) && (p.src[i] == '+' || p.src[i] == '-') {
			i++
		}
		if digits() == 0 {
			p.pos = i
			return node{}, p.syntax()
		}
	}
	p.pos = i
	tok := p.src[start:i]
	neg := tok[0] == '-'
	if neg {
		tok = tok[1:]
	}
	// Up to 18 digits the integer is exact in an int64, and converting it
	// rounds as ParseFloat would.
	if simple && len(tok) <= 18 {
		var v int64
		for _, c := range tok {
			v = v*10 + int64(c-'0')
		}
		f := float64(v)
		if neg {
			f = -f
		}
		return node{kind: kNumber, num: f}, nil
	}
	f, err := strconv.ParseFloat(string(p.src[start:i]), 64)
	if err != nil && !isRangeErr(err) {
		return node{}, errAt(ErrSyntax, start)
	}
	return node{kind: kNumber, num: f}, nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}
