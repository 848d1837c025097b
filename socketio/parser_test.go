package socketio

import (
	"bytes"
	"errors"
	"testing"

	"github.com/siogo/siogo/internal/notepack"
)

// mp is the MessagePack of the JSON value js as notepack.io writes it, with
// placeholders for atts as bin.
func mp(t testing.TB, js string, atts ...[]byte) []byte {
	t.Helper()
	b, err := notepack.AppendJSON(nil, []byte(js), atts)
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return b
}

func TestDecodeMsgpack(t *testing.T) {
	p, err := decodeMsgpack(mp(t, `{"type":2,"nsp":"/chat","data":["m",{"_placeholder":true,"num":0},1.5],"id":7}`, []byte{1, 2}), true)
	if err != nil {
		t.Fatal(err)
	}
	if p.Type != PacketEvent || p.Namespace != "/chat" || !p.HasID || p.ID != 7 || p.event != "m" || len(p.args) != 2 ||
		string(p.Data) != `["m",{"_placeholder":true,"num":0},1.5]` || len(p.Attachments) != 1 || !bytes.Equal(p.Attachments[0], []byte{1, 2}) {
		t.Errorf("decoded %+v", p)
	}
	if p, err := decodeMsgpack(mp(t, `{"nsp":"/","type":0}`), true); err != nil || p.Type != PacketConnect || p.Data != nil || p.HasID {
		t.Errorf("CONNECT without data: %+v, %v", p, err)
	}

	// socket.io-msgpack-parser's checks, and notepack's own.
	for _, tc := range []struct {
		name string
		msg  []byte
		text bool
	}{
		{"a text message", []byte(`2["m"]`), true},
		{"trailing bytes", append(mp(t, `{"type":1,"nsp":"/"}`), 0xc0), false},
		{"truncated", mp(t, `{"type":1,"nsp":"/"}`)[:5], false},
		{"not a map", mp(t, `[2,"/",["m"]]`), false},
		{"no type", mp(t, `{"nsp":"/"}`), false},
		{"type as a string", mp(t, `{"type":"2","nsp":"/","data":["m"]}`), false},
		{"type 5", mp(t, `{"type":5,"nsp":"/","data":["m"]}`), false},
		{"type -1", mp(t, `{"type":-1,"nsp":"/"}`), false},
		{"type 1.5", mp(t, `{"type":1.5,"nsp":"/"}`), false},
		{"no nsp", mp(t, `{"type":1}`), false},
		{"nsp a number", mp(t, `{"type":1,"nsp":1}`), false},
		{"CONNECT with an array", mp(t, `{"type":0,"nsp":"/","data":[1]}`), false},
		{"CONNECT with null", mp(t, `{"type":0,"nsp":"/","data":null}`), false},
		{"DISCONNECT with data", mp(t, `{"type":1,"nsp":"/","data":{}}`), false},
		{"CONNECT_ERROR with a number", mp(t, `{"type":4,"nsp":"/","data":1}`), false},
		{"EVENT without data", mp(t, `{"type":2,"nsp":"/"}`), false},
		{"EVENT with an object", mp(t, `{"type":2,"nsp":"/","data":{"0":"m"}}`), false},
		{"ACK with a string", mp(t, `{"type":3,"nsp":"/","data":"x","id":1}`), false},
		{"id a string", mp(t, `{"type":2,"nsp":"/","data":["m"],"id":"1"}`), false},
		{"id negative", mp(t, `{"type":2,"nsp":"/","data":["m"],"id":-1}`), false},
		{"id 1.5", mp(t, `{"type":2,"nsp":"/","data":["m"],"id":1.5}`), false},
		{"id null", mp(t, `{"type":2,"nsp":"/","data":["m"],"id":null}`), false},
	} {
		if p, err := decodeMsgpack(tc.msg, !tc.text); !errors.Is(err, ErrParse) {
			t.Errorf("%s: %+v, %v; want a parse error", tc.name, p, err)
		}
	}
}

func TestEncodeMsgpack(t *testing.T) {
	p := &Packet{Type: PacketEvent, Namespace: "/", Data: []byte(`["m",{"_placeholder":true,"num":0},-1]`), Attachments: [][]byte{{9}}, ID: 3, HasID: true}
	msgs := encodeMsgpack(p)
	if len(msgs) != 1 || !msgs[0].Binary() {
		t.Fatalf("%d messages, want one binary", len(msgs))
	}
	want := mp(t, `{"type":2,"data":["m",{"_placeholder":true,"num":0},-1],"nsp":"/","id":3}`, []byte{9})
	if got := msgs[0].Data(); !bytes.Equal(got, want) {
		t.Errorf("encoded % x\nwant      % x", got, want)
	}
	if msgs := encodeMsgpack(&Packet{Type: PacketEvent, Namespace: "/", Data: []byte(`["m",nope]`)}); len(msgs) != 0 {
		t.Errorf("invalid JSON payload: %d messages, want none", len(msgs))
	}
}

// FuzzDecodeMsgpack feeds one binary message to the msgpack decoder: it
// must never panic, and a packet it accepts must come back unchanged
// through encodeMsgpack and a second decode.
func FuzzDecodeMsgpack(f *testing.F) {
	for _, js := range []string{
		`{"type":0,"nsp":"/"}`, `{"type":0,"nsp":"/a","data":{"token":"x"}}`, `{"type":1,"nsp":"/"}`,
		`{"type":2,"nsp":"/","data":["m",1,"s",null,true,{"a":[1.5]}]}`, `{"type":2,"nsp":"/","data":["m"],"id":12}`,
		`{"type":3,"nsp":"/","data":[],"id":0}`, `{"type":4,"nsp":"/","data":{"message":"no"}}`, `{"type":4,"nsp":"/","data":"no"}`,
		`{"type":2,"nsp":"/","data":["connect"]}`, `{"type":2,"nsp":"/","data":[1]}`, `{"type":9}`, `[]`, `"x"`,
	} {
		f.Add(mp(f, js))
	}
	f.Add(mp(f, `{"type":2,"nsp":"/","data":["m",{"_placeholder":true,"num":0}]}`, []byte{1, 2, 3}))
	f.Fuzz(func(t *testing.T, msg []byte) {
		p, err := decodeMsgpack(msg, true)
		if err != nil {
			if !errors.Is(err, ErrParse) {
				t.Fatalf("error %v does not wrap ErrParse", err)
			}
			return
		}
		msgs := encodeMsgpack(p)
		if len(msgs) != 1 {
			t.Fatalf("re-encoding %+v: %d messages", p, len(msgs))
		}
		q, err := decodeMsgpack(msgs[0].Data(), true)
		if err != nil {
			t.Fatalf("re-decoding %+v: %v", p, err)
		}
		if q.Type != p.Type || q.Namespace != p.Namespace || q.HasID != p.HasID || q.ID != p.ID ||
			!bytes.Equal(q.Data, p.Data) || len(q.Attachments) != len(p.Attachments) {
			t.Fatalf("round trip changed the packet:\n%+v\n%+v", p, q)
		}
		for i := range p.Attachments {
			if !bytes.Equal(p.Attachments[i], q.Attachments[i]) {
				t.Fatalf("attachment %d changed", i)
			}
		}
	})
}
