package engineio

import (
	"errors"
	"io"
	"net"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// compressionThreshold: smaller WebSocket messages are never compressed
// (Node's perMessageDeflate threshold).
const compressionThreshold = 1024

// writeTimeout bounds one flush to a WebSocket; a client that cannot take
// its data that fast is dropped rather than holding a goroutine forever.
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

// serveDirectWebSocket opens a session whose first transport is WebSocket.
func (srv *Server) serveDirectWebSocket(w http.ResponseWriter, r *http.Request) {
	s := srv.newSocket(r, WebSocket)
	header := http.Header{}
	if c := srv.sessionCookie(s.id); c != "" {
		header.Set("Set-Cookie", c)
	}
	conn, err := srv.upgrade(w, r, header)
	if err != nil {
		srv.refused(RefusedBadRequest)
		return // the upgrader has answered the malformed request
	}
	s.ws = conn
	s.b64 = r.URL.Query().Get("b64") != ""
	// No writer may start before open queues the open packet, even if
	// OnConnection sends: pretend one is running until then.
	s.flushing = true
	if !srv.register(s) {
		closeWebSocket(conn)
		conn.Close()
		return
	}
	go s.readWebSocket(conn)
}

// serveUpgrade takes the WebSocket that a polling session opens to upgrade.
func (s *Socket) serveUpgrade(w http.ResponseWriter, r *http.Request) {
	conn, err := s.srv.upgrade(w, r, nil)
	if err != nil {
		s.srv.refused(RefusedBadRequest)
		return // the upgrader has answered the malformed request
	}
	s.mu.Lock()
	if s.state != stateOpen || s.probe != nil || s.ws != nil { // lost a race
		s.mu.Unlock()
		conn.Close()
		return
	}
	s.probe = conn
	s.upgradeTimer = time.AfterFunc(s.srv.opts.UpgradeTimeout, func() { s.abortUpgrade(conn) })
	s.kickLocked() // from now on polls are answered with a noop
	s.mu.Unlock()
	go s.readProbe(conn, r.URL.Query().Get("b64") != "")
}

// upgradable reports whether the session may start an upgrade now.
func (s *Socket) upgradable() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == stateOpen && s.probe == nil && s.ws == nil
}

// readProbe runs the upgrade dance on a probe WebSocket: "2probe" is answered
// with "3probe", "5" makes it the session's transport, anything else cancels.
func (s *Socket) readProbe(conn *websocket.Conn, b64 bool) {
	for {
		typ, data, err := s.srv.readMessage(conn)
		if err != nil {
			s.abortUpgrade(conn)
			return
		}
		var p packet
		if typ == websocket.BinaryMessage {
			p = packet{typ: packetMessage, data: data, binary: true}
		} else if !utf8.Valid(data) {
			failInvalidUTF8(conn)
			s.abortUpgrade(conn)
			return
		} else if p, err = decodeText(data); err != nil {
			s.abortUpgrade(conn)
			return
		}
		s.srv.packetIn(WebSocket, p)
		switch {
		case p.typ == packetPing && string(p.data) == "probe":
			if err := writeProbeAnswer(conn); err != nil {
				s.abortUpgrade(conn)
				return
			}
			if fn := s.srv.hooks.PacketOut; fn != nil {
				fn(WebSocket, packetPong.String(), len("probe"))
			}
		case p.typ == packetUpgrade:
			if !s.completeUpgrade(conn, b64) {
				conn.Close()
				return
			}
			if fn := s.srv.hooks.Upgraded; fn != nil {
				fn()
			}
			s.readWebSocket(conn)
			return
		default:
			s.abortUpgrade(conn)
			return
		}
	}
}

func (s *Socket) completeUpgrade(conn *websocket.Conn, b64 bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateOpen || s.probe != conn {
		return false
	}
	s.upgradeTimer.Stop()
	s.probe = nil
	s.ws = conn
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
func (s *Socket) abortUpgrade(conn *websocket.Conn) {
	s.mu.Lock()
	if s.probe == conn {
		s.cancelUpgradeLocked()
	}
	s.mu.Unlock()
	conn.Close()
}

func (s *Socket) cancelUpgradeLocked() {
	if s.probe == nil {
		return
	}
	s.upgradeTimer.Stop()
	s.probe.Close()
	s.probe = nil
}

// readWebSocket reads the session's WebSocket until it fails or the session
// ends; it is the only goroutine a WebSocket session keeps while idle.
func (s *Socket) readWebSocket(conn *websocket.Conn) {
	defer func() {
		awaitCloseReply(conn)
		conn.Close()
	}()
	for {
		typ, data, err := s.srv.readMessage(conn)
		if err != nil {
			s.close(wsCloseReason(err), err)
			return
		}
		if !s.checkPong() {
			return
		}
		var p packet
		if typ == websocket.BinaryMessage {
			p = packet{typ: packetMessage, data: data, binary: true}
		} else if !utf8.Valid(data) {
			failInvalidUTF8(conn)
			s.close(ReasonTransportError, errInvalidUTF8)
			return
		} else if p, err = decodeText(data); err != nil {
			s.close(ReasonParseError, err)
			return
		}
		s.srv.packetIn(WebSocket, p)
		s.readMu.Lock()
		more := s.handlePacket(p)
		s.readMu.Unlock()
		if !more {
			return
		}
	}
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
		writeClose(conn, websocket.CloseMessageTooBig, time.Now().Add(closeGrace))
		return typ, nil, websocket.ErrReadLimit
	}
	return typ, data, nil
}

// errInvalidUTF8 closes a session whose client sent a text frame that is
// not UTF-8.
var errInvalidUTF8 = errors.New("engineio: invalid UTF-8 in a text frame")

// failInvalidUTF8 sends the close frame RFC 6455 requires for a text frame
// that is not UTF-8 (1007), which the WebSocket library does not check, as
// Node's ws does. Text the application receives is always UTF-8.
func failInvalidUTF8(conn *websocket.Conn) {
	writeClose(conn, websocket.CloseInvalidFramePayloadData, time.Now().Add(closeGrace))
}

// awaitCloseReply reads until the connection fails. When the session ended
// with the connection still up, its close frame is on the way (from
// closeWebSocket, in another goroutine while a writer is busy): the
// reader must not drop the connection under it, and waits for the
// client's reply, or for the deadline closeWebSocket sets (closeGrace),
// or for closeWebSocket to give up and close. After a read error it
// returns at once: the library's read errors are permanent.
func awaitCloseReply(conn *websocket.Conn) {
	for {
		if _, _, err := conn.NextReader(); err != nil {
			return
		}
	}
}

// flushWebSocket writes the queue until it is empty, then exits: a WebSocket
// session has a writer goroutine only while it has something to write.
func (s *Socket) flushWebSocket(conn *websocket.Conn) {
	wc, _ := conn.NetConn().(*wsConn) // nil: the library writes (permessage-deflate)
	for {
		s.mu.Lock()
		if len(s.queue) == 0 || s.ws != conn {
			s.flushing = false
			s.mu.Unlock()
			return
		}
		batch := s.takeQueueLocked()
		b64 := s.b64
		s.mu.Unlock()

		var closing bool
		var err error
		if wc != nil {
			closing, err = s.srv.writeBatch(wc, batch, b64)
		} else {
			closing, err = s.srv.writeFrames(conn, batch, b64)
		}
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

// writeBatch writes the frames of batch with one write system call, or a
// few for a very long batch: a broadcast to a session with several
// messages queued costs one write, not one per frame. It stops at the close
// packet, which Node does not send over WebSocket, and reports it.
func (srv *Server) writeBatch(wc *wsConn, batch []*Message, b64 bool) (closing bool, err error) {
	deadline := time.Now().Add(writeTimeout)
	b := srv.getBatch(wc.writev)
	defer srv.putBatch(b)
	done := 0 // batch[:done] is written
	for i, m := range batch {
		if m == srv.closeMsg {
			batch, closing = batch[:i], true
			break
		}
		b.appendMessage(m, b64)
		if b.full() {
			if err := srv.writeOut(wc, b, batch[done:i+1], deadline); err != nil {
				return false, err
			}
			done = i + 1
		}
	}
	if !b.empty() {
		if err := srv.writeOut(wc, b, batch[done:], deadline); err != nil {
			return false, err
		}
	}
	return closing, nil
}

// writeOut writes what b holds, the frames of msgs, and empties it.
func (srv *Server) writeOut(wc *wsConn, b *wsBatch, msgs []*Message, deadline time.Time) error {
	err := wc.write(b.buffers(), deadline)
	b.reset(wc.writev)
	if err != nil {
		return err
	}
	if fn := srv.hooks.PacketOut; fn != nil {
		for _, m := range msgs {
			fn(WebSocket, m.typ.String(), len(m.data))
		}
	}
	return nil
}

// writeFrames is writeBatch through the WebSocket library, which writes
// each frame with its own system call: with permessage-deflate, where the
// library compresses.
func (srv *Server) writeFrames(conn *websocket.Conn, batch []*Message, b64 bool) (closing bool, err error) {
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

// writeProbeAnswer answers the client's "2probe" on the WebSocket it
// upgrades to.
func writeProbeAnswer(conn *websocket.Conn) error {
	const answer = "3probe"
	if wc, ok := conn.NetConn().(*wsConn); ok {
		frame := appendFrameHeader(make([]byte, 0, 2+len(answer)), opText, len(answer))
		return wc.writeFrame(append(frame, answer...), time.Now().Add(writeTimeout))
	}
	return conn.WriteMessage(websocket.TextMessage, []byte(answer))
}

// writeClose sends a close frame with code, or an empty one for code 0.
func writeClose(conn *websocket.Conn, code int, deadline time.Time) error {
	var payload []byte
	if code != 0 {
		payload = websocket.FormatCloseMessage(code, "")
	}
	if wc, ok := conn.NetConn().(*wsConn); ok {
		return wc.writeControl(opClose, payload, deadline)
	}
	if payload == nil {
		payload = []byte{}
	}
	return conn.WriteControl(websocket.CloseMessage, payload, deadline)
}

// closeWebSocket sends an empty close frame, as Node's ws.close() does, and
// gives the client a moment to answer before the reader drops the connection.
func closeWebSocket(conn *websocket.Conn) {
	deadline := time.Now().Add(closeGrace)
	if err := writeClose(conn, 0, deadline); err != nil {
		conn.Close()
		return
	}
	conn.SetReadDeadline(deadline)
}
