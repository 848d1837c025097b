package socketio

import (
	"encoding/json"
	"net/http/httptest"
	"runtime"
	"strings"
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
// dispatch events that send nothing back. It must count as announced too,
// or onPacket drops every packet.
func benchSocket(b *testing.B) (*Socket, func()) {
	srv := NewServer(Options{})
	s := &Socket{id: "bench", nsp: srv.Of("/"), connected: true, announced: true}
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

// memConn is an Engine.IO polling session opened in memory: requests go
// straight to the server's ServeHTTP, and incoming messages to the callback
// the engine calls, so a benchmark runs the real code path without a network.
type memConn struct {
	srv *Server
	sid string
	c   *client
}

func openMem(tb testing.TB, srv *Server) *memConn {
	tb.Helper()
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/socket.io/?EIO=4&transport=polling", nil))
	body := rec.Body.String()
	var open struct {
		SID string `json:"sid"`
	}
	if !strings.HasPrefix(body, "0") || json.Unmarshal([]byte(body[1:]), &open) != nil {
		tb.Fatalf("handshake: %q", body)
	}
	m := &memConn{srv: srv, sid: open.SID}
	srv.mu.RLock()
	for c := range srv.clients {
		if c.conn.ID() == open.SID {
			m.c = c
		}
	}
	srv.mu.RUnlock()
	if m.c == nil {
		tb.Fatal("no client for the session")
	}
	return m
}

// send delivers one text message as the engine's reader does. Over polling
// it returns once the packet has been handled.
func (m *memConn) send(text []byte) { m.c.onMessage(text, false) }

// poll returns what the server queued for the client. Something must be
// queued, or it waits for it.
func (m *memConn) poll(tb testing.TB) string {
	rec := httptest.NewRecorder()
	m.srv.ServeHTTP(rec, httptest.NewRequest("GET", "/socket.io/?EIO=4&transport=polling&sid="+m.sid, nil))
	if rec.Code != 200 {
		tb.Fatalf("poll: %d %q", rec.Code, rec.Body.String())
	}
	return rec.Body.String()
}

// benchPeerHandlers registers the handlers of internal/benchpeer (which
// cannot be imported here: it imports this package).
func benchPeerHandlers(io *Server) {
	io.OnConnection(func(s *Socket) {
		s.On("echo", func(a *Args, ack AckFunc) { ack(a.Values()...) })
		s.On("join", func(room string, ack AckFunc) {
			s.Join(room)
			ack()
		})
		s.On("fanout", func(a *Args) { io.To("fan").Emit("msg", a.Values()...) })
	})
}

// BenchmarkEcho is the server side of one round trip of the echo benchmark
// (socket.emit("echo", payload, ack)): the engine hands the message over,
// the packet is decoded, queued for the client's worker, dispatched, and the
// ack is encoded and queued on the session. Only the network is missing.
func BenchmarkEcho(b *testing.B) {
	payloads := []struct{ name, text string }{
		{"small", `21["echo",{"n":1,"text":"hello"}]`},
		{"string", `21["join","room-1"]`},
	}
	for _, pl := range payloads {
		b.Run(pl.name, func(b *testing.B) {
			srv := NewServer(Options{})
			defer srv.Close()
			benchPeerHandlers(srv)
			m := openMem(b, srv)
			m.send([]byte("0"))
			if got := m.poll(b); !strings.HasPrefix(got, `40{"sid":`) {
				b.Fatalf("connect: %q", got)
			}
			text := []byte(pl.text)
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				m.send(text)
				if n++; n%256 == 0 {
					m.poll(b)
				}
			}
			if n%256 != 0 {
				if got := m.poll(b); !strings.HasPrefix(got, "431[") {
					b.Fatalf("ack: %q", got)
				}
			}
		})
	}
	// The same without the worker goroutine and the engine: decode, then
	// dispatch on this goroutine; the ack is still queued on the session.
	b.Run("inline", func(b *testing.B) {
		srv := NewServer(Options{})
		defer srv.Close()
		benchPeerHandlers(srv)
		m := openMem(b, srv)
		m.send([]byte("0"))
		m.poll(b)
		s := m.c.socketList()[0]
		text := []byte(`21["echo",{"n":1,"text":"hello"}]`)
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			var d decoder
			p, err := d.add(text, false)
			if err != nil {
				b.Fatal(err)
			}
			s.onPacket(p)
			if n++; n%256 == 0 {
				m.poll(b)
			}
		}
	})
}

// BenchmarkIdleMemory measures the heap an idle connection keeps: "B/conn"
// after the Engine.IO handshake (engine session and Socket.IO client, plus
// some 70 bytes of this benchmark's own), and "B/socket" added by its
// CONNECT to "/", where the benchmark peer's three handlers are registered.
// Each iteration connects 2,000 clients to a new server, so that the maps
// that grow with the number of sockets are measured at the same size.
func BenchmarkIdleMemory(b *testing.B) {
	const n = 2000
	heap := func() int64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc)
	}
	var conns, sockets int64
	runs := 0
	for b.Loop() {
		srv := NewServer(Options{})
		benchPeerHandlers(srv)
		mcs := make([]*memConn, n)
		h0 := heap()
		for i := range mcs {
			mcs[i] = openMem(b, srv)
		}
		h1 := heap()
		for _, m := range mcs {
			m.send([]byte("0"))
			m.poll(b)
		}
		h2 := heap()
		conns += h1 - h0
		sockets += h2 - h1
		runs++
		srv.Close()
	}
	b.ReportMetric(float64(conns)/float64(runs*n), "B/conn")
	b.ReportMetric(float64(sockets)/float64(runs*n), "B/socket")
}
