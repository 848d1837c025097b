package engineio

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"testing"
)

// codecPacketString renders a packet for test failure messages.
func codecPacketString(p packet) string {
	if p.binary {
		return fmt.Sprintf("{typ:%q binary data:%v}", byte(p.typ), p.data)
	}
	return fmt.Sprintf("{typ:%q data:%q}", byte(p.typ), p.data)
}

// codecSamePacket reports whether two packets carry the same type, data and
// binary flag. A nil and an empty data slice are the same.
func codecSamePacket(a, b packet) bool {
	return a.typ == b.typ && a.binary == b.binary && bytes.Equal(a.data, b.data)
}

func TestDecodeText(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    packet
		wantErr bool
	}{
		{name: "open", in: `0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`,
			want: packet{typ: packetOpen, data: []byte(`{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`)}},
		{name: "close", in: "1", want: packet{typ: packetClose}},
		{name: "ping", in: "2", want: packet{typ: packetPing}},
		{name: "ping probe", in: "2probe", want: packet{typ: packetPing, data: []byte("probe")}},
		{name: "pong", in: "3", want: packet{typ: packetPong}},
		{name: "pong probe", in: "3probe", want: packet{typ: packetPong, data: []byte("probe")}},
		{name: "message", in: "4hello", want: packet{typ: packetMessage, data: []byte("hello")}},
		{name: "empty message", in: "4", want: packet{typ: packetMessage}},
		{name: "upgrade", in: "5", want: packet{typ: packetUpgrade}},
		{name: "noop", in: "6", want: packet{typ: packetNoop}},
		{name: "message with digit data", in: "44", want: packet{typ: packetMessage, data: []byte("4")}},
		{name: "message with separator-like text", in: "4b\x00\xff", want: packet{typ: packetMessage, data: []byte("b\x00\xff")}},
		{name: "emoji", in: "4héllo 😀 世界", want: packet{typ: packetMessage, data: []byte("héllo 😀 世界")}},
		{name: "socket.io event", in: `42["chat","😀"]`, want: packet{typ: packetMessage, data: []byte(`2["chat","😀"]`)}},

		{name: "binary padded", in: "bAQIDBA==", want: packet{typ: packetMessage, data: []byte{1, 2, 3, 4}, binary: true}},
		{name: "binary unpadded", in: "bAQIDBA", want: packet{typ: packetMessage, data: []byte{1, 2, 3, 4}, binary: true}},
		{name: "binary one pad", in: "bAQID", want: packet{typ: packetMessage, data: []byte{1, 2, 3}, binary: true}},
		{name: "binary unpadded 2 bytes", in: "bAQI", want: packet{typ: packetMessage, data: []byte{1, 2}, binary: true}},
		{name: "binary padded 2 bytes", in: "bAQI=", want: packet{typ: packetMessage, data: []byte{1, 2}, binary: true}},
		{name: "binary 5 bytes padded", in: "bAQIDBAU=", want: packet{typ: packetMessage, data: []byte{1, 2, 3, 4, 5}, binary: true}},
		{name: "binary 5 bytes unpadded", in: "bAQIDBAU", want: packet{typ: packetMessage, data: []byte{1, 2, 3, 4, 5}, binary: true}},
		{name: "binary empty", in: "b", want: packet{typ: packetMessage, data: []byte{}, binary: true}},
		{name: "binary all bytes", in: "b" + base64.StdEncoding.EncodeToString([]byte{0, 0x1e, 0xff, '4', 'b'}),
			want: packet{typ: packetMessage, data: []byte{0, 0x1e, 0xff, '4', 'b'}, binary: true}},

		{name: "invalid base64 char", in: "b!!!!", wantErr: true},
		{name: "invalid base64 url alphabet", in: "b-_-_", wantErr: true},
		{name: "invalid base64 one char", in: "bA", wantErr: true},
		{name: "invalid base64 5 chars", in: "bAQIDB", wantErr: true}, // 4n+1 characters cannot be base64
		{name: "invalid base64 short padding", in: "bAQIDBA=", wantErr: true},
		{name: "invalid base64 pad in middle", in: "bAQ==AQ==", wantErr: true},
		{name: "invalid base64 emoji", in: "b😀", wantErr: true},

		{name: "empty", in: "", wantErr: true},
		{name: "unknown type 7", in: "7x", wantErr: true},
		{name: "unknown type x", in: "x", wantErr: true},
		{name: "unknown type 9", in: "9", wantErr: true},
		{name: "unknown type slash", in: "/4", wantErr: true},
		{name: "unknown type B", in: "BAQIDBA==", wantErr: true},
		{name: "separator", in: "\x1e", wantErr: true},
		{name: "leading space", in: " 4hello", wantErr: true},
		{name: "emoji type", in: "😀", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeText([]byte(tt.in))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("decodeText(%q) = %s, want error", tt.in, codecPacketString(got))
				}
				if !errors.Is(err, errParse) {
					t.Fatalf("decodeText(%q) error = %v, want errParse", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("decodeText(%q) error = %v", tt.in, err)
			}
			if !codecSamePacket(got, tt.want) {
				t.Fatalf("decodeText(%q) = %s, want %s", tt.in, codecPacketString(got), codecPacketString(tt.want))
			}
		})
	}
}

func TestDecodeBase64(t *testing.T) {
	tests := []struct {
		in      string
		want    []byte
		wantErr bool
	}{
		{in: "", want: []byte{}},
		{in: "AQIDBA==", want: []byte{1, 2, 3, 4}},
		{in: "AQIDBA", want: []byte{1, 2, 3, 4}},
		{in: "AQIDBAU=", want: []byte{1, 2, 3, 4, 5}},
		{in: "AQIDBAU", want: []byte{1, 2, 3, 4, 5}},
		{in: "AQID", want: []byte{1, 2, 3}},
		{in: "+/+/", want: []byte{0xfb, 0xff, 0xbf}},
		{in: "A", wantErr: true},
		{in: "AQIDB", wantErr: true},
		{in: "AQI=", want: []byte{1, 2}},
		{in: "AQ==", want: []byte{1}},
		{in: "AQ=", wantErr: true},
		{in: "====", wantErr: true},
		{in: "-_-_", wantErr: true},
	}
	for _, tt := range tests {
		got, err := decodeBase64([]byte(tt.in))
		if tt.wantErr {
			if err == nil {
				t.Errorf("decodeBase64(%q) = %v, want error", tt.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("decodeBase64(%q) error = %v", tt.in, err)
			continue
		}
		if !bytes.Equal(got, tt.want) {
			t.Errorf("decodeBase64(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestAppendText(t *testing.T) {
	tests := []struct {
		name   string
		typ    packetType
		data   []byte
		binary bool
		want   string
	}{
		{name: "open", typ: packetOpen, data: []byte(`{"sid":"x"}`), want: `0{"sid":"x"}`},
		{name: "close", typ: packetClose, want: "1"},
		{name: "ping", typ: packetPing, want: "2"},
		{name: "pong probe", typ: packetPong, data: []byte("probe"), want: "3probe"},
		{name: "message", typ: packetMessage, data: []byte("hello"), want: "4hello"},
		{name: "empty message", typ: packetMessage, data: []byte{}, want: "4"},
		{name: "nil message", typ: packetMessage, want: "4"},
		{name: "upgrade", typ: packetUpgrade, want: "5"},
		{name: "noop", typ: packetNoop, want: "6"},
		{name: "emoji", typ: packetMessage, data: []byte("😀 世界"), want: "4😀 世界"},
		{name: "binary", typ: packetMessage, data: []byte{1, 2, 3, 4}, binary: true, want: "bAQIDBA=="},
		{name: "binary 3", typ: packetMessage, data: []byte{1, 2, 3}, binary: true, want: "bAQID"},
		{name: "binary 5", typ: packetMessage, data: []byte{1, 2, 3, 4, 5}, binary: true, want: "bAQIDBAU="},
		{name: "binary empty", typ: packetMessage, data: []byte{}, binary: true, want: "b"},
		{name: "binary std alphabet", typ: packetMessage, data: []byte{0xfb, 0xff, 0xbf}, binary: true, want: "b+/+/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := appendText(nil, tt.typ, tt.data, tt.binary)
			if string(got) != tt.want {
				t.Fatalf("appendText = %q, want %q", got, tt.want)
			}
			// Appending keeps the prefix.
			prefix := []byte("prefix\x1e")
			got = appendText(prefix, tt.typ, tt.data, tt.binary)
			if string(got) != "prefix\x1e"+tt.want {
				t.Fatalf("appendText(prefix) = %q, want %q", got, "prefix\x1e"+tt.want)
			}
			// And it decodes back.
			p, err := decodeText([]byte(tt.want))
			if err != nil {
				t.Fatalf("decodeText(%q) error = %v", tt.want, err)
			}
			want := packet{typ: tt.typ, data: tt.data, binary: tt.binary}
			if !codecSamePacket(p, want) {
				t.Fatalf("decodeText(%q) = %s, want %s", tt.want, codecPacketString(p), codecPacketString(want))
			}
		})
	}
}

func TestTextRoundTrip(t *testing.T) {
	var inputs []packet
	for typ := packetOpen; typ <= packetNoop; typ++ {
		inputs = append(inputs,
			packet{typ: typ},
			packet{typ: typ, data: []byte("probe")},
			packet{typ: typ, data: []byte("😀\x00\xff")},
		)
	}
	for n := range 10 {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i*37 + n)
		}
		inputs = append(inputs, packet{typ: packetMessage, data: data, binary: true})
	}
	for _, in := range inputs {
		enc := appendText(nil, in.typ, in.data, in.binary)
		out, err := decodeText(enc)
		if err != nil {
			t.Errorf("decodeText(appendText(%s) = %q) error = %v", codecPacketString(in), enc, err)
			continue
		}
		if !codecSamePacket(in, out) {
			t.Errorf("round trip of %s via %q = %s", codecPacketString(in), enc, codecPacketString(out))
		}
		// Encoding the decoded packet gives the same bytes.
		if again := appendText(nil, out.typ, out.data, out.binary); !bytes.Equal(again, enc) {
			t.Errorf("re-encoding %q gave %q", enc, again)
		}
	}
}

func TestDecodeTextAliasesInput(t *testing.T) {
	// Text data aliases the input buffer (documented); binary data does not.
	in := []byte("4hello")
	p, err := decodeText(in)
	if err != nil {
		t.Fatal(err)
	}
	if &p.data[0] != &in[1] {
		t.Errorf("text data does not alias the input")
	}
	in = []byte("bAQIDBA==")
	p, err = decodeText(in)
	if err != nil {
		t.Fatal(err)
	}
	in[1] = 'B'
	if !bytes.Equal(p.data, []byte{1, 2, 3, 4}) {
		t.Errorf("binary data changed with the input: %v", p.data)
	}
}

func TestMessageTextForm(t *testing.T) {
	tests := []struct {
		name string
		m    *Message
		want string
	}{
		{name: "text", m: NewMessage([]byte("hello"), false), want: "4hello"},
		{name: "text string", m: NewTextMessage("héllo 😀"), want: "4héllo 😀"},
		{name: "empty text", m: NewMessage(nil, false), want: "4"},
		{name: "binary", m: NewMessage([]byte{1, 2, 3, 4}, true), want: "bAQIDBA=="},
		{name: "binary padded 1", m: NewMessage([]byte{1, 2, 3, 4, 5}, true), want: "bAQIDBAU="},
		{name: "binary no pad", m: NewMessage([]byte{1, 2, 3}, true), want: "bAQID"},
		{name: "binary empty", m: NewMessage([]byte{}, true), want: "b"},
		{name: "binary std alphabet", m: NewMessage([]byte{0xfb, 0xff, 0xbf}, true), want: "b+/+/"},
		{name: "control ping", m: controlMessage(packetPing, ""), want: "2"},
		{name: "control pong probe", m: controlMessage(packetPong, "probe"), want: "3probe"},
		{name: "control noop", m: controlMessage(packetNoop, ""), want: "6"},
		{name: "control close", m: controlMessage(packetClose, ""), want: "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Direct path (sends <= 1).
			direct := tt.m.appendText([]byte("x"))
			if string(direct) != "x"+tt.want {
				t.Fatalf("appendText (direct) = %q, want %q", direct, "x"+tt.want)
			}
			if tt.m.textLen() != len(tt.want) {
				t.Errorf("textLen = %d, want %d", tt.m.textLen(), len(tt.want))
			}
			tt.m.sends.Add(1)
			once := tt.m.appendText(nil)
			if string(once) != tt.want {
				t.Fatalf("appendText (sent once) = %q, want %q", once, tt.want)
			}
			// Cached path (sends > 1).
			tt.m.sends.Add(1)
			cached := tt.m.appendText([]byte("x"))
			if string(cached) != "x"+tt.want {
				t.Fatalf("appendText (cached) = %q, want %q", cached, "x"+tt.want)
			}
			tf := tt.m.textForm()
			if string(tf) != tt.want {
				t.Fatalf("textForm = %q, want %q", tf, tt.want)
			}
			// The cached form is not disturbed by appending after it.
			buf := tt.m.appendText(make([]byte, 0, 1))
			buf = append(buf, "trailing"...)
			_ = buf
			if string(tt.m.textForm()) != tt.want {
				t.Fatalf("textForm changed after append: %q", tt.m.textForm())
			}
			if again := tt.m.appendText(nil); string(again) != tt.want {
				t.Fatalf("appendText after append = %q, want %q", again, tt.want)
			}
		})
	}
}

func TestMessageAccessors(t *testing.T) {
	m := NewMessage([]byte{9, 8}, true)
	if !m.Binary() || !bytes.Equal(m.Data(), []byte{9, 8}) {
		t.Errorf("binary message: Binary() = %v, Data() = %v", m.Binary(), m.Data())
	}
	m = NewTextMessage("hi")
	if m.Binary() || string(m.Data()) != "hi" {
		t.Errorf("text message: Binary() = %v, Data() = %q", m.Binary(), m.Data())
	}
}

func TestMessageTextFormMatchesBase64Std(t *testing.T) {
	for n := range 64 {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(255 - i*7)
		}
		m := NewMessage(data, true)
		want := "b" + base64.StdEncoding.EncodeToString(data)
		if got := string(m.textForm()); got != want {
			t.Errorf("len %d: textForm = %q, want %q", n, got, want)
		}
		if cap(m.textForm()) != len(want) {
			t.Errorf("len %d: textForm cap = %d, want exactly %d (textLen)", n, cap(m.textForm()), len(want))
		}
		m.sends.Add(2)
		if got := string(m.appendText(nil)); got != want {
			t.Errorf("len %d: cached appendText = %q, want %q", n, got, want)
		}
	}
}
