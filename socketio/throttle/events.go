package throttle

import (
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/siogo/siogo/socketio"
)

// EventOptions configures Events. The zero value allows 10 events per
// second with bursts of 20, and disconnects a socket after 50 refused
// events in a row.
type EventOptions struct {
	// Rate is the sustained number of events per second a socket may send
	// (default 10); rate.Inf turns the limit off.
	Rate rate.Limit
	// Burst is how many events a socket may send at once (default 20).
	Burst int

	// MaxRefused is how many refused events in a row, with no allowed
	// event between them, disconnect the socket (default 50; 1 disconnects
	// at the first refusal). A negative value never disconnects.
	MaxRefused int

	// Reply are the ack arguments a refused event gets when the client
	// asked for an ack. nil means the default,
	// {"ok": false, "error": "rate_limited", "message": "too many events, slow down"};
	// an empty non-nil slice acks with no arguments.
	Reply []any

	// OnLimited, when set, is called for each refused event (for metrics
	// or logs), on the socket's packet goroutine.
	OnLimited func(s *socketio.Socket, event string)
	// OnAbuse, when set, is called once MaxRefused is reached, just before
	// the socket is disconnected.
	OnAbuse func(s *socketio.Socket)
}

func (o EventOptions) withDefaults() EventOptions {
	if o.Rate <= 0 {
		o.Rate = 10
	}
	if o.Burst <= 0 {
		o.Burst = 20
	}
	if o.MaxRefused == 0 {
		o.MaxRefused = 50
	}
	if o.Reply == nil {
		// Made per call rather than shared, so that no socket can alter
		// another's reply.
		o.Reply = []any{map[string]any{"ok": false, "error": "rate_limited", "message": "too many events, slow down"}}
	}
	return o
}

// Events limits the events s may send. Call it in the connection handler,
// before registering other middleware: it adds a middleware (Socket.Use)
// and middleware runs in the order it was added. Catch-all handlers
// (OnAny) still see refused events, because, as in Node, they run before
// any middleware.
//
// A refused event is acked with opts.Reply if the client asked for an ack,
// and dropped: the middleware returns ErrRateLimited, which goes to the
// socket's OnError handlers. After opts.MaxRefused refusals in a row, the
// socket is disconnected with s.Disconnect(true): its handlers see
// socketio.ReasonServerNamespaceDisconnect, and the client, told by the
// server to go, does not reconnect by itself.
func Events(s *socketio.Socket, opts EventOptions) {
	opts = opts.withDefaults()
	l := &eventLimiter{
		lim:        rate.NewLimiter(opts.Rate, opts.Burst),
		maxRefused: int64(opts.MaxRefused),
	}
	s.Use(func(event string, args *socketio.Args) error {
		allowed, abuse := l.take(time.Now())
		if allowed {
			return nil
		}
		if opts.OnLimited != nil {
			opts.OnLimited(s, event)
		}
		if ack := args.Ack(); ack != nil {
			// An error here can only come from a Reply that does not
			// encode, a mistake of the configuration, not of the client:
			// the event is refused all the same.
			ack(opts.Reply...)
		}
		if abuse {
			if opts.OnAbuse != nil {
				opts.OnAbuse(s)
			}
			s.Disconnect(true)
		}
		// The sentinel itself, not wrapped with the event name: a flood of
		// refused events then allocates nothing (OnLimited has the name).
		return ErrRateLimited
	})
}

// eventLimiter is the state of one socket's limit.
type eventLimiter struct {
	lim        *rate.Limiter
	maxRefused int64 // < 0: never abuse
	// refused counts the refusals since the last allowed event. A socket's
	// events are handled one at a time, so this needs no lock; it is atomic
	// only so that the limiter stays correct if that ever changes.
	refused atomic.Int64
}

// take takes a token at now. It reports whether the event is allowed, and,
// for a refused one, whether it is the refusal that reaches maxRefused
// (exactly that one, so the socket is disconnected once).
func (l *eventLimiter) take(now time.Time) (allowed, abuse bool) {
	if l.lim.AllowN(now, 1) {
		// Load first: most allowed events follow allowed events, and a
		// store on every event would dirty the cache line for nothing.
		if l.refused.Load() != 0 {
			l.refused.Store(0)
		}
		return true, false
	}
	n := l.refused.Add(1)
	return false, l.maxRefused >= 0 && n == l.maxRefused
}
