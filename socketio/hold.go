package socketio

import (
	"time"

	"github.com/siogo/siogo/engineio"
)

// maxHold bounds how long a connection handler keeps its client's CONNECT
// reply back: a handler that waits on something slow (a database, another
// server) must not leave the client unconnected for that long.
const maxHold = 100 * time.Millisecond

// maxHeld is how many writes a hold keeps before it lets them go: a
// handler that sends a long history must not overflow the session's queue
// in one go when it returns.
const maxHeld = 64

// heldWrites is what was sent to a client during a hold, in order.
type heldWrites struct {
	writes []heldWrite
}

type heldWrite struct {
	msgs     []*engineio.Message
	volatile bool
}

// hold keeps back what is sent to this client, the CONNECT reply first,
// until the connection handlers have returned (release).
//
// In Node nothing else runs before a connection handler returns, so by the
// time a client has its CONNECT reply and can act on it (or tell another
// client to), the rooms the handler joined are joined and its emits are
// sent. Here the handler runs on its own goroutine beside everyone else's:
// without the hold, a broadcast to a room the handler is about to join,
// sent by another client that heard of this one's connect, could arrive
// first and miss it. The hold ends early when a handler asks its client for
// an ack (it would wait for a packet never sent), after maxHold, or after
// maxHeld writes.
//
// Called on the client's worker, before the socket can be reached.
//
// The bound is the connect timer, which the first namespace's hold takes
// over (onTimer); a later namespace's makes a timer of its own.
func (c *client) hold() {
	c.mu.Lock()
	c.held = &heldWrites{}
	c.holding.Store(true)
	if c.connTimer != nil {
		c.connTimer.Reset(maxHold)
	} else {
		c.connTimer = time.AfterFunc(maxHold, c.onTimer)
	}
	c.mu.Unlock()
}

// keep adds a write to the hold; it reports false when the hold has ended
// meanwhile, and the caller writes.
func (c *client) keep(msgs []*engineio.Message, volatile bool) bool {
	c.mu.Lock()
	if !c.holding.Load() {
		c.mu.Unlock()
		return false
	}
	c.held.writes = append(c.held.writes, heldWrite{msgs, volatile})
	full := len(c.held.writes) >= maxHeld
	c.mu.Unlock()
	if full {
		c.release()
	}
	return true
}

// release writes what was held, in order, and ends the hold. Writes made
// while it sends are held too and go out before the hold ends, so none
// overtakes the CONNECT reply. The sends happen outside mu: a full queue
// closes the session, whose close handler takes mu.
func (c *client) release() {
	if !c.holding.Load() {
		return
	}
	c.mu.Lock()
	if !c.holding.Load() || c.releasing {
		c.mu.Unlock()
		return
	}
	c.releasing = true
	h := c.held
	for len(h.writes) > 0 {
		writes := h.writes
		h.writes = nil
		c.mu.Unlock()
		for _, w := range writes {
			// A volatile write is dropped here, behind the CONNECT reply,
			// as Node drops it while that reply is being written.
			if w.volatile {
				c.conn.SendVolatile(w.msgs...)
			} else {
				c.conn.SendMessages(w.msgs...)
			}
		}
		c.mu.Lock()
	}
	c.held = nil
	c.holding.Store(false)
	c.releasing = false
	t := c.connTimer
	c.connTimer = nil // the socket is attached: no connect timeout any more
	c.mu.Unlock()
	if t != nil {
		t.Stop()
	}
}
