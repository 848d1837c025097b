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

	// OnError, when set, is called for every failure of the node's work
	// with Redis, for monitoring: op is one of the Op constants. Failures
	// repeat while Redis is away (once per lost message, once per failed
	// reconnection attempt), where the Logger says it once per outage.
	// Requests that their caller canceled, or that end because the
	// adapter closes, are not failures. It runs on the node's goroutines
	// and on the callers' of cluster requests: it must be quick and must
	// not block.
	OnError func(op string, err error)
}

// The operations reported to Options.OnError.
const (
	// OpPublish: a message could not be published (Redis failed, or the
	// publish queue was full); it is lost.
	OpPublish = "publish"
	// OpSubscribe: the subscriber lost its connection (or could not make
	// it again), or a (un)subscribe command failed.
	OpSubscribe = "subscribe"
	// OpRequest: a cluster request (FetchSockets, AllRooms, ServerSideEmit
	// with an ack, the server count of a broadcast with acks) failed,
	// most often because not every server answered in time.
	OpRequest = "request"
	// OpEncode: a message could not be encoded for the other servers.
	OpEncode = "encode"
)

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
