package engineio

import (
	"encoding/base64"
	"strings"
	"testing"
)

var (
	codecBenchPacket packet
	codecBenchErr    error
	codecBenchBuf    []byte
	codecBenchN      int
)

func codecBenchBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*131 + 7)
	}
	return b
}

func benchDecodeText(b *testing.B, in []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		codecBenchPacket, codecBenchErr = decodeText(in)
	}
	if codecBenchErr != nil {
		b.Fatal(codecBenchErr)
	}
}

// BenchmarkDecodeTextMessage decodes a typical Socket.IO event packet.
func BenchmarkDecodeTextMessage(b *testing.B) {
	benchDecodeText(b, []byte(`42["chat message","hello world"]`))
}

// BenchmarkDecodeTextBinary decodes a 64-byte binary message sent as base64.
func BenchmarkDecodeTextBinary(b *testing.B) {
	benchDecodeText(b, []byte("b"+base64.StdEncoding.EncodeToString(codecBenchBytes(64))))
}

func BenchmarkDecodeText1KB(b *testing.B) {
	b.Run("text", func(b *testing.B) {
		benchDecodeText(b, []byte("4"+strings.Repeat("x", 1024)))
	})
	b.Run("binary", func(b *testing.B) {
		benchDecodeText(b, []byte("b"+base64.StdEncoding.EncodeToString(codecBenchBytes(1024))))
	})
}

func benchDecodePayload(b *testing.B, body []byte, want int) {
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	fn := func(p packet, err error) bool {
		if err != nil {
			codecBenchErr = err
			return false
		}
		codecBenchN++
		codecBenchPacket = p
		return true
	}
	codecBenchN = 0
	runs := 0
	for b.Loop() {
		decodePayload(body, fn)
		runs++
	}
	if codecBenchErr != nil {
		b.Fatal(codecBenchErr)
	}
	if codecBenchN != want*runs {
		b.Fatalf("decoded %d packets in %d runs, want %d each", codecBenchN, runs, want)
	}
}

// BenchmarkDecodePayload10 decodes a polling POST body of 10 text packets.
func BenchmarkDecodePayload10(b *testing.B) {
	var body []byte
	for i := range 10 {
		if i > 0 {
			body = append(body, recordSeparator)
		}
		body = append(body, `42["chat message","hello world"]`...)
	}
	benchDecodePayload(b, body, 10)
}

// BenchmarkDecodePayload10Binary decodes 10 packets, every other one a 64-byte
// binary message (a Socket.IO binary event is a text header then attachments).
func BenchmarkDecodePayload10Binary(b *testing.B) {
	var msgs []*Message
	for i := range 10 {
		if i%2 == 0 {
			msgs = append(msgs, NewTextMessage(`451-["up",{"_placeholder":true,"num":0}]`))
		} else {
			msgs = append(msgs, NewMessage(codecBenchBytes(64), true))
		}
	}
	benchDecodePayload(b, appendPayload(nil, msgs), 10)
}

func benchAppendPayload(b *testing.B, msgs []*Message, sends int32) {
	for _, m := range msgs {
		m.sends.Store(sends)
	}
	buf := appendPayload(nil, msgs)
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		buf = appendPayload(buf[:0], msgs)
	}
	codecBenchBuf = buf
}

func codecBenchTextMsgs(n int) []*Message {
	msgs := make([]*Message, n)
	for i := range msgs {
		msgs[i] = NewTextMessage(`2["chat message","hello world"]`)
	}
	return msgs
}

func codecBenchMixedMsgs(n, size int) []*Message {
	msgs := make([]*Message, n)
	for i := range msgs {
		if i%2 == 0 {
			msgs[i] = NewTextMessage(`51-["up",{"_placeholder":true,"num":0}]`)
		} else {
			msgs[i] = NewMessage(codecBenchBytes(size), true)
		}
	}
	return msgs
}

// BenchmarkAppendPayload10Text encodes 10 text messages into a reused buffer,
// on the direct path (unicast, sends <= 1) and the cached path (broadcast).
func BenchmarkAppendPayload10Text(b *testing.B) {
	b.Run("direct", func(b *testing.B) { benchAppendPayload(b, codecBenchTextMsgs(10), 1) })
	b.Run("cached", func(b *testing.B) { benchAppendPayload(b, codecBenchTextMsgs(10), 2) })
}

// BenchmarkAppendPayload10Binary encodes 10 messages, every other one 64 bytes
// of binary, into a reused buffer.
func BenchmarkAppendPayload10Binary(b *testing.B) {
	b.Run("direct", func(b *testing.B) { benchAppendPayload(b, codecBenchMixedMsgs(10, 64), 1) })
	b.Run("cached", func(b *testing.B) { benchAppendPayload(b, codecBenchMixedMsgs(10, 64), 2) })
}

// BenchmarkAppendPayload1KB encodes one 1 KB message into a reused buffer.
func BenchmarkAppendPayload1KB(b *testing.B) {
	text := func() []*Message { return []*Message{NewTextMessage(strings.Repeat("x", 1024))} }
	bin := func() []*Message { return []*Message{NewMessage(codecBenchBytes(1024), true)} }
	b.Run("text/direct", func(b *testing.B) { benchAppendPayload(b, text(), 1) })
	b.Run("text/cached", func(b *testing.B) { benchAppendPayload(b, text(), 2) })
	b.Run("binary/direct", func(b *testing.B) { benchAppendPayload(b, bin(), 1) })
	b.Run("binary/cached", func(b *testing.B) { benchAppendPayload(b, bin(), 2) })
}

// BenchmarkMessageTextForm measures building the cached text form once per
// new message (what a broadcast pays on its first recipient).
func BenchmarkMessageTextForm(b *testing.B) {
	data := codecBenchBytes(1024)
	b.Run("text1KB", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			codecBenchBuf = NewMessage(data, false).textForm()
		}
	})
	b.Run("binary1KB", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			codecBenchBuf = NewMessage(data, true).textForm()
		}
	})
}
