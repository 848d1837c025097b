package binjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func FuzzSplitArray(f *testing.F) {
	for _, s := range []string{`[1,"2",{"3":[true]}]`, `[]`, `  [ 1 , [2,3] ]  `, `{}`, `[1,`, `1`, `[1]x`, `["a\"]",-1.5e3,null]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		elems, err := SplitArray(nil, data)
		trimmed := bytes.TrimLeft(data, " \t\r\n")
		valid := json.Valid(data) && len(trimmed) > 0 && trimmed[0] == '['
		if (err == nil) != valid {
			t.Fatalf("SplitArray(%q) error %v, but json.Valid says %v", data, err, valid)
		}
		if err != nil {
			if len(elems) != 0 {
				t.Fatalf("elements on error: %q", elems)
			}
			return
		}
		var want, got bytes.Buffer
		if err := json.Compact(&want, data); err != nil {
			t.Fatal(err)
		}
		got.WriteByte('[')
		for i, e := range elems {
			if !json.Valid(e) {
				t.Fatalf("element %d %q is not valid JSON", i, e)
			}
			if i > 0 {
				got.WriteByte(',')
			}
			if err := json.Compact(&got, e); err != nil {
				t.Fatal(err)
			}
		}
		got.WriteByte(']')
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("rejoined %s, want %s", got.Bytes(), want.Bytes())
		}
	})
}

func FuzzUnmarshalRaw(f *testing.F) {
	for _, s := range []string{
		`{"b":{"_placeholder":true,"num":1},"a":{"_placeholder":true,"num":0}}`,
		`["x",{"_placeholder":true,"num":0},[{"_placeholder":true,"num":2}]]`,
		`{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":9}}`,
		`{"\u005fplaceholder":true,"num":1}`,
		`{"_placeholder":true,"num":1.5}`,
		`{"name":"n","data":{"_placeholder":true,"num":0},"files":[{"data":{"_placeholder":true,"num":1}}]}`,
		`[1,2]`,
		`{"a":`,
	} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, n uint8) {
		atts := make([][]byte, n%5)
		for i := range atts {
			atts[i] = []byte{byte(i), 'a' + byte(i)}
		}
		_ = CheckPlaceholders(data, len(atts))

		var r Raw
		err := Unmarshal(data, atts, &r)
		want := json.Valid(data) && CheckPlaceholders(data, len(atts)) == nil
		if (err == nil) != want {
			t.Fatalf("Unmarshal into Raw: %v, want ok %v", err, want)
		}

		// No destination panics, whatever the data.
		var s deep
		_ = Unmarshal(data, atts, &s)
		var u upload
		_ = Unmarshal(data, atts, &u)
		var m map[string][]byte
		_ = Unmarshal(data, atts, &m)
		var l []any
		_ = Unmarshal(data, atts, &l)
		var b []byte
		_ = Unmarshal(data, atts, &b)
		// Into a string (which has a fast path), as encoding/json.
		var str, jsonStr string
		errStr, errJSON := Unmarshal(data, atts, &str), json.Unmarshal(data, &jsonStr)
		if (errStr == nil) != (errJSON == nil) || errStr == nil && str != jsonStr {
			t.Fatalf("Unmarshal into string: %q, %v; encoding/json: %q, %v", str, errStr, jsonStr, errJSON)
		}
		var x1 any
		err1 := Unmarshal(data, atts, &x1)
		var typeErr *json.UnmarshalTypeError
		if want && err1 != nil && !errors.As(err1, &typeErr) || !want && err1 == nil {
			// A number beyond float64's range is the one valid text that
			// cannot decode into any (JavaScript makes it Infinity).
			t.Fatalf("Unmarshal into any: %v, want ok %v", err1, want)
		}
		if err != nil || err1 != nil {
			return
		}

		// Written after one other attachment, the Raw decodes to the same.
		out := [][]byte{[]byte("other")}
		text, err := AppendValue(nil, &out, r)
		if err != nil {
			t.Fatalf("AppendValue: %v", err)
		}
		if !json.Valid(text) {
			t.Fatalf("AppendValue wrote invalid JSON %q", text)
		}
		if err := CheckPlaceholders(text, len(out)); err != nil {
			t.Fatalf("AppendValue wrote %s: %v", text, err)
		}
		var x2 any
		if err := Unmarshal(text, out, &x2); err != nil {
			t.Fatalf("decoding %s: %v", text, err)
		}
		if !reflect.DeepEqual(x1, x2) {
			t.Fatalf("decoded %#v, after a round trip %#v", x1, x2)
		}
		// Without placeholders, decoding is encoding/json's.
		var s2 placeholderScan
		if s2.run(data, len(atts)) == nil && len(s2.found) == 0 {
			var x3 any
			if err := json.Unmarshal(data, &x3); err != nil || !reflect.DeepEqual(x1, x3) {
				t.Fatalf("json.Unmarshal gives %#v, %v; Unmarshal %#v", x3, err, x1)
			}
		}
	})
}
