package socketio

import (
	"encoding/json"
	"slices"
	"testing"
)

func mustHandler(t *testing.T, fn any) handler {
	t.Helper()
	h, err := newHandler(fn)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// The direct forms of handler.call must behave as the reflection path
// does for the same signature: a named func type takes that path.
func TestHandlerDirectFormsMatchReflection(t *testing.T) {
	type strFn func(string)
	type strAckFn func(string, AckFunc)
	inputs := []string{`[]`, `["room"]`, `["a\"b"]`, `["é"]`, `[null]`, `[1]`, `[{"a":1}]`, `["x","extra"]`}
	for _, in := range inputs {
		var raw []json.RawMessage
		if err := json.Unmarshal([]byte(in), &raw); err != nil {
			t.Fatal(err)
		}
		args := NewArgs(raw, nil)
		ack := AckFunc(func(...any) error { return nil })

		var direct, reflected []string
		errDirect := mustHandler(t, func(s string) { direct = append(direct, s) }).call(args, nil)
		errReflect := mustHandler(t, strFn(func(s string) { reflected = append(reflected, s) })).call(args, nil)
		if (errDirect == nil) != (errReflect == nil) || !slices.Equal(direct, reflected) {
			t.Errorf("%s: direct %q, %v; reflection %q, %v", in, direct, errDirect, reflected, errReflect)
		}

		direct, reflected = nil, nil
		errDirect = mustHandler(t, func(s string, a AckFunc) { direct = append(direct, s); a() }).call(args, ack)
		errReflect = mustHandler(t, strAckFn(func(s string, a AckFunc) { reflected = append(reflected, s); a() })).call(args, ack)
		if (errDirect == nil) != (errReflect == nil) || !slices.Equal(direct, reflected) {
			t.Errorf("%s with ack: direct %q, %v; reflection %q, %v", in, direct, errDirect, reflected, errReflect)
		}
	}
	for _, fn := range []any{func(*Args) {}, func(*Args, AckFunc) {}, func() {}, func(AckFunc) {}, func(string) {}, func(string, AckFunc) {}} {
		// No ack from the client: the handler still gets a func to call.
		if err := mustHandler(t, fn).call(NewArgs(nil, nil), nil); err != nil {
			t.Errorf("%T: %v", fn, err)
		}
	}
	if _, err := newHandler(nil); err == nil {
		t.Error("newHandler(nil) accepted")
	}
	if _, err := newHandler(func() int { return 0 }); err == nil {
		t.Error("a handler returning an int accepted")
	}
}

func TestSet(t *testing.T) {
	var s set
	check := func(want ...string) {
		t.Helper()
		got := slices.Sorted(s.all())
		slices.Sort(want)
		if !slices.Equal(got, want) || s.len() != len(want) {
			t.Fatalf("set holds %q (len %d), want %q", got, s.len(), want)
		}
		for _, x := range want {
			if !s.has(x) {
				t.Fatalf("has(%q) false", x)
			}
		}
		if s.has("absent") {
			t.Fatal(`has("absent")`)
		}
	}
	check()
	s.add("") // the empty name is an element like any other
	check("")
	s.add("")
	check("")
	s.add("a")
	check("", "a")
	s.add("b")
	check("", "a", "b")
	s.remove("")
	check("a", "b")
	s.remove("a")
	check("b")
	if s.many != nil {
		t.Error("one element left, still in a map")
	}
	s.remove("x")
	check("b")
	s.remove("b")
	check()
	for range s.all() {
		t.Fatal("an empty set yields")
	}
}
