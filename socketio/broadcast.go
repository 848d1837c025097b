package socketio

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// BroadcastOperator selects sockets of a namespace and acts on them:
// io.To("room").Except("other").Emit("event", ...). Each modifier returns a
// new operator; an operator can be kept and reused.
type BroadcastOperator struct {
	nsp    *Namespace
	rooms  []Room
	except []Room
	flags  BroadcastFlags
}

func (b *BroadcastOperator) clone() *BroadcastOperator {
	c := *b
	c.rooms = slices.Clone(b.rooms)
	c.except = slices.Clone(b.except)
	return &c
}

// To adds rooms to the selection: sockets in any of them are selected.
func (b *BroadcastOperator) To(rooms ...Room) *BroadcastOperator {
	c := b.clone()
	for _, r := range rooms {
		if !slices.Contains(c.rooms, r) {
			c.rooms = append(c.rooms, r)
		}
	}
	return c
}

// In is To.
func (b *BroadcastOperator) In(rooms ...Room) *BroadcastOperator { return b.To(rooms...) }

// Except leaves out the sockets in rooms.
func (b *BroadcastOperator) Except(rooms ...Room) *BroadcastOperator {
	c := b.clone()
	for _, r := range rooms {
		if !slices.Contains(c.except, r) {
			c.except = append(c.except, r)
		}
	}
	return c
}

// Local restricts the operation to this server.
func (b *BroadcastOperator) Local() *BroadcastOperator {
	c := b.clone()
	c.flags.Local = true
	return c
}

// Volatile lets the event skip clients that cannot take it now.
func (b *BroadcastOperator) Volatile() *BroadcastOperator {
	c := b.clone()
	c.flags.Volatile = true
	return c
}

// Compress sets whether the event may be compressed.
func (b *BroadcastOperator) Compress(on bool) *BroadcastOperator {
	c := b.clone()
	c.flags.NoCompress = !on
	return c
}

// Timeout sets how long EmitWithAck waits for the acks.
func (b *BroadcastOperator) Timeout(d time.Duration) *BroadcastOperator {
	c := b.clone()
	c.flags.Timeout = d
	return c
}

func (b *BroadcastOperator) options() *BroadcastOptions {
	return &BroadcastOptions{Rooms: b.rooms, Except: b.except, Flags: b.flags}
}

// Emit sends an event to the selected sockets. The packet is encoded once
// for all of them.
func (b *BroadcastOperator) Emit(event string, args ...any) error {
	if isReserved(event) {
		return fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	data, atts, err := eventData(&b.nsp.srv.codec, event, args)
	if err != nil {
		return err
	}
	b.nsp.adapter.Broadcast(&Packet{Type: PacketEvent, Namespace: b.nsp.name, Data: data, Attachments: atts}, b.options())
	return nil
}

// EmitWithAck sends an event to the selected sockets and returns the first
// argument of each one's ack. It returns when every selected socket, on
// every server, has answered, or with ErrTimeout and the answers so far
// when ctx or the operator's Timeout ends first.
func (b *BroadcastOperator) EmitWithAck(ctx context.Context, event string, args ...any) ([]*Args, error) {
	if isReserved(event) {
		return nil, fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	if b.flags.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, b.flags.Timeout)
		defer cancel()
	}
	data, atts, err := eventData(&b.nsp.srv.codec, event, args)
	if err != nil {
		return nil, err
	}
	p := &Packet{Type: PacketEvent, Namespace: b.nsp.name, Data: data, Attachments: atts,
		ID: b.nsp.nextAckID(), HasID: true}

	var mu sync.Mutex
	var responses []*Args
	expectedClients, servers := 0, 0
	done := make(chan struct{})
	closed := false
	expectedServers := -1
	check := func() {
		if !closed && expectedServers >= 0 && servers == expectedServers && len(responses) == expectedClients {
			closed = true
			close(done)
		}
	}
	b.nsp.adapter.BroadcastWithAck(p, b.options(),
		func(n int) {
			mu.Lock()
			expectedClients += n
			servers++
			check()
			mu.Unlock()
		},
		func(a *Args) {
			mu.Lock()
			// An answer after the wait ended is dropped: the sockets that
			// have not answered keep this func until they do or leave, and
			// it must not keep every answer alive with it.
			if !closed {
				responses = append(responses, a)
				check()
			}
			mu.Unlock()
		})
	n := 1
	if !b.flags.Local {
		if n, err = b.nsp.adapter.ServerCount(ctx); err != nil {
			return nil, err
		}
	}
	mu.Lock()
	expectedServers = n
	check()
	mu.Unlock()

	select {
	case <-done:
		mu.Lock()
		defer mu.Unlock()
		got := responses
		responses = nil
		return got, nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			b.nsp.srv.ackTimeout(b.nsp.name)
		}
		mu.Lock()
		defer mu.Unlock()
		closed = true
		got := responses
		responses = nil
		return got, fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
	}
}

// FetchSockets returns the selected sockets, on every server.
func (b *BroadcastOperator) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return b.nsp.adapter.FetchSockets(ctx, b.options())
}

// SocketsJoin makes the selected sockets join rooms.
func (b *BroadcastOperator) SocketsJoin(rooms ...Room) { b.nsp.adapter.AddSockets(b.options(), rooms) }

// SocketsLeave makes the selected sockets leave rooms.
func (b *BroadcastOperator) SocketsLeave(rooms ...Room) { b.nsp.adapter.DelSockets(b.options(), rooms) }

// DisconnectSockets disconnects the selected sockets; with close, their
// whole connections.
func (b *BroadcastOperator) DisconnectSockets(close bool) {
	b.nsp.adapter.DisconnectSockets(b.options(), close)
}

// Broadcast returns an operator that selects every socket of the namespace
// but this one.
func (s *Socket) Broadcast() *BroadcastOperator { return s.nsp.Except(s.id) }

// To returns an operator that selects the sockets in rooms, except this one.
func (s *Socket) To(rooms ...Room) *BroadcastOperator { return s.Broadcast().To(rooms...) }

// In is To.
func (s *Socket) In(rooms ...Room) *BroadcastOperator { return s.To(rooms...) }

// Except returns an operator that selects every socket but this one and
// those in rooms.
func (s *Socket) Except(rooms ...Room) *BroadcastOperator { return s.Broadcast().Except(rooms...) }
