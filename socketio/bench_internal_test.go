package socketio

import (
	"encoding/json"
	"testing"
)

var benchPackets = []struct {
	name string
	text string
}{
	{"event", `2["chat",{"room":"lobby","text":"hello there","n":42,"tags":["a","b"]}]`},
	{"event-nsp-ack", `2/chat,123["chat",{"room":"lobby","text":"hello there"},"extra",1.5]`},
	{"ack", `3/chat,123["ok",{"id":7}]`},
	{"connect", `0/admin,{"token":"abcdefghijklmnopqrstuvwxyz"}`},
}

func BenchmarkDecode(b *testing.B) {
	for _, bp := range benchPackets {
		b.Run(bp.name, func(b *testing.B) {
			in := []byte(bp.text)
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				var d decoder
				if _, err := d.add(in, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("binary-2-attachments", func(b *testing.B) {
		in := []byte(`52-["m",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`)
		a0, a1 := make([]byte, 1024), make([]byte, 16)
		b.ReportAllocs()
		for b.Loop() {
			var d decoder
			d.add(in, false)
			d.add(a0, true)
			if p, err := d.add(a1, true); p == nil || err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	for _, bp := range benchPackets {
		b.Run(bp.name, func(b *testing.B) {
			var d decoder
			p, err := d.add([]byte(bp.text), false)
			if err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 0, 256)
			b.ReportAllocs()
			for b.Loop() {
				buf = appendPacket(buf[:0], p)
			}
		})
	}
	b.Run("EncodePacket", func(b *testing.B) {
		p := &Packet{Type: PacketEvent, Namespace: "/", Data: json.RawMessage(`["chat",{"room":"lobby","text":"hello"}]`)}
		b.ReportAllocs()
		for b.Loop() {
			EncodePacket(p)
		}
	})
	b.Run("emit-args", func(b *testing.B) {
		srv := NewServer(Options{})
		defer srv.Close()
		args := []any{"hello", map[string]any{"room": "lobby", "n": 42}}
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := eventData(&srv.codec, "chat", args); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchSocket is a connected socket with no connection under it: enough to
// dispatch events that send nothing back.
func benchSocket(b *testing.B) (*Socket, func()) {
	srv := NewServer(Options{})
	s := &Socket{id: "bench", nsp: srv.Of("/"), connected: true}
	return s, func() { srv.Close() }
}

func BenchmarkDispatch(b *testing.B) {
	text := []byte(`2["chat","lobby",{"text":"hello there","n":42,"tags":["a","b"]}]`)
	var d decoder
	p, err := d.add(text, false)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("typed-string-map", func(b *testing.B) {
		s, done := benchSocket(b)
		defer done()
		calls := 0
		s.On("chat", func(room string, m map[string]any) { calls++ })
		b.ReportAllocs()
		for b.Loop() {
			s.onPacket(p)
		}
		if calls == 0 {
			b.Fatal("handler not called")
		}
	})
	b.Run("typed-string-struct", func(b *testing.B) {
		s, done := benchSocket(b)
		defer done()
		type msg struct {
			Text string   `json:"text"`
			N    int      `json:"n"`
			Tags []string `json:"tags"`
		}
		s.On("chat", func(room string, m msg) {})
		b.ReportAllocs()
		for b.Loop() {
			s.onPacket(p)
		}
	})
	b.Run("args", func(b *testing.B) {
		s, done := benchSocket(b)
		defer done()
		n := 0
		s.On("chat", func(a *Args) { n += a.Len() })
		b.ReportAllocs()
		for b.Loop() {
			s.onPacket(p)
		}
	})
	b.Run("decode+typed-string-map", func(b *testing.B) {
		s, done := benchSocket(b)
		defer done()
		s.On("chat", func(room string, m map[string]any) {})
		b.ReportAllocs()
		for b.Loop() {
			var d decoder
			p, _ := d.add(text, false)
			s.onPacket(p)
		}
	})
}
