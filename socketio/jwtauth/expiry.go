package jwtauth

import (
	"context"
	"sync"
	"time"

	"github.com/siogo/siogo/socketio"
)

// connectRetry is how often an expiry that came before the socket finished
// connecting tries again: the middlewares after ours may still be running.
const connectRetry = 10 * time.Millisecond

// expiry disconnects one socket when its token expires.
type expiry struct {
	a    *Auth
	s    *socketio.Socket
	once sync.Once // counts the timer done in a.armed once

	mu sync.Mutex
	t  *time.Timer
}

// expireAt arms the disconnect of s at t. The socket's context ends the
// timer when the socket goes first: disconnected, or refused by a later
// middleware. No goroutine waits meanwhile.
func (a *Auth) expireAt(s *socketio.Socket, t time.Time) {
	e := &expiry{a: a, s: s}
	a.armed.Add(1)
	e.mu.Lock()
	e.t = time.AfterFunc(time.Until(t), e.fire)
	e.mu.Unlock()
	context.AfterFunc(s.Context(), e.stop)
}

func (e *expiry) fire() {
	if e.s.Connected() {
		e.s.Disconnect(false)
		e.done()
		return
	}
	if e.s.Context().Err() != nil { // refused or gone before it expired
		e.done()
		return
	}
	// Still connecting: the socket must not slip in with an expired token.
	e.mu.Lock()
	e.t.Reset(connectRetry)
	e.mu.Unlock()
}

func (e *expiry) stop() {
	e.mu.Lock()
	stopped := e.t.Stop()
	e.mu.Unlock()
	if stopped {
		e.done()
	}
	// Otherwise fire is running, and will see the context done.
}

func (e *expiry) done() { e.once.Do(func() { e.a.armed.Add(-1) }) }
