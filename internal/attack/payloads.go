package attack

import (
	"bytes"
	"compress/flate"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Nested returns a JSON array nested depth deep, balanced: "[[[]]]" for 3.
func Nested(depth int) string {
	return strings.Repeat("[", depth) + strings.Repeat("]", depth)
}

// Unclosed returns depth opening brackets and nothing else.
func Unclosed(depth int) string { return strings.Repeat("[", depth) }

// Invalid UTF-8 sequences: each is refused by a strict decoder.
const (
	InvalidByte       = "\xff"         // never valid in UTF-8
	LoneContinuation  = "\x80"         // a continuation byte with no lead
	TruncatedSequence = "\xe2\x82"     // the first two bytes of "€"
	OverlongSlash     = "\xc0\xaf"     // "/" in two bytes, a classic filter bypass
	Surrogate         = "\xed\xa0\x80" // U+D800, not a scalar value
)

// Junk returns n pseudo-random bytes, the same for the same seed.
func Junk(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// Placeholder is the JSON of the binary placeholder for attachment num.
func Placeholder(num int) string {
	return `{"_placeholder":true,"num":` + strconv.Itoa(num) + `}`
}

// BinaryEvent returns the text of a BINARY_EVENT for event that announces
// count attachments and carries placeholders for nums (which need not
// match count: that is the point).
func BinaryEvent(event string, count int, nums ...int) string {
	var b strings.Builder
	b.WriteString("5")
	b.WriteString(strconv.Itoa(count))
	b.WriteString(`-["`)
	b.WriteString(event)
	b.WriteString(`"`)
	for _, n := range nums {
		b.WriteString(",")
		b.WriteString(Placeholder(n))
	}
	b.WriteString("]")
	return b.String()
}

// Payload joins Engine.IO packets into one polling payload.
func Payload(packets ...string) string { return strings.Join(packets, RecordSeparator) }

// Seq returns 0, 1, ..., n-1, for BinaryEvent's nums.
func Seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// Deflate returns a text frame whose payload is data compressed as
// permessage-deflate (RFC 7692) carries it, for a WebSocket whose
// handshake negotiated it (Target.WebSocketCompression).
func Deflate(data []byte) Frame {
	return Frame{Opcode: OpText, RSV: 4, Payload: bytes.TrimSuffix(deflateBlock(data), syncMarker)}
}

// DeflateBomb returns a text frame that inflates to prefix followed by n
// copies of b, and is about a thousand times smaller than that on the
// wire. It is built without compressing n bytes: one block of a run of b
// is compressed once and repeated, each copy standing alone (its matches
// reach back only into the run).
func DeflateBomb(prefix string, b byte, n int) Frame {
	const block = 1 << 20
	payload := deflateBlock([]byte(prefix))
	run := deflateBlock(bytes.Repeat([]byte{b}, block))
	for ; n >= block; n -= block {
		payload = append(payload, run...)
	}
	payload = append(payload, deflateBlock(bytes.Repeat([]byte{b}, n))...)
	return Frame{Opcode: OpText, RSV: 4, Payload: bytes.TrimSuffix(payload, syncMarker)}
}

// syncMarker ends each flushed block: the empty stored block that RFC 7692
// removes from the end of a message.
var syncMarker = []byte{0, 0, 0xff, 0xff}

// deflateBlock compresses data into non-final blocks ending with a sync
// marker, so that such pieces can follow one another in one stream.
func deflateBlock(data []byte) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	w.Write(data)
	w.Flush()
	return b.Bytes()
}
