package notepack

import (
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.NewReplacer(" ", "", "\n", "", "\t", "").Replace(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hexText builds hex from a mix of hex bytes and "quoted" ASCII, as in
// REDIS-WIRE.md: `a6"ZG-vEY"`.
func hexText(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		if s[0] == '"' {
			end := strings.IndexByte(s[1:], '"') + 1
			b.WriteString(hex.EncodeToString([]byte(s[1:end])))
			s = s[end+1:]
			continue
		}
		b.WriteByte(s[0])
		s = s[1:]
	}
	return b.String()
}

// The observed broadcast of io.to("room1").emit("ev2","x") (REDIS-WIRE.md §2.3).
const (
	broadcastJSON = `["ZG-vEY",{"type":2,"data":["ev2","x"],"nsp":"/"},{"rooms":["room1"],"except":[],"flags":{}}]`
	broadcastWire = `93 a6"ZG-vEY" 83 a4"type" 02 a4"data" 92 a3"ev2" a1"x" a3"nsp" a1"/" 83 a5"rooms" 91 a5"room1" a6"except" 90 a5"flags" 80`
)

func TestGoldenBroadcast(t *testing.T) {
	want := unhex(t, hexText(broadcastWire))
	got, err := AppendJSON(nil, []byte(broadcastJSON), nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("AppendJSON\n got %x\nwant %x", got, want)
	}
	var atts [][]byte
	js, rest, err := ToJSON(nil, &atts, want)
	if err != nil || len(rest) != 0 || len(atts) != 0 {
		t.Fatal(err, rest, atts)
	}
	if string(js) != broadcastJSON {
		t.Fatalf("ToJSON %s", js)
	}
}

func TestGoldenFlags(t *testing.T) {
	got, err := AppendJSON(nil, []byte(`{"volatile":true,"compress":false}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := hexText(`82 a8"volatile" c3 a8"compress" c2`); hex.EncodeToString(got) != strings.ReplaceAll(want, " ", "") {
		t.Fatalf("got %x want %s", got, want)
	}
}

func TestGoldenValues(t *testing.T) {
	for _, tc := range []struct {
		js   string
		atts [][]byte
		want string
	}{
		{`1099511627776`, nil, "cf 00 00 01 00 00 00 00 00"}, // 2**40
		{`{"_placeholder":true,"num":0}`, [][]byte{{3, 4}}, "c4 02 03 04"},
		{`[null]`, nil, "91 c0"},
		{`-0`, nil, "00"},
		{`1.0`, nil, "01"},
		{`0.5`, nil, "cb 3f e0 00 00 00 00 00 00"},
		{`1e300`, nil, "cf 00 00 00 00 00 00 00 00"}, // notepack's modular uint64
		{`-1`, nil, "ff"},
		{`-33`, nil, "d0 df"},
		{`{"b":1,"2":2,"a":3,"1":4,"b":5}`, nil, `84 a1"1" 04 a1"2" 02 a1"b" 05 a1"a" 03`},
		{`"\ud83d\ude00"`, nil, "a4 f0 9f 98 80"},
		{`{"x":[{"_placeholder":true,"num":1},{"num":0,"_placeholder":true,"extra":1}]}`, [][]byte{{1}, {2}}, `81 a1"x" 92 c4 01 02 c4 01 01`},
	} {
		got, err := AppendJSON([]byte{0xee}, []byte(tc.js), tc.atts)
		if err != nil {
			t.Errorf("%s: %v", tc.js, err)
			continue
		}
		want := unhex(t, hexText(tc.want))
		if string(got[1:]) != string(want) || got[0] != 0xee {
			t.Errorf("%s:\n got %x\nwant %x", tc.js, got[1:], want)
		}
	}
}

func TestGoldenDates(t *testing.T) {
	for _, tc := range []struct {
		ms   int64
		wire string
		iso  string
	}{
		{1700000000123, "d7 ff 1d 53 53 00 65 53 f1 00", "2023-11-14T22:13:20.123Z"},
		{1700000000000, "d6 ff 65 53 f1 00", "2023-11-14T22:13:20.000Z"},
		{0, "d6 ff 00 00 00 00", "1970-01-01T00:00:00.000Z"},
		{-1, "c7 0c ff 3b 8b 87 c0 ff ff ff ff ff ff ff ff", "1969-12-31T23:59:59.999Z"},
		{253402300800000, "", "+010000-01-01T00:00:00.000Z"},
	} {
		got := AppendTime(nil, time.UnixMilli(tc.ms))
		if tc.wire != "" {
			if want := unhex(t, tc.wire); string(got) != string(want) {
				t.Errorf("AppendTime(%d) = %x want %x", tc.ms, got, want)
			}
		}
		var atts [][]byte
		js, rest, err := ToJSON(nil, &atts, got)
		if err != nil || len(rest) > 0 || string(js) != `"`+tc.iso+`"` {
			t.Errorf("ToJSON(%x) = %s, %v", got, js, err)
		}
	}
}

func TestPrimitives(t *testing.T) {
	check := func(name string, got []byte, want string) {
		t.Helper()
		if w := unhex(t, want); string(got) != string(w) {
			t.Errorf("%s = %x want %x", name, got, w)
		}
	}
	check("nil", AppendNil(nil), "c0")
	check("true", AppendBool(nil, true), "c3")
	check("false", AppendBool(nil, false), "c2")
	check("int 2^53", AppendInt(nil, 1<<53), "cf 00 20 00 00 00 00 00 00")
	check("int 2^53+1", AppendInt(nil, 1<<53+1), "cf 00 20 00 00 00 00 00 01")
	check("int max", AppendInt(nil, math.MaxInt64), "cf 7f ff ff ff ff ff ff ff")
	check("int min", AppendInt(nil, math.MinInt64), "d3 80 00 00 00 00 00 00 00")
	check("int -2^31-1", AppendInt(nil, -1<<31-1), "d3 ff ff ff ff 7f ff ff ff")
	check("float NaN", AppendFloat(nil, math.NaN())[:1], "cb")
	check("float 2^64", AppendFloat(nil, 1<<64), "cf 00 00 00 00 00 00 00 00")
	check("float -2^63", AppendFloat(nil, -1<<63), "d3 80 00 00 00 00 00 00 00")
	check("string", AppendString(nil, "héllo"), "a6 68 c3 a9 6c 6c 6f")
	check("string invalid", AppendString(nil, "\xe2\x82A"), "a4 ef bf bd 41")
	check("bytes nil", AppendBytes(nil, nil), "c4 00")
	check("array16", AppendArrayHeader(nil, 16), "dc 00 10")
	check("array32", AppendArrayHeader(nil, 65536), "dd 00 01 00 00")
	check("map15", AppendMapHeader(nil, 15), "8f")
	check("map16", AppendMapHeader(nil, 16), "de 00 10")
	check("map32", AppendMapHeader(nil, 1<<16), "df 00 01 00 00")
	check("str32", AppendString(nil, strings.Repeat("a", 1<<16))[:5], "db 00 01 00 00")
	check("bin16", AppendBytes(nil, make([]byte, 256))[:3], "c5 01 00")
	check("bin32", AppendBytes(nil, make([]byte, 1<<16))[:5], "c6 00 01 00 00")
}

func TestToJSONCases(t *testing.T) {
	for _, tc := range []struct {
		wire, json string
		atts       []string
	}{
		{"ca 3d cc cc cd", "0.10000000149011612", nil},
		{"cb 80 00 00 00 00 00 00 00", "0", nil},
		{"cb 7f f8 00 00 00 00 00 00", "null", nil},
		{"cb 3e 7a d7 f2 9a bc af 48", "1e-7", nil},
		{"cf ff ff ff ff ff ff ff ff", "18446744073709552000", nil},
		{"d3 80 00 00 00 00 00 00 00", "-9223372036854776000", nil},
		{"92 d4 00 00 c0", "[null,null]", nil},
		{`82 a1"a" d4 00 00 a1"b" 01`, `{"b":1}`, nil},
		{`c7 02 00 01 02`, `{"_placeholder":true,"num":0}`, []string{"0102"}},
		{`d5 05 01 02`, `[5,{"_placeholder":true,"num":0}]`, []string{"0102"}},
		{`d4 ff 07`, `[-1,{"_placeholder":true,"num":0}]`, []string{"07"}},
		{`d7 00 00 00 01 8b cf e5 68 7b`, `"2023-11-14T22:13:20.123Z"`, nil},
		{`a3 e2 82 41`, "\"\uFFFDA\"", nil},
		{`a2 01 1f`, `"\u0001\u001f"`, nil},
		{`a3 e2 80 a8`, "\"\u2028\"", nil},
		{`84 01 02 c0 03 c3 04 a9"__proto__" 81 a1"x" 01`, `{"1":2,"null":3,"true":4}`, nil},
		{`83 a1"a" 01 a1"1" 02 a1"a" 03`, `{"1":2,"a":3}`, nil},
		{`81 cb 3f f8 00 00 00 00 00 00 01`, `{"1.5":1}`, nil},
		{`81 93 01 c0 92 02 03 00`, `{"1,,2,3":0}`, nil},
	} {
		var atts [][]byte
		js, rest, err := ToJSON(nil, &atts, unhex(t, hexText(tc.wire)))
		if err != nil || len(rest) != 0 {
			t.Errorf("%s: %v rest %x", tc.wire, err, rest)
			continue
		}
		if string(js) != tc.json {
			t.Errorf("%s:\n got %s\nwant %s", tc.wire, js, tc.json)
		}
		if len(atts) != len(tc.atts) {
			t.Errorf("%s: atts %x", tc.wire, atts)
			continue
		}
		for i := range atts {
			if hex.EncodeToString(atts[i]) != tc.atts[i] {
				t.Errorf("%s: att %d = %x", tc.wire, i, atts[i])
			}
		}
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		js   string
		want error
	}{
		{``, ErrSyntax},
		{`[1,]`, ErrSyntax},
		{`{"a":1,}`, ErrSyntax},
		{`01`, ErrSyntax},
		{`1.`, ErrSyntax},
		{`"\x"`, ErrSyntax},
		{"\"\x01\"", ErrSyntax},
		{`[1] x`, ErrSyntax},
		{`{"_placeholder":true,"num":1}`, ErrPlaceholder},
		{`{"_placeholder":true,"num":0.5}`, ErrPlaceholder},
		{`{"_placeholder":true,"num":"0"}`, ErrPlaceholder},
		{`{"_placeholder":true}`, ErrPlaceholder},
		{strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1), ErrDepth},
	} {
		out, err := AppendJSON([]byte("x"), []byte(tc.js), [][]byte{{1}})
		if !errors.Is(err, tc.want) || string(out) != "x" {
			t.Errorf("AppendJSON(%.40q) = %x, %v; want %v", tc.js, out, err, tc.want)
		}
	}
	if _, err := AppendJSON(nil, []byte(strings.Repeat("[", maxDepth)+strings.Repeat("]", maxDepth)), nil); err != nil {
		t.Errorf("depth %d: %v", maxDepth, err)
	}
	if _, err := AppendJSON(nil, []byte(`{"_placeholder":false,"num":9}`), nil); err != nil {
		t.Error(err)
	}
	for _, tc := range []struct {
		wire string
		want error
	}{
		{"", ErrTruncated},
		{"c1", ErrInvalid},
		{"92 01", ErrTruncated},
		{"c4 05 01", ErrTruncated},
		{"dd ff ff ff ff", ErrTruncated},
		{"c7 01 ff 00", ErrTruncated}, // timestamp96 reads 12 bytes whatever the length
		{"d4 00", ErrTruncated},
		{"cf 00", ErrTruncated},
		{"01 02", ErrTrailing},
	} {
		msg := unhex(t, tc.wire)
		if err := Valid(msg); !errors.Is(err, tc.want) {
			t.Errorf("Valid(%s) = %v want %v", tc.wire, err, tc.want)
		}
		atts := [][]byte{{9}}
		out, _, err := ToJSON([]byte("x"), &atts, msg)
		if tc.want != ErrTrailing && (err == nil || string(out) != "x" || len(atts) != 1) {
			t.Errorf("ToJSON(%s) = %q, %v", tc.wire, out, err)
		}
	}
	var atts [][]byte
	js, rest, err := ToJSON(nil, &atts, []byte{0x01, 0x02})
	if err != nil || string(js) != "1" || len(rest) != 1 {
		t.Errorf("ToJSON rest: %s %x %v", js, rest, err)
	}
}

func TestInvalidUTF8JSON(t *testing.T) {
	// Raw invalid UTF-8 in the JSON text is read as Node's decoder reads it.
	got, err := AppendJSON(nil, []byte("\"a\xe2\x82b\xffc\xed\xa0\x80\""), nil)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := AppendJSON(nil, []byte(`"a\ufffdb\ufffdc\ufffd\ufffd\ufffd"`), nil)
	if string(got) != string(want) {
		t.Fatalf("got %x want %x", got, want)
	}
}
