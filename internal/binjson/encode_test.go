package binjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

type tagged struct {
	Name    string         `json:"name"`
	Skip    string         `json:"-"`
	Empty   string         `json:"empty,omitempty"`
	Zero    time.Time      `json:"zero,omitzero"`
	Data    []byte         `json:"data"`
	NoData  []byte         `json:"noData,omitempty"`
	Count   int            `json:"count,string"`
	Extra   map[string]any `json:"extra,omitempty"`
	private []byte
}

type Inner struct {
	Blob []byte `json:"blob"`
	Tag  string `json:"tag"`
}

type withEmbedded struct {
	Inner
	*Ptr
	ID int `json:"id"`
}

type Ptr struct {
	P []byte `json:"p"`
}

type noBinary struct {
	Text  string            `json:"text"`
	N     int64             `json:"n"`
	F     float64           `json:"f"`
	List  []string          `json:"list"`
	Attrs map[string]string `json:"attrs"`
}

type textKey int

func (k textKey) MarshalText() ([]byte, error) { return []byte("k" + string(rune('0'+k))), nil }

type marshals struct{ secret []byte }

func (m marshals) MarshalJSON() ([]byte, error) { return []byte(`{"custom" : true}`), nil }

func TestAppendValue(t *testing.T) {
	b123 := []byte{1, 2, 3}
	tests := []struct {
		name string
		v    any
		want string
		atts [][]byte
	}{
		{"nil", nil, `null`, nil},
		{"string", "a<b>&c", `"a<b>&c"`, nil},
		{"line separators", "x\u2028y\u2029", "\"x\u2028y\u2029\"", nil},
		{"escapes", "\"\\\b\f\n\r\t\x01\x7f", `"\"\\\b\f\n\r\t\u0001` + "\x7f\"", nil},
		{"invalid utf8", "a\xffb", `"a\ufffdb"`, nil},
		{"int64", int64(1), `1`, nil},
		{"int", -42, `-42`, nil},
		{"uint8", uint8(7), `7`, nil},
		{"float", 1.5, `1.5`, nil},
		{"float int", float64(3), `3`, nil},
		{"float exp", 1e21, `1e+21`, nil},
		{"float small", 1e-7, `1e-7`, nil},
		{"bool", true, `true`, nil},
		{"bytes", b123, `{"_placeholder":true,"num":0}`, [][]byte{b123}},
		{"nil bytes", []byte(nil), `null`, nil},
		{"empty bytes", []byte{}, `{"_placeholder":true,"num":0}`, [][]byte{{}}},
		{"raw message", json.RawMessage(`{"b":1,"a":[1, 2]}`), `{"b":1,"a":[1,2]}`, nil},
		{"raw message compact", json.RawMessage(`{"b":"x y","a":"<"}`), `{"b":"x y","a":"<"}`, nil},
		{"slice any", []any{"a", b123, map[string]any{"z": 1, "a": b123}}, `["a",{"_placeholder":true,"num":0},{"a":{"_placeholder":true,"num":1},"z":1}]`, [][]byte{b123, b123}},
		{"map sorted", map[string]any{"b": 1, "a": "<&>", "c": nil}, `{"a":"<&>","b":1,"c":null}`, nil},
		{"typed map sorted", map[string]int{"b": 1, "a": 2}, `{"a":2,"b":1}`, nil},
		{"map of bytes", map[string][]byte{"y": {2}, "x": {1}}, `{"x":{"_placeholder":true,"num":0},"y":{"_placeholder":true,"num":1}}`, [][]byte{{1}, {2}}},
		{"int keys", map[int]any{10: "a", 9: "b"}, `{"10":"a","9":"b"}`, nil},
		{"text keys", map[textKey]any{2: "a", 1: "b"}, `{"k1":"b","k2":"a"}`, nil},
		{"nested slices", [][]byte{{1}, nil, {2}}, `[{"_placeholder":true,"num":0},null,{"_placeholder":true,"num":1}]`, [][]byte{{1}, {2}}},
		{"byte array", [2]byte{1, 2}, `[1,2]`, nil},
		{"pointer", &Inner{Blob: b123, Tag: "<t>"}, `{"blob":{"_placeholder":true,"num":0},"tag":"<t>"}`, [][]byte{b123}},
		{"tags", tagged{Name: "n", Skip: "s", Data: b123, Count: 5, private: b123},
			`{"name":"n","data":{"_placeholder":true,"num":0},"count":"5"}`, [][]byte{b123}},
		{"tags full", tagged{Name: "n", Empty: "e", Zero: time.Unix(0, 0).UTC(), NoData: []byte{9}, Extra: map[string]any{"x": []byte{8}}},
			`{"name":"n","empty":"e","zero":"1970-01-01T00:00:00Z","data":null,"noData":{"_placeholder":true,"num":0},"count":"0","extra":{"x":{"_placeholder":true,"num":1}}}`,
			[][]byte{{9}, {8}}},
		{"embedded", withEmbedded{Inner: Inner{Blob: b123, Tag: "t"}, ID: 7}, `{"blob":{"_placeholder":true,"num":0},"tag":"t","id":7}`, [][]byte{b123}},
		{"embedded pointer", withEmbedded{Ptr: &Ptr{P: []byte{5}}, ID: 7}, `{"blob":null,"tag":"","p":{"_placeholder":true,"num":0},"id":7}`, [][]byte{{5}}},
		{"no binary", noBinary{Text: "<a&b>\u2028", N: 1 << 53, F: 0.1, Attrs: map[string]string{"z": "1", "a": "2"}},
			"{\"text\":\"<a&b>\u2028\",\"n\":9007199254740992,\"f\":0.1,\"list\":null,\"attrs\":{\"a\":\"2\",\"z\":\"1\"}}", nil},
		{"marshaler", marshals{secret: b123}, `{"custom":true}`, nil},
		{"marshaler in any", []any{marshals{}}, `[{"custom":true}]`, nil},
		{"raw", Raw{JSON: json.RawMessage(`[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{0}, {1}}},
			`[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, [][]byte{{1}, {0}}},
		{"empty raw", Raw{}, `null`, nil},
		{"raw pointer in map", map[string]*Raw{"r": {JSON: json.RawMessage(`{"k":2}`)}}, `{"r":{"k":2}}`, nil},
		{"interface struct field", struct{ V any }{V: []any{b123}}, `{"V":[{"_placeholder":true,"num":0}]}`, [][]byte{b123}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []*Codec{nil, new(Codec)} {
				var atts [][]byte
				var got []byte
				var err error
				if c == nil {
					got, err = AppendValue([]byte("x"), &atts, tt.v)
				} else {
					got, err = c.AppendValue([]byte("x"), &atts, tt.v)
				}
				if err != nil {
					t.Fatalf("AppendValue: %v", err)
				}
				if string(got) != "x"+tt.want {
					t.Errorf("AppendValue =\n%s\nwant\n%s", got[1:], tt.want)
				}
				if !equalAtts(atts, tt.atts) {
					t.Errorf("attachments = %v, want %v", atts, tt.atts)
				}
			}
		})
	}
}

func equalAtts(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// TestAppendValueMatchesEncodingJSON checks the types without binary against
// encoding/json with HTML escaping off.
func TestAppendValueMatchesEncodingJSON(t *testing.T) {
	vals := []any{
		noBinary{Text: "x", List: []string{"a"}},
		map[string]any{"k": []any{1.0, "two", nil, true, map[string]any{"a": -0.5e-10}}},
		[]int{1, 2, 3},
		struct {
			A int `json:",omitempty"`
			B string
		}{B: "b"},
		json.Number("12.50"),
		[]float32{0.1, 1e21, 1e-7},
		map[string]map[string]int{"b": {"y": 1, "x": 2}, "a": nil},
	}
	for _, v := range vals {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		want := strings.TrimSuffix(buf.String(), "\n")
		got, err := AppendValue(nil, nil, v)
		if err != nil {
			t.Fatalf("AppendValue(%#v): %v", v, err)
		}
		if string(got) != want {
			t.Errorf("AppendValue(%#v) = %s, want %s", v, got, want)
		}
		// And through the walk, inside an interface next to binary.
		var atts [][]byte
		got, err = AppendArray(nil, &atts, []byte{1}, v)
		if err != nil {
			t.Fatal(err)
		}
		if want := `[{"_placeholder":true,"num":0},` + want + `]`; string(got) != want {
			t.Errorf("AppendArray = %s, want %s", got, want)
		}
	}
}

func TestAppendArray(t *testing.T) {
	atts := [][]byte{{9}} // already one attachment in the list
	got, err := AppendArray(nil, &atts, "message-back", []byte{1, 2, 3}, []byte{4, 5, 6})
	if err != nil {
		t.Fatal(err)
	}
	want := `["message-back",{"_placeholder":true,"num":1},{"_placeholder":true,"num":2}]`
	if string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}

	atts = nil
	got, err = AppendArray(nil, &atts, "message-back", []byte{1, 2, 3}, []byte{4, 5, 6})
	if err != nil {
		t.Fatal(err)
	}
	want = `["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`
	if string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if !equalAtts(atts, [][]byte{{1, 2, 3}, {4, 5, 6}}) {
		t.Errorf("attachments = %v", atts)
	}
	// The same as AppendValue of the []any.
	atts = nil
	got2, err := AppendValue(nil, &atts, []any{"message-back", []byte{1, 2, 3}, []byte{4, 5, 6}})
	if err != nil || string(got2) != want {
		t.Errorf("AppendValue = %s, %v; want %s", got2, err, want)
	}

	got, err = AppendArray([]byte("42"), nil)
	if err != nil || string(got) != "42[]" {
		t.Errorf("empty AppendArray = %s, %v", got, err)
	}
}

func TestAppendValueErrors(t *testing.T) {
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	type node struct {
		Next *node
		Data []byte
	}
	loop := &node{}
	loop.Next = loop
	tests := []struct {
		name string
		v    any
	}{
		{"nan", math.NaN()},
		{"inf in walk", []any{[]byte{1}, math.Inf(1)}},
		{"chan", make(chan int)},
		{"chan in walk", []any{[]byte{1}, make(chan int)}},
		{"cyclic map", cyclic},
		{"cyclic pointer", loop},
		{"bad raw message", json.RawMessage(`{`)},
		{"bad raw message spaced", json.RawMessage(`[1, `)},
		{"bad raw", Raw{JSON: json.RawMessage(`[1`)}},
		{"raw bad num", Raw{JSON: json.RawMessage(`{"_placeholder":true,"num":1}`), Attachments: [][]byte{{1}}}},
		{"func map key", map[[2]int]any{{1, 2}: []byte{1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			atts := [][]byte{{7}}
			dst := []byte("keep")
			got, err := AppendValue(dst, &atts, []any{[]byte{1}, tt.v})
			if err == nil {
				t.Fatalf("no error, got %s", got)
			}
			if string(got) != "keep" || len(atts) != 1 {
				t.Errorf("not undone: %q, %d attachments", got, len(atts))
			}
		})
	}
	if _, err := AppendValue(nil, nil, []byte{1}); !errors.Is(err, errNoAttachments) {
		t.Errorf("nil atts: %v", err)
	}
}

func TestRestoreLineSeparators(t *testing.T) {
	tests := []struct{ in, want string }{
		{`"a"`, `"a"`},
		{`"\u2028"`, "\"\u2028\""},
		{`"\\u2028"`, `"\\u2028"`},
		{`["\n\u2029\\","\u2028x"]`, "[\"\\n\u2029\\\\\",\"\u2028x\"]"},
		{`"\u20289"`, "\"\u20289\""},
	}
	for _, tt := range tests {
		got := restoreLineSeparators([]byte("p"+tt.in), 1)
		if string(got) != "p"+tt.want {
			t.Errorf("restoreLineSeparators(%s) = %s, want %s", tt.in, got[1:], tt.want)
		}
	}
}
