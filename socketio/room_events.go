package socketio

import (
	"sync"
	"sync/atomic"
)

// roomEvents holds a namespace's room listeners (Node's adapter events
// create-room, delete-room, join-room, leave-room) and the events waiting
// for them.
//
// The adapter queues events while it holds its lock, so they are queued in
// the order the rooms changed; they are delivered after it lets go, so a
// listener may look at rooms or join and leave them itself (its own events
// are delivered after the current ones, where Node would deliver them at
// once). One goroutine delivers at a time, in queue order.
type roomEvents struct {
	on atomic.Bool // a listener is registered: the adapter queues events

	mu       sync.Mutex
	create   []func(Room)
	delete   []func(Room)
	join     []func(Room, SocketID)
	leave    []func(Room, SocketID)
	queue    []roomEvent
	draining bool
}

type roomEventKind uint8

const (
	roomCreated roomEventKind = iota
	roomDeleted
	roomJoined
	roomLeft
)

type roomEvent struct {
	kind roomEventKind
	room Room
	id   SocketID
}

// OnCreateRoom registers fn for every room created on this server: the
// first local socket joined it, the socket's own room included (Node's
// adapter event "create-room").
func (n *Namespace) OnCreateRoom(fn func(room Room)) {
	n.rooms.register(func(r *roomEvents) { r.create = append(r.create, fn) })
}

// OnDeleteRoom registers fn for every room whose last local socket left
// ("delete-room").
func (n *Namespace) OnDeleteRoom(fn func(room Room)) {
	n.rooms.register(func(r *roomEvents) { r.delete = append(r.delete, fn) })
}

// OnJoinRoom registers fn for every local socket joining a room it was not
// in ("join-room").
func (n *Namespace) OnJoinRoom(fn func(room Room, id SocketID)) {
	n.rooms.register(func(r *roomEvents) { r.join = append(r.join, fn) })
}

// OnLeaveRoom registers fn for every local socket leaving a room, also on
// disconnection ("leave-room").
func (n *Namespace) OnLeaveRoom(fn func(room Room, id SocketID)) {
	n.rooms.register(func(r *roomEvents) { r.leave = append(r.leave, fn) })
}

func (r *roomEvents) register(add func(*roomEvents)) {
	r.mu.Lock()
	add(r)
	r.on.Store(true)
	r.mu.Unlock()
}

// push queues an event; the adapter calls it under its lock.
func (r *roomEvents) push(kind roomEventKind, room Room, id SocketID) {
	r.mu.Lock()
	r.queue = append(r.queue, roomEvent{kind, room, id})
	r.mu.Unlock()
}

// deliver runs the queued events, unless another goroutine is at it (it
// will run these too). The adapter calls it after letting go of its lock.
func (r *roomEvents) deliver() {
	r.mu.Lock()
	if r.draining {
		r.mu.Unlock()
		return
	}
	r.draining = true
	defer func() { // also when a listener panics, or delivery would stop for good
		r.mu.Lock()
		r.draining = false
		r.mu.Unlock()
	}()
	for len(r.queue) > 0 {
		events := r.queue
		r.queue = nil
		// Listeners are only ever appended: these slices stay valid.
		create, del, join, leave := r.create, r.delete, r.join, r.leave
		r.mu.Unlock()
		for _, e := range events {
			switch e.kind {
			case roomCreated:
				for _, fn := range create {
					fn(e.room)
				}
			case roomDeleted:
				for _, fn := range del {
					fn(e.room)
				}
			case roomJoined:
				for _, fn := range join {
					fn(e.room, e.id)
				}
			case roomLeft:
				for _, fn := range leave {
					fn(e.room, e.id)
				}
			}
		}
		r.mu.Lock()
	}
	r.mu.Unlock()
}
