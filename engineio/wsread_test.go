package engineio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"github.com/gorilla/websocket"
)

// clientFrame encodes a masked client frame.
func clientFrame(fin bool, op byte, payload []byte, key [4]byte) []byte {
	b0 := op
	if fin {
		b0 |= finBit
	}
	out := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		out = append(out, maskBit|byte(n))
	case n <= 0xffff:
		out = append(out, maskBit|126, byte(n>>8), byte(n))
	default:
		out = binary.BigEndian.AppendUint64(append(out, maskBit|127), uint64(n))
	}
	out = append(out, key[:]...)
	for i, c := range payload {
		out = append(out, c^key[i&3])
	}
	return out
}

// recordSink records what a wsReader hands on.
type recordSink struct {
	msgs  []string // "t:..." or "b:..."
	pings []string
}

func (r *recordSink) message(binary bool, data []byte) {
	kind := "t:"
	if binary {
		kind = "b:"
	}
	r.msgs = append(r.msgs, kind+string(data))
}

func (r *recordSink) ping(p []byte) { r.pings = append(r.pings, string(p)) }

// feedSplit feeds stream in pieces of at most step bytes.
func feedSplit(r *wsReader, stream []byte, step int, sink frameSink) error {
	for len(stream) > 0 {
		n := min(step, len(stream))
		piece := append([]byte(nil), stream[:n]...) // the caller reuses its buffer
		if err := r.feed(piece, sink); err != nil {
			return err
		}
		clear(piece)
		stream = stream[n:]
	}
	return nil
}

// TestWSReaderSplits: messages come out whole and in order however the
// stream is cut: every piece size from 1 byte to all at once.
func TestWSReaderSplits(t *testing.T) {
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	long := bytes.Repeat([]byte("0123456789abcdef"), 5000) // 80,000 bytes: 8-byte length
	mid := bytes.Repeat([]byte("x"), 300)                  // 2-byte length
	var stream []byte
	stream = append(stream, clientFrame(true, opText, []byte("4hello"), key)...)
	stream = append(stream, clientFrame(true, opBinary, []byte{1, 2, 3}, key)...)
	stream = append(stream, clientFrame(true, opText, nil, key)...)
	stream = append(stream, clientFrame(false, opText, []byte("4frag"), key)...)
	stream = append(stream, clientFrame(true, opPing, []byte("p1"), key)...) // between fragments
	stream = append(stream, clientFrame(false, opContinuation, []byte("-men"), key)...)
	stream = append(stream, clientFrame(true, opPong, []byte("ignored"), key)...)
	stream = append(stream, clientFrame(true, opContinuation, []byte("ted"), key)...)
	stream = append(stream, clientFrame(true, opBinary, long, key)...)
	stream = append(stream, clientFrame(true, opText, mid, key)...)
	stream = append(stream, clientFrame(true, opPing, nil, key)...)
	want := []string{"t:4hello", "b:\x01\x02\x03", "t:", "t:4frag-mented", "b:" + string(long), "t:" + string(mid)}

	for _, step := range []int{1, 2, 3, 5, 7, 13, 64, 1000, 4096, len(stream)} {
		r := wsReader{limit: 1 << 20}
		var sink recordSink
		if err := feedSplit(&r, stream, step, &sink); err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		if len(sink.msgs) != len(want) {
			t.Fatalf("step %d: %d messages, want %d", step, len(sink.msgs), len(want))
		}
		for i := range want {
			if sink.msgs[i] != want[i] {
				t.Fatalf("step %d: message %d is %.40q…, want %.40q…", step, i, sink.msgs[i], want[i])
			}
		}
		if fmt.Sprint(sink.pings) != "[p1 ]" {
			t.Errorf("step %d: pings %q", step, sink.pings)
		}
		if r.partial != nil || r.msg != nil {
			t.Errorf("step %d: the reader keeps %d+%d bytes once idle", step, len(r.partial), len(r.msg))
		}
	}
}

// TestWSReaderErrors: each violation is reported with the error that
// picks its close code, however the stream is cut.
func TestWSReaderErrors(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	unmasked := []byte{finBit | opText, 1, '6'}
	withRSV := clientFrame(true, opText, []byte("6"), key)
	withRSV[0] |= 0x40
	negative := append([]byte{finBit | opBinary, maskBit | 127, 0x80, 0, 0, 0, 0, 0, 0, 0}, key[:]...)
	for _, tc := range []struct {
		name   string
		stream []byte
		want   error
		code   int // for a close frame
	}{
		{"unmasked", unmasked, errWSProtocol, 0},
		{"rsv", withRSV, errWSProtocol, 0},
		{"opcode 3", clientFrame(true, 3, nil, key), errWSProtocol, 0},
		{"opcode 11", clientFrame(true, 11, nil, key), errWSProtocol, 0},
		{"continuation first", clientFrame(true, opContinuation, []byte("x"), key), errWSProtocol, 0},
		{"text inside fragments", append(clientFrame(false, opText, []byte("4a"), key), clientFrame(true, opText, []byte("4b"), key)...), errWSProtocol, 0},
		{"fragmented ping", clientFrame(false, opPing, nil, key), errWSProtocol, 0},
		{"long ping", clientFrame(true, opPing, make([]byte, 126), key), errWSProtocol, 0},
		{"negative length", negative, errWSProtocol, 0},
		{"too big", clientFrame(true, opText, make([]byte, 101), key), errWSTooBig, 0},
		{"too big in fragments", append(clientFrame(false, opBinary, make([]byte, 60), key), clientFrame(true, opContinuation, make([]byte, 41), key)...), errWSTooBig, 0},
		{"close 1-byte", clientFrame(true, opClose, []byte{3}, key), errWSProtocol, 0},
		{"close code 1005", clientFrame(true, opClose, []byte{0x03, 0xed}, key), errWSProtocol, 0},
		{"close code 999", clientFrame(true, opClose, []byte{0x03, 0xe7}, key), errWSProtocol, 0},
		{"close reason not UTF-8", clientFrame(true, opClose, []byte{0x03, 0xe8, 0xff}, key), errWSCloseUTF8, 0},
		{"close empty", clientFrame(true, opClose, nil, key), nil, websocket.CloseNoStatusReceived},
		{"close 1000", clientFrame(true, opClose, []byte{0x03, 0xe8, 'b', 'y', 'e'}, key), nil, 1000},
		{"close 4999", clientFrame(true, opClose, []byte{0x13, 0x87}, key), nil, 4999},
	} {
		for _, step := range []int{1, 3, len(tc.stream)} {
			r := wsReader{limit: 100}
			err := feedSplit(&r, tc.stream, step, &recordSink{})
			var ce *websocket.CloseError
			switch {
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Errorf("%s, step %d: %v, want %v", tc.name, step, err, tc.want)
			case tc.want == nil && (!errors.As(err, &ce) || ce.Code != tc.code):
				t.Errorf("%s, step %d: %v, want a close with %d", tc.name, step, err, tc.code)
			}
		}
	}
	// Exactly at the limit is accepted.
	r := wsReader{limit: 100}
	var sink recordSink
	if err := r.feed(clientFrame(true, opText, make([]byte, 100), key), &sink); err != nil || len(sink.msgs) != 1 {
		t.Errorf("a message of exactly the limit: %v, %d messages", err, len(sink.msgs))
	}
}

func TestUnmask(t *testing.T) {
	key := [4]byte{0xde, 0xad, 0xbe, 0xef}
	for n := range 40 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i * 7)
		}
		got := append([]byte(nil), b...)
		unmask(got, key)
		for i := range b {
			if got[i] != b[i]^key[i%4] {
				t.Fatalf("len %d: byte %d wrong", n, i)
			}
		}
	}
}

// FuzzWSReader: any stream, cut anywhere, gives the same messages and the
// same outcome as the whole stream at once, and never panics.
func FuzzWSReader(f *testing.F) {
	key := [4]byte{9, 8, 7, 6}
	f.Add(clientFrame(true, opText, []byte("4hi"), key), uint8(1))
	f.Add(append(clientFrame(false, opBinary, []byte("ab"), key), clientFrame(true, opContinuation, []byte("cd"), key)...), uint8(3))
	f.Add(clientFrame(true, opClose, []byte{0x03, 0xe8}, key), uint8(2))
	f.Add(clientFrame(true, opBinary, make([]byte, 300), key), uint8(17))
	f.Fuzz(func(t *testing.T, stream []byte, step uint8) {
		whole := wsReader{limit: 1 << 16}
		var a recordSink
		errA := whole.feed(append([]byte(nil), stream...), &a)
		cut := wsReader{limit: 1 << 16}
		var b recordSink
		errB := feedSplit(&cut, stream, int(step)+1, &b)
		if fmt.Sprint(errA) != fmt.Sprint(errB) {
			t.Fatalf("whole: %v, cut: %v", errA, errB)
		}
		if fmt.Sprint(a.msgs) != fmt.Sprint(b.msgs) || fmt.Sprint(a.pings) != fmt.Sprint(b.pings) {
			t.Fatalf("whole and cut streams gave different messages")
		}
	})
}

// TestWSReaderGrowsWithData: a header announcing a large frame costs what
// arrived, not what it announced (many connections each announcing a
// megabyte must not reserve a megabyte each).
func TestWSReaderGrowsWithData(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	frame := clientFrame(true, opBinary, make([]byte, 1<<20), key)
	for _, step := range []int{1, 20, 100} {
		r := wsReader{limit: 1 << 20}
		if err := feedSplit(&r, frame[:100], step, &recordSink{}); err != nil {
			t.Fatal(err)
		}
		if c := cap(r.partial); c > 4096 {
			t.Errorf("step %d: 100 bytes of a 1 MiB frame hold a %d-byte buffer", step, c)
		}
	}
	r := wsReader{limit: 1 << 20}
	var sink recordSink
	if err := feedSplit(&r, frame, 4096, &sink); err != nil || len(sink.msgs) != 1 || len(sink.msgs[0]) != 2+1<<20 {
		t.Fatalf("the whole frame: %v, %d messages", err, len(sink.msgs))
	}
}
