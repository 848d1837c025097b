package engineio

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestAppendFrameHeader(t *testing.T) {
	for _, tc := range []struct {
		op   byte
		n    int
		want []byte
	}{
		{opText, 0, []byte{0x81, 0}},
		{opBinary, 0, []byte{0x82, 0}},
		{opText, 125, []byte{0x81, 125}},
		{opBinary, 126, []byte{0x82, 126, 0, 126}},
		{opText, 65535, []byte{0x81, 126, 0xff, 0xff}},
		{opBinary, 65536, []byte{0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0}},
		{opText, 1 << 32, []byte{0x81, 127, 0, 0, 0, 1, 0, 0, 0, 0}},
		{opClose, 2, []byte{0x88, 2}},
		{opPong, 125, []byte{0x8a, 125}},
	} {
		got := appendFrameHeader(nil, tc.op, tc.n)
		if !bytes.Equal(got, tc.want) {
			t.Errorf("op %d, %d bytes: % x, want % x", tc.op, tc.n, got, tc.want)
		}
		if len(got) > maxFrameHeader {
			t.Errorf("op %d, %d bytes: %d-byte header", tc.op, tc.n, len(got))
		}
	}
}

// frameSizes are the payload lengths where the header changes form.
var frameSizes = []int{0, 1, 125, 126, 127, 1024, 1025, 65535, 65536, 70000}

// testMessages returns text and binary messages of every frameSizes size
// (a text message's frame holds one more byte: its type digit).
func testMessages() []*Message {
	var msgs []*Message
	for _, n := range frameSizes {
		text := strings.Repeat("é", n/2) + strings.Repeat("x", n%2)
		msgs = append(msgs, NewTextMessage(text))
		bin := make([]byte, n)
		for i := range bin {
			bin[i] = byte(i * 7)
		}
		msgs = append(msgs, NewMessage(bin, true))
	}
	return msgs
}

// wantFrame checks one message read by a WebSocket client against m.
func wantFrame(t *testing.T, i int, typ int, data []byte, m *Message, b64 bool) {
	t.Helper()
	wantTyp, want := websocket.TextMessage, m.textForm()
	if m.binary && !b64 {
		wantTyp, want = websocket.BinaryMessage, m.data
	}
	if typ != wantTyp || !bytes.Equal(data, want) {
		t.Fatalf("message %d: type %d, %d bytes %.20q; want type %d, %d bytes %.20q",
			i, typ, len(data), data, wantTyp, len(want), want)
	}
}

// rawFrames splits a stream of server frames, checking that each is a
// final, unmasked, unfragmented frame without RSV bits.
func rawFrames(t *testing.T, b []byte) (ops []byte, payloads [][]byte) {
	t.Helper()
	for len(b) > 0 {
		if len(b) < 2 {
			t.Fatalf("truncated header % x", b)
		}
		if b[0]&0xf0 != finBit || b[1]&0x80 != 0 {
			t.Fatalf("header % x: want FIN, no RSV, no mask", b[:2])
		}
		n, h := int(b[1]), 2
		switch n {
		case 126:
			n, h = int(b[2])<<8|int(b[3]), 4
			if n < 126 {
				t.Fatalf("length %d in the 16-bit form", n)
			}
		case 127:
			n, h = 0, 10
			for _, c := range b[2:10] {
				n = n<<8 | int(c)
			}
			if n <= 0xffff {
				t.Fatalf("length %d in the 64-bit form", n)
			}
		}
		ops = append(ops, b[0]&0x0f)
		payloads = append(payloads, b[h:h+n])
		b = b[h+n:]
	}
	return ops, payloads
}

// TestWSBatchEncoding encodes messages of every header form, text,
// binary and b64, copied (no writev) and referenced (writev), and reads
// the bytes back frame by frame.
func TestWSBatchEncoding(t *testing.T) {
	msgs := testMessages()
	for _, writev := range []bool{false, true} {
		for _, b64 := range []bool{false, true} {
			t.Run(fmt.Sprintf("writev=%v,b64=%v", writev, b64), func(t *testing.T) {
				var b wsBatch
				b.reset(writev)
				for _, m := range msgs {
					b.appendMessage(m, b64)
				}
				bufs := *b.buffers()
				if !writev && len(bufs) != 1 {
					t.Errorf("%d buffers without writev, want 1", len(bufs))
				}
				var large int
				for _, m := range msgs {
					payload := m.data
					if m.binary && b64 {
						payload = m.textForm()
					}
					if len(payload) > copyLimit {
						large++
					}
				}
				if writev && len(bufs) > 2*large+1 {
					t.Errorf("%d buffers for %d large payloads", len(bufs), large)
				}
				ops, payloads := rawFrames(t, bytes.Join(bufs, nil))
				if len(ops) != len(msgs) {
					t.Fatalf("%d frames, want %d", len(ops), len(msgs))
				}
				for i, m := range msgs {
					typ := int(ops[i])
					wantFrame(t, i, typ, payloads[i], m, b64)
				}
			})
		}
	}
}

// TestWSBatchReferencesLargePayloads: with writev, a large payload is
// written from the message itself, not copied; small frames share one
// buffer.
func TestWSBatchReferencesLargePayloads(t *testing.T) {
	small, large := NewTextMessage("hello"), NewMessage(make([]byte, copyLimit+1), true)
	var b wsBatch
	b.reset(true)
	for _, m := range []*Message{small, small, large, small} {
		b.appendMessage(m, false)
	}
	bufs := *b.buffers()
	if len(bufs) != 3 {
		t.Fatalf("%d buffers, want 3 (frames, large payload, frame)", len(bufs))
	}
	if &bufs[1][0] != &large.data[0] {
		t.Error("the large payload was copied")
	}
	if want := 2*(2+6) + 4; len(bufs[0]) != want {
		t.Errorf("first buffer %d bytes, want %d", len(bufs[0]), want)
	}
}

// TestWSBatchGrowth: buffers cut before buf grows keep their bytes.
func TestWSBatchGrowth(t *testing.T) {
	var b wsBatch
	b.reset(true)
	b.buf = make([]byte, 0, 16)
	big := NewMessage(bytes.Repeat([]byte{'z'}, copyLimit+1), true)
	var msgs []*Message
	for i := range 50 {
		m := NewTextMessage(strings.Repeat(string(rune('a'+i%26)), i))
		msgs = append(msgs, m, big)
		b.appendMessage(m, false)
		b.appendMessage(big, false)
	}
	ops, payloads := rawFrames(t, bytes.Join(*b.buffers(), nil))
	for i, m := range msgs {
		wantFrame(t, i, int(ops[i]), payloads[i], m, false)
	}
}

// countingConn counts the writes that reach the network.
type countingConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// countingHijacker hands the server a countingConn when it hijacks.
type countingHijacker struct {
	http.ResponseWriter
	conns chan<- *countingConn
}

func (w countingHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := w.ResponseWriter.(http.Hijacker).Hijack()
	if err != nil {
		return nil, nil, err
	}
	cc := &countingConn{Conn: c}
	w.conns <- cc
	return cc, brw, nil
}

// wsTestServer serves srv; every WebSocket connection it hijacks is
// counted if count is set.
type wsTestServer struct {
	srv      *Server
	ts       *httptest.Server
	sessions chan *Socket
	conns    chan *countingConn
}

func startWSTest(t *testing.T, opts Options, count bool) *wsTestServer {
	t.Helper()
	e := &wsTestServer{sessions: make(chan *Socket, 16), conns: make(chan *countingConn, 16)}
	opts.PingInterval, opts.PingTimeout = time.Hour, time.Hour
	opts.OnConnection = func(s *Socket) { e.sessions <- s }
	e.srv = NewServer(opts)
	e.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if count {
			w = countingHijacker{w, e.conns}
		}
		e.srv.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		e.srv.Close()
		e.ts.Close()
	})
	return e
}

// dial opens a WebSocket session and reads its open packet.
func (e *wsTestServer) dial(t *testing.T, query string) (*websocket.Conn, *Socket) {
	t.Helper()
	url := "ws" + strings.TrimPrefix(e.ts.URL, "http") + "/engine.io/?EIO=4&transport=websocket" + query
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, open, err := ws.ReadMessage(); err != nil || open[0] != '0' {
		t.Fatalf("open packet: %q %v", open, err)
	}
	return ws, <-e.sessions
}

// waitIdle waits for the writer of s to exit (after the open packet), so
// that what is sent next is one flush.
func waitIdle(t *testing.T, s *Socket) {
	t.Helper()
	waitUntil(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return !s.flushing
	})
}

// TestWebSocketFrames: the WebSocket library, as a client, reads back
// messages of every header form, text and binary, raw and b64, written
// with writev (a TCP connection) and copied (a connection that is not).
func TestWebSocketFrames(t *testing.T) {
	for _, count := range []bool{false, true} {
		for _, b64 := range []bool{false, true} {
			t.Run(fmt.Sprintf("copy=%v,b64=%v", count, b64), func(t *testing.T) {
				e := startWSTest(t, Options{}, count)
				query := ""
				if b64 {
					query = "&b64=1"
				}
				ws, s := e.dial(t, query)
				msgs := testMessages()
				if err := s.SendMessages(msgs...); err != nil {
					t.Fatal(err)
				}
				for i, m := range msgs {
					typ, data, err := ws.ReadMessage()
					if err != nil {
						t.Fatalf("message %d: %v", i, err)
					}
					wantFrame(t, i, typ, data, m, b64)
				}
			})
		}
	}
}

// TestWebSocketOneWritePerFlush: messages queued together reach the
// network in one write, and the client in order, whatever their kinds;
// PacketOut still reports each.
func TestWebSocketOneWritePerFlush(t *testing.T) {
	for _, b64 := range []bool{false, true} {
		t.Run(fmt.Sprintf("b64=%v", b64), func(t *testing.T) {
			var hooked atomic.Int64
			e := startWSTest(t, Options{Hooks: &Hooks{PacketOut: func(transport, typ string, size int) {
				if transport == WebSocket && typ == "message" {
					hooked.Add(1)
				}
			}}}, true)
			query := ""
			if b64 {
				query = "&b64=1"
			}
			ws, s := e.dial(t, query)
			cc := <-e.conns
			var msgs []*Message
			for _, m := range testMessages() {
				if len(m.data) <= 1025 { // under maxBatchCopy in all
					msgs = append(msgs, m)
				}
			}
			shared := NewTextMessage("for everyone")
			shared.sends.Add(1) // as if broadcast
			msgs = append(msgs, shared, shared)
			waitIdle(t, s)
			before, hookedBefore := cc.writes.Load(), hooked.Load()
			if err := s.SendMessages(msgs...); err != nil {
				t.Fatal(err)
			}
			for i, m := range msgs {
				typ, data, err := ws.ReadMessage()
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				wantFrame(t, i, typ, data, m, b64)
			}
			if n := cc.writes.Load() - before; n != 1 {
				t.Errorf("%d messages in %d writes, want 1", len(msgs), n)
			}
			// Reported once written, which may be after the client has
			// read them.
			waitUntil(t, func() bool { return hooked.Load()-hookedBefore >= int64(len(msgs)) })
			waitIdle(t, s)
			if n := hooked.Load() - hookedBefore; n != int64(len(msgs)) {
				t.Errorf("PacketOut reported %d messages, want %d", n, len(msgs))
			}
		})
	}
}

// TestWebSocketLongBatch: a batch larger than maxBatchCopy is written in
// a few writes of about that size, in order.
func TestWebSocketLongBatch(t *testing.T) {
	e := startWSTest(t, Options{}, true)
	ws, s := e.dial(t, "")
	cc := <-e.conns
	waitIdle(t, s)
	before := cc.writes.Load()
	const n = 1000
	msgs := make([]*Message, n)
	for i := range msgs {
		msgs[i] = NewTextMessage(fmt.Sprintf("%04d%s", i, strings.Repeat(".", 196)))
	}
	s.SendMessages(msgs...)
	for i := range n {
		_, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("4%04d", i); !strings.HasPrefix(string(data), want) {
			t.Fatalf("message %d: %.10q", i, data)
		}
	}
	// 1000 frames of 205 bytes: four writes of about 64 KiB.
	if w := cc.writes.Load() - before; w != 4 {
		t.Errorf("%d writes, want 4", w)
	}
}

// TestWebSocketBroadcastOrder: with writev (a real TCP connection), a
// message shared by many sessions and queued among others arrives whole
// and in order everywhere, with the client pinging all along.
func TestWebSocketBroadcastOrder(t *testing.T) {
	e := startWSTest(t, Options{}, false)
	const clients, rounds = 4, 200
	type client struct {
		ws    *websocket.Conn
		s     *Socket
		pongs atomic.Int64
	}
	cs := make([]*client, clients)
	for i := range cs {
		c := &client{}
		c.ws, c.s = e.dial(t, "")
		c.ws.SetPongHandler(func(string) error { c.pongs.Add(1); return nil })
		cs[i] = c
	}
	large := NewMessage(bytes.Repeat([]byte{0xab}, 100_000), true)
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for _, c := range cs {
		wg.Add(1)
		go func() { // the reader: every message in order, pongs between them
			defer wg.Done()
			c.ws.SetReadDeadline(time.Now().Add(20 * time.Second))
			for r := range rounds {
				want := []string{fmt.Sprintf("4shared %d", r), fmt.Sprintf("4own %d", r)}
				for _, w := range want {
					_, data, err := c.ws.ReadMessage()
					if err != nil || string(data) != w {
						errs <- fmt.Errorf("round %d: %.20q %v, want %q", r, data, err, w)
						return
					}
				}
				if r%50 == 0 {
					typ, data, err := c.ws.ReadMessage()
					if err != nil || typ != websocket.BinaryMessage || !bytes.Equal(data, large.data) {
						errs <- fmt.Errorf("round %d: large message: %d bytes, %v", r, len(data), err)
						return
					}
				}
			}
		}()
		wg.Add(1)
		go func() { // pings, written by the client while the server writes
			defer wg.Done()
			for range rounds / 10 {
				if err := c.ws.WriteControl(websocket.PingMessage, []byte("p"), time.Now().Add(time.Second)); err != nil {
					errs <- err
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	for r := range rounds {
		shared := NewTextMessage(fmt.Sprintf("shared %d", r))
		for _, c := range cs {
			msgs := []*Message{shared, NewTextMessage(fmt.Sprintf("own %d", r))}
			if r%50 == 0 {
				msgs = append(msgs, large)
			}
			if err := c.s.SendMessages(msgs...); err != nil {
				t.Fatal(err)
			}
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// The pongs are read by the readers, which finished: all have come
	// once the last message has, unless one is still in flight.
	for _, c := range cs {
		c.ws.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		c.ws.ReadMessage() // processes any pong still buffered
		if n := c.pongs.Load(); n == 0 {
			t.Error("no pong")
		}
	}
}

// recordConn records writes; a write blocks while stall is set.
type recordConn struct {
	net.Conn // nil: only writes and write deadlines are used
	mu       sync.Mutex
	written  bytes.Buffer
	deadline time.Time
}

func (c *recordConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.written.Write(p)
}

func (c *recordConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return nil
}

// TestWSConnNothingAfterClose: once a close frame is out, nothing more is
// written.
func TestWSConnNothingAfterClose(t *testing.T) {
	soon := time.Now().Add(time.Second)
	rc := &recordConn{}
	wc := newWSConn(NewServer(Options{}), rc)
	if err := wc.writeControl(opClose, nil, soon); err != nil {
		t.Fatal(err)
	}
	n := rc.written.Len()
	var b wsBatch
	b.reset(false)
	b.appendMessage(NewTextMessage("late"), false)
	if err := wc.write(b.buffers(), soon); err != websocket.ErrCloseSent {
		t.Errorf("data after close: %v, want ErrCloseSent", err)
	}
	if err := wc.writeControl(opPong, nil, soon); err != websocket.ErrCloseSent {
		t.Errorf("pong after close: %v", err)
	}
	if err := wc.writeControl(opClose, nil, soon); err != websocket.ErrCloseSent {
		t.Errorf("close after close: %v", err)
	}
	if rc.written.Len() != n {
		t.Errorf("%d bytes written after the close frame", rc.written.Len()-n)
	}
}

// TestWSConnLockTimeout: a close frame gives up waiting for a writer that
// holds the lock (stuck on a client that stopped reading).
func TestWSConnLockTimeout(t *testing.T) {
	wc := newWSConn(NewServer(Options{}), &recordConn{})
	wc.lock(time.Time{}) // a stuck writer
	start := time.Now()
	err := wc.writeControl(opClose, nil, time.Now().Add(50*time.Millisecond))
	if !isTimeout(err) {
		t.Errorf("close frame with the lock held: %v, want a timeout", err)
	}
	if d := time.Since(start); d < 40*time.Millisecond || d > 2*time.Second {
		t.Errorf("gave up after %v, want about 50ms", d)
	}
	wc.unlock()
	if err := wc.writeControl(opClose, nil, time.Now().Add(time.Second)); err != nil {
		t.Errorf("close frame once the lock is free: %v", err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestWebSocketDeflateKeepsLibraryWrites: with permessage-deflate the
// WebSocket library writes (it compresses); the messages arrive as before.
func TestWebSocketDeflateKeepsLibraryWrites(t *testing.T) {
	e := startWSTest(t, Options{PerMessageDeflate: true}, false)
	url := "ws" + strings.TrimPrefix(e.ts.URL, "http") + "/engine.io/?EIO=4&transport=websocket"
	d := websocket.Dialer{EnableCompression: true}
	ws, resp, err := d.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.HasPrefix(ext, "permessage-deflate") {
		t.Fatalf("extensions %q", ext)
	}
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, open, err := ws.ReadMessage(); err != nil || open[0] != '0' {
		t.Fatalf("open packet: %q %v", open, err)
	}
	s := <-e.sessions
	if _, ok := s.ws.(*wsConn); ok {
		t.Fatal("a permessage-deflate connection is written by the session")
	}
	msgs := testMessages()
	s.SendMessages(msgs...)
	for i, m := range msgs {
		typ, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		wantFrame(t, i, typ, data, m, false)
	}
}
