package binjson

import (
	"encoding"
	"encoding/json"
	"reflect"
	"sync"
)

// A Codec encodes and decodes like the package-level functions, and caches
// what it learns about each Go type (whether it can hold binary, its struct
// fields) so that later calls skip that work. The zero Codec is ready to
// use and safe for concurrent use; a server keeps one for its lifetime.
// The package-level functions use no Codec and cache nothing between calls.
type Codec struct {
	types    sync.Map  // reflect.Type -> *typeInfo
	marshals sync.Pool // *marshaler, reused across calls
}

// AppendValue is like the package-level AppendValue, with c's cache.
func (c *Codec) AppendValue(dst []byte, atts *[][]byte, v any) ([]byte, error) {
	return appendValue(c, dst, atts, v)
}

// AppendArray is like the package-level AppendArray, with c's cache.
func (c *Codec) AppendArray(dst []byte, atts *[][]byte, vals ...any) ([]byte, error) {
	return appendArray(c, dst, atts, vals)
}

// Unmarshal is like the package-level Unmarshal, with c's cache.
func (c *Codec) Unmarshal(data []byte, atts [][]byte, v any) error {
	return unmarshal(c, data, atts, v)
}

// typeInfo is what encoding and decoding need to know about a type.
type typeInfo struct {
	// binary reports that a value of the type may hold a []byte, a Raw or an
	// interface, so it must be walked; otherwise encoding/json writes it.
	binary bool
	// plain reports a boolean, number or string kind without marshal
	// methods, which the walk writes itself.
	plain bool
	// bytes reports a slice of bytes encoded as an attachment.
	bytes bool
	// fields are the JSON fields of a struct type.
	fields []field
}

func newTypeInfo(t reflect.Type) *typeInfo {
	ti := &typeInfo{
		binary: containsBinary(t),
		plain:  isPlain(t),
		bytes:  isByteSlice(t),
	}
	if t.Kind() == reflect.Struct {
		ti.fields = typeFields(t)
	}
	return ti
}

// A typeCache looks up typeInfo in a Codec, or, without one, in a map that
// lives for one call, so that a slice of structs walks its type once.
type typeCache struct {
	c     *Codec
	local map[reflect.Type]*typeInfo
}

func (tc *typeCache) info(t reflect.Type) *typeInfo {
	if tc.c != nil {
		if ti, ok := tc.c.types.Load(t); ok {
			return ti.(*typeInfo)
		}
		ti, _ := tc.c.types.LoadOrStore(t, newTypeInfo(t))
		return ti.(*typeInfo)
	}
	if ti := tc.local[t]; ti != nil {
		return ti
	}
	if tc.local == nil {
		tc.local = make(map[reflect.Type]*typeInfo)
	}
	ti := newTypeInfo(t)
	tc.local[t] = ti
	return ti
}

// mayHoldBinary answers the question that picks the fast path, without
// computing (or, with no Codec, allocating) a whole typeInfo.
func (tc *typeCache) mayHoldBinary(t reflect.Type) bool {
	if tc.c == nil {
		return containsBinary(t)
	}
	return tc.info(t).binary
}

var (
	rawType             = reflect.TypeFor[Raw]()
	numberType          = reflect.TypeFor[json.Number]()
	marshalerType       = reflect.TypeFor[json.Marshaler]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// hasMarshaler reports whether encoding/json would encode t, or t when
// addressable, with a MarshalJSON or MarshalText method. Such a type is
// opaque to the walk: its own method decides what it looks like, and it
// cannot produce attachments.
func hasMarshaler(t reflect.Type) bool {
	if t.Implements(marshalerType) || t.Implements(textMarshalerType) {
		return true
	}
	if t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface {
		return false
	}
	p := reflect.PointerTo(t)
	return p.Implements(marshalerType) || p.Implements(textMarshalerType)
}

// isByteSlice reports a slice type that encoding/json would write as a
// base64 string and that we write as an attachment instead.
func isByteSlice(t reflect.Type) bool {
	if t.Kind() != reflect.Slice || t.Elem().Kind() != reflect.Uint8 || hasMarshaler(t) {
		return false
	}
	p := reflect.PointerTo(t.Elem())
	return !p.Implements(marshalerType) && !p.Implements(textMarshalerType)
}

func isPlain(t reflect.Type) bool {
	if t == numberType {
		return false // a string that encoding/json writes as a number
	}
	switch t.Kind() {
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		// Predeclared types have no methods; only named ones need checking.
		return t.PkgPath() == "" || !hasMarshaler(t)
	}
	return false
}

// containsBinary reports whether a value of type t may hold a []byte, a Raw
// or an interface (whose dynamic value could be anything).
func containsBinary(t reflect.Type) bool {
	var seen []reflect.Type
	return containsBinaryIn(t, &seen)
}

// containsBinaryIn is containsBinary with the named composite types already
// being or done explored in seen: the answer is an OR over every type
// reachable from t, so each needs looking at only once, and a recursive
// type (whose cycle always goes through a named type) ends.
func containsBinaryIn(t reflect.Type, seen *[]reflect.Type) bool {
	if t == rawType {
		return true
	}
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer:
		// A pointer has only its element's methods, so the element decides
		// (and *Raw, which has Raw's MarshalJSON, still counts).
	case reflect.Slice, reflect.Array, reflect.Map, reflect.Struct:
		if hasMarshaler(t) {
			return false
		}
	default:
		return false
	}
	if t.Kind() == reflect.Slice && isByteSlice(t) {
		return true
	}
	if t.Name() != "" {
		for _, s := range *seen {
			if s == t {
				return false
			}
		}
		*seen = append(*seen, t)
	}
	if t.Kind() != reflect.Struct {
		return containsBinaryIn(t.Elem(), seen)
	}
	for i := range t.NumField() {
		sf := t.Field(i)
		if isScalarKind(sf.Type.Kind()) {
			continue // the common case, decided without parsing the tag
		}
		if encodedField(sf) && containsBinaryIn(sf.Type, seen) {
			return true
		}
	}
	return false
}
