package attack

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"io"
	"strings"
	"testing"
)

// inflate undoes permessage-deflate as a server does (RFC 7692 7.2.2).
func inflate(t *testing.T, payload []byte) []byte {
	t.Helper()
	r := flate.NewReader(io.MultiReader(bytes.NewReader(payload), bytes.NewReader([]byte{0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff})))
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDeflate(t *testing.T) {
	f := Deflate([]byte("4hello"))
	if f.RSV != 4 || f.Opcode != OpText {
		t.Fatalf("frame %+v", f)
	}
	if got := inflate(t, f.Payload); string(got) != "4hello" {
		t.Fatalf("inflates to %q", got)
	}
	const n = 3<<20 + 5
	bomb := DeflateBomb("4x", 'a', n)
	got := inflate(t, bomb.Payload)
	if len(got) != 2+n || string(got[:2]) != "4x" || strings.Trim(string(got[2:]), "a") != "" {
		t.Fatalf("bomb inflates to %d bytes starting %q", len(got), got[:10])
	}
	if len(bomb.Payload) > n/500 {
		t.Fatalf("bomb is %d bytes for %d", len(bomb.Payload), n)
	}
}

func TestFrameHeader(t *testing.T) {
	for _, tc := range []struct {
		length int64
		want   []byte // the length bytes after the first byte
	}{
		{0, []byte{0x80}},
		{125, []byte{0x80 | 125}},
		{126, []byte{0x80 | 126, 0, 126}},
		{65535, []byte{0x80 | 126, 0xff, 0xff}},
		{65536, binary.BigEndian.AppendUint64([]byte{0x80 | 127}, 65536)},
		{1 << 62, binary.BigEndian.AppendUint64([]byte{0x80 | 127}, 1<<62)},
	} {
		h := FrameHeader(Frame{Opcode: OpBinary, Length: tc.length})
		want := append(append([]byte{0x82}, tc.want...), maskKey[:]...)
		if !bytes.Equal(h, want) {
			t.Errorf("length %d: header %x, want %x", tc.length, h, want)
		}
	}
	f := appendFrame(nil, Frame{Opcode: OpText, Payload: []byte("ab"), NotFinal: true, RSV: 2, Unmasked: true})
	if !bytes.Equal(f, []byte{0x21, 2, 'a', 'b'}) {
		t.Errorf("unmasked fragment %x", f)
	}
	m := appendFrame(nil, Frame{Opcode: OpText, Payload: []byte("abcde")})
	if got := Mask(m[6:], 0); string(got) != "abcde" {
		t.Errorf("masked payload unmasks to %q", got)
	}
}

func TestGenerators(t *testing.T) {
	if !bytes.Equal(Junk(64, 7), Junk(64, 7)) || bytes.Equal(Junk(64, 7), Junk(64, 8)) {
		t.Error("Junk is not a function of its seed")
	}
	if got := Nested(3); got != "[[[]]]" {
		t.Errorf("Nested(3) = %q", got)
	}
	want := `53-["e",{"_placeholder":true,"num":0},{"_placeholder":true,"num":5}]`
	if got := BinaryEvent("e", 3, 0, 5); got != want {
		t.Errorf("BinaryEvent = %q, want %q", got, want)
	}
	if got := Payload("4a", "", "6"); got != "4a\x1e\x1e6" {
		t.Errorf("Payload = %q", got)
	}
}
