// Package netpoll tells when idle connections become readable without a
// goroutine blocked on each of them.
//
// A server holding many mostly idle connections spends most of its memory
// per connection on the goroutine that waits in Read (its stack) and on the
// buffer it waits with. A Poller watches the connections' file descriptors
// with one epoll instance (edge-triggered) and calls a function when one has
// something to read; the caller then starts a goroutine that reads until
// the socket is drained and exits, so an idle connection holds neither a
// goroutine nor a buffer.
//
// Reads still go through the connection's syscall.RawConn, so they take
// the runtime's own lock on the descriptor and fail cleanly once the
// connection is closed: a descriptor number reused by a new connection is
// never read by mistake.
//
// Only Linux has a Poller; New reports ErrUnsupported elsewhere, and
// callers fall back to a goroutine per connection.
package netpoll

import "errors"

// ErrUnsupported is returned by New where the platform has no Poller.
var ErrUnsupported = errors.New("netpoll: not supported on this platform")

// ErrClosed is returned by Add after Close.
var ErrClosed = errors.New("netpoll: poller closed")
