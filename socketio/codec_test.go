package socketio

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/siogo/siogo/internal/binjson"
)

// decodeOne feeds one text message to a fresh decoder.
func decodeOne(t *testing.T, s string) (*Packet, error) {
	t.Helper()
	var d decoder
	return d.add([]byte(s), false)
}

func TestDecodeText(t *testing.T) {
	type want struct {
		typ   PacketType
		nsp   string
		id    uint64
		hasID bool
		data  string // "" for nil
		atts  int    // announced attachments
		event string
		args  []string
	}
	tests := []struct {
		in string
		w  want
	}{
		// CONNECT
		{`0`, want{typ: PacketConnect, nsp: "/"}},
		{`0{"token":"a"}`, want{typ: PacketConnect, nsp: "/", data: `{"token":"a"}`}},
		{`0/custom`, want{typ: PacketConnect, nsp: "/custom"}},
		{`0/custom,`, want{typ: PacketConnect, nsp: "/custom"}},
		{`0/custom,{"token":"a"}`, want{typ: PacketConnect, nsp: "/custom", data: `{"token":"a"}`}},
		{`0/a/b-c.d_e~f,{}`, want{typ: PacketConnect, nsp: "/a/b-c.d_e~f", data: `{}`}},
		{`0/,{}`, want{typ: PacketConnect, nsp: "/", data: `{}`}},
		// DISCONNECT
		{`1`, want{typ: PacketDisconnect, nsp: "/"}},
		{`1/custom`, want{typ: PacketDisconnect, nsp: "/custom"}},
		{`1/custom,`, want{typ: PacketDisconnect, nsp: "/custom"}},
		// EVENT
		{`2["hello"]`, want{typ: PacketEvent, nsp: "/", data: `["hello"]`, event: "hello", args: []string{}}},
		{`2["hello",1,{"a":[true]},"x"]`, want{typ: PacketEvent, nsp: "/", data: `["hello",1,{"a":[true]},"x"]`, event: "hello", args: []string{`1`, `{"a":[true]}`, `"x"`}}},
		{`2/admin,["e"]`, want{typ: PacketEvent, nsp: "/admin", data: `["e"]`, event: "e", args: []string{}}},
		{`2/admin,12["e",null]`, want{typ: PacketEvent, nsp: "/admin", id: 12, hasID: true, data: `["e",null]`, event: "e", args: []string{`null`}}},
		{`2456["e",1]`, want{typ: PacketEvent, nsp: "/", id: 456, hasID: true, data: `["e",1]`, event: "e", args: []string{`1`}}},
		{`20["e"]`, want{typ: PacketEvent, nsp: "/", id: 0, hasID: true, data: `["e"]`, event: "e", args: []string{}}},
		{`2[1]`, want{typ: PacketEvent, nsp: "/", data: `[1]`, event: "1", args: []string{}}},
		{`2[-1.5,2]`, want{typ: PacketEvent, nsp: "/", data: `[-1.5,2]`, event: "-1.5", args: []string{`2`}}},
		{`2["caf\u00e9"]`, want{typ: PacketEvent, nsp: "/", data: `["caf\u00e9"]`, event: "café", args: []string{}}},
		{`2[ "sp" , 1 ]`, want{typ: PacketEvent, nsp: "/", data: `[ "sp" , 1 ]`, event: "sp", args: []string{`1`}}},
		// ACK
		{`3456[]`, want{typ: PacketAck, nsp: "/", id: 456, hasID: true, data: `[]`, args: []string{}}},
		{`3456["a",{"b":2}]`, want{typ: PacketAck, nsp: "/", id: 456, hasID: true, data: `["a",{"b":2}]`, args: []string{`"a"`, `{"b":2}`}}},
		{`3/admin,7[1]`, want{typ: PacketAck, nsp: "/admin", id: 7, hasID: true, data: `[1]`, args: []string{`1`}}},
		// CONNECT_ERROR
		{`4{"message":"nope"}`, want{typ: PacketConnectError, nsp: "/", data: `{"message":"nope"}`}},
		{`4/random,{"message":"nope","data":{"a":1}}`, want{typ: PacketConnectError, nsp: "/random", data: `{"message":"nope","data":{"a":1}}`}},
		{`4"just a string"`, want{typ: PacketConnectError, nsp: "/", data: `"just a string"`}},
		// BINARY_EVENT / BINARY_ACK announce their attachments.
		{`51-["m",{"_placeholder":true,"num":0}]`, want{typ: PacketBinaryEvent, nsp: "/", data: `["m",{"_placeholder":true,"num":0}]`, atts: 1, event: "m", args: []string{`{"_placeholder":true,"num":0}`}}},
		{`52-/b,9["m",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, want{typ: PacketBinaryEvent, nsp: "/b", id: 9, hasID: true, data: `["m",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, atts: 2, event: "m", args: []string{`{"_placeholder":true,"num":0}`, `{"_placeholder":true,"num":1}`}}},
		{`62-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, want{typ: PacketBinaryAck, nsp: "/", id: 789, hasID: true, data: `[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, atts: 2, args: []string{`{"_placeholder":true,"num":0}`, `{"_placeholder":true,"num":1}`}}},
		{`610-["m"]`, want{typ: PacketBinaryAck, nsp: "/", data: `["m"]`, atts: 10, args: []string{`"m"`}}},
		// Node's quirk: an empty attachment count is Number("") == 0.
		{`5-["m"]`, want{typ: PacketBinaryEvent, nsp: "/", data: `["m"]`, atts: 0, event: "m", args: []string{}}},
		{`50-["m"]`, want{typ: PacketBinaryEvent, nsp: "/", data: `["m"]`, atts: 0, event: "m", args: []string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, n, err := decodeText([]byte(tt.in))
			if err != nil {
				t.Fatalf("decodeText(%q): %v", tt.in, err)
			}
			w := tt.w
			if p.Type != w.typ || p.Namespace != w.nsp || p.ID != w.id || p.HasID != w.hasID || n != w.atts {
				t.Errorf("got type %d nsp %q id %d/%v atts %d; want type %d nsp %q id %d/%v atts %d",
					p.Type, p.Namespace, p.ID, p.HasID, n, w.typ, w.nsp, w.id, w.hasID, w.atts)
			}
			if w.data == "" && p.Data != nil {
				t.Errorf("data = %q, want nil", p.Data)
			} else if string(p.Data) != w.data {
				t.Errorf("data = %q, want %q", p.Data, w.data)
			}
			if p.event != w.event {
				t.Errorf("event = %q, want %q", p.event, w.event)
			}
			if w.args != nil {
				got := make([]string, len(p.args))
				for i, a := range p.args {
					got[i] = string(a)
				}
				if !slices.Equal(got, w.args) {
					t.Errorf("args = %q, want %q", got, w.args)
				}
			}
		})
	}
}

func TestDecodeTextErrors(t *testing.T) {
	tests := []struct{ in, why string }{
		{`7`, "unknown type 7"},
		{`9["e"]`, "unknown type 9"},
		{`x`, "non-digit type"},
		{`/`, "non-digit type"},
		// bad attachment counts
		{`5x-["m"]`, "non-digit attachment count"},
		{`51["m"]`, "no dash after the count"},
		{`5`, "binary event with no count at all"},
		{`51`, "count without dash"},
		{`511-["m"]`, "more than 10 attachments"},
		{`699-[]`, "more than 10 attachments"},
		{`5-1-["m"]`, "second dash"},
		{`512345678901-["m"]`, "absurd count"},
		// validity rules
		{`0"x"`, "CONNECT non-object"},
		{`0[]`, "CONNECT array"},
		{`0null`, "CONNECT null"},
		{`0/custom,true`, "CONNECT bool"},
		{`1{}`, "DISCONNECT with payload"},
		{`1/custom,"x"`, "DISCONNECT with payload"},
		{`2{}`, "EVENT object"},
		{`2[]`, "EVENT empty array"},
		{`2["connect"]`, "reserved event"},
		{`2["connect_error"]`, "reserved event"},
		{`2["disconnect",1]`, "reserved event"},
		{`2["disconnecting"]`, "reserved event"},
		{`2["newListener"]`, "reserved event"},
		{`2["removeListener"]`, "reserved event"},
		{`2[null]`, "null event name"},
		{`2[true]`, "bool event name"},
		{`2[["a"]]`, "array event name"},
		{`2[{"a":1}]`, "object event name"},
		{`2"e"`, "EVENT string"},
		{`5-{}`, "BINARY_EVENT object"},
		{`3456{}`, "ACK non-array"},
		{`3456"x"`, "ACK string"},
		{`3456 1`, "ACK number"},
		{`4[1]`, "CONNECT_ERROR array"},
		{`4null`, "CONNECT_ERROR null"},
		// invalid JSON
		{`2["e"`, "unterminated array"},
		{`2["e",]`, "trailing comma"},
		{`2['e']`, "single quotes"},
		{`0{token:1}`, "unquoted key"},
		{`2["e"]x`, "garbage after JSON"},
		{`2/nsp,["e"]]`, "garbage after JSON"},
		{`2/nsp,12345678901234567890["e"]`, "ack id longer than 19 digits"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := decodeOne(t, tt.in)
			if err == nil {
				t.Fatalf("decode(%q) = %+v, want an error (%s)", tt.in, p, tt.why)
			}
			if !errors.Is(err, ErrParse) {
				t.Errorf("error %v does not wrap ErrParse", err)
			}
			if p != nil {
				t.Errorf("packet %+v returned with the error", p)
			}
		})
	}
}

// Node's parser runs the payload checks only when a payload is present, so
// it accepts an EVENT, ACK or CONNECT_ERROR with no payload at all (the
// handlers see no arguments). This documents what our decoder does.
func TestDecodeMissingPayload(t *testing.T) {
	for _, tt := range []struct {
		in     string
		nodeOK bool
	}{
		{`0`, true},
		{`1`, true},
		{`2`, true},          // Node: EVENT with data undefined, dispatched as no-op
		{`212`, true},        // Node: EVENT with id 12, no data
		{`312`, true},        // Node: ACK 12 with no data, callback called with no args
		{`4`, true},          // Node: CONNECT_ERROR with no data (the client then gets closed for it anyway)
		{`51-`, true},        // Node: BINARY_EVENT, payload never checked
		{``, true},           // Node: Number("") is 0, a CONNECT to "/"
		{`4/nsp,1`, true},    // CONNECT_ERROR with ack id 1; the client layer closes for it
		{`2/nsp["e"]`, true}, // the namespace runs to the end; the client layer closes for it
	} {
		_, _, err := decodeText([]byte(tt.in))
		if (err == nil) != tt.nodeOK {
			t.Errorf("decodeText(%q) error = %v; Node accepts it: %v", tt.in, err, tt.nodeOK)
		}
	}
}

func TestDecoderBinary(t *testing.T) {
	var d decoder
	p, err := d.add([]byte(`52-["m",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`), false)
	if err != nil || p != nil {
		t.Fatalf("header: packet %v, err %v; want nil, nil", p, err)
	}
	p, err = d.add([]byte{1, 2, 3}, true)
	if err != nil || p != nil {
		t.Fatalf("first attachment: packet %v, err %v; want nil, nil", p, err)
	}
	p, err = d.add([]byte{4, 5}, true)
	if err != nil || p == nil {
		t.Fatalf("second attachment: packet %v, err %v", p, err)
	}
	if p.Type != PacketBinaryEvent || p.event != "m" || len(p.args) != 2 {
		t.Fatalf("packet %+v", p)
	}
	if len(p.Attachments) != 2 || !bytes.Equal(p.Attachments[0], []byte{1, 2, 3}) || !bytes.Equal(p.Attachments[1], []byte{4, 5}) {
		t.Fatalf("attachments %v", p.Attachments)
	}
	args := &Args{raw: p.args, attachments: p.Attachments}
	var a, b []byte
	if err := args.Decode(0, &a); err != nil {
		t.Fatal(err)
	}
	if err := args.Decode(1, &b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, []byte{1, 2, 3}) || !bytes.Equal(b, []byte{4, 5}) {
		t.Fatalf("decoded %v %v", a, b)
	}

	// The decoder is ready for the next packet.
	p, err = d.add([]byte(`2["next"]`), false)
	if err != nil || p == nil || p.event != "next" {
		t.Fatalf("after binary: %v %v", p, err)
	}

	// A nested placeholder in a BINARY_ACK.
	p, err = d.add([]byte(`61-/nsp,789[{"file":{"_placeholder":true,"num":0},"n":[1]}]`), false)
	if err != nil || p != nil {
		t.Fatalf("ack header: %v %v", p, err)
	}
	p, err = d.add([]byte("x"), true)
	if err != nil || p == nil {
		t.Fatalf("ack attachment: %v %v", p, err)
	}
	if p.Type != PacketBinaryAck || p.Namespace != "/nsp" || p.ID != 789 || !p.HasID || len(p.Attachments) != 1 {
		t.Fatalf("ack %+v", p)
	}
}

func TestDecoderBinaryErrors(t *testing.T) {
	type msg struct {
		data   string
		binary bool
	}
	tests := []struct {
		name string
		msgs []msg
	}{
		{"binary with nothing pending", []msg{{"\x01", true}}},
		{"binary after a complete packet", []msg{{`2["e"]`, false}, {"\x01", true}}},
		{"text while attachments expected", []msg{{`52-["m",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, false}, {"\x01", true}, {`2["e"]`, false}}},
		{"placeholder num out of range", []msg{{`51-["m",{"_placeholder":true,"num":1}]`, false}, {"\x01", true}}},
		{"placeholder num negative", []msg{{`51-["m",{"_placeholder":true,"num":-1}]`, false}, {"\x01", true}}},
		{"placeholder num not a number", []msg{{`51-["m",{"_placeholder":true,"num":"0"}]`, false}, {"\x01", true}}},
		{"placeholder num fractional", []msg{{`51-["m",{"_placeholder":true,"num":0.5}]`, false}, {"\x01", true}}},
		{"placeholder with zero attachments", []msg{{`5-["m",{"_placeholder":true,"num":0}]`, false}}},
		{"placeholder with zero attachments (ack)", []msg{{`60-1[{"_placeholder":true,"num":0}]`, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d decoder
			var err error
			for i, m := range tt.msgs {
				var p *Packet
				p, err = d.add([]byte(m.data), m.binary)
				if i < len(tt.msgs)-1 {
					if err != nil {
						t.Fatalf("message %d: unexpected error %v", i, err)
					}
					continue
				}
				if err == nil {
					t.Fatalf("last message: packet %+v, want an error", p)
				}
			}
			if !errors.Is(err, ErrParse) {
				t.Errorf("error %v does not wrap ErrParse", err)
			}
		})
	}
}

func TestCheckPayload(t *testing.T) {
	ok := func(typ PacketType, data string) *Packet {
		p := &Packet{Type: typ, Namespace: "/"}
		if data != "" {
			p.Data = json.RawMessage(data)
		}
		return p
	}
	valid := []*Packet{
		ok(PacketConnect, ""), ok(PacketConnect, `{}`), ok(PacketConnect, ` {"a":1}`),
		ok(PacketDisconnect, ""),
		ok(PacketEvent, `["e"]`), ok(PacketEvent, `[0]`), ok(PacketBinaryEvent, `["e",{}]`),
		ok(PacketAck, `[]`), ok(PacketBinaryAck, `[1,2]`),
		ok(PacketConnectError, `"x"`), ok(PacketConnectError, `{"message":"x"}`),
	}
	for _, p := range valid {
		if err := checkPayload(p); err != nil {
			t.Errorf("checkPayload(type %d, %q) = %v, want nil", p.Type, p.Data, err)
		}
	}
	invalid := []*Packet{
		ok(PacketConnect, `[]`), ok(PacketConnect, `"x"`),
		ok(PacketDisconnect, `{}`),
		ok(PacketEvent, `{}`), ok(PacketEvent, `[]`), ok(PacketEvent, `["connect"]`), ok(PacketEvent, `[null]`),
		ok(PacketBinaryEvent, `[false]`),
		ok(PacketAck, `{}`), ok(PacketBinaryAck, `"x"`),
		ok(PacketConnectError, `[]`), ok(PacketConnectError, `1`),
	}
	for _, p := range invalid {
		if err := checkPayload(p); err == nil {
			t.Errorf("checkPayload(type %d, %q) = nil, want an error", p.Type, p.Data)
		}
	}
}

func TestEventName(t *testing.T) {
	for in, want := range map[string]string{
		`"e"`: "e", `"a b"`: "a b", `""`: "", `"\u0041"`: "A", `1`: "1", `-2`: "-2", `1.5e3`: "1.5e3", `0`: "0",
	} {
		got, err := eventName(json.RawMessage(in))
		if err != nil || got != want {
			t.Errorf("eventName(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`null`, `true`, `false`, `{}`, `[]`, `"connect"`, `"disconnect"`, `"connect_error"`, `"disconnecting"`, `"newListener"`, `"removeListener"`, ``, `"unterminated`} {
		if got, err := eventName(json.RawMessage(in)); err == nil {
			t.Errorf("eventName(%s) = %q, want an error", in, got)
		}
	}
}

func TestAppendPacket(t *testing.T) {
	tests := []struct {
		p    Packet
		want string
	}{
		{Packet{Type: PacketConnect, Namespace: "/", Data: json.RawMessage(`{"sid":"abc"}`)}, `0{"sid":"abc"}`},
		{Packet{Type: PacketConnect, Namespace: "", Data: json.RawMessage(`{}`)}, `0{}`},
		{Packet{Type: PacketConnect, Namespace: "/admin", Data: json.RawMessage(`{"sid":"abc"}`)}, `0/admin,{"sid":"abc"}`},
		{Packet{Type: PacketDisconnect, Namespace: "/"}, `1`},
		{Packet{Type: PacketDisconnect, Namespace: "/admin"}, `1/admin,`},
		{Packet{Type: PacketEvent, Namespace: "/", Data: json.RawMessage(`["e",1]`)}, `2["e",1]`},
		{Packet{Type: PacketEvent, Namespace: "/chat", Data: json.RawMessage(`["e"]`), ID: 0, HasID: true}, `2/chat,0["e"]`},
		{Packet{Type: PacketEvent, Namespace: "/", Data: json.RawMessage(`["e"]`), ID: 12, HasID: true}, `212["e"]`},
		{Packet{Type: PacketAck, Namespace: "/", Data: json.RawMessage(`[]`), ID: 456, HasID: true}, `3456[]`},
		{Packet{Type: PacketAck, Namespace: "/x", Data: json.RawMessage(`["a"]`), ID: 1, HasID: true}, `3/x,1["a"]`},
		{Packet{Type: PacketConnectError, Namespace: "/random", Data: json.RawMessage(`{"message":"Invalid namespace"}`)}, `4/random,{"message":"Invalid namespace"}`},
		// Binary: the type switches to BINARY_* and the count is written.
		{Packet{Type: PacketEvent, Namespace: "/", Data: json.RawMessage(`["m",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1}}}, `51-["m",{"_placeholder":true,"num":0}]`},
		{Packet{Type: PacketEvent, Namespace: "/b", ID: 3, HasID: true, Data: json.RawMessage(`["m",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`), Attachments: [][]byte{{1}, {2}}}, `52-/b,3["m",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`},
		{Packet{Type: PacketAck, Namespace: "/", ID: 789, HasID: true, Data: json.RawMessage(`[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`), Attachments: [][]byte{{1}, {2}}}, `62-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`},
		{Packet{Type: PacketBinaryEvent, Namespace: "/", Data: json.RawMessage(`["m"]`)}, `50-["m"]`},
	}
	for _, tt := range tests {
		got := string(appendPacket(nil, &tt.p))
		if got != tt.want {
			t.Errorf("appendPacket(%+v) = %q, want %q", tt.p, got, tt.want)
		}
	}
	// appendPacket appends.
	if got := string(appendPacket([]byte("4"), &Packet{Type: PacketDisconnect, Namespace: "/a"})); got != "41/a," {
		t.Errorf("append to prefix: %q", got)
	}
}

func TestEncodePacket(t *testing.T) {
	p := &Packet{Type: PacketEvent, Namespace: "/", Data: json.RawMessage(`["m",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`), Attachments: [][]byte{{1, 2}, {3}}}
	msgs := EncodePacket(p)
	if len(msgs) != 3 {
		t.Fatalf("%d messages, want 3", len(msgs))
	}
	if msgs[0].Binary() || string(msgs[0].Data()) != `52-["m",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]` {
		t.Errorf("text part %q (binary %v)", msgs[0].Data(), msgs[0].Binary())
	}
	if !msgs[1].Binary() || !bytes.Equal(msgs[1].Data(), []byte{1, 2}) || !msgs[2].Binary() || !bytes.Equal(msgs[2].Data(), []byte{3}) {
		t.Errorf("attachments %q %q", msgs[1].Data(), msgs[2].Data())
	}
	msgs = EncodePacket(&Packet{Type: PacketDisconnect, Namespace: "/admin"})
	if len(msgs) != 1 || string(msgs[0].Data()) != "1/admin," {
		t.Errorf("disconnect: %q", msgs[0].Data())
	}
}

func TestEventAndAckData(t *testing.T) {
	data, atts, err := eventData(&binjson.Codec{}, "e", []any{1, "two", map[string]any{"b": []byte{9}}, nil})
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != `["e",1,"two",{"b":{"_placeholder":true,"num":0}},null]` || len(atts) != 1 || atts[0][0] != 9 {
		t.Errorf("eventData = %s %v", data, atts)
	}
	data, atts, err = eventData(&binjson.Codec{}, "<&>", nil)
	if err != nil || string(data) != `["<&>"]` || atts != nil {
		t.Errorf("eventData no args = %s %v %v", data, atts, err)
	}
	data, atts, err = appendAckData(&binjson.Codec{}, nil, nil)
	if err != nil || string(data) != `[]` || atts != nil {
		t.Errorf("appendAckData() = %s %v %v", data, atts, err)
	}
	data, atts, err = appendAckData(&binjson.Codec{}, nil, []any{[]byte("a"), []byte("b")})
	if err != nil || string(data) != `[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]` || len(atts) != 2 {
		t.Errorf("appendAckData(binary) = %s %v %v", data, atts, err)
	}
	// The packet with those args goes out as BINARY_ACK.
	p := &Packet{Type: PacketAck, Namespace: "/", ID: 789, HasID: true, Data: data, Attachments: atts}
	if got := string(appendPacket(nil, p)); !strings.HasPrefix(got, "62-789[") {
		t.Errorf("binary ack encoded as %q", got)
	}
	if _, _, err := eventData(&binjson.Codec{}, "e", []any{func() {}}); err == nil {
		t.Error("eventData(func) succeeded")
	}
	if _, _, err := appendAckData(&binjson.Codec{}, nil, []any{make(chan int)}); err == nil {
		t.Error("appendAckData(chan) succeeded")
	}
}

func TestAppendOffset(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`["e"]`, `["e","off.1"]`},
		{`["e",1,{"a":2}]`, `["e",1,{"a":2},"off.1"]`},
		{`[]`, `["off.1"]`},
	} {
		if got := string(appendOffset([]byte(tt.in), "off.1")); got != tt.want {
			t.Errorf("appendOffset(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// Every packet appendPacket writes decodes back to itself.
func TestRoundTrip(t *testing.T) {
	packets := []*Packet{
		{Type: PacketConnect, Namespace: "/"},
		{Type: PacketConnect, Namespace: "/a", Data: json.RawMessage(`{"x":[1]}`)},
		{Type: PacketDisconnect, Namespace: "/a"},
		{Type: PacketEvent, Namespace: "/", Data: json.RawMessage(`["e",1]`)},
		{Type: PacketEvent, Namespace: "/a", ID: 18446744073709551615 / 10, HasID: true, Data: json.RawMessage(`["e"]`)},
		{Type: PacketAck, Namespace: "/", ID: 0, HasID: true, Data: json.RawMessage(`[]`)},
		{Type: PacketConnectError, Namespace: "/z", Data: json.RawMessage(`"no"`)},
		{Type: PacketEvent, Namespace: "/a", ID: 5, HasID: true, Data: json.RawMessage(`["b",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{0xff}}},
	}
	for _, want := range packets {
		got := reencode(t, want)
		if got == nil {
			continue
		}
		compareDecoded(t, want, got)
	}
}

// reencode writes p with appendPacket and EncodePacket's attachments and
// feeds the messages to a fresh decoder.
func reencode(t testing.TB, p *Packet) *Packet {
	t.Helper()
	var d decoder
	got, err := d.add(appendPacket(nil, p), false)
	if err != nil {
		t.Fatalf("re-decoding %q: %v", appendPacket(nil, p), err)
	}
	for i, a := range p.Attachments {
		if got != nil {
			t.Fatalf("packet complete before attachment %d", i)
		}
		if got, err = d.add(a, true); err != nil {
			t.Fatalf("attachment %d: %v", i, err)
		}
	}
	if got == nil {
		t.Fatalf("re-decoding %q: incomplete", appendPacket(nil, p))
	}
	return got
}

func compareDecoded(t testing.TB, want, got *Packet) {
	t.Helper()
	wt := want.Type
	if len(want.Attachments) > 0 && wt == PacketEvent {
		wt = PacketBinaryEvent
	} else if len(want.Attachments) > 0 && wt == PacketAck {
		wt = PacketBinaryAck
	}
	wn := want.Namespace
	if wn == "" {
		wn = "/"
	}
	if got.Type != wt || got.Namespace != wn || got.HasID != want.HasID || got.ID != want.ID ||
		!bytes.Equal(got.Data, want.Data) || (got.Data == nil) != (want.Data == nil) ||
		len(got.Attachments) != len(want.Attachments) {
		t.Fatalf("round trip of %q:\n got type %d nsp %q id %d/%v data %q atts %d\nwant type %d nsp %q id %d/%v data %q atts %d",
			appendPacket(nil, want), got.Type, got.Namespace, got.ID, got.HasID, got.Data, len(got.Attachments),
			wt, wn, want.ID, want.HasID, want.Data, len(want.Attachments))
	}
	for i := range got.Attachments {
		if !bytes.Equal(got.Attachments[i], want.Attachments[i]) {
			t.Fatalf("attachment %d: %x, want %x", i, got.Attachments[i], want.Attachments[i])
		}
	}
}
