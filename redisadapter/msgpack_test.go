package redisadapter

import (
	"fmt"
	"testing"

	"github.com/siogo/siogo/internal/notepack"
)

func TestDecodeBroadcastPaths(t *testing.T) {
	for _, tc := range []struct {
		js   string
		fast bool // the fast reader handles it
		want string
	}{
		{`["U",{"type":2,"data":["e",1],"nsp":"/"},{"rooms":["a"],"except":[],"flags":{}}]`, true,
			`U / ["e",1] {[a] [] {false false false 0s}}`},
		// The emitter's key order, binary, flags.
		{`["emitter",{"type":2,"data":["e",{"_placeholder":true,"num":0}],"nsp":"/c"},{"rooms":[],"flags":{"volatile":true,"compress":false},"except":["x","y"]}]`, true,
			`emitter /c ["e",{"_placeholder":true,"num":0}] {[] [x y] {false true true 0s}}`},
		// A packet id (connection state recovery on a Node sender), no nsp, no opts.
		{`["U",{"type":2,"data":["e"],"id":3}]`, true, `U <nil> ["e"] {[] [] {false false false 0s}}`},
		// Numeric rooms: the generic path gives their JavaScript text.
		{`["U",{"type":2,"data":["e"],"nsp":"/"},{"rooms":[123,"b",1.5],"except":[],"flags":{"timeout":5}}]`, false,
			`U / ["e"] {[123 b 1.5] [] {false false false 0s}}`},
		// A uid that is not a string.
		{`[7,{"type":2,"data":["e"],"nsp":"/"},{"rooms":[],"except":[],"flags":{}}]`, false,
			` / ["e"] {[] [] {false false false 0s}}`},
	} {
		msg, err := notepack.AppendJSON(nil, []byte(tc.js), [][]byte{{1}})
		if err != nil {
			t.Fatal(err)
		}
		_, ferr := fastDecodeBroadcast(msg)
		if (ferr == nil) != tc.fast {
			t.Errorf("%s: fast path error %v, want fast=%v", tc.js, ferr, tc.fast)
		}
		for name, decode := range map[string]func([]byte) (*broadcastMsg, error){"any": decodeBroadcast, "slow": slowDecodeBroadcast} {
			m, err := decode(msg)
			if err != nil {
				t.Fatalf("%s %s: %v", name, tc.js, err)
			}
			nsp := "<nil>"
			if m.nsp != nil {
				nsp = *m.nsp
			}
			o := m.opts
			got := fmt.Sprintf("%s %s %s {%v %v %v}", m.uid, nsp, m.data, o.Rooms, o.Except, o.Flags)
			if got != tc.want {
				t.Errorf("%s %s:\n got %s\nwant %s", name, tc.js, got, tc.want)
			}
		}
	}
}

func TestDecodeBroadcastRejects(t *testing.T) {
	for _, msg := range [][]byte{nil, {0x93}, {0x91, 0xa1, 'U'}, append(mustMsgpack(t, `["U",{"data":["e"]},{}]`), 0xc0)} {
		if _, err := decodeBroadcast(msg); err == nil {
			t.Errorf("% x: decoded", msg)
		}
	}
}

func mustMsgpack(t *testing.T, js string) []byte {
	b, err := notepack.AppendJSON(nil, []byte(js), nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
