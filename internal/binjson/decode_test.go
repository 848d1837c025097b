package binjson

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

type upload struct {
	Name  string `json:"name"`
	Data  []byte `json:"data"`
	Size  int    `json:"size"`
	Thumb *[]byte
	Meta  map[string]any `json:"meta"`
}

type blob []byte

type deep struct {
	Files []upload        `json:"files"`
	ByKey map[string]blob `json:"byKey"`
	Pair  [2][]byte       `json:"pair"`
	Any   any             `json:"any"`
	Raw   Raw             `json:"raw"`
	RawM  json.RawMessage `json:"rawm"`
	Inner                 // embedded: blob, tag
}

func ph(n int) string { return `{"_placeholder":true,"num":` + string(rune('0'+n)) + `}` }

func TestUnmarshal(t *testing.T) {
	a0, a1, a2 := []byte("zero"), []byte("one"), []byte("two")
	atts := [][]byte{a0, a1, a2}
	tests := []struct {
		name string
		data string
		into func() any // returns a pointer
		want any        // the value pointed to
	}{
		{"struct with bytes", `{"name":"f<&>","data":` + ph(1) + `,"size":3,"Thumb":` + ph(0) + `,"meta":{"k":[` + ph(2) + `,1]}}`,
			func() any { return new(upload) },
			upload{Name: "f<&>", Data: a1, Size: 3, Thumb: &a0, Meta: map[string]any{"k": []any{a2, 1.0}}}},
		{"case-insensitive key", `{"DATA":` + ph(0) + `}`, func() any { return new(upload) }, upload{Data: a0}},
		{"unknown key ignored", `{"nope":` + ph(0) + `,"size":1}`, func() any { return new(upload) }, upload{Size: 1}},
		{"any", `[` + ph(0) + `,{"b":` + ph(1) + `,"a":[1,"x",null,true]}]`, func() any { return new(any) },
			[]any{a0, map[string]any{"b": a1, "a": []any{1.0, "x", nil, true}}}},
		{"any without placeholder", `{"n":1}`, func() any { return new(any) }, map[string]any{"n": 1.0}},
		{"slice any", `["ev",` + ph(2) + `,2.5]`, func() any { return new([]any) }, []any{"ev", a2, 2.5}},
		{"map any", `{"x":` + ph(0) + `,"y":{"z":` + ph(1) + `}}`, func() any { return new(map[string]any) },
			map[string]any{"x": a0, "y": map[string]any{"z": a1}}},
		{"bytes", ph(1), func() any { return new([]byte) }, a1},
		{"bytes with space", " \n" + ph(1) + " ", func() any { return new([]byte) }, a1},
		{"named bytes", ph(2), func() any { return new(blob) }, blob(a2)},
		{"bytes base64", `"AQI="`, func() any { return new([]byte) }, []byte{1, 2}},
		{"raw message", `[` + ph(0) + `, 1]`, func() any { return new(json.RawMessage) }, json.RawMessage(`[` + ph(0) + `, 1]`)},
		{"pointer to pointer", ph(0), func() any { return new(*[]byte) }, &a0},
		{"int keys", `{"7":` + ph(0) + `,"8":` + ph(1) + `}`, func() any { return new(map[int][]byte) }, map[int][]byte{7: a0, 8: a1}},
		{"deep", `{"files":[{"name":"a","data":` + ph(0) + `},{"name":"b"}],"byKey":{"k":` + ph(1) + `},"pair":[null,` + ph(2) + `],` +
			`"any":{"x":` + ph(2) + `},"raw":{"_placeholder":true,"num":1},"rawm":` + ph(0) + `,"blob":` + ph(1) + `,"tag":"t"}`,
			func() any { return new(deep) },
			deep{Files: []upload{{Name: "a", Data: a0}, {Name: "b"}}, ByKey: map[string]blob{"k": a1}, Pair: [2][]byte{nil, a2},
				Any: map[string]any{"x": a2}, Raw: Raw{JSON: json.RawMessage(ph(1)), Attachments: atts}, RawM: json.RawMessage(ph(0)),
				Inner: Inner{Blob: a1, Tag: "t"}}},
		{"placeholder with extra members", `{"num":0,"x":[1],"_placeholder":true}`, func() any { return new(any) }, a0},
		{"placeholder false is an object", `{"_placeholder":false,"num":0}`, func() any { return new(any) },
			map[string]any{"_placeholder": false, "num": 0.0}},
		{"escaped placeholder key", `{"\u005fplaceholder":true,"num":1}`, func() any { return new(any) }, a1},
		{"array drops extra", `[` + ph(0) + `,` + ph(1) + `,` + ph(2) + `]`, func() any { return new([2][]byte) }, [2][]byte{a0, a1}},
		{"interface holding pointer", ph(1), func() any { var b []byte; var x any = &b; return &x }, any(&a1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []*Codec{nil, new(Codec)} {
				p := tt.into()
				var err error
				if c == nil {
					err = Unmarshal([]byte(tt.data), atts, p)
				} else {
					err = c.Unmarshal([]byte(tt.data), atts, p)
				}
				if err != nil {
					t.Fatalf("Unmarshal: %v", err)
				}
				if got := reflect.ValueOf(p).Elem().Interface(); !reflect.DeepEqual(got, tt.want) {
					t.Errorf("got  %#v\nwant %#v", got, tt.want)
				}
			}
		})
	}
}

func TestUnmarshalSharesAttachments(t *testing.T) {
	atts := [][]byte{[]byte("abc")}
	var b []byte
	if err := Unmarshal([]byte(ph(0)), atts, &b); err != nil {
		t.Fatal(err)
	}
	if &b[0] != &atts[0][0] {
		t.Error("attachment was copied")
	}
	var empty []byte
	if err := Unmarshal([]byte(ph(0)), [][]byte{nil}, &empty); err != nil || empty == nil {
		t.Errorf("nil attachment: %v, %v", empty, err)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	atts := [][]byte{{1}}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	tests := []struct {
		name   string
		data   string
		into   any
		target any // an errors.As target, or an error for errors.Is
	}{
		{"num out of range", ph(1), new([]byte), ErrPlaceholder},
		{"num negative", `{"_placeholder":true,"num":-1}`, new(any), ErrPlaceholder},
		{"num fraction", `{"_placeholder":true,"num":0.5}`, new(any), ErrPlaceholder},
		{"num string", `{"_placeholder":true,"num":"0"}`, new(any), ErrPlaceholder},
		{"num missing", `{"_placeholder":true}`, new(any), ErrPlaceholder},
		{"nested num out of range", `[1,{"a":` + ph(3) + `}]`, new([]any), ErrPlaceholder},
		{"into raw num out of range", `[` + ph(1) + `]`, new(Raw), ErrPlaceholder},
		{"placeholder into int", ph(0), new(int), &typeErr},
		{"placeholder into string field", `{"name":` + ph(0) + `}`, new(upload), &typeErr},
		{"placeholder into string slice", `[` + ph(0) + `]`, new([]string), &typeErr},
		{"placeholder into byte array", ph(0), new([4]byte), &typeErr},
		{"object into slice", `{"a":` + ph(0) + `}`, new([]any), &typeErr},
		{"array into struct", `[` + ph(0) + `]`, new(upload), &typeErr},
		{"quoted field", `{"count":` + ph(0) + `}`, new(tagged), &typeErr},
		{"non-empty interface", ph(0), new(error), &typeErr},
		{"bad int key", `{"x":` + ph(0) + `}`, new(map[int][]byte), &typeErr},
		{"syntax", `{"_placeholder":true,"num":0`, new(any), &syntaxErr},
		{"syntax plain", `[1,]`, new(any), &syntaxErr},
		{"syntax raw", `[1,]`, new(Raw), &syntaxErr},
		{"trailing", ph(0) + `x`, new(any), &syntaxErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Unmarshal([]byte(tt.data), atts, tt.into)
			if err == nil {
				t.Fatal("no error")
			}
			switch target := tt.target.(type) {
			case error:
				if !errors.Is(err, target) {
					t.Errorf("error %v, want %v", err, target)
				}
			default:
				if !errors.As(err, target) {
					t.Errorf("error %T %v, want %T", err, err, target)
				}
			}
		})
	}
	for _, v := range []any{nil, upload{}, (*upload)(nil)} {
		var invalid *json.InvalidUnmarshalError
		if err := Unmarshal([]byte(ph(0)), atts, v); !errors.As(err, &invalid) {
			t.Errorf("Unmarshal into %#v: %v", v, err)
		}
	}
}

// TestUnmarshalDeepIsLinear guards against walks that rescan the text at
// every level: with 5000 levels over 1 MB, that would take seconds.
func TestUnmarshalDeepIsLinear(t *testing.T) {
	const depth = 5000
	big := `"` + strings.Repeat("x", 1<<20) + `"`
	data := []byte(strings.Repeat(`{"a":[`+big+`,`, 1) + strings.Repeat(`[`, depth) + big + `,` + ph(0) + strings.Repeat(`]`, depth) + `]}`)
	start := time.Now()
	var x any
	if err := Unmarshal(data, [][]byte{{1}}, &x); err != nil {
		t.Fatal(err)
	}
	var raw Raw
	if err := Unmarshal(data, [][]byte{{1}}, &raw); err != nil {
		t.Fatal(err)
	}
	var atts [][]byte
	if _, err := AppendValue(nil, &atts, raw); err != nil || len(atts) != 1 {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	cur := x.(map[string]any)["a"].([]any)[1]
	for range depth - 1 {
		cur = cur.([]any)[0]
	}
	if b, ok := cur.([]any)[1].([]byte); !ok || b[0] != 1 {
		t.Fatalf("innermost array holds %T", cur.([]any)[1])
	}
}
