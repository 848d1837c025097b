package socketio

import (
	"context"
	"iter"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/siogo/siogo/internal/sid"
)

// InMemoryAdapter is the default adapter: rooms and broadcasts on this
// server only. Cluster adapters wrap it for the local part of their work.
// With connection state recovery on, it also keeps the sessions of
// disconnected sockets and the packets they may have missed.
type InMemoryAdapter struct {
	nsp *Namespace

	mu    sync.RWMutex
	rooms map[Room]set          // the sockets in each room
	sids  map[SocketID]roomList // the rooms of each socket

	recovery *RecoveryOptions
	rmu      sync.Mutex
	sessions map[string]*storedSession
	packets  []storedPacket
	prefix   string // makes offsets unique across servers and restarts
	seq      uint64
	sweeper  *time.Timer
}

type storedSession struct {
	SessionToPersist
	disconnectedAt time.Time
}

type storedPacket struct {
	id        string
	rooms     []Room
	except    []Room
	packet    *Packet
	emittedAt time.Time
}

// sweepInterval is how often expired sessions and packets are dropped.
const sweepInterval = time.Minute

// NewInMemoryAdapter returns the in-memory adapter of nsp.
func NewInMemoryAdapter(nsp *Namespace) *InMemoryAdapter {
	a := &InMemoryAdapter{
		nsp:   nsp,
		rooms: make(map[Room]set),
		sids:  make(map[SocketID]roomList),
	}
	if r := nsp.srv.opts.ConnectionStateRecovery; r != nil {
		a.recovery = r
		a.sessions = make(map[string]*storedSession)
		a.prefix = sid.New()[:8] + "."
		a.sweeper = time.AfterFunc(sweepInterval, a.sweep)
	}
	return a
}

// AddAll adds a socket to rooms.
func (a *InMemoryAdapter) AddAll(id SocketID, rooms []Room) {
	ev := &a.nsp.rooms
	events := ev.on.Load()
	a.mu.Lock()
	mine := a.sids[id]
	for _, r := range rooms {
		mine.add(r)
		members, existed := a.rooms[r]
		if events {
			if !existed {
				ev.push(roomCreated, r, "")
			}
			if !members.has(id) {
				ev.push(roomJoined, r, id)
			}
		}
		members.add(id)
		a.rooms[r] = members
	}
	a.sids[id] = mine
	a.mu.Unlock()
	if events {
		ev.deliver()
	}
}

// Del removes a socket from a room.
func (a *InMemoryAdapter) Del(id SocketID, room Room) {
	events := a.nsp.rooms.on.Load()
	a.mu.Lock()
	if mine, ok := a.sids[id]; ok {
		mine.remove(room)
		a.sids[id] = mine
	}
	a.delFromRoomLocked(id, room, events)
	a.mu.Unlock()
	if events {
		a.nsp.rooms.deliver()
	}
}

func (a *InMemoryAdapter) delFromRoomLocked(id SocketID, room Room, events bool) {
	members, ok := a.rooms[room]
	if !ok {
		return
	}
	if events && members.has(id) {
		a.nsp.rooms.push(roomLeft, room, id)
	}
	members.remove(id)
	if members.len() == 0 {
		delete(a.rooms, room)
		if events {
			a.nsp.rooms.push(roomDeleted, room, "")
		}
	} else {
		a.rooms[room] = members
	}
}

// DelAll removes a socket from every room.
func (a *InMemoryAdapter) DelAll(id SocketID) {
	events := a.nsp.rooms.on.Load()
	a.mu.Lock()
	for _, r := range a.sids[id].order {
		a.delFromRoomLocked(id, r, events)
	}
	delete(a.sids, id)
	a.mu.Unlock()
	if events {
		a.nsp.rooms.deliver()
	}
}

// SocketRooms returns the rooms of a socket, in the order it joined them
// (its own room first), as Node's socket.rooms.
func (a *InMemoryAdapter) SocketRooms(id SocketID) []Room {
	a.mu.RLock()
	defer a.mu.RUnlock()
	order := a.sids[id].order
	return append(make([]Room, 0, len(order)), order...)
}

// Sockets returns the sockets in any of rooms, or all of them.
func (a *InMemoryAdapter) Sockets(rooms []Room) []SocketID {
	var out []SocketID
	a.apply(&BroadcastOptions{Rooms: rooms}, func(s *Socket) { out = append(out, s.id) })
	return out
}

// Rooms returns every room with a socket in it.
func (a *InMemoryAdapter) Rooms() []Room {
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := make([]Room, 0, len(a.rooms))
	for r := range a.rooms {
		out = append(out, r)
	}
	return out
}

// HasRoom tells whether a room has a local socket. Cluster adapters use it
// to drop messages for rooms this server does not have before decoding them.
func (a *InMemoryAdapter) HasRoom(room Room) bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	_, ok := a.rooms[room]
	return ok
}

// apply calls fn for every connected socket the options select. It holds
// the adapter's read lock: fn must not change rooms.
func (a *InMemoryAdapter) apply(opts *BroadcastOptions, fn func(*Socket)) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	nsp := a.nsp
	nsp.mu.RLock()
	defer nsp.mu.RUnlock()
	visit := func(id SocketID) {
		for _, r := range opts.Except {
			if a.rooms[r].has(id) {
				return
			}
		}
		if s := nsp.sockets[id]; s != nil {
			fn(s)
		}
	}
	switch len(opts.Rooms) {
	case 0:
		for id := range nsp.sockets {
			visit(id)
		}
	case 1:
		for id := range a.rooms[opts.Rooms[0]].all() {
			visit(id)
		}
	default:
		seen := make(map[SocketID]struct{})
		for _, r := range opts.Rooms {
			for id := range a.rooms[r].all() {
				if _, dup := seen[id]; !dup {
					seen[id] = struct{}{}
					visit(id)
				}
			}
		}
	}
}

// selected returns the sockets the options select, for operations that
// change rooms or connections and so cannot run under the lock.
func (a *InMemoryAdapter) selected(opts *BroadcastOptions) []*Socket {
	var out []*Socket
	a.apply(opts, func(s *Socket) { out = append(out, s) })
	return out
}

// Broadcast sends p to the selected local sockets, encoded once.
func (a *InMemoryAdapter) Broadcast(p *Packet, opts *BroadcastOptions) {
	if a.recovery != nil && p.Type == PacketEvent && !p.HasID && !opts.Flags.Volatile {
		a.store(p, opts)
	}
	msgs := a.nsp.srv.encodeFor(p, opts.Flags)
	volatile := opts.Flags.Volatile
	n := 0
	a.apply(opts, func(s *Socket) {
		s.client.writeMessages(msgs, volatile)
		n++
	})
	a.nsp.srv.eventOut(a.nsp.name, p, n)
}

// BroadcastWithAck sends p and registers ack on every socket reached. A
// packet without an ack id gets one from the namespace, as in Node (cluster
// adapters deliver other servers' packets this way).
func (a *InMemoryAdapter) BroadcastWithAck(p *Packet, opts *BroadcastOptions, clientCount func(int), ack func(*Args)) {
	if !p.HasID {
		p.ID, p.HasID = a.nsp.nextAckID(), true
	}
	msgs := a.nsp.srv.encodeFor(p, opts.Flags)
	onAck := func(args *Args) {
		if args != nil { // nil: the socket disconnected first
			ack(args)
		}
	}
	n := 0
	a.apply(opts, func(s *Socket) {
		n++
		s.mu.Lock()
		if s.acks == nil {
			s.acks = make(map[uint64]func(*Args))
		}
		s.acks[p.ID] = onAck
		s.mu.Unlock()
		s.client.writeMessages(msgs, opts.Flags.Volatile)
		s.client.release() // a connection handler may wait for this ack
	})
	a.nsp.srv.eventOut(a.nsp.name, p, n)
	clientCount(n)
}

// ServerCount is 1: this adapter knows no other server.
func (a *InMemoryAdapter) ServerCount(context.Context) (int, error) { return 1, nil }

// FetchSockets returns the selected local sockets.
func (a *InMemoryAdapter) FetchSockets(_ context.Context, opts *BroadcastOptions) ([]*RemoteSocket, error) {
	sockets := a.selected(opts)
	out := make([]*RemoteSocket, 0, len(sockets))
	for _, s := range sockets {
		out = append(out, NewRemoteSocket(a.nsp, s.id, s.Handshake(), s.Rooms(), s.Data()))
	}
	return out, nil
}

// AddSockets makes the selected sockets join rooms.
func (a *InMemoryAdapter) AddSockets(opts *BroadcastOptions, rooms []Room) {
	for _, s := range a.selected(opts) {
		a.AddAll(s.id, rooms)
	}
}

// DelSockets makes the selected sockets leave rooms.
func (a *InMemoryAdapter) DelSockets(opts *BroadcastOptions, rooms []Room) {
	for _, s := range a.selected(opts) {
		for _, r := range rooms {
			a.Del(s.id, r)
		}
	}
}

// DisconnectSockets disconnects the selected sockets.
func (a *InMemoryAdapter) DisconnectSockets(opts *BroadcastOptions, close bool) {
	for _, s := range a.selected(opts) {
		s.Disconnect(close)
	}
}

// ServerSideEmit has no other server to reach.
func (a *InMemoryAdapter) ServerSideEmit(context.Context, string, []any, func(*Args)) error {
	return nil
}

// store gives p its offset (the last element of its data) and keeps it for
// sockets that may reconnect.
func (a *InMemoryAdapter) store(p *Packet, opts *BroadcastOptions) {
	a.rmu.Lock()
	defer a.rmu.Unlock()
	a.seq++
	id := a.prefix + strconv.FormatUint(a.seq, 36)
	p.Data = appendOffset(p.Data, id)
	a.packets = append(a.packets, storedPacket{
		id: id, rooms: slices.Clone(opts.Rooms), except: slices.Clone(opts.Except),
		packet: p, emittedAt: time.Now(),
	})
}

// PersistSession keeps a disconnected socket's session.
func (a *InMemoryAdapter) PersistSession(s *SessionToPersist) {
	if a.recovery == nil {
		return
	}
	a.rmu.Lock()
	a.sessions[s.PID] = &storedSession{SessionToPersist: *s, disconnectedAt: time.Now()}
	a.rmu.Unlock()
}

// RestoreSession returns a session and the packets it missed after offset,
// or nil when the session is unknown or expired or the offset is gone.
func (a *InMemoryAdapter) RestoreSession(pid, offset string) (*Session, error) {
	if a.recovery == nil {
		return nil, nil
	}
	a.rmu.Lock()
	defer a.rmu.Unlock()
	s := a.sessions[pid]
	if s == nil {
		return nil, nil
	}
	if time.Since(s.disconnectedAt) > a.recovery.MaxDisconnectionDuration {
		delete(a.sessions, pid)
		return nil, nil
	}
	i := slices.IndexFunc(a.packets, func(p storedPacket) bool { return p.id == offset })
	if i < 0 {
		return nil, nil
	}
	delete(a.sessions, pid)
	out := &Session{SessionToPersist: s.SessionToPersist}
	for _, p := range a.packets[i+1:] {
		if shouldInclude(s.Rooms, p) {
			out.MissedPackets = append(out.MissedPackets, p.packet)
		}
	}
	return out, nil
}

// shouldInclude tells whether a socket in rooms would have received p.
func shouldInclude(rooms []Room, p storedPacket) bool {
	included := len(p.rooms) == 0
	for _, r := range rooms {
		if slices.Contains(p.except, r) {
			return false
		}
		if !included && slices.Contains(p.rooms, r) {
			included = true
		}
	}
	return included
}

func (a *InMemoryAdapter) sweep() {
	a.rmu.Lock()
	defer a.rmu.Unlock()
	if a.sweeper == nil {
		return // closed
	}
	now := time.Now()
	max := a.recovery.MaxDisconnectionDuration
	for pid, s := range a.sessions {
		if now.Sub(s.disconnectedAt) > max {
			delete(a.sessions, pid)
		}
	}
	keep := slices.IndexFunc(a.packets, func(p storedPacket) bool { return now.Sub(p.emittedAt) <= max })
	if keep < 0 {
		keep = len(a.packets)
	}
	clear(a.packets[:keep])
	a.packets = a.packets[keep:]
	a.sweeper.Reset(sweepInterval)
}

// Close stops the recovery sweeper.
func (a *InMemoryAdapter) Close() error {
	a.rmu.Lock()
	if a.sweeper != nil {
		a.sweeper.Stop()
		a.sweeper = nil
	}
	a.rmu.Unlock()
	return nil
}

// set is a set of room names or socket ids. Most sets the adapter keeps
// hold a single element: every socket is in the room named after it, and
// many are in no other. So one element is kept inline and a map is made
// only for two or more, which saves two maps (some 400 bytes) per socket.
type set struct {
	one    string
	single bool                // one holds the only element
	many   map[string]struct{} // every element, when there are two or more
}

func (s *set) add(x string) {
	switch {
	case s.many != nil:
		s.many[x] = struct{}{}
	case !s.single:
		s.one, s.single = x, true
	case s.one != x:
		s.many = map[string]struct{}{s.one: {}, x: {}}
		s.one, s.single = "", false
	}
}

func (s *set) remove(x string) {
	switch {
	case s.many != nil:
		delete(s.many, x)
		if len(s.many) == 1 { // back inline: the map is the bulk of the cost
			for y := range s.many {
				*s = set{one: y, single: true}
			}
		}
	case s.single && s.one == x:
		*s = set{}
	}
}

func (s set) has(x string) bool {
	if s.many != nil {
		_, ok := s.many[x]
		return ok
	}
	return s.single && s.one == x
}

func (s set) len() int {
	if s.many != nil {
		return len(s.many)
	}
	if s.single {
		return 1
	}
	return 0
}

// all iterates over the elements, in no particular order.
func (s set) all() iter.Seq[string] {
	return func(yield func(string) bool) {
		if s.many == nil {
			if s.single {
				yield(s.one)
			}
			return
		}
		for x := range s.many {
			if !yield(x) {
				return
			}
		}
	}
}

// roomList is the rooms of one socket in the order it joined them, as
// Node's Set keeps them: Socket.Rooms reads like socket.rooms, and a
// disconnection leaves them in Node's order. Most sockets are in a few
// rooms, where a scan is cheapest; past indexFrom an index keeps joins
// from growing quadratic.
type roomList struct {
	order []Room
	index map[Room]struct{}
}

const indexFrom = 16

func (l *roomList) has(r Room) bool {
	if l.index != nil {
		_, ok := l.index[r]
		return ok
	}
	return slices.Contains(l.order, r)
}

func (l *roomList) add(r Room) {
	if l.has(r) {
		return
	}
	l.order = append(l.order, r)
	switch {
	case l.index != nil:
		l.index[r] = struct{}{}
	case len(l.order) > indexFrom:
		l.index = make(map[Room]struct{}, 2*len(l.order))
		for _, x := range l.order {
			l.index[x] = struct{}{}
		}
	}
}

func (l *roomList) remove(r Room) {
	if !l.has(r) {
		return
	}
	if l.index != nil {
		delete(l.index, r)
	}
	i := slices.Index(l.order, r)
	l.order = slices.Delete(l.order, i, i+1)
}
