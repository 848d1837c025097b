package redisadapter

import (
	"context"
	"sync"
	"time"

	"github.com/siogo/siogo/socketio"
)

// Adapter is the adapter of one namespace: a socketio.InMemoryAdapter for
// the local sockets, plus the cluster side over Redis. Besides the
// socketio.Adapter methods it has AllRooms and UID.
type Adapter struct {
	node  *Node
	sub   *subscriber
	nsp   *socketio.Namespace
	local *socketio.InMemoryAdapter
	uid   string
	ch    channels
	sse   serialQueue // server-side event handlers

	mu       sync.Mutex
	requests map[string]*request    // by request id: waiting for responses
	acks     map[string]*ackRequest // by request id: broadcasts with acks
	closed   bool
	closing  chan struct{}
}

// ackRequest is a broadcast with acks this adapter published: it receives
// the other servers' client counts and acks until its timer drops it.
type ackRequest struct {
	clientCount func(int)
	ack         func(*socketio.Args)
	timer       *time.Timer
}

var _ socketio.Adapter = (*Adapter)(nil)

func newAdapter(n *Node, nsp *socketio.Namespace) *Adapter {
	uid := newUID()
	return &Adapter{
		node:     n,
		nsp:      nsp,
		local:    socketio.NewInMemoryAdapter(nsp),
		uid:      uid,
		ch:       newChannels(n.opts.Key, nsp.Name(), uid),
		requests: make(map[string]*request),
		acks:     make(map[string]*ackRequest),
		closing:  make(chan struct{}),
	}
}

// UID returns the adapter's random id in the cluster; it names its
// response channel and marks the messages it publishes.
func (a *Adapter) UID() string { return a.uid }

// Node returns the node the adapter belongs to.
func (a *Adapter) Node() *Node { return a.node }

// AddAll adds a local socket to rooms.
func (a *Adapter) AddAll(id socketio.SocketID, rooms []socketio.Room) { a.local.AddAll(id, rooms) }

// Del removes a local socket from a room.
func (a *Adapter) Del(id socketio.SocketID, room socketio.Room) { a.local.Del(id, room) }

// DelAll removes a local socket from every room.
func (a *Adapter) DelAll(id socketio.SocketID) { a.local.DelAll(id) }

// SocketRooms returns the rooms of a local socket.
func (a *Adapter) SocketRooms(id socketio.SocketID) []socketio.Room { return a.local.SocketRooms(id) }

// Sockets returns the local sockets in any of rooms (all when empty).
func (a *Adapter) Sockets(rooms []socketio.Room) []socketio.SocketID { return a.local.Sockets(rooms) }

// Rooms returns the rooms that have a local socket; AllRooms asks the
// whole cluster.
func (a *Adapter) Rooms() []socketio.Room { return a.local.Rooms() }

// Broadcast delivers p to the selected local sockets and, unless the
// broadcast is Local, publishes it for the other servers.
func (a *Adapter) Broadcast(p *socketio.Packet, opts *socketio.BroadcastOptions) {
	if !opts.Flags.Local && !a.isLocalSocket(opts.Rooms) {
		// Encode first: the local broadcast may append a recovery offset.
		msg, err := encodeBroadcast(a.uid, a.nsp.Name(), p, opts)
		if err != nil {
			a.node.log.Error("redisadapter: encoding broadcast", "nsp", a.nsp.Name(), "error", err)
			a.node.reportError(OpEncode, err)
		} else {
			a.node.pub.publish(a.ch.publishChannel(opts.Rooms), msg)
		}
	}
	a.local.Broadcast(p, opts)
}

// BroadcastWithAck delivers p locally and, unless Local, asks the other
// servers to deliver it too: each answers with its client count, then
// with every ack. They are accepted until the broadcast's Timeout (or
// RequestsTimeout without one) has passed.
func (a *Adapter) BroadcastWithAck(p *socketio.Packet, opts *socketio.BroadcastOptions, clientCount func(int), ack func(*socketio.Args)) {
	if !opts.Flags.Local {
		id := newUID()
		msg, err := encodeBroadcastRequest(a.uid, id, a.nsp.Name(), p, opts)
		if err != nil {
			a.node.log.Error("redisadapter: encoding broadcast", "nsp", a.nsp.Name(), "error", err)
			a.node.reportError(OpEncode, err)
		} else {
			ttl := opts.Flags.Timeout
			if ttl <= 0 {
				ttl = a.node.opts.RequestsTimeout
			}
			ar := &ackRequest{clientCount: clientCount, ack: ack}
			a.mu.Lock()
			if !a.closed {
				a.acks[id] = ar
				ar.timer = time.AfterFunc(ttl, func() { a.dropAck(id) })
			}
			a.mu.Unlock()
			a.node.pub.publish(a.ch.request, msg)
		}
	}
	a.local.BroadcastWithAck(p, opts, clientCount, ack)
}

// isLocalSocket tells whether rooms is the id room of a local socket, which
// no other server has. With connection state recovery on, socketio sends
// every socket.Emit that way; Node publishes those for nothing.
func (a *Adapter) isLocalSocket(rooms []socketio.Room) bool {
	return len(rooms) == 1 && a.nsp.Socket(rooms[0]) != nil
}

func (a *Adapter) dropAck(id string) {
	a.mu.Lock()
	delete(a.acks, id)
	a.mu.Unlock()
}

// AddSockets makes the selected sockets join rooms, here at once and on
// the other servers when they receive the request.
func (a *Adapter) AddSockets(opts *socketio.BroadcastOptions, rooms []socketio.Room) {
	if !opts.Flags.Local {
		a.node.pub.publish(a.ch.request, marshal(joinRequest{
			UID: a.uid, Type: typeRemoteJoin, Opts: optsOf(opts), Rooms: nonNil(rooms)}))
	}
	a.local.AddSockets(opts, rooms)
}

// DelSockets makes the selected sockets leave rooms, cluster-wide.
func (a *Adapter) DelSockets(opts *socketio.BroadcastOptions, rooms []socketio.Room) {
	if !opts.Flags.Local {
		a.node.pub.publish(a.ch.request, marshal(joinRequest{
			UID: a.uid, Type: typeRemoteLeave, Opts: optsOf(opts), Rooms: nonNil(rooms)}))
	}
	a.local.DelSockets(opts, rooms)
}

// DisconnectSockets disconnects the selected sockets, cluster-wide.
func (a *Adapter) DisconnectSockets(opts *socketio.BroadcastOptions, close bool) {
	if !opts.Flags.Local {
		a.node.pub.publish(a.ch.request, marshal(disconnectRequest{
			UID: a.uid, Type: typeRemoteDisconnect, Opts: optsOf(opts), Close: close}))
	}
	a.local.DisconnectSockets(opts, close)
}

// PersistSession keeps a session on this server only: the classic protocol
// has no cluster-wide connection state recovery (Node's adapter has none at
// all), so a client recovers only when it comes back to the same server.
func (a *Adapter) PersistSession(s *socketio.SessionToPersist) { a.local.PersistSession(s) }

// RestoreSession restores sessions this server kept (see PersistSession).
func (a *Adapter) RestoreSession(pid, offset string) (*socketio.Session, error) {
	return a.local.RestoreSession(pid, offset)
}

// ServerCount returns the number of servers subscribed to the namespace's
// request channel, this one included.
func (a *Adapter) ServerCount(ctx context.Context) (int, error) {
	n, err := a.node.numSub(ctx, a.ch.request)
	if err != nil {
		err = wrapRedis("server count", err)
		a.node.reportError(OpRequest, err)
		return 0, err
	}
	return n, nil
}

// Close unsubscribes the namespace's channels (stopping the node's
// subscriber and flushing its publish queue with the last adapter), and
// ends the requests that are waiting with ErrClosed. Server-side events
// not handled yet are dropped; a handler already running is not waited
// for.
func (a *Adapter) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	close(a.closing)
	for id, ar := range a.acks {
		ar.timer.Stop()
		delete(a.acks, id)
	}
	a.mu.Unlock()

	a.node.remove(a)
	a.sse.close()
	return a.local.Close()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
