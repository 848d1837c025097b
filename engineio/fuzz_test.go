package engineio

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// codecFuzzSeeds are shared by both fuzz targets (each is a valid single
// packet, a valid payload, or an interesting malformed input). More seeds are
// checked in under testdata/fuzz/<FuzzName>/.
var codecFuzzSeeds = []string{
	"",
	"0",
	`0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`,
	"1",
	"2",
	"2probe",
	"3",
	"3probe",
	"4",
	"4hello",
	"5",
	"6",
	"7x",
	"x",
	"b",
	"bAQIDBA==",
	"bAQIDBA",
	"bAQIDBA=",
	"bA",
	"b!!!!",
	"bAR==",
	"bAQ\nID",
	"4😀 世界",
	`42["chat","😀"]`,
	"4hello\x1ebAQIDBA==",
	"4a\x1e\x1e4b",
	"\x1e",
	"\x1e\x1e\x1e",
	"4a\x1e",
	"\x1e4a",
	"2\x1e3\x1e4\x1e6",
	"4\xff\xfe",
}

func FuzzDecodeText(f *testing.F) {
	for _, s := range codecFuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		orig := bytes.Clone(in)
		p, err := decodeText(in)
		if !bytes.Equal(in, orig) {
			t.Fatalf("decodeText modified its input: %q -> %q", orig, in)
		}
		if err != nil {
			if !errors.Is(err, errParse) {
				t.Fatalf("decodeText(%q) error %v is not errParse", in, err)
			}
			if len(in) > 0 && packetType(in[0]).valid() {
				t.Fatalf("decodeText(%q) failed although it starts with a valid type digit: %v", in, err)
			}
			return
		}
		if len(in) == 0 {
			t.Fatalf("decodeText(empty) = %s, want error", codecPacketString(p))
		}
		if !p.typ.valid() {
			t.Fatalf("decodeText(%q) returned invalid type %q", in, byte(p.typ))
		}
		if p.binary && p.typ != packetMessage {
			t.Fatalf("decodeText(%q) returned a binary %q packet", in, byte(p.typ))
		}
		if p.binary != (in[0] == binaryMarker) {
			t.Fatalf("decodeText(%q) binary = %v", in, p.binary)
		}

		enc := appendText(nil, p.typ, p.data, p.binary)
		if !p.binary && !bytes.Equal(enc, in) {
			// A text packet re-encodes byte-exactly.
			t.Fatalf("text packet %q re-encoded as %q", in, enc)
		}
		q, err := decodeText(enc)
		if err != nil {
			t.Fatalf("decodeText(%q) = %s, re-encoded as %q, which fails to decode: %v", in, codecPacketString(p), enc, err)
		}
		if !codecSamePacket(p, q) {
			t.Fatalf("decodeText(%q) = %s, re-encoded as %q, decodes to %s", in, codecPacketString(p), enc, codecPacketString(q))
		}
		// The encoding is canonical: a second round gives the same bytes.
		if enc2 := appendText(nil, q.typ, q.data, q.binary); !bytes.Equal(enc, enc2) {
			t.Fatalf("re-encoding is not stable: %q then %q", enc, enc2)
		}

		// A Message built from the packet writes the same bytes on the
		// direct and the cached path.
		m := &Message{typ: p.typ, data: p.data, binary: p.binary}
		if got := m.appendText(nil); !bytes.Equal(got, enc) {
			t.Fatalf("Message.appendText (direct) = %q, want %q", got, enc)
		}
		m.sends.Add(2)
		if got := m.appendText(nil); !bytes.Equal(got, enc) {
			t.Fatalf("Message.appendText (cached) = %q, want %q", got, enc)
		}
		if m.textLen() != len(enc) {
			t.Fatalf("Message.textLen = %d, want %d", m.textLen(), len(enc))
		}
	})
}

func FuzzDecodePayload(f *testing.F) {
	for _, s := range codecFuzzSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(strings.Repeat("4a\x1e", 100) + "4z"))
	f.Add([]byte(strings.Repeat("bAQIDBA==\x1e", 50) + "b"))
	f.Fuzz(func(t *testing.T, body []byte) {
		orig := bytes.Clone(body)
		var pkts []packet
		calls, failed := 0, false
		decodePayload(body, func(p packet, err error) bool {
			calls++
			if failed {
				t.Fatalf("decodePayload(%q) called fn again after an error", orig)
			}
			if err != nil {
				if !errors.Is(err, errParse) {
					t.Fatalf("decodePayload(%q) error %v is not errParse", orig, err)
				}
				failed = true
				return true
			}
			pkts = append(pkts, packet{typ: p.typ, data: bytes.Clone(p.data), binary: p.binary})
			return true
		})
		if !bytes.Equal(body, orig) {
			t.Fatalf("decodePayload modified its input: %q -> %q", orig, body)
		}
		records := bytes.Split(body, []byte{recordSeparator})
		if calls < 1 || calls > len(records) {
			t.Fatalf("decodePayload(%q) made %d calls for %d records", body, calls, len(records))
		}
		if !failed && calls != len(records) {
			t.Fatalf("decodePayload(%q) stopped after %d of %d records without an error", body, calls, len(records))
		}
		// Each call matches decoding that record alone.
		for i, p := range pkts {
			q, err := decodeText(records[i])
			if err != nil || !codecSamePacket(p, q) {
				t.Fatalf("decodePayload(%q) packet %d = %s, decodeText(%q) = %s, %v", body, i, codecPacketString(p), records[i], codecPacketString(q), err)
			}
		}
		if failed {
			if _, err := decodeText(records[len(pkts)]); err == nil {
				t.Fatalf("decodePayload(%q) reported an error for record %d (%q), which decodes alone", body, len(pkts), records[len(pkts)])
			}
		}

		// Returning false stops at once.
		stops := 0
		decodePayload(body, func(packet, error) bool { stops++; return false })
		if stops != 1 {
			t.Fatalf("decodePayload(%q) called fn %d times after it returned false", body, stops)
		}

		if len(pkts) == 0 {
			return
		}
		// The packets decoded before the first error re-encode to a payload
		// equivalent to that prefix of the body.
		var enc []byte
		msgs := make([]*Message, len(pkts))
		for i, p := range pkts {
			if i > 0 {
				enc = append(enc, recordSeparator)
			}
			rec := appendText(nil, p.typ, p.data, p.binary)
			if !p.binary && !bytes.Equal(rec, records[i]) {
				t.Fatalf("payload %q record %d (%q) re-encoded as %q", body, i, records[i], rec)
			}
			enc = append(enc, rec...)
			msgs[i] = &Message{typ: p.typ, data: p.data, binary: p.binary}
		}
		if got := appendPayload(nil, msgs); !bytes.Equal(got, enc) {
			t.Fatalf("appendPayload = %q, joined appendText = %q", got, enc)
		}
		for _, m := range msgs {
			m.sends.Add(2)
		}
		if got := appendPayload([]byte{}, msgs); !bytes.Equal(got, enc) {
			t.Fatalf("appendPayload (cached) = %q, joined appendText = %q", got, enc)
		}
		var again []packet
		decodePayload(enc, func(p packet, err error) bool {
			if err != nil {
				t.Fatalf("payload %q: re-encoded prefix %q fails to decode at packet %d: %v", body, enc, len(again), err)
			}
			again = append(again, p)
			return true
		})
		if len(again) != len(pkts) {
			t.Fatalf("payload %q: re-encoded prefix %q decodes to %d packets, want %d", body, enc, len(again), len(pkts))
		}
		for i := range pkts {
			if !codecSamePacket(pkts[i], again[i]) {
				t.Fatalf("payload %q: packet %d %s re-encoded in %q decodes to %s", body, i, codecPacketString(pkts[i]), enc, codecPacketString(again[i]))
			}
		}
	})
}
