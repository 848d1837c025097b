package notepack

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// runNode runs testdata/notepack.cjs, the real notepack.io, on job and
// decodes its answer into out. It skips the test when node or the npm
// packages are missing (make test installs them).
func runNode(t *testing.T, job, out any) {
	t.Helper()
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		t.Skip("skipping cross-check with notepack.io: node is not installed (make test installs it)")
	}
	dir, _ := filepath.Abs(".")
	for ; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "notepack.io", "package.json")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			t.Skip("skipping cross-check with notepack.io: node_modules/notepack.io is missing (run npm ci or make test)")
		}
	}
	in, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nodeBin, filepath.Join("testdata", "notepack.cjs"))
	cmd.Env = append(os.Environ(), "TZ=UTC")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.Bytes())
	}
	if err := json.Unmarshal(res, out); err != nil {
		t.Fatalf("node output: %v", err)
	}
}

type encodeCase struct {
	JS   string   `json:"js"`
	Atts []string `json:"atts"` // base64
	raw  [][]byte
}

func encCase(js string, atts ...[]byte) encodeCase {
	c := encodeCase{JS: js, raw: atts, Atts: []string{}}
	for _, a := range atts {
		c.Atts = append(c.Atts, base64.StdEncoding.EncodeToString(a))
	}
	return c
}

func ph(n int) string { return fmt.Sprintf(`{"_placeholder":true,"num":%d}`, n) }

func seq(n int, f func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = f(i)
	}
	return strings.Join(parts, ",")
}

func encodeCases() []encodeCase {
	var cs []encodeCase
	for _, n := range []string{
		"0", "1", "127", "128", "255", "256", "65535", "65536", "4294967295", "4294967296",
		"1099511627776", "9007199254740991", "9007199254740993", "18446744073709551615",
		"18446744073709551616", "1e20", "1e21", "1e300", "-1", "-32", "-33", "-128", "-129",
		"-32768", "-32769", "-2147483648", "-2147483649", "-9007199254740991",
		"-9223372036854775808", "-1e19", "-1e300", "-0", "0.0", "1.0", "1e2", "0.5", "-1.25",
		"1e-7", "5e-324", "1.7976931348623157e308", "1e400", "-1e400", "0.1", "123456789.123",
	} {
		cs = append(cs, encCase(n), encCase("["+n+"]"))
	}
	for _, n := range []int{0, 1, 31, 32, 33, 255, 256, 65535, 65536} {
		cs = append(cs, encCase(strconv.Quote(strings.Repeat("a", n))))
	}
	for _, s := range []string{"é", "€", "😀", "中文字符", "\u2028", "\\u0000\\n\\\"\\\\/", "\\ud83d\\ude00",
		strings.Repeat("é", 16), strings.Repeat("€", 11), strings.Repeat("😀", 8), strings.Repeat("中", 100)} {
		cs = append(cs, encCase(`"`+s+`"`), encCase(`{"`+s+`":1}`))
	}
	// Lone surrogates, in the cases notepack.io writes deterministically.
	for _, s := range []string{`\ud800`, `\udc00`, `a\ud800b`, `\udc00\ud800`, `\ud800\ud800\udc00`, `\ud83d`,
		strings.Repeat("a", 40) + `\ud800`, `\ud800` + strings.Repeat("a", 40)} {
		cs = append(cs, encCase(`"`+s+`"`))
	}
	for _, s := range []string{`\ud800`, `a\ud800b`, `\udc00\ud800`, strings.Repeat("é", 12) + `\ud800`,
		`\ud800` + strings.Repeat("a", 40), strings.Repeat("a", 40) + `\ud800`} {
		cs = append(cs, encCase(`{"`+s+`":1}`))
	}
	for _, n := range []int{0, 1, 15, 16, 65535, 65536} {
		cs = append(cs, encCase("["+seq(n, func(i int) string { return strconv.Itoa(i % 200) })+"]"))
		cs = append(cs, encCase("{"+seq(n, func(i int) string { return fmt.Sprintf(`"k%d":%d`, i, i%3) })+"}"))
	}
	cs = append(cs,
		encCase(`null`), encCase(`true`), encCase(`false`), encCase(`[]`), encCase(`{}`),
		encCase(`[[[[]]],{"a":{"b":{}}}]`),
		encCase(`{"2":1,"1":2,"a":3,"10":4}`),
		encCase(`{"b":1,"4294967294":2,"4294967295":3,"01":4,"-1":5,"1.5":6,"0":7}`),
		encCase(`{"a":1,"b":2,"a":3}`),
		encCase(`{"__proto__":{"x":1},"y":2}`),
		encCase(`{"toJSON":1,"constructor":2}`),
		encCase(broadcastJSON),
		encCase(` [ 1 , { "a" : [ ] } ] `),
		encCase(`{"`+seq(20, func(i int) string { return fmt.Sprintf(`%d":%d,"x%d`, 20-i, i, i) })+`":0}`),
	)
	bins := [][]byte{{}, {7}, bytes.Repeat([]byte{1}, 255), bytes.Repeat([]byte{2}, 256), bytes.Repeat([]byte{3}, 65536)}
	cs = append(cs,
		encCase(`[`+ph(0)+`,`+ph(1)+`,`+ph(2)+`,`+ph(3)+`,`+ph(4)+`]`, bins...),
		encCase(`{"a":{"b":[1,`+ph(1)+`]},"c":`+ph(0)+`}`, bins[1], bins[4]),
		encCase(`["ev",{"file":`+ph(0)+`,"name":"x"},[[`+ph(0)+`]]]`, bins[2]),
		encCase(`{"num":0,"_placeholder":true,"extra":[1]}`, bins[1]),
		encCase(`{"_placeholder":false,"num":0}`, bins[1]),
		encCase(`{"_placeholder":1,"num":0}`, bins[1]),
	)
	return cs
}

func TestNodeEncode(t *testing.T) {
	cases := encodeCases()
	var res struct {
		Encode []struct{ Hex, Err string }
	}
	runNode(t, map[string]any{"encode": cases}, &res)
	if len(res.Encode) != len(cases) {
		t.Fatalf("node answered %d of %d", len(res.Encode), len(cases))
	}
	for i, c := range cases {
		got, err := AppendJSON(nil, []byte(c.JS), c.raw)
		r := res.Encode[i]
		name := c.JS
		if len(name) > 60 {
			name = name[:60] + "..."
		}
		if r.Err != "" {
			t.Errorf("%s: node: %s", name, r.Err)
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if g := hex.EncodeToString(got); g != r.Hex {
			if len(g) > 200 {
				t.Errorf("%s: bytes differ (len %d vs %d)", name, len(g)/2, len(r.Hex)/2)
			} else {
				t.Errorf("%s:\n  go %s\nnode %s", name, g, r.Hex)
			}
		}
	}
}

type decodeCase struct {
	Expr string `json:"expr,omitempty"`
	Hex  string `json:"hex,omitempty"`
}

func TestNodeDecode(t *testing.T) {
	var cases []decodeCase
	for _, e := range []string{
		`[new Date(1700000000123), new Date(1700000000000), new Date(0), new Date(-1), new Date(-62198755200000)]`,
		`[new Date(253402300800000), new Date(8.64e15), new Date(-8.64e15), new Date(17179869184000), new Date(NaN)]`,
		`[undefined, null, {a: undefined, b: 1, c: [undefined]}]`,
		`[Buffer.from([1,2,3]), {x: {y: [Buffer.alloc(0), Buffer.alloc(300, 7)]}}, Buffer.alloc(70000, 9)]`,
		`[new Uint8Array([5,6]), new Uint16Array([1]).buffer, new Map([[1,2]]), new Set([1])]`,
		`{2: "a", 1: "b", z: 1, 10: 2, "4294967295": 3, "4294967294": 4}`,
		`[-0, NaN, Infinity, -Infinity, 0.1, 1e21, 1e-7, 123e-20, 2**53, 2**53+2, -(2**60), 2**63, 2**64 - 2**12]`,
		`["\u2028\u0000\u001f\u007f\"\\", "😀", "é".repeat(300)]`,
		`{"a\u0000b": {"": []}}`,
		`[{_placeholder: true, num: 0}]`,
	} {
		cases = append(cases, decodeCase{Expr: e})
	}
	for _, h := range []string{
		"ca3dcccccd", "ca7f800000", "cbfff0000000000000",
		"cfffffffffffffffff", "cf001fffffffffffff", "d38000000000000000", "d3ffffffffffffffff",
		"92d40000c0", "92d400ffc0", "82a161d40000a16201", "c702000102", "c70200", "c1", "92 01", "0102", "dc0002 01",
		"c70201" + "0102", "c80005ff0102030405", "c9 00000001 05 aa", "d50501" + "02", "d4ff07", "d8030102030405060708090a0b0c0d0e0f10",
		"d7000000018bcfe5687b", "d7ff" + "ffffffff" + "ffffffff", "c70cff" + "ffffffff" + "7fffffff" + "ffffffff",
		"c705ff" + "3b9ac9ff" + "ffffffff" + "ffffffff", "c70cff" + "00000001" + "00000000" + "00000001",
		"d6ff7fffffff", "a3e28241", "a4ed a080 41", "a5f0908041ff",
		"8401 02 c0 03 c3 04 a95f5f70726f746f5f5f 81a17801",
		"83 a161 01 a131 02 a161 03", "81 cb3ff8000000000000 01", "81 93 01 c0 9202 03 00",
		"81 c40161 01", "81 80 01", "81 c70200 0102 01", "81 d6ff00000000 01", "81 d4ff07 01", "81 a2e282 01",
		"82 a2e282 01 a2e283 02", "81 d40000 01", "81 ca7fc00000 01", "81 c2 c2",
		"83 a131 c3 a95f5f70726f746f5f5f c0 a130 c2", "82a161c4 0101 a162 c40102",
		"93 a12f 80 90",
	} {
		cases = append(cases, decodeCase{Hex: strings.ReplaceAll(h, " ", "")})
	}
	var res struct {
		Decode []struct {
			Hex, JSON, Err string
			Atts           []string
		}
	}
	runNode(t, map[string]any{"decode": cases}, &res)
	if len(res.Decode) != len(cases) {
		t.Fatalf("node answered %d of %d", len(res.Decode), len(cases))
	}
	for i, c := range cases {
		r := res.Decode[i]
		name := c.Expr + c.Hex
		if r.Err != "" {
			// notepack.io rejects it: so must Valid.
			msg, _ := hex.DecodeString(c.Hex)
			if c.Hex == "" || Valid(msg) == nil {
				t.Errorf("%s: node: %s, but Go accepts it", name, r.Err)
			}
			continue
		}
		msg, _ := hex.DecodeString(r.Hex)
		var atts [][]byte
		js, rest, err := ToJSON(nil, &atts, msg)
		if err != nil || len(rest) != 0 {
			t.Errorf("%s: %v, rest %x", name, err, rest)
			continue
		}
		if string(js) != r.JSON {
			t.Errorf("%s:\n  go %s\nnode %s", name, js, r.JSON)
		}
		if len(atts) != len(r.Atts) {
			t.Errorf("%s: %d atts, node %d", name, len(atts), len(r.Atts))
			continue
		}
		for j := range atts {
			if hex.EncodeToString(atts[j]) != r.Atts[j] {
				t.Errorf("%s: att %d differs", name, j)
			}
		}
	}
}
