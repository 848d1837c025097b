package redisadapter

import (
	"log/slog"
	"time"
)

// Mode names a wire protocol of @socket.io/redis-adapter.
type Mode string

// The modes.
const (
	// ModeClassic is Node's createAdapter: PUBLISH, PSUBSCRIBE, SUBSCRIBE.
	ModeClassic Mode = "classic"
	// ModeSharded is Node's createShardedAdapter (SPUBLISH, SSUBSCRIBE).
	ModeSharded Mode = "sharded"
)

// Options configures a Node. The zero value gives Node's defaults.
type Options struct {
	// Key is the prefix of every channel name. Default "socket.io". In
	// ModeSharded it is Node's channelPrefix option.
	Key string

	// RequestsTimeout bounds how long FetchSockets, AllRooms and
	// ServerSideEmit with an ack wait for the other servers. Default 5s.
	// It also bounds broadcasts with acks that have no Timeout flag.
	RequestsTimeout time.Duration

	// PublishOnSpecificResponseChannel sends responses to the requesting
	// server's own channel (P-response#N#<uid>#) rather than the shared
	// one. Every server of a cluster listens on both.
	PublishOnSpecificResponseChannel bool

	// Mode is the wire protocol: "" or ModeClassic, or ModeSharded.
	Mode Mode

	// SubscriptionMode is the sharded mode's subscriptionMode option:
	// SubscriptionStatic, SubscriptionDynamic (the default) or
	// SubscriptionDynamicPrivate. Every server of a cluster must use the
	// same. Ignored in ModeClassic.
	SubscriptionMode SubscriptionMode

	// MaxPendingPublishes bounds the messages waiting to be published;
	// more are dropped and counted as publish errors. Default 10000.
	MaxPendingPublishes int

	// Logger receives the adapter's warnings. Default slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Key == "" {
		o.Key = "socket.io"
	}
	if o.RequestsTimeout <= 0 {
		o.RequestsTimeout = 5 * time.Second
	}
	if o.Mode == "" {
		o.Mode = ModeClassic
	}
	if o.SubscriptionMode == "" {
		o.SubscriptionMode = SubscriptionDynamic
	}
	if o.MaxPendingPublishes <= 0 {
		o.MaxPendingPublishes = 10000
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}
