package redisadapter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/siogo/siogo/internal/binjson"
	"github.com/siogo/siogo/socketio"
)

// ShardedAdapter is the adapter of one namespace in ModeSharded: Node's
// createShardedAdapter, a socket.io-adapter ClusterAdapter (without
// heartbeat) over SPUBLISH and SSUBSCRIBE. See REDIS-WIRE.md §1.2 and §4.
//
// Unlike the classic mode, joins, leaves and disconnections are applied
// here at once and published; the server ignores its own echo by uid.
type ShardedAdapter struct {
	node     *Node
	sn       *shardedNode
	nsp      *socketio.Namespace
	local    *socketio.InMemoryAdapter
	uid      string
	main     string // P#N#
	response string // P#N#U#
	mode     SubscriptionMode
	sse      serialQueue

	roomMu    sync.Mutex
	roomChans map[string]struct{} // rooms whose channel is subscribed

	mu       sync.Mutex
	requests map[string]*request
	acks     map[string]*ackRequest
	closed   bool
	closing  chan struct{}
}

var _ socketio.Adapter = (*ShardedAdapter)(nil)

// ClusterAdapter message types (socket.io-adapter's MessageType).
const (
	ctBroadcast              = 3
	ctSocketsJoin            = 4
	ctSocketsLeave           = 5
	ctDisconnectSockets      = 6
	ctFetchSockets           = 7
	ctFetchSocketsResponse   = 8
	ctServerSideEmit         = 9
	ctServerSideEmitResponse = 10
	ctBroadcastClientCount   = 11
	ctBroadcastAck           = 12
)

// randomID is the ClusterAdapter's uid and request id form: 8 random bytes
// in lowercase hex.
func randomID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func newShardedAdapter(sn *shardedNode, nsp *socketio.Namespace) *ShardedAdapter {
	uid := randomID()
	main := sn.n.opts.Key + "#" + nsp.Name() + "#"
	return &ShardedAdapter{
		node:      sn.n,
		sn:        sn,
		nsp:       nsp,
		local:     socketio.NewInMemoryAdapter(nsp),
		uid:       uid,
		main:      main,
		response:  main + uid + "#",
		mode:      sn.n.opts.SubscriptionMode,
		roomChans: make(map[string]struct{}),
		requests:  make(map[string]*request),
		acks:      make(map[string]*ackRequest),
		closing:   make(chan struct{}),
	}
}

// UID returns the adapter's random id (16 hex characters); it names its
// response channel and marks the messages it publishes.
func (a *ShardedAdapter) UID() string { return a.uid }

// Node returns the node the adapter belongs to.
func (a *ShardedAdapter) Node() *Node { return a.node }

// roomChannel is P#N#R#.
func (a *ShardedAdapter) roomChannel(room string) string { return a.main + room + "#" }

func (a *ShardedAdapter) dynamic() bool { return a.mode != SubscriptionStatic }

// publishChannel is Node's computeChannel for a broadcast without ack:
// exactly one room, in a dynamic mode, and (in dynamic) not a room that
// looks like a socket id, i.e. 20 characters long (JS string length).
func (a *ShardedAdapter) publishChannel(rooms []string) string {
	if len(rooms) == 1 {
		switch a.mode {
		case SubscriptionDynamicPrivate:
			return a.roomChannel(rooms[0])
		case SubscriptionDynamic:
			if jsLength(rooms[0]) != 20 {
				return a.roomChannel(rooms[0])
			}
		}
	}
	return a.main
}

// jsLength is a string's length in UTF-16 code units.
func jsLength(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// Rooms and their channels. Node subscribes to a room's channel when the
// room is created on this server (create-room) and unsubscribes when it is
// deleted; in dynamic mode only for public rooms, those that are not a
// socket's id.

// AddAll adds a local socket to rooms.
func (a *ShardedAdapter) AddAll(id socketio.SocketID, rooms []socketio.Room) {
	if !a.dynamic() {
		a.local.AddAll(id, rooms)
		return
	}
	a.roomMu.Lock()
	defer a.roomMu.Unlock()
	var created []string
	for _, r := range rooms {
		if _, ok := a.roomChans[r]; ok || a.local.HasRoom(r) || !a.separateChannel(id, r) {
			continue
		}
		created = append(created, r)
	}
	a.local.AddAll(id, rooms)
	if a.isClosed() {
		return
	}
	var chans []string
	for _, r := range created {
		if _, dup := a.roomChans[r]; dup {
			continue
		}
		a.roomChans[r] = struct{}{}
		ch := a.roomChannel(r)
		a.sn.route(ch, a)
		chans = append(chans, ch)
	}
	if len(chans) > 0 {
		a.sn.subscribe(chans...)
	}
}

// separateChannel is Node's shouldUseASeparateNamespace at room creation.
func (a *ShardedAdapter) separateChannel(id socketio.SocketID, room socketio.Room) bool {
	if a.mode == SubscriptionDynamicPrivate {
		return true
	}
	return room != id && len(a.local.SocketRooms(room)) == 0
}

// Del removes a local socket from a room.
func (a *ShardedAdapter) Del(id socketio.SocketID, room socketio.Room) {
	if !a.dynamic() {
		a.local.Del(id, room)
		return
	}
	a.roomMu.Lock()
	defer a.roomMu.Unlock()
	a.local.Del(id, room)
	a.dropRoomsLocked([]string{room})
}

// DelAll removes a local socket from every room.
func (a *ShardedAdapter) DelAll(id socketio.SocketID) {
	if !a.dynamic() {
		a.local.DelAll(id)
		return
	}
	a.roomMu.Lock()
	defer a.roomMu.Unlock()
	rooms := a.local.SocketRooms(id)
	a.local.DelAll(id)
	a.dropRoomsLocked(rooms)
}

// dropRoomsLocked unsubscribes the channels of rooms that are gone. roomMu
// held.
func (a *ShardedAdapter) dropRoomsLocked(rooms []string) {
	var chans []string
	for _, r := range rooms {
		if _, ok := a.roomChans[r]; !ok || a.local.HasRoom(r) {
			continue
		}
		delete(a.roomChans, r)
		chans = append(chans, a.roomChannel(r))
	}
	if len(chans) > 0 {
		a.sn.unroute(chans...)
		a.sn.unsubscribe(chans...)
	}
}

// SocketRooms returns the rooms of a local socket.
func (a *ShardedAdapter) SocketRooms(id socketio.SocketID) []socketio.Room {
	return a.local.SocketRooms(id)
}

// Sockets returns the local sockets in any of rooms (all when empty).
func (a *ShardedAdapter) Sockets(rooms []socketio.Room) []socketio.SocketID {
	return a.local.Sockets(rooms)
}

// Rooms returns the rooms that have a local socket.
func (a *ShardedAdapter) Rooms() []socketio.Room { return a.local.Rooms() }

// selected returns the ids of the local sockets opts selects.
func (a *ShardedAdapter) selected(opts *socketio.BroadcastOptions) []socketio.SocketID {
	sockets, _ := a.local.FetchSockets(context.Background(), opts)
	ids := make([]socketio.SocketID, len(sockets))
	for i, s := range sockets {
		ids[i] = s.ID
	}
	return ids
}

// addSockets and delSockets are the in-memory AddSockets and DelSockets,
// through this adapter's AddAll and Del so that rooms get their channels.
func (a *ShardedAdapter) addSockets(opts *socketio.BroadcastOptions, rooms []socketio.Room) {
	if !a.dynamic() {
		a.local.AddSockets(opts, rooms)
		return
	}
	for _, id := range a.selected(opts) {
		a.AddAll(id, rooms)
	}
}

func (a *ShardedAdapter) delSockets(opts *socketio.BroadcastOptions, rooms []socketio.Room) {
	if !a.dynamic() {
		a.local.DelSockets(opts, rooms)
		return
	}
	for _, id := range a.selected(opts) {
		for _, r := range rooms {
			a.Del(id, r)
		}
	}
}

// Broadcast delivers p to the selected local sockets and, unless Local,
// publishes it for the other servers.
func (a *ShardedAdapter) Broadcast(p *socketio.Packet, opts *socketio.BroadcastOptions) {
	if !opts.Flags.Local && !a.isLocalSocket(opts.Rooms) {
		msg, err := a.encode(ctBroadcast, broadcastData(p, "", opts, false), p.Attachments)
		if err != nil {
			a.node.log.Error("redisadapter: encoding broadcast", "nsp", a.nsp.Name(), "error", err)
			a.node.reportError(OpEncode, err)
		} else {
			a.node.pub.publish(a.publishChannel(opts.Rooms), msg)
		}
	}
	a.local.Broadcast(p, opts)
}

// isLocalSocket tells whether rooms is the id room of a local socket, which
// no other server has (see Adapter.isLocalSocket).
func (a *ShardedAdapter) isLocalSocket(rooms []socketio.Room) bool {
	return len(rooms) == 1 && a.nsp.Socket(rooms[0]) != nil
}

// BroadcastWithAck delivers p locally and, unless Local, publishes it on
// the main channel (always: every server must answer with its client
// count). Answers are accepted until the broadcast's Timeout, or
// RequestsTimeout without one.
func (a *ShardedAdapter) BroadcastWithAck(p *socketio.Packet, opts *socketio.BroadcastOptions, clientCount func(int), ack func(*socketio.Args)) {
	if !opts.Flags.Local {
		id := randomID()
		msg, err := a.encode(ctBroadcast, broadcastData(p, id, opts, true), p.Attachments)
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
				ar.timer = time.AfterFunc(ttl, func() {
					a.mu.Lock()
					delete(a.acks, id)
					a.mu.Unlock()
				})
			}
			a.mu.Unlock()
			a.node.pub.publish(a.main, msg)
		}
	}
	a.local.BroadcastWithAck(p, opts, clientCount, ack)
}

// AddSockets makes the selected sockets join rooms, here at once and on
// the other servers when they receive the message.
func (a *ShardedAdapter) AddSockets(opts *socketio.BroadcastOptions, rooms []socketio.Room) {
	if !opts.Flags.Local {
		a.publish(ctSocketsJoin, roomsData(opts, rooms))
	}
	a.addSockets(opts, rooms)
}

// DelSockets makes the selected sockets leave rooms, cluster-wide.
func (a *ShardedAdapter) DelSockets(opts *socketio.BroadcastOptions, rooms []socketio.Room) {
	if !opts.Flags.Local {
		a.publish(ctSocketsLeave, roomsData(opts, rooms))
	}
	a.delSockets(opts, rooms)
}

// DisconnectSockets disconnects the selected sockets, cluster-wide.
func (a *ShardedAdapter) DisconnectSockets(opts *socketio.BroadcastOptions, close bool) {
	if !opts.Flags.Local {
		b := append([]byte(`{"opts":`), optsJSON(opts, false)...)
		b = append(b, `,"close":`...)
		b = strconv.AppendBool(b, close)
		a.publish(ctDisconnectSockets, append(b, '}'))
	}
	a.local.DisconnectSockets(opts, close)
}

// PersistSession keeps a session on this server only: Node's sharded
// adapter has no cluster-wide connection state recovery.
func (a *ShardedAdapter) PersistSession(s *socketio.SessionToPersist) { a.local.PersistSession(s) }

// RestoreSession restores sessions this server kept.
func (a *ShardedAdapter) RestoreSession(pid, offset string) (*socketio.Session, error) {
	return a.local.RestoreSession(pid, offset)
}

// ServerCount returns the number of servers subscribed to the namespace's
// main channel (PUBSUB SHARDNUMSUB), this one included.
func (a *ShardedAdapter) ServerCount(ctx context.Context) (int, error) {
	n, err := a.sn.shardNumSub(ctx, a.main)
	if err != nil {
		err = wrapRedis("server count", err)
		a.node.reportError(OpRequest, err)
		return 0, err
	}
	return n, nil
}

// serverCount is ServerCount for a request: while Redis is away it tries
// again until ctx ends.
func (a *ShardedAdapter) serverCount(ctx context.Context, timeoutText string) (int, error) {
	n, err := retryCount(ctx, a.closing, timeoutText, func(ctx context.Context) (int, error) {
		return a.sn.shardNumSub(ctx, a.main)
	})
	a.node.reportError(OpRequest, err)
	return n, err
}

// roundTrip registers r under id, publishes msg on the main channel and
// waits until r is complete, ctx ends or the adapter closes.
func (a *ShardedAdapter) roundTrip(ctx context.Context, r *request, id string, msg []byte) error {
	err := a.doRoundTrip(ctx, r, id, msg)
	a.node.reportError(OpRequest, err)
	return err
}

func (a *ShardedAdapter) doRoundTrip(ctx context.Context, r *request, id string, msg []byte) error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return ErrClosed
	}
	a.requests[id] = r
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		delete(a.requests, id)
		a.mu.Unlock()
	}()
	a.node.pub.publish(a.main, msg)
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return expired(ctx, "", nil)
	case <-a.closing:
		return ErrClosed
	}
}

// onlyText is the ClusterAdapter's timeout text.
func onlyText(got, expected int) string {
	return fmt.Sprintf("timeout reached: only %d responses received out of %d", got, expected)
}

// FetchSockets returns the selected sockets of every server. It waits for
// the answers of the other servers (SHARDNUMSUB − 1) at most the Timeout
// flag, or RequestsTimeout without one (and ctx); the error then is
// ErrTimeout with Node's text "timeout reached: only X responses received
// out of Y".
func (a *ShardedAdapter) FetchSockets(ctx context.Context, opts *socketio.BroadcastOptions) ([]*socketio.RemoteSocket, error) {
	local, err := a.local.FetchSockets(ctx, opts)
	if err != nil || opts.Flags.Local {
		return local, err
	}
	ttl := opts.Flags.Timeout
	if ttl <= 0 {
		ttl = a.node.opts.RequestsTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, ttl)
	defer cancel()
	n, err := a.serverCount(ctx, "timeout reached while waiting for the server count")
	if err != nil {
		return nil, err
	}
	expected := n - 1
	if expected <= 0 {
		return local, nil
	}
	r := newRequest(ctFetchSockets, expected)
	r.sockets = local
	id := randomID()
	b := append([]byte(`{"opts":`), optsJSON(opts, false)...)
	b = append(b, `,"requestId":`...)
	b = appendString(b, id)
	msg, _ := a.encode(ctFetchSockets, append(b, '}'), nil)
	err = a.roundTrip(ctx, r, id, msg)
	a.mu.Lock()
	defer a.mu.Unlock()
	if errors.Is(err, ErrTimeout) {
		return nil, fmt.Errorf("%w: %s", ErrTimeout, onlyText(r.count, expected))
	}
	if err != nil {
		return nil, err
	}
	return r.sockets, nil
}

// AllRooms returns every room of the namespace that has a socket on some
// server. The ClusterAdapter protocol has no such request: it is made of
// a fetchSockets of every socket, whose rooms are gathered.
func (a *ShardedAdapter) AllRooms(ctx context.Context) ([]socketio.Room, error) {
	sockets, err := a.FetchSockets(ctx, &socketio.BroadcastOptions{})
	if err != nil {
		return nil, err
	}
	seen := make(map[string]struct{})
	out := []socketio.Room{}
	for _, s := range sockets {
		for _, r := range s.Rooms {
			if _, ok := seen[r]; !ok {
				seen[r] = struct{}{}
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// ServerSideEmit sends an event to the namespace on the other servers.
// With ack, it waits for an answer from each of them (SHARDNUMSUB − 1), at
// most RequestsTimeout (and ctx), and calls ack with each answer before it
// returns; on timeout it returns ErrTimeout with Node's text after acking
// the answers that came.
func (a *ShardedAdapter) ServerSideEmit(ctx context.Context, event string, args []any, ack func(*socketio.Args)) error {
	var atts [][]byte
	data, err := binjson.AppendArray(nil, &atts, append([]any{event}, args...)...)
	if err != nil {
		return fmt.Errorf("redisadapter: encoding %q: %w", event, err)
	}
	if ack == nil {
		msg, err := a.encode(ctServerSideEmit, append(append([]byte(`{"packet":`), data...), '}'), atts)
		if err != nil {
			return fmt.Errorf("redisadapter: encoding %q: %w", event, err)
		}
		a.node.pub.publish(a.main, msg)
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, a.node.opts.RequestsTimeout)
	defer cancel()
	n, err := a.serverCount(ctx, "timeout reached while waiting for the server count")
	if err != nil {
		return err
	}
	expected := n - 1
	if expected <= 0 {
		return nil
	}
	id := randomID()
	b := append([]byte(`{"requestId":`), strconv.Quote(id)...)
	b = append(append(append(b, `,"packet":`...), data...), '}')
	msg, err := a.encode(ctServerSideEmit, b, atts)
	if err != nil {
		return fmt.Errorf("redisadapter: encoding %q: %w", event, err)
	}
	r := newRequest(ctServerSideEmit, expected)
	err = a.roundTrip(ctx, r, id, msg)
	a.mu.Lock()
	answers := r.answers
	a.mu.Unlock()
	for _, ans := range answers {
		ack(ans)
	}
	if errors.Is(err, ErrTimeout) {
		return fmt.Errorf("%w: %s", ErrTimeout, onlyText(len(answers), expected))
	}
	return err
}

// Close unsubscribes the namespace's channels (stopping the node's
// subscribers and flushing its publish queue with the last adapter), and
// ends the requests that are waiting with ErrClosed.
func (a *ShardedAdapter) Close() error {
	a.roomMu.Lock()
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		a.roomMu.Unlock()
		return nil
	}
	a.closed = true
	close(a.closing)
	for id, ar := range a.acks {
		ar.timer.Stop()
		delete(a.acks, id)
	}
	a.mu.Unlock()
	chans := []string{a.main, a.response}
	for r := range a.roomChans {
		chans = append(chans, a.roomChannel(r))
	}
	clear(a.roomChans)
	a.roomMu.Unlock()

	a.sn.remove(a, chans)
	a.sse.close()
	return a.local.Close()
}

func (a *ShardedAdapter) isClosed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closed
}
