package engineio

import (
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// compressionThreshold: smaller WebSocket messages are never compressed
// (Node's perMessageDeflate threshold).
const compressionThreshold = 1024

// writeTimeout bounds a write to a WebSocket (to between half of it and
// all of it: see wsConn.armDeadline); a client that cannot take its data
// that fast is dropped rather than holding a goroutine forever.
const writeTimeout = 10 * time.Second

// closeGrace is how long a closing WebSocket waits for the client's close frame.
const closeGrace = time.Second

func (srv *Server) newUpgrader() websocket.Upgrader {
	return websocket.Upgrader{
		ReadBufferSize:    1024,
		WriteBufferPool:   &srv.writeBuffers,
		EnableCompression: srv.opts.PerMessageDeflate,
		// Node does not check the Origin of WebSocket requests; AllowRequest
		// and CORS are where applications decide.
		CheckOrigin: func(*http.Request) bool { return true },
	}
}

// wsTransport is a session's WebSocket: a wsConn, or with
// permessage-deflate the WebSocket library's connection (libWS).
type wsTransport interface {
	// startReading hands what the client sends to recv, from now on.
	startReading(recv wsReceiver)
	// flush writes batch, stopping at the close packet, which Node does
	// not send over WebSocket, and reporting it.
	flush(batch []*Message, b64 bool) (closing bool, err error)
	writeProbeAnswer() error
	// writeClose sends a close frame with code.
	writeClose(code int) error
	// shutdown sends an empty close frame, as Node's ws.close() does, and
	// drops the connection once the client answers, or after closeGrace.
	shutdown()
	// Close drops the connection at once.
	Close() error
}

// serveDirectWebSocket opens a session whose first transport is WebSocket.
func (srv *Server) serveDirectWebSocket(w http.ResponseWriter, r *http.Request) {
	s := srv.newSocket(r, WebSocket)
	if s == nil {
		http.Error(w, "engineio: GenerateID made an invalid or duplicate session id", http.StatusInternalServerError)
		return
	}
	header := http.Header{}
	if c := srv.sessionCookie(s.id); c != "" {
		header.Set("Set-Cookie", c)
	}
	srv.customHeaders(header, r)
	t, err := srv.acceptWebSocket(w, r, header)
	if err != nil {
		srv.refused(RefusedBadRequest)
		return // the upgrader has answered the malformed request
	}
	s.ws = t
	s.b64 = r.URL.Query().Get("b64") != ""
	// No writer may start before open queues the open packet, even if
	// OnConnection sends: pretend one is running until then.
	s.flushing = true
	if !srv.register(s) {
		t.shutdown()
		t.Close()
		return
	}
	t.startReading(wsReceiver{s: s, t: t, upgraded: true})
}

// serveUpgrade takes the WebSocket that a polling session opens to upgrade.
func (s *Socket) serveUpgrade(w http.ResponseWriter, r *http.Request) {
	var header http.Header
	if s.srv.opts.Headers != nil {
		header = http.Header{}
		s.srv.customHeaders(header, r)
	}
	t, err := s.srv.acceptWebSocket(w, r, header)
	if err != nil {
		s.srv.refused(RefusedBadRequest)
		return // the upgrader has answered the malformed request
	}
	s.mu.Lock()
	if s.state != stateOpen || s.probe != nil || s.ws != nil { // lost a race
		s.mu.Unlock()
		t.Close()
		return
	}
	s.probe = t
	s.upgradeTimer = time.AfterFunc(s.srv.opts.UpgradeTimeout, func() { s.abortUpgrade(t) })
	s.kickLocked() // from now on polls are answered with a noop
	s.mu.Unlock()
	t.startReading(wsReceiver{s: s, t: t, b64: r.URL.Query().Get("b64") != ""})
}

// upgradable reports whether the session may start an upgrade now.
func (s *Socket) upgradable() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == stateOpen && s.probe == nil && s.ws == nil
}

// wsReceiver takes the messages a WebSocket's reader reads: first the
// upgrade dance on a probe ("2probe" is answered with "3probe", "5" makes
// it the session's transport, anything else cancels), then the session's
// packets.
type wsReceiver struct {
	s        *Socket
	t        wsTransport
	b64      bool // the client wants binary as base64 text
	upgraded bool // the WebSocket is the session's transport
}

// message handles one message; it reports whether to go on reading.
func (r *wsReceiver) message(binary bool, data []byte) bool {
	s := r.s
	if r.upgraded && !s.checkPong() {
		return false
	}
	var p packet
	if binary {
		p = packet{typ: packetMessage, data: data, binary: true}
	} else if !utf8.Valid(data) {
		// RFC 6455 asks for 1007, which Node's ws sends: text the
		// application receives is always UTF-8.
		r.t.writeClose(websocket.CloseInvalidFramePayloadData)
		r.fail(ReasonTransportError, errInvalidUTF8)
		return false
	} else {
		var err error
		if p, err = decodeText(data); err != nil {
			r.fail(ReasonParseError, err)
			return false
		}
	}
	s.srv.packetIn(WebSocket, p)
	if !r.upgraded {
		return r.probe(p)
	}
	s.readMu.Lock()
	more := s.handlePacket(p)
	s.readMu.Unlock()
	return more
}

func (r *wsReceiver) probe(p packet) bool {
	s := r.s
	switch {
	case p.typ == packetPing && string(p.data) == "probe":
		if err := r.t.writeProbeAnswer(); err != nil {
			s.abortUpgrade(r.t)
			return false
		}
		if fn := s.srv.hooks.PacketOut; fn != nil {
			fn(WebSocket, packetPong.String(), len("probe"))
		}
		return true
	case p.typ == packetUpgrade:
		if !s.completeUpgrade(r.t, r.b64) {
			r.t.Close()
			return false
		}
		if fn := s.srv.hooks.Upgraded; fn != nil {
			fn()
		}
		r.upgraded = true
		return true
	}
	s.abortUpgrade(r.t)
	return false
}

// failed is the end of the reads: a read error, a protocol error, or the
// client's close frame.
func (r *wsReceiver) failed(err error) { r.fail(wsCloseReason(err), err) }

// fail ends the session, or on a probe just the upgrade.
func (r *wsReceiver) fail(reason string, err error) {
	if r.upgraded {
		r.s.close(reason, err)
	} else {
		r.s.abortUpgrade(r.t)
	}
}

func (s *Socket) completeUpgrade(t wsTransport, b64 bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateOpen || s.probe != t {
		return false
	}
	s.upgradeTimer.Stop()
	s.probe = nil
	s.ws = t
	s.b64 = b64
	s.transport = WebSocket
	select { // a poll still waiting is released with a noop
	case s.wake <- struct{}{}:
	default:
	}
	s.kickLocked()
	return true
}

// abortUpgrade drops a probe WebSocket; the session stays on polling.
func (s *Socket) abortUpgrade(t wsTransport) {
	s.mu.Lock()
	if s.probe == t {
		s.cancelUpgradeLocked()
	}
	s.mu.Unlock()
	t.Close()
}

func (s *Socket) cancelUpgradeLocked() {
	if s.probe == nil {
		return
	}
	s.upgradeTimer.Stop()
	s.probe.Close()
	s.probe = nil
}

// wsCloseReason maps a read error to Node's reason: the peer going away
// (a close frame, or the connection dropped) is a transport close; an
// oversize message or any violation of RFC 6455 is a transport error, as
// Node's ws reports them.
func wsCloseReason(err error) string {
	var ce *websocket.CloseError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.As(err, &ne), errors.Is(err, net.ErrClosed),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return ReasonTransportClose
	}
	// websocket.ErrReadLimit, and the library's protocol errors, which it
	// has answered with a close frame (1009, 1002).
	return ReasonTransportError
}

// readMessage reads one message, of at most MaxHTTPBufferSize bytes once
// inflated. The WebSocket library's read limit counts the bytes on the
// wire, which with permessage-deflate may inflate a thousandfold: Node's
// ws applies maxPayload to the inflated message, and so does this, with
// the same close code (1009) and error.
func (srv *Server) readMessage(conn *websocket.Conn) (int, []byte, error) {
	typ, r, err := conn.NextReader()
	if err != nil {
		return typ, nil, err
	}
	limit := srv.opts.MaxHTTPBufferSize
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return typ, nil, err
	}
	if int64(len(data)) > limit {
		conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseMessageTooBig, ""), time.Now().Add(closeGrace))
		return typ, nil, websocket.ErrReadLimit
	}
	return typ, data, nil
}

// errInvalidUTF8 closes a session whose client sent a text frame that is
// not UTF-8.
var errInvalidUTF8 = errors.New("engineio: invalid UTF-8 in a text frame")

// flushWebSocket writes the queue until it is empty, then exits: a WebSocket
// session has a writer goroutine only while it has something to write.
func (s *Socket) flushWebSocket(t wsTransport) {
	s.mu.Lock()
	shared := len(s.queue) > 0 && s.queue[0].sends.Load() > 1
	s.mu.Unlock()
	if shared {
		// A broadcast: let the goroutines already waiting to run (the
		// broadcaster, the next broadcast) go first, so that one write
		// carries what they queue meanwhile. With nothing else to run
		// this returns at once.
		runtime.Gosched()
	}
	for {
		s.mu.Lock()
		if len(s.queue) == 0 || s.ws != t {
			s.flushing = false
			s.mu.Unlock()
			return
		}
		batch := s.takeQueueLocked()
		b64 := s.b64
		s.mu.Unlock()

		s.writing.Store(true)
		closing, err := t.flush(batch, b64)
		s.writing.Store(false)
		s.returnQueue(batch)
		if err != nil || closing {
			s.mu.Lock()
			s.flushing = false
			s.mu.Unlock()
			if err != nil {
				s.close(ReasonTransportError, err)
			} else {
				s.close(ReasonForcedClose, nil)
			}
			return
		}
	}
}

// flush writes the frames of batch with one write system call, or a few
// for a very long batch: a broadcast to a session with several messages
// queued costs one write, not one per frame.
func (c *wsConn) flush(batch []*Message, b64 bool) (closing bool, err error) {
	srv := c.srv
	deadline := time.Now().Add(writeTimeout)
	b := srv.getBatch(c.writev)
	defer srv.putBatch(b)
	done := 0 // batch[:done] is written
	for i, m := range batch {
		if m == srv.closeMsg {
			batch, closing = batch[:i], true
			break
		}
		b.appendMessage(m, b64)
		if b.full() {
			if err := c.writeOut(b, batch[done:i+1], deadline); err != nil {
				return false, err
			}
			done = i + 1
		}
	}
	if !b.empty() {
		if err := c.writeOut(b, batch[done:], deadline); err != nil {
			return false, err
		}
	}
	return closing, nil
}

// writeOut writes what b holds, the frames of msgs, and empties it.
func (c *wsConn) writeOut(b *wsBatch, msgs []*Message, deadline time.Time) error {
	err := c.write(b.buffers(), deadline)
	b.reset(c.writev)
	if err != nil {
		return err
	}
	if fn := c.srv.hooks.PacketOut; fn != nil {
		for _, m := range msgs {
			fn(WebSocket, m.typ.String(), len(m.data))
		}
	}
	return nil
}

// libWS is a WebSocket with permessage-deflate: the library reads, writes
// and compresses, and writes each frame with its own system call.
type libWS struct {
	conn *websocket.Conn
	srv  *Server
}

// startReading starts the goroutine that reads the connection.
func (l *libWS) startReading(recv wsReceiver) {
	go func() {
		defer func() {
			awaitCloseReply(l.conn)
			l.conn.Close()
		}()
		for {
			typ, data, err := l.srv.readMessage(l.conn)
			if err != nil {
				recv.failed(err)
				return
			}
			if !recv.message(typ == websocket.BinaryMessage, data) {
				return
			}
		}
	}()
}

// awaitCloseReply reads until the connection fails. When the session ended
// with the connection still up, its close frame is on the way (from
// shutdown, in another goroutine while a writer is busy): the reader must
// not drop the connection under it, and waits for the client's reply, or
// for the deadline shutdown sets (closeGrace), or for shutdown to give up
// and close. After a read error it returns at once: the library's read
// errors are permanent.
func awaitCloseReply(conn *websocket.Conn) {
	for {
		if _, _, err := conn.NextReader(); err != nil {
			return
		}
	}
}

func (l *libWS) flush(batch []*Message, b64 bool) (closing bool, err error) {
	conn, srv := l.conn, l.srv
	conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	for _, m := range batch {
		if m == srv.closeMsg {
			return true, nil
		}
		if err := srv.writeFrame(conn, m, b64); err != nil {
			return false, err
		}
		if fn := srv.hooks.PacketOut; fn != nil {
			fn(WebSocket, m.typ.String(), len(m.data))
		}
	}
	return false, nil
}

// writeFrame writes one packet as one frame through the WebSocket library:
// text as its digit and data, binary as raw bytes in a binary frame (or
// base64 text for b64 clients).
func (srv *Server) writeFrame(conn *websocket.Conn, m *Message, b64 bool) error {
	if srv.opts.PerMessageDeflate {
		conn.EnableWriteCompression(!m.noCompress && len(m.data) >= compressionThreshold)
	}
	if m.binary && b64 {
		return conn.WriteMessage(websocket.TextMessage, m.textForm())
	}
	if m.sends.Load() > 1 {
		if pm := m.preparedFrame(); pm != nil {
			return conn.WritePreparedMessage(pm)
		}
	}
	if m.binary {
		return conn.WriteMessage(websocket.BinaryMessage, m.data)
	}
	w, err := conn.NextWriter(websocket.TextMessage)
	if err != nil {
		return err
	}
	w.Write([]byte{byte(m.typ)})
	w.Write(m.data)
	return w.Close()
}

func (l *libWS) writeProbeAnswer() error {
	return l.conn.WriteMessage(websocket.TextMessage, []byte("3probe"))
}

func (l *libWS) writeClose(code int) error {
	return l.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), time.Now().Add(closeGrace))
}

func (l *libWS) shutdown() {
	deadline := time.Now().Add(closeGrace)
	if err := l.conn.WriteControl(websocket.CloseMessage, []byte{}, deadline); err != nil {
		l.conn.Close()
		return
	}
	l.conn.SetReadDeadline(deadline)
}

func (l *libWS) Close() error { return l.conn.Close() }
