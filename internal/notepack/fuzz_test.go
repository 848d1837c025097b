package notepack

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func FuzzToJSON(f *testing.F) {
	f.Add(unhex(f, hexText(broadcastWire)))
	f.Add(unhex(f, "93 d7ff1d5353006553f100 c0 82a161c40101a162d40000"))
	f.Add(unhex(f, "84 01 02 c0 03 c3 04 a9 5f5f70726f746f5f5f 81 a1 78 01"))
	f.Add(unhex(f, "92 c7 0c ff 00000001 00000000 00000001 c8 0002 05 0102"))
	f.Add(unhex(f, "95 ca3dcccccd cfffffffffffffffff d3ffffffffffffffff a3e28241 d7000000018bcfe5687b"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		var atts [][]byte
		js, rest, err := ToJSON(nil, &atts, msg)
		if err != nil {
			return
		}
		if (Valid(msg) == nil) != (len(rest) == 0) {
			t.Fatalf("Valid disagrees with ToJSON's rest %x", rest)
		}
		if !json.Valid(js) {
			t.Fatalf("invalid JSON %q", js)
		}
		if BeyondExact(js) || bytes.Count(js, []byte(`"_placeholder"`)) != len(atts) {
			return
		}
		again, err := AppendJSON(nil, js, atts)
		if err != nil {
			t.Fatalf("AppendJSON(%s): %v", js, err)
		}
		var atts2 [][]byte
		js2, rest2, err := ToJSON(nil, &atts2, again)
		if err != nil || len(rest2) != 0 {
			t.Fatalf("ToJSON(%x): %v rest %x", again, err, rest2)
		}
		if !bytes.Equal(js, js2) || len(atts) != len(atts2) {
			t.Fatalf("round trip\n%s\n%s", js, js2)
		}
		for i := range atts {
			if !bytes.Equal(atts[i], atts2[i]) {
				t.Fatalf("attachment %d differs", i)
			}
		}
	})
}

func FuzzAppendJSON(f *testing.F) {
	f.Add([]byte(broadcastJSON), uint8(0))
	f.Add([]byte(`["ev",{"_placeholder":true,"num":0},{"2":1,"1":2,"a":[1.5,-33,1e300]}]`), uint8(1))
	f.Add([]byte(`{"a":1,"a":2,"\ud800":"\udc00x","__proto__":null}`), uint8(0))
	f.Add([]byte(" [ -0 , 1e-7, \"\xe2\x82\" ] "), uint8(0))
	f.Fuzz(func(t *testing.T, js []byte, n uint8) {
		atts := make([][]byte, n%4)
		for i := range atts {
			atts[i] = bytes.Repeat([]byte{byte(i)}, i)
		}
		out, err := AppendJSON(nil, js, atts)
		if err != nil {
			if errors.Is(err, ErrSyntax) && json.Valid(js) {
				t.Fatalf("rejected valid JSON: %v", err)
			}
			return
		}
		if !json.Valid(js) {
			t.Fatalf("accepted invalid JSON %q", js)
		}
		if err := Valid(out); err != nil {
			t.Fatalf("wrote invalid msgpack %x: %v", out, err)
		}
	})
}
