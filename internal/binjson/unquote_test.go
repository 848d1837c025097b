package binjson

import (
	"encoding/json"
	"testing"
)

func TestUnquoteSimple(t *testing.T) {
	simple := []string{`""`, `"a"`, `"hello world"`, `"héllo ✓ 𝄞"`, `"/"`, "\"\u2028\"", `"_placeholder"`}
	for _, in := range simple {
		got, ok := UnquoteSimple([]byte(in))
		var want string
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatal(err)
		}
		if !ok || got != want {
			t.Errorf("UnquoteSimple(%q) = %q, %v; want %q, true", in, got, ok, want)
		}
	}
	other := []string{
		``, `"`, `a`, `1`, `null`, `"a\"b"`, `"a\\b"`, `"\u0041"`, `"a"b"`, "\"\x01\"", "\"\t\"",
		"\"\xff\"", "\"\xed\xa0\x80\"", ` "a"`, `"a" `, `'a'`,
	}
	for _, in := range other {
		if got, ok := UnquoteSimple([]byte(in)); ok {
			t.Errorf("UnquoteSimple(%q) = %q, true; want false", in, got)
		}
	}
}

func TestUnmarshalString(t *testing.T) {
	for _, in := range []string{`"abc"`, `"a\nb"`, `"\u00e9"`, "\"\xff\"", `null`, ` "x" `} {
		var got, want string
		errGot := Unmarshal([]byte(in), nil, &got)
		errWant := json.Unmarshal([]byte(in), &want)
		if got != want || (errGot == nil) != (errWant == nil) {
			t.Errorf("Unmarshal(%q) = %q, %v; encoding/json gives %q, %v", in, got, errGot, want, errWant)
		}
	}
	var s string
	if err := Unmarshal([]byte(`12`), nil, &s); err == nil {
		t.Error("a number decodes into a string")
	}
}

// FuzzUnquoteSimple checks that whatever UnquoteSimple accepts decodes to
// the same string with encoding/json.
func FuzzUnquoteSimple(f *testing.F) {
	for _, s := range []string{`"a"`, `""`, `"a\"b"`, "\"\xff\"", `"é"`, `1`, `"a"b"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := UnquoteSimple(data)
		if !ok {
			return
		}
		var want string
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("UnquoteSimple(%q) = %q, but encoding/json: %v", data, got, err)
		}
		if got != want {
			t.Fatalf("UnquoteSimple(%q) = %q, encoding/json gives %q", data, got, want)
		}
	})
}
