package binjson

import (
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
)

// Unmarshal decodes the JSON value data, whose placeholders index atts,
// into v, which must be a non-nil pointer.
//
// A placeholder becomes its attachment (shared, not copied): into a []byte
// (or a named type whose underlying type is a slice of bytes), and as a
// []byte where the destination is an empty interface (*any, []any,
// map[string]any, ...). Into a *Raw the value's JSON text and atts are kept
// as they are, with no copy (see Raw). Into a *json.RawMessage, or any
// json.Unmarshaler, goes the JSON text with its placeholders as received.
// Everything else decodes as encoding/json decodes it; numbers into an
// interface become float64.
//
// A placeholder whose num does not index atts is an error wrapping
// ErrPlaceholder; a placeholder where the destination cannot hold bytes is
// a *json.UnmarshalTypeError. Invalid JSON gives encoding/json's error.
func Unmarshal(data []byte, atts [][]byte, v any) error {
	return unmarshal(nil, data, atts, v)
}

func unmarshal(c *Codec, data []byte, atts [][]byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &json.InvalidUnmarshalError{Type: reflect.TypeOf(v)}
	}
	switch v := v.(type) {
	case *Raw:
		return decodeRaw(v, data, atts)
	case *string:
		// String arguments (names, ids, rooms) rarely hold escapes:
		// those need no trip through encoding/json.
		if s, ok := UnquoteSimple(data); ok {
			*v = s
			return nil
		}
	}
	if !mayHavePlaceholder(data) {
		return json.Unmarshal(data, v)
	}
	d := decodeState{data: data, atts: atts, types: typeCache{c: c}}
	d.scan.record = true
	if err := d.scan.run(data, len(atts)); err != nil {
		return jsonError(data, err)
	}
	if len(d.scan.found) == 0 {
		return json.Unmarshal(data, v)
	}
	start, end := trimSpace(data)
	return d.value(start, end, rv.Elem())
}

// jsonError returns encoding/json's error for invalid data, so that callers
// see the same error types whichever path decoded the value; err is what our
// scanner found.
func jsonError(data []byte, err error) error {
	if errors.Is(err, ErrPlaceholder) {
		return err
	}
	var m json.RawMessage
	if jerr := json.Unmarshal(data, &m); jerr != nil {
		return jerr
	}
	return err
}

func decodeRaw(r *Raw, data []byte, atts [][]byte) error {
	start, end := trimSpace(data)
	var err error
	if mayHavePlaceholder(data) {
		var s placeholderScan
		err = s.run(data, len(atts))
	} else {
		var stop int
		stop, err = scanValue(data, start, 0)
		if err == nil && stop != end {
			err = syntaxError(stop, "invalid character after top-level value")
		}
	}
	if err != nil {
		return jsonError(data, err)
	}
	// The capacity limit keeps an append to r.JSON from writing into data.
	r.JSON = data[start:end:end]
	r.Attachments = atts
	return nil
}

// decodeState decodes a value that holds placeholders. It walks only the
// arrays and objects that contain one (the nodes found by the scan); every
// other part goes to encoding/json, so each byte is decoded once.
type decodeState struct {
	data  []byte
	atts  [][]byte
	scan  placeholderScan
	types typeCache
}

// nodeAt returns the node, an array or object holding a placeholder, that
// starts at data[i].
func (d *decodeState) nodeAt(i int) (node, bool) {
	if c := d.data[i]; c != '{' && c != '[' {
		return node{}, false
	}
	k, ok := slices.BinarySearchFunc(d.scan.nodes, i, func(n node, i int) int { return n.start - i })
	if !ok {
		return node{}, false
	}
	return d.scan.nodes[k], true
}

// end returns the end of the valid value starting at data[i].
func (d *decodeState) end(i int) (end int, hasPlaceholder bool) {
	if n, ok := d.nodeAt(i); ok {
		return n.end, true
	}
	end, _ = scanValue(d.data, i, 0)
	return end, false
}

// A span is an element of an array or a member of an object (with its key).
type span struct {
	key, start, end int // key is the offset of the quoted key, or -1
	hasPlaceholder  bool
}

// spans splits the valid array or object starting at data[i].
func (d *decodeState) spans(i int) []span {
	var out []span
	closing := byte(']')
	if d.data[i] == '{' {
		closing = '}'
	}
	i = skipSpace(d.data, i+1)
	if d.data[i] == closing {
		return nil
	}
	for {
		s := span{key: -1, start: i}
		if closing == '}' {
			s.key = i
			s.start, _ = afterKey(d.data, i)
		}
		s.end, s.hasPlaceholder = d.end(s.start)
		out = append(out, s)
		var closed bool
		i, closed, _ = afterElement(d.data, s.end, closing)
		if closed {
			return out
		}
	}
}

func (d *decodeState) key(s span) (string, error) {
	return unquote(d.data[s.key:skipKey(d.data, s.key)])
}

// plain decodes a value without placeholders into the addressable v.
func (d *decodeState) plain(start, end int, v reflect.Value) error {
	return json.Unmarshal(d.data[start:end], v.Addr().Interface())
}

func (d *decodeState) value(start, end int, v reflect.Value) error {
	n, ok := d.nodeAt(start)
	if !ok {
		return d.plain(start, end, v)
	}
	// Find the destination as encoding/json's indirect does: through
	// pointers, allocating nil ones, and into a non-nil pointer held by an
	// interface.
	for {
		if v.Type() == rawType {
			v.Set(reflect.ValueOf(Raw{JSON: d.data[start:end:end], Attachments: d.atts}))
			return nil
		}
		if v.Kind() == reflect.Interface && !v.IsNil() {
			if e := v.Elem(); e.Kind() == reflect.Pointer && !e.IsNil() {
				v = e
				continue
			}
		}
		if v.Kind() != reflect.Pointer {
			break
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	if pv := v.Addr(); pv.Type().NumMethod() > 0 {
		if u, ok := pv.Interface().(json.Unmarshaler); ok {
			return u.UnmarshalJSON(d.data[start:end])
		}
		if _, ok := pv.Interface().(encoding.TextUnmarshaler); ok {
			return d.typeError(start, n, v.Type())
		}
	}
	if n.isPlaceholder {
		att := d.atts[n.num]
		if att == nil {
			att = []byte{} // binary is never null in JavaScript
		}
		switch {
		case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8:
			v.SetBytes(att)
		case v.Kind() == reflect.Interface && v.NumMethod() == 0:
			v.Set(reflect.ValueOf(att))
		default:
			return d.typeError(start, n, v.Type())
		}
		return nil
	}
	switch k := v.Kind(); {
	case k == reflect.Interface && v.NumMethod() == 0:
		x, err := d.anyValue(start, end)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(x))
		return nil
	case k == reflect.Struct && d.data[start] == '{':
		return d.structObject(start, v)
	case k == reflect.Map && d.data[start] == '{':
		return d.mapObject(start, v)
	case (k == reflect.Slice || k == reflect.Array) && d.data[start] == '[':
		return d.array(start, v)
	}
	return d.typeError(start, n, v.Type())
}

func (d *decodeState) typeError(start int, n node, t reflect.Type) error {
	what := "array"
	switch {
	case n.isPlaceholder:
		what = "binary attachment"
	case d.data[start] == '{':
		what = "object"
	}
	return &json.UnmarshalTypeError{Value: what, Type: t, Offset: int64(start)}
}

// withoutPlaceholders returns the object or array with the members that
// hold placeholders left out (objects) or replaced by null (arrays, where
// positions matter), for encoding/json to decode in one call.
func (d *decodeState) withoutPlaceholders(spans []span, object bool) []byte {
	open, closing := byte('['), byte(']')
	if object {
		open, closing = '{', '}'
	}
	b := []byte{open}
	for _, s := range spans {
		switch {
		case !s.hasPlaceholder:
			if len(b) > 1 {
				b = append(b, ',')
			}
			if object {
				b = append(b, d.data[s.key:s.end]...)
			} else {
				b = append(b, d.data[s.start:s.end]...)
			}
		case !object:
			if len(b) > 1 {
				b = append(b, ',')
			}
			b = append(b, "null"...)
		}
	}
	return append(b, closing)
}

func (d *decodeState) structObject(start int, v reflect.Value) error {
	spans := d.spans(start)
	if err := json.Unmarshal(d.withoutPlaceholders(spans, true), v.Addr().Interface()); err != nil {
		return err
	}
	fields := d.types.info(v.Type()).fields
	for _, s := range spans {
		if !s.hasPlaceholder {
			continue
		}
		key, err := d.key(s)
		if err != nil {
			return err
		}
		f := lookupField(fields, key)
		if f == nil {
			continue // unknown members are ignored, as by encoding/json
		}
		fv := v
		for _, i := range f.index {
			if fv.Kind() == reflect.Pointer {
				if fv.IsNil() {
					if !fv.CanSet() {
						return errors.New("binjson: cannot set embedded pointer to unexported struct: " + fv.Type().Elem().String())
					}
					fv.Set(reflect.New(fv.Type().Elem()))
				}
				fv = fv.Elem()
			}
			fv = fv.Field(i)
		}
		if f.quoted {
			n, _ := d.nodeAt(s.start)
			return d.typeError(s.start, n, fv.Type())
		}
		if err := d.value(s.start, s.end, fv); err != nil {
			return err
		}
	}
	return nil
}

func (d *decodeState) mapObject(start int, v reflect.Value) error {
	t := v.Type()
	kt := t.Key()
	switch kt.Kind() {
	case reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
	default:
		if !reflect.PointerTo(kt).Implements(textUnmarshalerType) {
			return &json.UnmarshalTypeError{Value: "object", Type: t, Offset: int64(start)}
		}
	}
	spans := d.spans(start)
	// This also makes the map when it is nil.
	if err := json.Unmarshal(d.withoutPlaceholders(spans, true), v.Addr().Interface()); err != nil {
		return err
	}
	for _, s := range spans {
		if !s.hasPlaceholder {
			continue
		}
		key, err := d.key(s)
		if err != nil {
			return err
		}
		kv, err := mapKeyValue(kt, key, s.key)
		if err != nil {
			return err
		}
		elem := reflect.New(t.Elem()).Elem()
		if err := d.value(s.start, s.end, elem); err != nil {
			return err
		}
		v.SetMapIndex(kv, elem)
	}
	return nil
}

// mapKeyValue converts an object key as encoding/json does for map keys.
func mapKeyValue(kt reflect.Type, key string, offset int) (reflect.Value, error) {
	if reflect.PointerTo(kt).Implements(textUnmarshalerType) {
		kp := reflect.New(kt)
		err := kp.Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(key))
		return kp.Elem(), err
	}
	kv := reflect.New(kt).Elem()
	switch kt.Kind() {
	case reflect.String:
		kv.SetString(key)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(key, 10, 64)
		if err != nil || kt.OverflowInt(n) {
			return kv, &json.UnmarshalTypeError{Value: "number " + key, Type: kt, Offset: int64(offset + 1)}
		}
		kv.SetInt(n)
	default:
		n, err := strconv.ParseUint(key, 10, 64)
		if err != nil || kt.OverflowUint(n) {
			return kv, &json.UnmarshalTypeError{Value: "number " + key, Type: kt, Offset: int64(offset + 1)}
		}
		kv.SetUint(n)
	}
	return kv, nil
}

func (d *decodeState) array(start int, v reflect.Value) error {
	spans := d.spans(start)
	// Sets the length, and decodes the elements without placeholders.
	if err := json.Unmarshal(d.withoutPlaceholders(spans, false), v.Addr().Interface()); err != nil {
		return err
	}
	for i, s := range spans {
		if !s.hasPlaceholder || i >= v.Len() { // an array drops extra elements
			continue
		}
		if err := d.value(s.start, s.end, v.Index(i)); err != nil {
			return err
		}
	}
	return nil
}

// anyValue decodes as into an empty interface: map[string]any, []any,
// float64, string, bool, nil, and []byte for a placeholder.
func (d *decodeState) anyValue(start, end int) (any, error) {
	n, ok := d.nodeAt(start)
	if !ok {
		var x any
		err := json.Unmarshal(d.data[start:end], &x)
		return x, err
	}
	if n.isPlaceholder {
		if att := d.atts[n.num]; att != nil {
			return att, nil
		}
		return []byte{}, nil
	}
	spans := d.spans(start)
	if d.data[start] == '[' {
		a := make([]any, len(spans))
		for i, s := range spans {
			x, err := d.anyValue(s.start, s.end)
			if err != nil {
				return nil, err
			}
			a[i] = x
		}
		return a, nil
	}
	m := make(map[string]any, len(spans))
	for _, s := range spans {
		key, err := d.key(s)
		if err != nil {
			return nil, err
		}
		x, err := d.anyValue(s.start, s.end)
		if err != nil {
			return nil, err
		}
		m[key] = x
	}
	return m, nil
}
