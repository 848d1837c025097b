package binjson

import (
	"encoding/json"
	"testing"
)

func TestRawRoundTrip(t *testing.T) {
	data := []byte(`{"b":{"_placeholder":true,"num":1},"a":{"_placeholder":true,"num":0}}`)
	a0, a1 := []byte("first"), []byte("second")
	var r Raw
	if err := Unmarshal(data, [][]byte{a0, a1}, &r); err != nil {
		t.Fatal(err)
	}
	if string(r.JSON) != string(data) || len(r.Attachments) != 2 {
		t.Fatalf("decoded %s with %d attachments", r.JSON, len(r.Attachments))
	}
	if &r.JSON[0] != &data[0] {
		t.Error("JSON was copied")
	}

	other := []byte("other")
	atts := [][]byte{other}
	got, err := AppendArray(nil, &atts, "ev", r)
	if err != nil {
		t.Fatal(err)
	}
	want := `["ev",{"b":{"_placeholder":true,"num":1},"a":{"_placeholder":true,"num":2}}]`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if !equalAtts(atts, [][]byte{other, a1, a0}) {
		t.Errorf("attachments = %q", atts)
	}

	// Decoding the result gives the same bytes where the original had them.
	var back map[string][]byte
	if err := Unmarshal(got[len(`["ev",`):len(got)-1], atts, &back); err != nil {
		t.Fatal(err)
	}
	if string(back["a"]) != "first" || string(back["b"]) != "second" {
		t.Errorf("back = %q", back)
	}
}

func TestRawEncode(t *testing.T) {
	tests := []struct {
		name string
		raw  Raw
		want string
		n    int // attachments appended
	}{
		{"no placeholders", Raw{JSON: json.RawMessage(`{"z":1, "a":"<"}`)}, `{"z":1, "a":"<"}`, 0},
		{"unused attachments", Raw{JSON: json.RawMessage(`[1]`), Attachments: [][]byte{{1}}}, `[1]`, 0},
		{"same attachment twice", Raw{JSON: json.RawMessage(`[{"_placeholder":true,"num":0},{"num":0,"_placeholder":true}]`), Attachments: [][]byte{{1}}},
			`[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, 2},
		{"nested placeholder kept inside", Raw{JSON: json.RawMessage(` {"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":9}}`), Attachments: [][]byte{{1}}},
			` {"_placeholder":true,"num":0}`, 1},
	}
	for _, tt := range tests {
		var atts [][]byte
		got, err := AppendValue(nil, &atts, tt.raw)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if string(got) != tt.want || len(atts) != tt.n {
			t.Errorf("%s: got %s with %d attachments, want %s with %d", tt.name, got, len(atts), tt.want, tt.n)
		}
	}
}

func TestRawEncodingJSON(t *testing.T) {
	b, err := json.Marshal(struct{ R Raw }{Raw{JSON: json.RawMessage(`[1, 2]`)}})
	if err != nil || string(b) != `{"R":[1,2]}` {
		t.Errorf("json.Marshal = %s, %v", b, err)
	}
	_, err = json.Marshal(Raw{JSON: json.RawMessage(ph(0)), Attachments: [][]byte{{1}}})
	if err == nil {
		t.Error("json.Marshal of a Raw with a placeholder: no error")
	}
	if b, err := json.Marshal(Raw{}); err != nil || string(b) != "null" {
		t.Errorf("json.Marshal(Raw{}) = %s, %v", b, err)
	}
	var s struct{ R Raw }
	data := []byte(`{"R":{"k":[1]}}`)
	if err := json.Unmarshal(data, &s); err != nil || string(s.R.JSON) != `{"k":[1]}` {
		t.Errorf("json.Unmarshal = %s, %v", s.R.JSON, err)
	}
	data[7] = 'X'
	if string(s.R.JSON) != `{"k":[1]}` {
		t.Error("UnmarshalJSON kept a reference to its input")
	}

	var n struct{ N []int }
	r := Raw{JSON: json.RawMessage(`{"N":[1,2]}`)}
	if err := r.Unmarshal(&n); err != nil || len(n.N) != 2 {
		t.Errorf("Raw.Unmarshal = %v, %v", n, err)
	}
}
