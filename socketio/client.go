package socketio

import (
	"encoding/json"
	"sync"
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
// worker goroutine, started only while the inbox has work, runs them in
// order. Acks skip the inbox, so a handler waiting in EmitWithAck for its
// own client's answer does not block the packet that carries it. A polling
// POST is answered only once its packets have run (or their handler is
// waiting for an ack), so replies ride the client's next poll.
type client struct {
	srv  *Server
	conn *engineio.Socket
	dec  decoder // used by the transport's reader only

	mu        sync.Mutex
	cond      *sync.Cond // signals progress of the worker
	sockets   map[string]*Socket
	inbox     []inboxItem
	working   bool
	parked    int // handlers of this client waiting for an ack
	enqueued  uint64
	processed uint64
	closing   bool
	connTimer *time.Timer
}

type inboxItem struct {
	p           *Packet
	closeReason string // set for the close of the whole connection
}

func (srv *Server) onEngineConnection(conn *engineio.Socket) {
	c := &client{srv: srv, conn: conn, sockets: make(map[string]*Socket)}
	c.cond = sync.NewCond(&c.mu)
	conn.OnMessage(c.onMessage)
	conn.OnClose(func(reason string, _ error) { c.onClose(reason) })
	c.mu.Lock()
	defer c.mu.Unlock()
	c.connTimer = time.AfterFunc(srv.opts.ConnectTimeout, func() {
		c.mu.Lock()
		idle := len(c.sockets) == 0
		c.mu.Unlock()
		if idle {
			c.close(ReasonForcedServerClose)
		}
	})
	srv.addClient(c)
}

func (c *client) onMessage(data []byte, binary bool) {
	p, err := c.dec.add(data, binary)
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
	seq := c.enqueue(inboxItem{p: p})
	polling := c.conn.Transport() == engineio.Polling
	c.mu.Lock()
	for !c.closing && c.parked == 0 && (polling && c.processed < seq || len(c.inbox) > maxInbox) {
		c.cond.Wait()
	}
	c.mu.Unlock()
}

func (c *client) enqueue(it inboxItem) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inbox = append(c.inbox, it)
	c.enqueued++
	if !c.working {
		c.working = true
		go c.work()
	}
	return c.enqueued
}

// work runs the inbox until it is empty.
func (c *client) work() {
	for {
		c.mu.Lock()
		if len(c.inbox) == 0 {
			c.working = false
			c.inbox = nil
			c.cond.Broadcast()
			c.mu.Unlock()
			return
		}
		it := c.inbox[0]
		c.inbox[0] = inboxItem{}
		c.inbox = c.inbox[1:]
		c.mu.Unlock()

		c.run(it)

		c.mu.Lock()
		c.processed++
		c.cond.Broadcast()
		c.mu.Unlock()
	}
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
	c.mu.Lock()
	s := c.sockets[p.Namespace]
	c.mu.Unlock()
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

// attach records a socket that completed its CONNECT.
func (c *client) attach(s *Socket) {
	c.mu.Lock()
	c.sockets[s.nsp.name] = s
	c.mu.Unlock()
	c.connTimer.Stop()
}

func (c *client) detach(s *Socket) {
	c.mu.Lock()
	if c.sockets[s.nsp.name] == s {
		delete(c.sockets, s.nsp.name)
	}
	c.mu.Unlock()
}

func (c *client) onAck(p *Packet) {
	c.mu.Lock()
	s := c.sockets[p.Namespace]
	c.mu.Unlock()
	if s == nil {
		c.close(ReasonForcedServerClose)
		return
	}
	s.onAck(p)
}

// writePacket sends one packet to this client.
func (c *client) writePacket(p *Packet, volatile bool) {
	c.writeMessages(EncodePacket(p), volatile)
}

func (c *client) writeMessages(msgs []*engineio.Message, volatile bool) {
	if volatile {
		c.conn.SendVolatile(msgs...)
		return
	}
	c.conn.SendMessages(msgs...)
}

// close ends the whole connection; the sockets see reason.
func (c *client) close(reason string) {
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
	c.connTimer.Stop()
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
	out := make([]*Socket, 0, len(c.sockets))
	for _, s := range c.sockets {
		out = append(out, s)
	}
	return out
}

// waitIdle waits until the worker has run everything queued.
func (c *client) waitIdle() {
	c.mu.Lock()
	for c.working {
		c.cond.Wait()
	}
	c.mu.Unlock()
}
