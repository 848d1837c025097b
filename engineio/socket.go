package engineio

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

type sessionState uint8

const (
	stateOpen    sessionState = iota
	stateClosing              // server-side close: flushing the queue, then "1"
	stateClosed
)

var (
	errOverlap        = errors.New("engineio: overlapping request from client")
	errPollClosed     = errors.New("engineio: poll connection closed prematurely")
	errBadContent     = errors.New("engineio: invalid content type")
	errHeartbeatDir   = errors.New("engineio: invalid heartbeat direction")
	errUnexpectedOpen = errors.New("engineio: client sent an open packet")
)

// Socket is one Engine.IO session, whichever transport carries it. Messages
// arrive in order on one goroutine at a time; Send never blocks.
type Socket struct {
	srv       *Server
	id        string
	handshake handshakeData

	// readMu serializes the delivery of incoming packets, so handlers see
	// them in arrival order even if a misbehaving client overlaps transports.
	readMu sync.Mutex

	mu        sync.Mutex
	state     sessionState
	transport string
	queue     []*Message
	spare     []*Message // the previous queue's array, reused
	onMessage func(data []byte, binary bool)
	onClose   func(reason string, cause error)

	// polling
	pollActive bool
	postActive bool
	wake       chan struct{} // tells the waiting GET to look at the queue; nil on a direct WebSocket
	linger     *time.Timer   // a server-side close waiting for a GET to carry "1"

	// websocket
	ws           wsTransport
	b64          bool        // the WebSocket client wants binary as base64 text
	flushing     bool        // a flusher goroutine owns the WebSocket's writes
	writing      atomic.Bool // the flusher is inside a write
	probe        wsTransport // the WebSocket being upgraded to, if any
	upgradeTimer *time.Timer

	// heartbeat
	pingTimer    *time.Timer
	pongTimer    *time.Timer
	pongDeadline time.Time // zero while no ping awaits its pong
}

// ID returns the session id.
func (s *Socket) ID() string { return s.id }

// Handshake returns the data of the request that opened the session.
func (s *Socket) Handshake() *Handshake { return s.handshake.handshake() }

// Transport returns the name of the transport that carries the session now.
func (s *Socket) Transport() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transport
}

// OnMessage sets the callback for incoming messages. It is called on one
// goroutine at a time, in arrival order; data belongs to the callee.
func (s *Socket) OnMessage(fn func(data []byte, binary bool)) {
	s.mu.Lock()
	s.onMessage = fn
	s.mu.Unlock()
}

// OnClose sets the callback called once when the session ends, with one of
// the Reason constants and, where there is one, the underlying error.
func (s *Socket) OnClose(fn func(reason string, cause error)) {
	s.mu.Lock()
	s.onClose = fn
	s.mu.Unlock()
}

// Send queues m for the client. It does not wait for the write.
func (s *Socket) Send(m *Message) error { return s.SendMessages(m) }

// SendMessages queues msgs together: no other message gets between them,
// which a packet split over several messages (Socket.IO binary attachments)
// needs. It does not wait for the write.
func (s *Socket) SendMessages(msgs ...*Message) error {
	_, err := s.send(msgs, false)
	return err
}

// SendVolatile queues msgs together only if the transport can take them
// now; otherwise they are dropped, as Node drops volatile packets. It reports
// whether they were queued.
func (s *Socket) SendVolatile(msgs ...*Message) bool {
	ok, _ := s.send(msgs, true)
	return ok
}

func (s *Socket) send(msgs []*Message, volatile bool) (bool, error) {
	for _, m := range msgs {
		m.sends.Add(1)
	}
	s.mu.Lock()
	if s.state != stateOpen {
		s.mu.Unlock()
		return false, ErrClosed
	}
	if volatile && !s.writableLocked() {
		transport := s.transport
		s.mu.Unlock()
		if fn := s.srv.hooks.VolatileDropped; fn != nil {
			fn(transport, len(msgs))
		}
		return false, nil
	}
	if len(s.queue)+len(msgs) > s.srv.opts.MaxBufferedPackets {
		transport := s.transport
		fire := s.finishLocked(ReasonTransportError, ErrQueueFull)
		s.mu.Unlock()
		if fn := s.srv.hooks.QueueOverflow; fn != nil {
			fn(transport)
		}
		fire()
		return false, ErrQueueFull
	}
	s.queue = append(s.queue, msgs...)
	s.kickLocked()
	s.mu.Unlock()
	return true, nil
}

// writableLocked reports whether a write would go out now: nothing is
// queued or being written and, over polling, a GET is there to carry it.
func (s *Socket) writableLocked() bool {
	if len(s.queue) > 0 || s.probe != nil {
		return false
	}
	if s.ws != nil {
		// Not !flushing: a flusher that has written everything but not
		// yet noticed the empty queue would drop a volatile packet for a
		// client that already has all its data (and may be answering it).
		return !s.writing.Load()
	}
	return s.pollActive
}

// SendText queues a text message.
func (s *Socket) SendText(text string) error { return s.Send(NewTextMessage(text)) }

// SendBinary queues a binary message. The socket keeps b.
func (s *Socket) SendBinary(b []byte) error { return s.Send(NewMessage(b, true)) }

// Close ends the session as Node's socket.close() does: what is queued is
// still delivered, then the client is told to close ("forced close").
func (s *Socket) Close() error {
	s.mu.Lock()
	if s.state != stateOpen {
		s.mu.Unlock()
		return nil
	}
	s.state = stateClosing
	s.stopTimersLocked()
	s.cancelUpgradeLocked()
	s.queue = append(s.queue, s.srv.closeMsg)
	if s.ws == nil && !s.pollActive {
		s.armLingerLocked()
	}
	s.kickLocked()
	s.mu.Unlock()
	return nil
}

// armLingerLocked bounds a server-side close over polling: Node waits up to
// 30 s for a GET to carry the close packet.
func (s *Socket) armLingerLocked() {
	if s.linger == nil {
		s.linger = time.AfterFunc(30*time.Second, func() { s.close(ReasonForcedClose, nil) })
	}
}

func (s *Socket) enqueueLocked(m *Message) {
	s.queue = append(s.queue, m)
	s.kickLocked()
}

// kickLocked gets the queue moving: it wakes the waiting GET, or starts a
// WebSocket flusher if none runs. No goroutine exists while the queue is empty.
func (s *Socket) kickLocked() {
	if s.ws != nil {
		if !s.flushing && len(s.queue) > 0 {
			s.flushing = true
			ws := s.ws
			s.srv.workers.Go(func() { s.flushWebSocket(ws) })
		}
		return
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// takeQueueLocked hands the queued messages to a writer; it must give the
// slice back with returnQueue.
func (s *Socket) takeQueueLocked() []*Message {
	batch := s.queue
	s.queue = s.spare[:0]
	s.spare = nil
	return batch
}

func (s *Socket) returnQueue(batch []*Message) {
	clear(batch)
	s.mu.Lock()
	if s.spare == nil && cap(batch) <= 4*s.srv.opts.MaxBufferedPackets {
		s.spare = batch[:0]
	}
	s.mu.Unlock()
}

// close ends the session at once for reason. Safe to call more than once.
func (s *Socket) close(reason string, cause error) {
	s.mu.Lock()
	fire := s.finishLocked(reason, cause)
	s.mu.Unlock()
	fire()
}

// finishLocked moves the session to closed and returns the callback to run
// once the lock is released. A pending GET receives only the close packet,
// as Node's transport close sends it; a WebSocket gets a close frame.
func (s *Socket) finishLocked(reason string, cause error) func() {
	if s.state == stateClosed {
		return func() {}
	}
	s.state = stateClosed
	s.stopTimersLocked()
	s.cancelUpgradeLocked()
	if s.linger != nil {
		s.linger.Stop()
	}
	clear(s.queue)
	s.queue = s.queue[:0]
	if s.pollActive {
		// Node answers a pending poll with a close packet, except when the
		// client itself closed, where the poll is just released.
		last := s.srv.closeMsg
		if reason == ReasonTransportClose {
			last = s.srv.noopMsg
		}
		s.queue = append(s.queue, last)
		s.kickLocked()
	}
	ws := s.ws
	// A writer still at work may be stuck on a client that stopped reading
	// (a queue overflow always is): the close frame waits for it, up to
	// closeGrace, so it must not wait in the caller's goroutine, which may
	// be a broadcast holding its adapter's lock, or Server.Close.
	writerBusy := ws != nil && s.flushing
	transport := s.transport
	onClose := s.onClose
	s.onClose = nil
	s.onMessage = nil
	return func() {
		s.srv.remove(s) // gone before the client can see the close
		if writerBusy {
			go ws.shutdown()
		} else if ws != nil {
			ws.shutdown()
		}
		if fn := s.srv.hooks.SessionClosed; fn != nil {
			fn(transport, reason)
		}
		if onClose != nil {
			onClose(reason, cause)
		}
	}
}

func (s *Socket) stopTimersLocked() {
	if s.pingTimer != nil {
		s.pingTimer.Stop()
	}
	if s.pongTimer != nil {
		s.pongTimer.Stop()
	}
	s.pongDeadline = time.Time{}
}

// open queues the open packet and starts the heartbeat.
func (s *Socket) open(initial []*Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == stateClosed { // closed from OnConnection or by Server.Close
		return
	}
	for _, m := range initial {
		m.sends.Add(1)
	}
	// OnConnection runs first and may already have sent: the open packet
	// must still be the first thing the client sees.
	s.queue = append(initial, s.queue...)
	s.flushing = false // serveDirectWebSocket held the writer back until now
	s.schedulePingLocked()
	s.kickLocked()
}

// Heartbeat: the server pings pingInterval after the session opens and after
// each pong; the pong is due pingTimeout after the ping is queued.

func (s *Socket) schedulePingLocked() {
	d := s.srv.opts.PingInterval
	if s.pingTimer == nil {
		s.pingTimer = time.AfterFunc(d, s.ping)
	} else {
		s.pingTimer.Reset(d)
	}
}

func (s *Socket) ping() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateOpen || !s.pongDeadline.IsZero() {
		return
	}
	d := s.srv.opts.PingTimeout
	s.pongDeadline = time.Now().Add(d)
	if s.pongTimer == nil {
		s.pongTimer = time.AfterFunc(d, func() { s.checkPong() })
	} else {
		s.pongTimer.Reset(d)
	}
	s.srv.pingMsg.sends.Add(1)
	s.enqueueLocked(s.srv.pingMsg)
}

// checkPong closes the session if its pong is overdue. Besides the timer, every
// request calls it first: a late timer must not let an expired session answer.
func (s *Socket) checkPong() bool {
	s.mu.Lock()
	if s.state == stateOpen && !s.pongDeadline.IsZero() && !time.Now().Before(s.pongDeadline) {
		fire := s.finishLocked(ReasonPingTimeout, nil)
		s.mu.Unlock()
		fire()
		return false
	}
	ok := s.state != stateClosed
	s.mu.Unlock()
	return ok
}

func (s *Socket) onPong() {
	s.mu.Lock()
	if s.state == stateOpen && !s.pongDeadline.IsZero() {
		s.pongDeadline = time.Time{}
		s.pongTimer.Stop()
		s.schedulePingLocked()
	}
	s.mu.Unlock()
}

// handlePacket acts on one incoming packet; it reports whether the transport
// should keep reading. The caller holds readMu.
func (s *Socket) handlePacket(p packet) bool {
	switch p.typ {
	case packetMessage:
		s.mu.Lock()
		fn := s.onMessage
		open := s.state == stateOpen
		s.mu.Unlock()
		if open && fn != nil {
			fn(p.data, p.binary)
		}
	case packetPong:
		s.onPong()
	case packetClose:
		s.close(ReasonTransportClose, nil)
		return false
	case packetPing:
		s.close(ReasonTransportError, errHeartbeatDir)
		return false
	case packetOpen:
		s.close(ReasonTransportError, errUnexpectedOpen)
		return false
	}
	return true
}
