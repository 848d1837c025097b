// Package workpool runs short tasks on goroutines that are kept for the
// next task instead of a new goroutine each time.
//
// A connection that has no goroutine while idle starts one for each burst
// of work (a read, a flush, a handler). A new goroutine starts with a small
// stack, and a task that goes deep into a handler grows it by copying, on
// every burst: in an echo benchmark that copying cost more than the
// syscalls it served. A pooled goroutine keeps the stack it grew. The
// pool never makes a task wait: when no kept goroutine is free, a new one
// starts, so a task that blocks (a handler waiting on I/O) holds only its
// own goroutine.
package workpool

import (
	"sync"
	"time"
)

// Pool keeps goroutines waiting for tasks. Use New.
//
// Idle goroutines wait on a channel of their own, in a stack: the one
// that finished last (whose stack and caches are warmest) runs the next
// task. Handing a task over is a mutex and a channel send, with no select
// and no timer per task; a timer that runs only while goroutines are idle
// ends the ones idle for longer than the timeout.
type Pool struct {
	maxIdle     int
	idleTimeout time.Duration

	mu      sync.Mutex
	idle    []*worker // oldest first
	janitor *time.Timer
	closed  bool
}

type worker struct {
	tasks chan func() // nil ends the worker
	since time.Time   // idle since
}

// New returns a Pool that keeps at most maxIdle goroutines waiting, each
// for at most about idleTimeout: a server that goes quiet ends up with none.
func New(maxIdle int, idleTimeout time.Duration) *Pool {
	return &Pool{maxIdle: maxIdle, idleTimeout: idleTimeout}
}

// Go runs fn on a waiting goroutine, or on a new one if none waits.
func (p *Pool) Go(fn func()) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		w.tasks <- fn
		return
	}
	p.mu.Unlock()
	go p.run(&worker{tasks: make(chan func(), 1)}, fn)
}

func (p *Pool) run(w *worker, fn func()) {
	for fn != nil {
		fn()
		if !p.park(w) {
			return
		}
		fn = <-w.tasks
	}
}

// park puts w on the idle stack; false if it should end instead.
func (p *Pool) park(w *worker) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.idle) >= p.maxIdle {
		return false
	}
	w.since = time.Now()
	p.idle = append(p.idle, w)
	if p.janitor == nil {
		p.janitor = time.AfterFunc(p.idleTimeout, p.expire)
	}
	return true
}

// expire ends the goroutines idle for longer than the timeout.
func (p *Pool) expire() {
	p.mu.Lock()
	cutoff := time.Now().Add(-p.idleTimeout)
	n := 0
	for n < len(p.idle) && !p.idle[n].since.After(cutoff) {
		n++
	}
	stale := append([]*worker(nil), p.idle[:n]...)
	rest := copy(p.idle, p.idle[n:])
	clear(p.idle[rest:])
	p.idle = p.idle[:rest]
	if len(p.idle) > 0 && !p.closed {
		p.janitor.Reset(p.idleTimeout)
	} else {
		p.janitor = nil
	}
	p.mu.Unlock()
	for _, w := range stale {
		w.tasks <- nil
	}
}

// Close ends the waiting goroutines; tasks still running finish, and Go
// still works (on new goroutines) after Close.
func (p *Pool) Close() {
	p.mu.Lock()
	p.closed = true
	stale := p.idle
	p.idle = nil
	if p.janitor != nil {
		p.janitor.Stop()
		p.janitor = nil
	}
	p.mu.Unlock()
	for _, w := range stale {
		w.tasks <- nil
	}
}
