package binjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// ErrPlaceholder is wrapped by the errors reporting a placeholder whose num
// does not index an attachment.
var ErrPlaceholder = errors.New("binjson: invalid placeholder")

// CheckPlaceholders reports an error unless every placeholder object in the
// JSON value data has an integer num with 0 <= num < n. Node's
// socket.io-parser rejects the packet otherwise. As in the parser, a
// placeholder is any object whose "_placeholder" member (the last one, as
// JSON.parse keeps the last duplicate) is true, and the members of a
// placeholder are not inspected further. data should be valid JSON; invalid
// text gives an error, never a panic.
//
// It costs two substring searches when data contains no placeholder key.
func CheckPlaceholders(data []byte, n int) error {
	if !mayHavePlaceholder(data) {
		return nil
	}
	var s placeholderScan
	return s.run(data, n)
}

var (
	placeholderKey = []byte("_placeholder")
	unicodeEscape  = []byte(`\u`)
)

// mayHavePlaceholder is the cheap test in front of every walk: a placeholder
// needs the key "_placeholder", which can only be hidden by \u escapes.
func mayHavePlaceholder(data []byte) bool {
	return bytes.Contains(data, placeholderKey) || bytes.Contains(data, unicodeEscape)
}

// A placeholder is one placeholder object found by a placeholderScan.
type placeholder struct {
	start, end int // the object's bounds in the scanned text
	num        []byte
}

// index returns the attachment index p stands for, if it is valid for n
// attachments. JavaScript checks typeof num === "number" and the bounds; an
// index that is not an integer would give undefined, which we refuse too.
func (p *placeholder) index(n int) (int, bool) {
	num := p.num
	if len(num) == 0 || num[0] != '-' && !isDigit(num[0]) {
		return 0, false
	}
	if len(num) <= 9 { // the common case: a few digits, no allocation
		i := 0
		for _, c := range num {
			if !isDigit(c) {
				i = -1
				break
			}
			i = i*10 + int(c-'0')
		}
		if i >= 0 {
			return i, i < n
		}
	}
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil || f != math.Trunc(f) || f < 0 || f >= float64(n) {
		return 0, false
	}
	return int(f), true
}

// A node is an array or object that contains a placeholder or is one. The
// decoder uses the list of nodes to skip over them and to find placeholders
// without scanning the same text twice.
type node struct {
	start, end    int
	isPlaceholder bool
	num           int // the attachment index, if isPlaceholder and valid
}

// placeholderScan walks a JSON value, validating it, and collects the
// outermost placeholder objects in order of appearance. Placeholders nested
// inside a placeholder are dropped, as socket.io-parser never looks there.
type placeholderScan struct {
	data   []byte
	n      int // the number of attachments
	found  []placeholder
	record bool   // collect nodes as well
	nodes  []node // sorted by start once run returns
}

// run scans data, which must hold one JSON value, and checks every found
// placeholder against n attachments.
func (s *placeholderScan) run(data []byte, n int) error {
	s.data, s.n = data, n
	start, end := trimSpace(data)
	stop, err := s.value(start, 0)
	if err != nil {
		return err
	}
	if stop != end {
		return syntaxError(stop, "invalid character after top-level value")
	}
	for i := range s.found {
		p := &s.found[i]
		if _, ok := p.index(n); !ok {
			return fmt.Errorf("%w: num %s at offset %d with %d attachments", ErrPlaceholder, p.num, p.start, n)
		}
	}
	// Nodes were appended as they closed, inner ones first.
	slices.SortFunc(s.nodes, func(a, b node) int { return a.start - b.start })
	return nil
}

func (s *placeholderScan) value(i, depth int) (int, error) {
	if i < len(s.data) {
		switch s.data[i] {
		case '{':
			return s.object(i, depth+1)
		case '[':
			return s.array(i, depth+1)
		}
	}
	return scanValue(s.data, i, depth)
}

func (s *placeholderScan) array(i, depth int) (int, error) {
	if depth > maxDepth {
		return i, syntaxError(i, "exceeded max depth")
	}
	start, mark := i, len(s.found)
	i = skipSpace(s.data, i+1)
	if i < len(s.data) && s.data[i] == ']' {
		return i + 1, nil
	}
	for {
		end, err := s.value(i, depth)
		if err != nil {
			return end, err
		}
		var closed bool
		i, closed, err = afterElement(s.data, end, ']')
		if err != nil {
			return i, err
		}
		if closed {
			s.close(start, i, mark, false, 0)
			return i, nil
		}
	}
}

func (s *placeholderScan) object(i, depth int) (int, error) {
	if depth > maxDepth {
		return i, syntaxError(i, "exceeded max depth")
	}
	start, mark := i, len(s.found)
	i = skipSpace(s.data, i+1)
	if i < len(s.data) && s.data[i] == '}' {
		return i + 1, nil
	}
	isPlaceholder := false
	var num []byte
	for {
		v, err := afterKey(s.data, i)
		if err != nil {
			return v, err
		}
		key := s.data[i:skipKey(s.data, i)]
		end, err := s.value(v, depth)
		if err != nil {
			return end, err
		}
		switch {
		case keyIs(key, "_placeholder"):
			isPlaceholder = string(s.data[v:end]) == "true"
		case keyIs(key, "num"):
			num = s.data[v:end]
		}
		var closed bool
		i, closed, err = afterElement(s.data, end, '}')
		if err != nil {
			return i, err
		}
		if closed {
			if !isPlaceholder {
				s.close(start, i, mark, false, 0)
				return i, nil
			}
			p := placeholder{start: start, end: i, num: num}
			s.found = append(s.found[:mark], p)
			idx, _ := p.index(s.n)
			s.close(start, i, mark, true, idx)
			return i, nil
		}
	}
}

// close records the container [start, end) as a node if it is a
// placeholder or holds one found after mark.
func (s *placeholderScan) close(start, end, mark int, isPlaceholder bool, num int) {
	if s.record && len(s.found) > mark {
		s.nodes = append(s.nodes, node{start: start, end: end, isPlaceholder: isPlaceholder, num: num})
	}
}

// skipKey returns the end of the already validated key string at data[i].
func skipKey(data []byte, i int) int {
	end, _ := scanString(data, i)
	return end
}

// keyIs reports whether the quoted JSON string key decodes to name.
func keyIs(key []byte, name string) bool {
	if bytes.IndexByte(key, '\\') < 0 {
		return string(key[1:len(key)-1]) == name
	}
	s, err := unquote(key)
	return err == nil && s == name
}

// unquote decodes the JSON string literal q as encoding/json would.
func unquote(q []byte) (string, error) {
	if len(q) >= 2 && bytes.IndexByte(q, '\\') < 0 && utf8.Valid(q) {
		return string(q[1 : len(q)-1]), nil
	}
	var s string
	err := json.Unmarshal(q, &s)
	return s, err
}
