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
	"sync/atomic"
	"time"
)

// Pool keeps goroutines waiting for tasks. Use New.
type Pool struct {
	work        chan func()
	closed      chan struct{}
	idle        atomic.Int32
	maxIdle     int32
	idleTimeout time.Duration
}

// New returns a Pool that keeps at most maxIdle goroutines waiting, each
// for at most idleTimeout: a server that goes quiet ends up with none.
func New(maxIdle int, idleTimeout time.Duration) *Pool {
	return &Pool{work: make(chan func()), closed: make(chan struct{}), maxIdle: int32(maxIdle), idleTimeout: idleTimeout}
}

// Go runs fn on a waiting goroutine, or on a new one if none waits.
func (p *Pool) Go(fn func()) {
	select {
	case p.work <- fn:
	default:
		go p.worker(fn)
	}
}

func (p *Pool) worker(fn func()) {
	var timer *time.Timer
	for {
		fn()
		if p.idle.Add(1) > p.maxIdle {
			p.idle.Add(-1)
			return
		}
		if timer == nil {
			timer = time.NewTimer(p.idleTimeout)
		} else {
			timer.Reset(p.idleTimeout)
		}
		select {
		case fn = <-p.work:
			p.idle.Add(-1)
		case <-timer.C:
			p.idle.Add(-1)
			return
		case <-p.closed:
			p.idle.Add(-1)
			timer.Stop()
			return
		}
	}
}

// Close ends the waiting goroutines; tasks still running finish, and Go
// still works (on new goroutines) after Close.
func (p *Pool) Close() {
	select {
	case <-p.closed:
	default:
		close(p.closed)
	}
}
