package socketio

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/siogo/siogo/internal/jsjson"
	"github.com/siogo/siogo/internal/sid"
)

// ConnectError refuses a connection from a middleware with data for the
// client: the CONNECT_ERROR carries {"message": Message, "data": Data}.
// Any other error refuses with its text as the message.
type ConnectError struct {
	Message string
	Data    any
}

func (e *ConnectError) Error() string { return e.Message }

// Namespace is a communication channel multiplexed over the connections:
// its own sockets, middlewares, rooms and adapter.
type Namespace struct {
	name    string
	srv     *Server
	adapter Adapter
	parent  *ParentNamespace
	ackIDs  atomic.Uint64
	rooms   roomEvents

	mu           sync.RWMutex
	sockets      map[SocketID]*Socket
	middlewares  []func(*Socket) error
	onConnection []func(*Socket)
	serverSide   map[string][]handler
}

func newNamespace(srv *Server, name string) *Namespace {
	n := &Namespace{name: name, srv: srv, sockets: make(map[SocketID]*Socket)}
	n.adapter = srv.opts.Adapter(n)
	return n
}

// Name returns the namespace's name, such as "/" or "/chat".
func (n *Namespace) Name() string { return n.name }

// Server returns the server the namespace belongs to.
func (n *Namespace) Server() *Server { return n.srv }

// Adapter returns the namespace's adapter.
func (n *Namespace) Adapter() Adapter { return n.adapter }

// Use adds a middleware run for every socket that connects; an error
// refuses the connection (see ConnectError).
func (n *Namespace) Use(fn func(*Socket) error) {
	n.mu.Lock()
	n.middlewares = append(n.middlewares, fn)
	n.mu.Unlock()
}

// OnConnection registers a handler for every socket that connects.
func (n *Namespace) OnConnection(fn func(*Socket)) {
	n.mu.Lock()
	n.onConnection = append(n.onConnection, fn)
	n.mu.Unlock()
}

// OnServerSideEmit registers a handler for events other servers of the
// cluster send with ServerSideEmit (Node: io.on("event", ...)).
func (n *Namespace) OnServerSideEmit(event string, fn any) error {
	h, err := newHandler(fn)
	if err != nil {
		return err
	}
	n.mu.Lock()
	if n.serverSide == nil {
		n.serverSide = make(map[string][]handler)
	}
	n.serverSide[event] = append(n.serverSide[event], h)
	n.mu.Unlock()
	return nil
}

// HandleServerSideEmit runs the handlers of an event received from another
// server; adapters call it.
func (n *Namespace) HandleServerSideEmit(event string, args *Args, ack AckFunc) {
	n.mu.RLock()
	hs := n.serverSide[event]
	n.mu.RUnlock()
	for _, h := range hs {
		h.call(args, ack)
	}
}

// Socket returns the connected local socket with the given id, or nil.
func (n *Namespace) Socket(id SocketID) *Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.sockets[id]
}

// LocalSockets returns the connected sockets of this server.
func (n *Namespace) LocalSockets() []*Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]*Socket, 0, len(n.sockets))
	for _, s := range n.sockets {
		out = append(out, s)
	}
	return out
}

func (n *Namespace) nextAckID() uint64 { return n.ackIDs.Add(1) - 1 }

func (n *Namespace) operator() *BroadcastOperator { return &BroadcastOperator{nsp: n} }

// To selects the sockets in room (several calls add rooms).
func (n *Namespace) To(rooms ...Room) *BroadcastOperator { return n.operator().To(rooms...) }

// In is To.
func (n *Namespace) In(rooms ...Room) *BroadcastOperator { return n.To(rooms...) }

// Except leaves out the sockets in rooms.
func (n *Namespace) Except(rooms ...Room) *BroadcastOperator { return n.operator().Except(rooms...) }

// Local restricts a broadcast to this server.
func (n *Namespace) Local() *BroadcastOperator { return n.operator().Local() }

// Volatile lets a broadcast skip clients that cannot take it now.
func (n *Namespace) Volatile() *BroadcastOperator { return n.operator().Volatile() }

// Compress sets compression of a broadcast.
func (n *Namespace) Compress(on bool) *BroadcastOperator { return n.operator().Compress(on) }

// Timeout sets how long EmitWithAck waits.
func (n *Namespace) Timeout(d time.Duration) *BroadcastOperator { return n.operator().Timeout(d) }

// Emit sends an event to every socket of the namespace.
func (n *Namespace) Emit(event string, args ...any) error { return n.operator().Emit(event, args...) }

// EmitWithAck sends an event to every socket and collects their acks.
func (n *Namespace) EmitWithAck(ctx context.Context, event string, args ...any) ([]*Args, error) {
	return n.operator().EmitWithAck(ctx, event, args...)
}

// FetchSockets returns every socket of the namespace in the cluster.
func (n *Namespace) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return n.operator().FetchSockets(ctx)
}

// SocketsJoin makes every socket join rooms.
func (n *Namespace) SocketsJoin(rooms ...Room) { n.operator().SocketsJoin(rooms...) }

// SocketsLeave makes every socket leave rooms.
func (n *Namespace) SocketsLeave(rooms ...Room) { n.operator().SocketsLeave(rooms...) }

// DisconnectSockets disconnects every socket.
func (n *Namespace) DisconnectSockets(close bool) { n.operator().DisconnectSockets(close) }

// ServerSideEmit sends an event to the other servers of the cluster.
func (n *Namespace) ServerSideEmit(event string, args ...any) error {
	if isReserved(event) {
		return ErrReservedEvent
	}
	return n.adapter.ServerSideEmit(context.Background(), event, args, nil)
}

// ServerSideEmitWithAck sends an event to the other servers and collects
// their answers until ctx ends.
func (n *Namespace) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]*Args, error) {
	var mu sync.Mutex
	var out []*Args
	err := n.adapter.ServerSideEmit(ctx, event, args, func(a *Args) {
		mu.Lock()
		out = append(out, a)
		mu.Unlock()
	})
	mu.Lock()
	defer mu.Unlock()
	return out, err
}

// add runs the connection of a client to this namespace: recovery, the
// middlewares, then the CONNECT reply and the connection handlers.
func (n *Namespace) add(c *client, auth json.RawMessage) {
	s := &Socket{nsp: n, client: c, auth: auth}
	var session *Session
	if rec := n.srv.opts.ConnectionStateRecovery; rec != nil {
		session = n.restore(auth)
		if session != nil {
			s.id, s.pid, s.data, s.recovered = session.SID, session.PID, session.Data, true
		} else {
			s.id, s.pid = sid.New(), sid.New()
		}
	} else {
		s.id = sid.New()
	}

	if session == nil || n.srv.opts.ConnectionStateRecovery.RunMiddlewares {
		n.mu.RLock()
		mws := n.middlewares
		n.mu.RUnlock()
		for _, mw := range mws {
			if err := mw(s); err != nil {
				c.writePacket(&Packet{Type: PacketConnectError, Namespace: n.name, Data: connectErrorData(err)}, false)
				s.end()
				if fn := n.srv.hooks.ConnectRefused; fn != nil {
					fn(n.name, err)
				}
				return
			}
		}
	}

	c.mu.Lock()
	closing := c.closing
	c.mu.Unlock()
	if closing { // the connection ended while the middlewares ran
		s.end()
		return
	}
	// Before the socket can be reached: its Disconnected comes after.
	if fn := n.srv.hooks.Connected; fn != nil {
		fn(n.name)
	}
	n.mu.Lock()
	hs := n.onConnection
	if len(hs) > 0 {
		c.hold()
		defer c.release()
	}
	n.sockets[s.id] = s
	n.mu.Unlock()
	s.mu.Lock()
	s.connected = true
	s.mu.Unlock()
	n.adapter.AddAll(s.id, []Room{s.id})
	if session != nil {
		n.adapter.AddAll(s.id, session.Rooms)
		// Node sends the missed packets before the CONNECT reply.
		for _, p := range session.MissedPackets {
			c.writePacket(p, false)
		}
	}
	c.attach(s)
	c.writePacket(&Packet{Type: PacketConnect, Namespace: n.name, Data: s.connectPayload()}, false)
	s.mu.Lock()
	s.announced = true
	s.mu.Unlock()
	for _, h := range hs {
		h(s)
	}
}

// restore looks up the session a reconnecting client names in its CONNECT
// payload ({"pid": ..., "offset": ...}).
func (n *Namespace) restore(auth json.RawMessage) *Session {
	if len(auth) == 0 || !strings.Contains(string(auth), `"pid"`) {
		return nil
	}
	var ids struct {
		PID    any `json:"pid"`
		Offset any `json:"offset"`
	}
	if json.Unmarshal(auth, &ids) != nil {
		return nil
	}
	pid, ok1 := ids.PID.(string)
	offset, ok2 := ids.Offset.(string)
	if !ok1 || !ok2 {
		return nil
	}
	session, err := n.adapter.RestoreSession(pid, offset)
	if err != nil {
		return nil
	}
	return session
}

// connectErrorData is the CONNECT_ERROR payload for a middleware's error.
func connectErrorData(err error) json.RawMessage {
	msg := struct {
		Message string `json:"message"`
		Data    any    `json:"data,omitempty"`
	}{Message: err.Error()}
	var ce *ConnectError
	if errors.As(err, &ce) {
		msg.Message, msg.Data = ce.Message, ce.Data
	}
	b, _ := jsjson.Marshal(msg)
	return b
}

func (n *Namespace) remove(s *Socket) {
	n.mu.Lock()
	if n.sockets[s.id] == s {
		delete(n.sockets, s.id)
	}
	empty := len(n.sockets) == 0
	n.mu.Unlock()
	if empty && n.parent != nil && n.srv.opts.CleanupEmptyChildNamespaces {
		n.parent.removeChild(n)
	}
}
