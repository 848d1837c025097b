package redisadapter

import "sync"

// serialQueue runs functions one at a time, in order, on a goroutine that
// exists only while there is work. Server-side event handlers run there:
// off the subscriber's goroutine, so a handler may itself wait for cluster
// responses, and in the order their events arrived.
type serialQueue struct {
	mu      sync.Mutex
	fns     []func()
	running bool
	closed  bool
}

// push queues fn; after close it does nothing.
func (q *serialQueue) push(fn func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.fns = append(q.fns, fn)
	if !q.running {
		q.running = true
		go q.run()
	}
}

func (q *serialQueue) run() {
	for {
		q.mu.Lock()
		if len(q.fns) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		fn := q.fns[0]
		q.fns[0] = nil
		q.fns = q.fns[1:]
		q.mu.Unlock()
		fn()
	}
}

// close drops the queued work and refuses more. It does not wait for a
// running function, which may be the caller (a handler that closes its own
// namespace); that one ends on its own, as an http.Server's handlers do
// after Close.
func (q *serialQueue) close() {
	q.mu.Lock()
	q.closed = true
	clear(q.fns)
	q.fns = nil
	q.mu.Unlock()
}
