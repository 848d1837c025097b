package throttle

import (
	"math"
	"net/http"

	"golang.org/x/time/rate"
)

// ConnectionOptions configures NewConnections. The zero value allows 100
// new connections per second with bursts of 200.
type ConnectionOptions struct {
	// Rate is the sustained number of handshakes per second the whole
	// server accepts (default 100); rate.Inf turns the limit off.
	Rate rate.Limit
	// Burst is how many handshakes may arrive at once (default 2*Rate).
	Burst int
	// OnLimited, when set, is called with each refused handshake request.
	OnLimited func(r *http.Request)
}

func (o ConnectionOptions) withDefaults() ConnectionOptions {
	if o.Rate <= 0 {
		o.Rate = 100
	}
	if o.Burst <= 0 {
		o.Burst = 1
		// rate.Inf has no double, and a rate under 0.5 per second still
		// needs one token for anything to pass.
		if !math.IsInf(float64(o.Rate), 1) {
			o.Burst = max(1, int(math.Ceil(2*float64(o.Rate))))
		}
	}
	return o
}

// Connections limits the rate of new connections to a server. It is safe
// for concurrent use.
type Connections struct {
	lim       *rate.Limiter
	onLimited func(r *http.Request)
}

// NewConnections returns a limit of new connections, to be installed as
// engineio.Options.AllowRequest (or called from one).
func NewConnections(opts ConnectionOptions) *Connections {
	opts = opts.withDefaults()
	return &Connections{lim: rate.NewLimiter(opts.Rate, opts.Burst), onLimited: opts.OnLimited}
}

// AllowRequest takes a token for the handshake r, or refuses it with an
// error wrapping ErrRateLimited whose text is "too many connections".
//
// Engine.IO calls it for handshakes only, after the checks that do not
// depend on the application (transport, method...), so neither malformed
// requests nor the later requests of open sessions use tokens. A refused
// polling handshake gets 403 with {"code":4,"message":"too many connections"};
// a refused WebSocket handshake gets, as in Node, 400 with the message as
// text. Either way socket.io-client retries after its reconnection delay.
func (c *Connections) AllowRequest(r *http.Request) error {
	if c.lim.Allow() {
		return nil
	}
	if c.onLimited != nil {
		c.onLimited(r)
	}
	return connectionsError{}
}
