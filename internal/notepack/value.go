package notepack

import (
	"bytes"
	"slices"
)

// kind is the type of a JavaScript value in the tree.
type kind uint8

const (
	kUndefined kind = iota
	kNull
	kBool
	kNumber
	kString
	kBuffer      // Node Buffer: bin
	kArrayBuffer // legacy ext type 0: an ArrayBuffer (binary for socket.io)
	kDate        // num is the time value in ms, NaN for an invalid Date
	kArray       // children nodes[first : first+n]
	kObject      // key/value pairs nodes[first : first+2n], keys are kString
)

// A node is one JavaScript value.
type node struct {
	kind kind
	// flag: for kBool the value. For kString built from JSON, the text is
	// WTF-8 holding lone surrogates; for kString decoded from msgpack, the
	// text is not valid UTF-8 and must be repaired when written.
	flag     bool
	num      float64 // kNumber, kDate
	data     []byte  // kString text, kBuffer/kArrayBuffer bytes
	first, n int     // kArray, kObject children
}

// A tree holds the children of every container of one value. Containers
// are built on stack and moved to nodes as one block when they end, so the
// children of a container are contiguous.
type tree struct {
	nodes []node
	stack []node
	text  []byte // storage for strings that are not slices of the input
	depth int
}

// presize allocates room for the nodes of an input of n bytes, so that a
// typical message needs no further growth.
func (t *tree) presize(n int) {
	t.nodes = make([]node, 0, min(n/8+8, 512))
	t.stack = make([]node, 0, 16)
}

// enter counts one more level of nesting.
func (t *tree) enter(off int) error {
	t.depth++
	if t.depth > maxDepth {
		return errAt(ErrDepth, off)
	}
	return nil
}

// endArray moves the elements pushed since base into a block.
func (t *tree) endArray(base int) node {
	first := len(t.nodes)
	t.nodes = append(t.nodes, t.stack[base:]...)
	n := len(t.stack) - base
	t.stack = t.stack[:base]
	t.depth--
	return node{kind: kArray, first: first, n: n}
}

// endObject turns the key/value pairs pushed since base into the own
// properties of a JavaScript object created by assigning them in order: a
// repeated key keeps its first position and takes the last value, and the
// array-index keys move to the front in ascending order.
func (t *tree) endObject(base int) node {
	pairs := t.stack[base:]
	kept := dedupe(pairs)
	pairs = pairs[:2*kept]
	orderIndexKeys(pairs)
	first := len(t.nodes)
	t.nodes = append(t.nodes, pairs...)
	t.stack = t.stack[:base]
	t.depth--
	return node{kind: kObject, first: first, n: kept}
}

// dedupe compacts the key/value pairs in place so that each key appears
// once, at its first position, with its last value, and returns the number
// of pairs kept.
func dedupe(pairs []node) int {
	const linear = 8 // up to this many keys, compare linearly
	kept := 0
	var index map[string]int
	for i := 0; i < len(pairs); i += 2 {
		key := pairs[i].data
		at := -1
		if index != nil {
			if j, ok := index[string(key)]; ok {
				at = j
			}
		} else {
			for j := range kept {
				if bytes.Equal(pairs[2*j].data, key) {
					at = j
					break
				}
			}
		}
		if at >= 0 {
			pairs[2*at+1] = pairs[i+1]
			continue
		}
		pairs[2*kept], pairs[2*kept+1] = pairs[i], pairs[i+1]
		kept++
		if index == nil && kept > linear {
			index = make(map[string]int, len(pairs)/2)
			for j := range kept {
				index[string(pairs[2*j].data)] = j
			}
		} else if index != nil {
			index[string(key)] = kept - 1
		}
	}
	return kept
}

// arrayIndex reports whether key is an array index as V8 orders them:
// the canonical decimal form of an integer from 0 to 2^32-2.
func arrayIndex(key []byte) (uint32, bool) {
	if len(key) == 0 || len(key) > 10 || key[0] == '0' && len(key) > 1 {
		return 0, false
	}
	var v uint64
	for _, c := range key {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if v > 1<<32-2 {
		return 0, false
	}
	return uint32(v), true
}

// orderIndexKeys moves the pairs whose key is an array index to the front,
// in ascending order, keeping the other pairs in their order.
func orderIndexKeys(pairs []node) {
	found := false
	for i := 0; i < len(pairs); i += 2 {
		if _, ok := arrayIndex(pairs[i].data); ok {
			found = true
			break
		}
	}
	if !found {
		return
	}
	type pair struct {
		idx     uint32
		isIndex bool
		k, v    node
	}
	ps := make([]pair, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		idx, ok := arrayIndex(pairs[i].data)
		ps = append(ps, pair{idx, ok, pairs[i], pairs[i+1]})
	}
	slices.SortStableFunc(ps, func(a, b pair) int {
		switch {
		case a.isIndex && b.isIndex:
			if a.idx < b.idx {
				return -1
			}
			if a.idx > b.idx {
				return 1
			}
			return 0
		case a.isIndex:
			return -1
		case b.isIndex:
			return 1
		}
		return 0
	})
	for i, p := range ps {
		pairs[2*i], pairs[2*i+1] = p.k, p.v
	}
}

// lookup returns the value of key in the object o, if it has one.
func (t *tree) lookup(o node, key string) (node, bool) {
	for i := range o.n {
		k := t.nodes[o.first+2*i]
		if string(k.data) == key {
			return t.nodes[o.first+2*i+1], true
		}
	}
	return node{}, false
}
