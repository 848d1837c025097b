package socketio

import (
	"encoding/json"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/siogo/siogo/engineio"
)

// maxInbox is how many decoded packets a WebSocket connection may have
// waiting for its handlers before its reader stops reading.
const maxInbox = 256

// client is one Engine.IO connection and the sockets it multiplexes, one
// per namespace.
//
// The transport's reader decodes packets and puts them in the inbox; a
// worker goroutine, taken from the server's pool only while the inbox has
// work, runs them in order. Acks skip the inbox, so a handler waiting in EmitWithAck for its
// own client's answer does not block the packet that carries it. A polling
// POST is answered only once its packets have run (or their handler is
// waiting for an ack), so replies ride the client's next poll.
type client struct {
	srv       *Server
	conn      *engineio.Socket
	dec       decoder     // used by the transport's reader only
	websocket atomic.Bool // the connection is on WebSocket, for good

	// Guarded by mu. The bools sit next to websocket, where they take no
	// word of their own: a client per connection, so bytes count.
	working   bool
	closing   bool
	releasing bool

	holding atomic.Bool // see hold

	mu        sync.Mutex
	cond      sync.Cond // signals progress of the worker; L is &mu
	sockets   []*Socket // one per namespace joined, most often just one
	inbox     []inboxItem
	parked    int // handlers of this client waiting for an ack
	enqueued  uint64
	processed uint64
	connTimer *time.Timer // the connect timeout, then the first hold's bound (onTimer)
	held      *heldWrites // what was sent while holding
}

type inboxItem struct {
	p           *Packet
	closeReason string // set for the close of the whole connection
}

func (srv *Server) onEngineConnection(conn *engineio.Socket) {
	c := &client{srv: srv, conn: conn}
	c.cond.L = &c.mu
	conn.OnMessage(c.onMessage)
	conn.OnClose(func(reason string, _ error) { c.onClose(reason) })
	c.mu.Lock()
	defer c.mu.Unlock()
	c.connTimer = time.AfterFunc(srv.opts.ConnectTimeout, c.onTimer)
	srv.addClient(c)
}

func (c *client) onMessage(data []byte, binary bool) {
	var p *Packet
	var err error
	if c.srv.opts.Parser == MsgpackParser {
		p, err = decodeMsgpack(data, binary)
	} else {
		p, err = c.dec.add(data, binary)
	}
	if err != nil {
		if fn := c.srv.hooks.ParseError; fn != nil {
			fn(err)
		}
		// Node closes the Engine.IO connection, so its sockets see
		// "forced close" (measured on socket.io 4.8), not "parse error".
		c.close(ReasonForcedClose)
		return
	}
	if p == nil {
		return
	}
	if p.Type == PacketAck || p.Type == PacketBinaryAck {
		c.onAck(p)
		return
	}
	polling := c.polling()
	c.mu.Lock()
	seq := c.enqueueLocked(inboxItem{p: p})
	for !c.closing && c.parked == 0 && (polling && c.processed < seq || len(c.inbox) > maxInbox) {
		c.cond.Wait()
	}
	c.mu.Unlock()
}

// polling reports whether the connection is on polling. An upgrade to
// WebSocket is for good, so once seen it is remembered and the session's
// lock, which its writer holds often, is no longer taken for every message.
func (c *client) polling() bool {
	if c.websocket.Load() {
		return false
	}
	if c.conn.Transport() == engineio.Polling {
		return true
	}
	c.websocket.Store(true)
	return false
}

func (c *client) enqueue(it inboxItem) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.enqueueLocked(it)
}

func (c *client) enqueueLocked(it inboxItem) uint64 {
	c.inbox = append(c.inbox, it)
	c.enqueued++
	if !c.working {
		c.working = true
		c.srv.workers.Go(c.work)
	}
	return c.enqueued
}

// work runs the inbox until it is empty. It runs on a pooled goroutine: a
// new one per burst would start on a small stack and grow it, by copying,
// for nearly every event of a client that sends one at a time (about 1 µs
// each in BenchmarkEcho), where a pooled one keeps the stack it grew.
func (c *client) work() {
	c.mu.Lock()
	for len(c.inbox) > 0 {
		it := c.inbox[0]
		c.inbox[0] = inboxItem{}
		c.inbox = c.inbox[1:]
		c.mu.Unlock()

		c.run(it)

		c.mu.Lock()
		c.processed++
		c.cond.Broadcast()
	}
	c.working = false
	c.inbox = nil
	c.cond.Broadcast()
	c.mu.Unlock()
}

// run handles one inbox item. A panic in application code (a middleware or
// a connection handler) ends this connection, not the server.
func (c *client) run(it inboxItem) {
	defer func() {
		if r := recover(); r != nil {
			c.close(ReasonForcedServerClose)
		}
	}()
	if it.p != nil {
		c.handle(it.p)
	} else {
		c.closeSockets(it.closeReason)
	}
}

// park and unpark bracket a wait of one of this client's handlers, so the
// transport can go on reading meanwhile.
func (c *client) park() {
	c.mu.Lock()
	c.parked++
	c.cond.Broadcast()
	c.mu.Unlock()
}

func (c *client) unpark() {
	c.mu.Lock()
	c.parked--
	c.mu.Unlock()
}

// handle routes one packet, as Node's Client.ondecoded: a CONNECT for a new
// namespace connects; anything else needs a connected socket; every other
// case (a second CONNECT, a packet for a namespace not joined, a
// CONNECT_ERROR from the client) closes the connection.
func (c *client) handle(p *Packet) {
	s := c.socket(p.Namespace)
	switch {
	case s == nil && p.Type == PacketConnect:
		c.connect(p.Namespace, p.Data)
	case s != nil && p.Type != PacketConnect && p.Type != PacketConnectError:
		s.onPacket(p)
	default:
		c.close(ReasonForcedServerClose)
	}
}

func (c *client) connect(name string, auth json.RawMessage) {
	nsp := c.srv.namespaceFor(name, auth)
	if nsp == nil {
		c.writePacket(&Packet{Type: PacketConnectError, Namespace: name, Data: json.RawMessage(`{"message":"Invalid namespace"}`)}, false)
		if fn := c.srv.hooks.InvalidNamespace; fn != nil {
			fn()
		}
		return
	}
	nsp.add(c, auth)
}

// socket returns the connected socket of namespace nsp, or nil.
func (c *client) socket(nsp string) *Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.sockets {
		if s.nsp.name == nsp {
			return s
		}
	}
	return nil
}

// onTimer ends a hold that has lasted maxHold or, before the first
// namespace is joined, the connection: one timer serves both, so that a
// connection makes one.
func (c *client) onTimer() {
	if c.holding.Load() {
		c.release()
		return
	}
	c.mu.Lock()
	idle := len(c.sockets) == 0
	c.mu.Unlock()
	if idle {
		c.close(ReasonForcedServerClose)
	}
}

// attach records a socket that completed its CONNECT (handle connects only
// a namespace the client has no socket in). The connect timer is done
// with, unless it bounds a hold (release drops it then): dropped, not just
// stopped, so the idle connection does not keep it.
func (c *client) attach(s *Socket) {
	c.mu.Lock()
	c.sockets = append(c.sockets, s)
	var t *time.Timer
	if !c.holding.Load() {
		t, c.connTimer = c.connTimer, nil
	}
	c.mu.Unlock()
	if t != nil {
		t.Stop()
	}
}

func (c *client) detach(s *Socket) {
	c.mu.Lock()
	if i := slices.Index(c.sockets, s); i >= 0 {
		c.sockets = slices.Delete(c.sockets, i, i+1)
	}
	c.mu.Unlock()
}

func (c *client) onAck(p *Packet) {
	s := c.socket(p.Namespace)
	if s == nil {
		c.close(ReasonForcedServerClose)
		return
	}
	s.onAck(p)
}

// writePacket sends one packet to this client.
func (c *client) writePacket(p *Packet, volatile bool) {
	c.writeMessages(c.srv.encode(p), volatile)
}

func (c *client) writeMessages(msgs []*engineio.Message, volatile bool) {
	if c.holding.Load() && c.keep(msgs, volatile) {
		return
	}
	if volatile {
		c.conn.SendVolatile(msgs...)
		return
	}
	c.conn.SendMessages(msgs...)
}

// close ends the whole connection; the sockets see reason.
func (c *client) close(reason string) {
	c.release() // what a connection handler sent goes before the close
	if c.beginClose(reason) {
		c.conn.Close()
	}
}

// onClose is the end of the Engine.IO connection.
func (c *client) onClose(reason string) {
	c.beginClose(reason)
}

// beginClose fails pending acks at once and queues the sockets' disconnect
// behind the packets already received; it reports whether it was the first.
func (c *client) beginClose(reason string) bool {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return false
	}
	c.closing = true
	if c.connTimer != nil {
		c.connTimer.Stop()
		c.connTimer = nil
	}
	sockets := c.socketsLocked()
	c.cond.Broadcast()
	c.mu.Unlock()
	for _, s := range sockets {
		s.failAcks()
	}
	c.enqueue(inboxItem{closeReason: reason})
	c.srv.removeClient(c)
	return true
}

func (c *client) closeSockets(reason string) {
	for _, s := range c.socketList() {
		s.onClose(reason)
	}
}

// socketList returns the connected sockets of this connection.
func (c *client) socketList() []*Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.socketsLocked()
}

func (c *client) socketsLocked() []*Socket {
	return slices.Clone(c.sockets)
}

// waitIdle waits until the worker has run everything queued.
func (c *client) waitIdle() {
	c.mu.Lock()
	for c.working {
		c.cond.Wait()
	}
	c.mu.Unlock()
}
