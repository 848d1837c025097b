package engineio

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// codecResult is one fn call made by decodePayload.
type codecResult struct {
	p   packet
	err bool
}

// codecCollectPayload decodes body and returns every fn call, in order.
func codecCollectPayload(body []byte) []codecResult {
	var out []codecResult
	decodePayload(body, func(p packet, err error) bool {
		if err != nil && !errors.Is(err, errParse) {
			panic("decodePayload reported a non-errParse error: " + err.Error())
		}
		out = append(out, codecResult{p: p, err: err != nil})
		return true
	})
	return out
}

func codecWant(typ packetType, data string) codecResult {
	return codecResult{p: packet{typ: typ, data: []byte(data)}}
}

func codecWantBinary(data ...byte) codecResult {
	return codecResult{p: packet{typ: packetMessage, data: data, binary: true}}
}

var codecWantErr = codecResult{err: true}

func TestDecodePayload(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []codecResult
	}{
		{name: "protocol example", in: "4hello\x1ebAQIDBA==",
			want: []codecResult{codecWant(packetMessage, "hello"), codecWantBinary(1, 2, 3, 4)}},
		{name: "single record", in: "4hello", want: []codecResult{codecWant(packetMessage, "hello")}},
		{name: "single binary", in: "bAQIDBA", want: []codecResult{codecWantBinary(1, 2, 3, 4)}},
		{name: "single empty message", in: "4", want: []codecResult{codecWant(packetMessage, "")}},
		{name: "close", in: "1", want: []codecResult{codecWant(packetClose, "")}},
		{name: "pong then message", in: "3\x1e4x", want: []codecResult{codecWant(packetPong, ""), codecWant(packetMessage, "x")}},
		{name: "empty messages", in: "4\x1e4\x1e4",
			want: []codecResult{codecWant(packetMessage, ""), codecWant(packetMessage, ""), codecWant(packetMessage, "")}},
		{name: "every type", in: "0a\x1e1\x1e2\x1e3\x1e4b\x1e5\x1e6",
			want: []codecResult{codecWant(packetOpen, "a"), codecWant(packetClose, ""), codecWant(packetPing, ""), codecWant(packetPong, ""),
				codecWant(packetMessage, "b"), codecWant(packetUpgrade, ""), codecWant(packetNoop, "")}},
		{name: "emoji", in: "4😀\x1e4世界", want: []codecResult{codecWant(packetMessage, "😀"), codecWant(packetMessage, "世界")}},
		{name: "socket.io binary event", in: `451-["up",{"_placeholder":true,"num":0}]` + "\x1ebAQIDBA==",
			want: []codecResult{codecWant(packetMessage, `51-["up",{"_placeholder":true,"num":0}]`), codecWantBinary(1, 2, 3, 4)}},

		{name: "empty body", in: "", want: []codecResult{codecWantErr}},
		{name: "separator only", in: "\x1e", want: []codecResult{codecWantErr}},
		{name: "separators only", in: "\x1e\x1e\x1e", want: []codecResult{codecWantErr}},
		{name: "empty record in middle", in: "4a\x1e\x1e4b", want: []codecResult{codecWant(packetMessage, "a"), codecWantErr}},
		{name: "trailing separator", in: "4a\x1e", want: []codecResult{codecWant(packetMessage, "a"), codecWantErr}},
		{name: "leading separator", in: "\x1e4a", want: []codecResult{codecWantErr}},
		{name: "unknown type in middle", in: "4a\x1e7x\x1e4b", want: []codecResult{codecWant(packetMessage, "a"), codecWantErr}},
		{name: "unknown type first", in: "x\x1e4b", want: []codecResult{codecWantErr}},
		{name: "invalid base64 in middle", in: "4a\x1eb!!!!\x1e4b", want: []codecResult{codecWant(packetMessage, "a"), codecWantErr}},
		{name: "invalid base64 last", in: "bAQIDBA==\x1ebA", want: []codecResult{codecWantBinary(1, 2, 3, 4), codecWantErr}},
		{name: "v3 length prefix reads as noop", in: "6:4hello", want: []codecResult{codecWant(packetNoop, ":4hello")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := codecCollectPayload([]byte(tt.in))
			if len(got) != len(tt.want) {
				t.Fatalf("decodePayload(%q) made %d calls %v, want %d %v", tt.in, len(got), got, len(tt.want), tt.want)
			}
			for i := range got {
				if got[i].err != tt.want[i].err {
					t.Fatalf("call %d: err = %v, want %v", i, got[i].err, tt.want[i].err)
				}
				if !got[i].err && !codecSamePacket(got[i].p, tt.want[i].p) {
					t.Fatalf("call %d: packet %s, want %s", i, codecPacketString(got[i].p), codecPacketString(tt.want[i].p))
				}
			}
		})
	}
}

func TestDecodePayloadStopsWhenFnReturnsFalse(t *testing.T) {
	body := []byte("4a\x1e4b\x1e4c\x1e4d")
	for stopAt := 1; stopAt <= 4; stopAt++ {
		var got []string
		decodePayload(body, func(p packet, err error) bool {
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			got = append(got, string(p.data))
			return len(got) < stopAt
		})
		if want := []string{"a", "b", "c", "d"}[:stopAt]; strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("stop at %d: got %v, want %v", stopAt, got, want)
		}
	}

	// fn returning false on an error is also the end.
	calls := 0
	decodePayload([]byte("\x1e4a"), func(p packet, err error) bool {
		calls++
		return false
	})
	if calls != 1 {
		t.Errorf("fn called %d times after returning false on an error, want 1", calls)
	}

	// fn returning true on an error still stops.
	calls = 0
	decodePayload([]byte("4a\x1e\x1e4b\x1e4c"), func(p packet, err error) bool {
		calls++
		return true
	})
	if calls != 2 {
		t.Errorf("fn called %d times for a payload with an empty second record, want 2", calls)
	}
}

func TestAppendPayload(t *testing.T) {
	tests := []struct {
		name string
		msgs []*Message
		want string
	}{
		{name: "none", msgs: nil, want: ""},
		{name: "one text", msgs: []*Message{NewTextMessage("hello")}, want: "4hello"},
		{name: "one binary", msgs: []*Message{NewMessage([]byte{1, 2, 3, 4}, true)}, want: "bAQIDBA=="},
		{name: "protocol example", msgs: []*Message{NewTextMessage("hello"), NewMessage([]byte{1, 2, 3, 4}, true)},
			want: "4hello\x1ebAQIDBA=="},
		{name: "control and messages", msgs: []*Message{controlMessage(packetPing, ""), NewTextMessage(""), controlMessage(packetNoop, "")},
			want: "2\x1e4\x1e6"},
		{name: "close", msgs: []*Message{controlMessage(packetClose, "")}, want: "1"},
		{name: "emoji", msgs: []*Message{NewTextMessage("😀"), NewTextMessage("世界")}, want: "4😀\x1e4世界"},
		{name: "empty binary", msgs: []*Message{NewMessage(nil, true), NewMessage([]byte{}, true)}, want: "b\x1eb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := appendPayload(nil, tt.msgs)
			if string(got) != tt.want {
				t.Fatalf("appendPayload = %q, want %q", got, tt.want)
			}
			// Appending to a non-empty buffer keeps what is there.
			got = appendPayload([]byte("keep"), tt.msgs)
			if string(got) != "keep"+tt.want {
				t.Fatalf("appendPayload(keep) = %q, want %q", got, "keep"+tt.want)
			}
			// Same bytes once every message takes the cached path.
			for _, m := range tt.msgs {
				m.sends.Add(2)
			}
			got = appendPayload(make([]byte, 0, 3), tt.msgs)
			if string(got) != tt.want {
				t.Fatalf("appendPayload (cached) = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPayloadRoundTripProtocolExample checks the exact example of PROTOCOL.md
// §2.1: it decodes to a text and a binary message and re-encodes byte-exactly.
func TestPayloadRoundTripProtocolExample(t *testing.T) {
	const example = "4hello\x1ebAQIDBA=="
	got := codecCollectPayload([]byte(example))
	if len(got) != 2 || got[0].err || got[1].err {
		t.Fatalf("decodePayload(%q) = %v", example, got)
	}
	if !codecSamePacket(got[0].p, packet{typ: packetMessage, data: []byte("hello")}) {
		t.Fatalf("first packet %s", codecPacketString(got[0].p))
	}
	if !codecSamePacket(got[1].p, packet{typ: packetMessage, data: []byte{1, 2, 3, 4}, binary: true}) {
		t.Fatalf("second packet %s", codecPacketString(got[1].p))
	}
	var msgs []*Message
	for _, r := range got {
		msgs = append(msgs, NewMessage(bytes.Clone(r.p.data), r.p.binary))
	}
	if enc := appendPayload(nil, msgs); string(enc) != example {
		t.Fatalf("appendPayload = %q, want %q", enc, example)
	}
	for _, m := range msgs {
		m.sends.Add(5)
	}
	if enc := appendPayload(nil, msgs); string(enc) != example {
		t.Fatalf("appendPayload (cached) = %q, want %q", enc, example)
	}
}

func TestPayloadRoundTrip(t *testing.T) {
	payloads := [][]*Message{
		{NewTextMessage("hello")},
		{NewTextMessage("")},
		{NewMessage([]byte{}, true)},
		{NewTextMessage("a"), NewTextMessage("b"), NewTextMessage("c")},
		{NewTextMessage(`2["chat","😀 世界"]`), NewMessage([]byte{0x1e, 0, 0xff}, true), controlMessage(packetNoop, "")},
		{controlMessage(packetPong, "probe"), controlMessage(packetUpgrade, ""), controlMessage(packetClose, "")},
		{NewMessage(bytes.Repeat([]byte{0xab}, 1000), true), NewTextMessage(strings.Repeat("x", 1000))},
	}
	for i, msgs := range payloads {
		enc := appendPayload(nil, msgs)
		got := codecCollectPayload(enc)
		if len(got) != len(msgs) {
			t.Errorf("payload %d (%q): %d packets decoded, want %d", i, enc, len(got), len(msgs))
			continue
		}
		for j, r := range got {
			want := packet{typ: msgs[j].typ, data: msgs[j].data, binary: msgs[j].binary}
			if r.err || !codecSamePacket(r.p, want) {
				t.Errorf("payload %d packet %d: got %s err %v, want %s", i, j, codecPacketString(r.p), r.err, codecPacketString(want))
			}
		}
		// Re-encoding the decoded packets gives the same bytes.
		var again []byte
		for j, r := range got {
			if j > 0 {
				again = append(again, recordSeparator)
			}
			again = appendText(again, r.p.typ, r.p.data, r.p.binary)
		}
		if !bytes.Equal(again, enc) {
			t.Errorf("payload %d: re-encoded %q, want %q", i, again, enc)
		}
	}
}
