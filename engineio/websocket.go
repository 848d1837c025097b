package engineio

import (
	"errors"
	"net/http"
	"time"

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
	conn, err := srv.upgrader.Upgrade(w, r, header)
	if err != nil {
		srv.refused(RefusedBadRequest)
		return // the upgrader has answered the malformed request
	}
	conn.SetReadLimit(srv.opts.MaxHTTPBufferSize)
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
	conn, err := s.srv.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.srv.refused(RefusedBadRequest)
		return // the upgrader has answered the malformed request
	}
	conn.SetReadLimit(s.srv.opts.MaxHTTPBufferSize)
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
		typ, data, err := conn.ReadMessage()
		if err != nil {
			s.abortUpgrade(conn)
			return
		}
		var p packet
		if typ == websocket.BinaryMessage {
			p = packet{typ: packetMessage, data: data, binary: true}
		} else if p, err = decodeText(data); err != nil {
			s.abortUpgrade(conn)
			return
		}
		s.srv.packetIn(WebSocket, p)
		switch {
		case p.typ == packetPing && string(p.data) == "probe":
			if err := conn.WriteMessage(websocket.TextMessage, []byte("3probe")); err != nil {
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
	defer conn.Close()
	for {
		typ, data, err := conn.ReadMessage()
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

// wsCloseReason maps a read error to Node's reason: an oversize message or a
// protocol violation is a transport error, the peer going away a transport close.
func wsCloseReason(err error) string {
	if errors.Is(err, websocket.ErrReadLimit) {
		return ReasonTransportError
	}
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ReasonTransportClose
	}
	return ReasonTransportClose
}

// flushWebSocket writes the queue until it is empty, then exits: a WebSocket
// session has a writer goroutine only while it has something to write.
func (s *Socket) flushWebSocket(conn *websocket.Conn) {
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

		conn.SetWriteDeadline(time.Now().Add(writeTimeout))
		closing := false
		var err error
		for _, m := range batch {
			if m == s.srv.closeMsg {
				closing = true // Node sends no close packet over WebSocket
				break
			}
			if err = s.srv.writeFrame(conn, m, b64); err != nil {
				break
			}
			if fn := s.srv.hooks.PacketOut; fn != nil {
				fn(WebSocket, m.typ.String(), len(m.data))
			}
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

// writeFrame writes one packet as one frame: text as its digit and data,
// binary as raw bytes in a binary frame (or base64 text for b64 clients).
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

// closeWebSocket sends an empty close frame, as Node's ws.close() does, and
// gives the client a moment to answer before the reader drops the connection.
func closeWebSocket(conn *websocket.Conn) {
	deadline := time.Now().Add(closeGrace)
	if err := conn.WriteControl(websocket.CloseMessage, []byte{}, deadline); err != nil {
		conn.Close()
		return
	}
	conn.SetReadDeadline(deadline)
}
