package binjson

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSplitArray(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`[1,"2",{"3":[true]}]`, []string{`1`, `"2"`, `{"3":[true]}`}},
		{`[]`, nil},
		{` [ ] `, nil},
		{`  [ 1 , [2,3] ]  `, []string{`1`, `[2,3]`}},
		{"[\"a,]\\\"\",\n-0.5e+3\t,null,false,{ \"k\" : { } }]", []string{`"a,]\""`, `-0.5e+3`, `null`, `false`, `{ "k" : { } }`}},
		{`[` + ph(0) + `]`, []string{ph(0)}},
	}
	for _, tt := range tests {
		prefix := []json.RawMessage{json.RawMessage("keep")}
		got, err := SplitArray(prefix, []byte(tt.in))
		if err != nil {
			t.Errorf("SplitArray(%q): %v", tt.in, err)
			continue
		}
		if len(got) != len(tt.want)+1 || string(got[0]) != "keep" {
			t.Errorf("SplitArray(%q) = %q, want %q", tt.in, got, tt.want)
			continue
		}
		for i, w := range tt.want {
			if string(got[i+1]) != w {
				t.Errorf("SplitArray(%q)[%d] = %q, want %q", tt.in, i, got[i+1], w)
			}
		}
	}
}

func TestSplitArrayErrors(t *testing.T) {
	bad := []string{
		``, ` `, `{}`, `[1,`, `1`, `[1]x`, `[1] [2]`, `[1,]`, `[,1]`, `[1 2]`, `["a]`, `[01]`, `[1.]`, `[.5]`, `[-]`,
		`[1e]`, `[tru]`, `[nul]`, `["\x"]`, "[\"\x01\"]", `["\u12"]`, `[{"a"}]`, `[{"a":}]`, `[{1:2}]`, `[{"a":1,}]`,
		`[}`, `[1}`, `[{"a":1]`, "\ufeff[1]",
		strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1),
	}
	for _, in := range bad {
		prefix := []json.RawMessage{json.RawMessage("keep")}
		got, err := SplitArray(prefix, []byte(in))
		if err == nil {
			t.Errorf("SplitArray(%.40q): no error, got %q", in, got)
		}
		if len(got) != 1 {
			t.Errorf("SplitArray(%.40q): dst changed to %q", in, got)
		}
		if json.Valid([]byte(in)) && strings.HasPrefix(strings.TrimSpace(in), "[") {
			t.Errorf("json.Valid accepts %.40q", in)
		}
	}
	deepest := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	if _, err := SplitArray(nil, []byte(deepest)); err != nil || !json.Valid([]byte(deepest)) {
		t.Errorf("max depth: %v", err)
	}
}

func TestSplitArrayNoCopy(t *testing.T) {
	data := []byte(`["a",2]`)
	got, err := SplitArray(nil, data)
	if err != nil {
		t.Fatal(err)
	}
	if &got[0][0] != &data[1] {
		t.Error("element was copied")
	}
	// Appending to an element must not overwrite the rest of the array.
	_ = append(got[0], 'x')
	if string(data) != `["a",2]` {
		t.Errorf("data changed to %s", data)
	}
}
