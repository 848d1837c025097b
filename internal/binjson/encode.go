package binjson

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// AppendValue appends the JSON encoding of v to dst and returns the
// extended buffer.
//
// Every []byte in v, at any depth (inside []any, map[string]any, slices,
// arrays, pointers, interfaces and struct fields, including embedded
// structs, with json tags honoured as encoding/json does), is written as the
// placeholder {"_placeholder":true,"num":N} with N = len(*atts), and the
// slice itself (not a copy) is appended to *atts. A nil []byte is null, as
// in encoding/json. A Raw is written from its JSON with its placeholders
// renumbered the same way (see Raw). A json.RawMessage is written verbatim,
// compacted if it holds white space. Values whose type cannot hold a
// []byte, a Raw or an interface are written by encoding/json in one call.
//
// On error, dst and *atts are returned to their original lengths.
func AppendValue(dst []byte, atts *[][]byte, v any) ([]byte, error) {
	return appendValue(nil, dst, atts, v)
}

// AppendArray appends the JSON array [v1,v2,...] of vals to dst, each
// element written as by AppendValue, with one numbering of placeholders
// across the whole array: the shape of an event's arguments.
func AppendArray(dst []byte, atts *[][]byte, vals ...any) ([]byte, error) {
	return appendArray(nil, dst, atts, vals)
}

func appendValue(c *Codec, dst []byte, atts *[][]byte, v any) ([]byte, error) {
	e := newEncodeState(c, dst, atts)
	return e.finish(dst, atts, e.value(v))
}

func appendArray(c *Codec, dst []byte, atts *[][]byte, vals []any) ([]byte, error) {
	e := newEncodeState(c, dst, atts)
	e.buf = append(e.buf, '[')
	var err error
	for i, v := range vals {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err = e.value(v); err != nil {
			break
		}
	}
	e.buf = append(e.buf, ']')
	return e.finish(dst, atts, err)
}

var (
	errNoAttachments = errors.New("binjson: binary value but no attachment list")
	errTooDeep       = errors.New("binjson: value nested too deeply, or cyclic")
)

// encodeState holds one call's output. Its walk goes through values that
// may hold binary; anything else is handed whole to encoding/json.
type encodeState struct {
	buf []byte
	// atts is the caller's attachment list, given back by finish on
	// success only, so that an error leaves it as it was. The state keeps
	// the list, not the caller's pointer to it: the pointer would escape
	// with the state, and every caller's list would be a heap allocation.
	atts    [][]byte
	hasAtts bool // the caller gave a list: binary values are allowed
	types   typeCache
	depth   int
	m       *marshaler // created on first use
}

func newEncodeState(c *Codec, dst []byte, atts *[][]byte) encodeState {
	e := encodeState{buf: dst, types: typeCache{c: c}}
	if atts != nil {
		e.atts, e.hasAtts = *atts, true
	}
	return e
}

// finish returns the result of the call and gives the attachments back to
// the caller, or on error returns dst and leaves *atts as it was.
func (e *encodeState) finish(dst []byte, atts *[][]byte, err error) ([]byte, error) {
	if e.m != nil && e.types.c != nil {
		e.m.b = nil
		e.types.c.marshals.Put(e.m)
	}
	if err != nil {
		return dst, err
	}
	if e.hasAtts {
		*atts = e.atts
	}
	return e.buf, nil
}

// A marshaler is a json.Encoder that appends to a slice: Encode is the
// only way to get encoding/json's output without HTML escaping. A Codec
// keeps them in a pool so that a call needs no new one.
type marshaler struct {
	enc *json.Encoder
	b   []byte
}

func (m *marshaler) Write(p []byte) (int, error) {
	m.b = append(m.b, p...)
	return len(p), nil
}

// marshal appends encoding/json's encoding of x, with the differences from
// JSON.stringify undone: no HTML escaping, and U+2028 and U+2029 raw.
func (e *encodeState) marshal(x any) error {
	if e.m == nil {
		if c := e.types.c; c != nil {
			e.m, _ = c.marshals.Get().(*marshaler)
		}
		if e.m == nil {
			e.m = new(marshaler)
			e.m.enc = json.NewEncoder(e.m)
			e.m.enc.SetEscapeHTML(false)
		}
	}
	start := len(e.buf)
	e.m.b = e.buf
	err := e.m.enc.Encode(x)
	e.buf, e.m.b = e.m.b, nil
	if err != nil {
		e.buf = e.buf[:start]
		return err
	}
	e.buf = e.buf[:len(e.buf)-1] // Encode ends each value with a newline
	e.buf = restoreLineSeparators(e.buf, start)
	return nil
}

// attach writes the placeholder for b and appends b to the attachments.
func (e *encodeState) attach(b []byte) error {
	if b == nil {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	if !e.hasAtts {
		return errNoAttachments
	}
	e.buf = appendPlaceholder(e.buf, len(e.atts))
	e.atts = append(e.atts, b)
	return nil
}

func (e *encodeState) raw(r *Raw) error {
	if !e.hasAtts {
		var none [][]byte
		b, err := appendRaw(e.buf, &none, r)
		if err == nil && len(none) > 0 {
			err = errNoAttachments
		}
		if err == nil {
			e.buf = b
		}
		return err
	}
	var err error
	e.buf, err = appendRaw(e.buf, &e.atts, r)
	return err
}

// rawMessage writes m as encoding/json does (null when nil, an error when
// invalid), but untouched when it is already compact.
func (e *encodeState) rawMessage(m json.RawMessage) error {
	if m == nil {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	if bytes.ContainsAny(m, " \t\r\n") {
		b := bytes.NewBuffer(e.buf)
		err := json.Compact(b, m)
		e.buf = b.Bytes()
		return err
	}
	end, err := scanValue(m, 0, 0)
	if err == nil && end != len(m) {
		err = syntaxError(end, "invalid character after top-level value")
	}
	if err != nil {
		return err
	}
	e.buf = append(e.buf, m...)
	return nil
}

func (e *encodeState) enter() error {
	if e.depth++; e.depth > maxDepth {
		return errTooDeep
	}
	return nil
}

// value writes x, taking the common dynamic types of decoded JSON and of
// event arguments without reflection.
func (e *encodeState) value(x any) error {
	switch x := x.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case string:
		e.buf = appendString(e.buf, x)
	case bool:
		e.buf = strconv.AppendBool(e.buf, x)
	case float64:
		var err error
		e.buf, err = appendFloat(e.buf, x, 64)
		return err
	case int:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int64:
		e.buf = strconv.AppendInt(e.buf, x, 10)
	case []byte:
		return e.attach(x)
	case json.RawMessage:
		return e.rawMessage(x)
	case Raw:
		return e.raw(&x)
	case *Raw:
		if x == nil {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		return e.raw(x)
	case []any:
		if x == nil {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if err := e.enter(); err != nil {
			return err
		}
		e.buf = append(e.buf, '[')
		for i, v := range x {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.value(v); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
		e.depth--
	case map[string]any:
		if x == nil {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if err := e.enter(); err != nil {
			return err
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		e.buf = append(e.buf, '{')
		for i, k := range keys {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.buf = appendString(e.buf, k)
			e.buf = append(e.buf, ':')
			if err := e.value(x[k]); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '}')
		e.depth--
	default:
		t := reflect.TypeOf(x)
		if !e.types.mayHoldBinary(t) {
			if isPlain(t) {
				return e.plain(reflect.ValueOf(x))
			}
			return e.marshal(x)
		}
		return e.reflectValue(reflect.ValueOf(x))
	}
	return nil
}

func (e *encodeState) reflectValue(v reflect.Value) error {
	if !v.IsValid() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	if !v.CanInterface() {
		return errors.New("binjson: cannot encode unexported value of type " + v.Type().String())
	}
	t := v.Type()
	if t == rawType {
		r := v.Interface().(Raw)
		return e.raw(&r)
	}
	ti := e.types.info(t)
	if !ti.binary {
		if ti.plain {
			return e.plain(v)
		}
		// Pass a pointer when we can: it saves a copy, and it lets
		// encoding/json find pointer-receiver methods as it would have.
		if v.CanAddr() {
			return e.marshal(v.Addr().Interface())
		}
		return e.marshal(v.Interface())
	}
	switch t.Kind() {
	case reflect.Interface:
		return e.value(v.Interface())
	case reflect.Pointer:
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if err := e.enter(); err != nil {
			return err
		}
		err := e.reflectValue(v.Elem())
		e.depth--
		return err
	case reflect.Slice:
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if ti.bytes {
			return e.attach(v.Bytes())
		}
		return e.array(v)
	case reflect.Array:
		return e.array(v)
	case reflect.Map:
		return e.mapValue(v)
	case reflect.Struct:
		return e.structValue(v, ti.fields)
	}
	return &json.UnsupportedTypeError{Type: t}
}

func (e *encodeState) array(v reflect.Value) error {
	if err := e.enter(); err != nil {
		return err
	}
	e.buf = append(e.buf, '[')
	for i := range v.Len() {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.reflectValue(v.Index(i)); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, ']')
	e.depth--
	return nil
}

type mapEntry struct {
	key string
	v   reflect.Value
}

// mapValue writes a map with its keys resolved and sorted as encoding/json
// does: strings as they are, integers in decimal, else MarshalText.
func (e *encodeState) mapValue(v reflect.Value) error {
	if v.IsNil() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	kt := v.Type().Key()
	switch kt.Kind() {
	case reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
	default:
		if !kt.Implements(textMarshalerType) {
			return &json.UnsupportedTypeError{Type: v.Type()}
		}
	}
	if err := e.enter(); err != nil {
		return err
	}
	entries := make([]mapEntry, 0, v.Len())
	for it := v.MapRange(); it.Next(); {
		key, err := mapKey(it.Key())
		if err != nil {
			return err
		}
		entries = append(entries, mapEntry{key, it.Value()})
	}
	slices.SortFunc(entries, func(a, b mapEntry) int { return strings.Compare(a.key, b.key) })
	e.buf = append(e.buf, '{')
	for i := range entries {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = appendString(e.buf, entries[i].key)
		e.buf = append(e.buf, ':')
		if err := e.reflectValue(entries[i].v); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	e.depth--
	return nil
}

func mapKey(k reflect.Value) (string, error) {
	if k.Kind() == reflect.String {
		return k.String(), nil
	}
	if tm, ok := k.Interface().(encoding.TextMarshaler); ok {
		if k.Kind() == reflect.Pointer && k.IsNil() {
			return "", nil
		}
		b, err := tm.MarshalText()
		return string(b), err
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	default:
		return strconv.FormatUint(k.Uint(), 10), nil
	}
}

func (e *encodeState) structValue(v reflect.Value, fields []field) error {
	if err := e.enter(); err != nil {
		return err
	}
	e.buf = append(e.buf, '{')
	first := true
next:
	for i := range fields {
		f := &fields[i]
		fv := v
		for _, j := range f.index {
			if fv.Kind() == reflect.Pointer {
				if fv.IsNil() { // a nil embedded pointer hides its fields
					continue next
				}
				fv = fv.Elem()
			}
			fv = fv.Field(j)
		}
		if f.omitEmpty && isEmptyValue(fv) || f.omitZero && isZero(fv) {
			continue
		}
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		e.buf = append(e.buf, f.key...)
		var err error
		if f.quoted {
			err = e.quoted(fv)
		} else {
			err = e.reflectValue(fv)
		}
		if err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	e.depth--
	return nil
}

// quoted writes a scalar field with the ",string" option: its JSON inside a
// JSON string, unless a marshal method takes precedence.
func (e *encodeState) quoted(v reflect.Value) error {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		v = v.Elem()
	}
	if !e.types.info(v.Type()).plain {
		return e.reflectValue(v)
	}
	if v.Kind() == reflect.String {
		e.buf = appendString(e.buf, string(appendString(nil, v.String())))
		return nil
	}
	e.buf = append(e.buf, '"')
	if err := e.plain(v); err != nil {
		return err
	}
	e.buf = append(e.buf, '"')
	return nil
}

// plain writes a boolean, number or string kind.
func (e *encodeState) plain(v reflect.Value) error {
	var err error
	switch v.Kind() {
	case reflect.Bool:
		e.buf = strconv.AppendBool(e.buf, v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.buf = strconv.AppendInt(e.buf, v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		e.buf = strconv.AppendUint(e.buf, v.Uint(), 10)
	case reflect.Float32:
		e.buf, err = appendFloat(e.buf, v.Float(), 32)
	case reflect.Float64:
		e.buf, err = appendFloat(e.buf, v.Float(), 64)
	case reflect.String:
		e.buf = appendString(e.buf, v.String())
	}
	return err
}
