package redisadapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/siogo/siogo/socketio"
)

// subscribeTimeout bounds the writes of SUBSCRIBE and UNSUBSCRIBE commands.
const subscribeTimeout = 5 * time.Second

// Node is one server's membership in a Redis cluster: the subscriber
// connection and publish queue its namespaces share. Its NewAdapter method
// is the socketio.AdapterFactory:
//
//	node, err := redisadapter.NewNode(rdb, redisadapter.Options{})
//	io := socketio.NewServer(socketio.Options{Adapter: node.NewAdapter})
//
// The subscriber runs while the node has adapters: the server's Close,
// which closes every namespace's adapter, stops it.
type Node struct {
	client redis.UniversalClient
	opts   Options
	log    *slog.Logger
	pub    *publisher

	mu       sync.RWMutex
	patterns map[string]*Adapter // broadcast pattern -> adapter
	channels map[string]route    // request and response channels
	count    int                 // open adapters
	sub      *subscriber         // nil while count is 0

	resubscribed atomic.Uint64

	shard *shardedNode // ModeSharded only
}

// route says which adapter a channel belongs to and what flows on it.
type route struct {
	a        *Adapter
	response bool
}

// NewNode returns a node that talks to Redis through client, which it
// uses both to publish and, through one PubSub, to subscribe. The client
// stays the caller's to close, after the server.
func NewNode(client redis.UniversalClient, opts Options) (*Node, error) {
	opts = opts.withDefaults()
	switch opts.Mode {
	case ModeClassic:
	case ModeSharded:
		switch opts.SubscriptionMode {
		case SubscriptionStatic, SubscriptionDynamic, SubscriptionDynamicPrivate:
		default:
			return nil, fmt.Errorf("%w: subscription mode %q", ErrUnsupportedMode, opts.SubscriptionMode)
		}
	default:
		return nil, fmt.Errorf("%w: %q (%q or %q)", ErrUnsupportedMode, opts.Mode, ModeClassic, ModeSharded)
	}
	n := &Node{
		client:   client,
		opts:     opts,
		log:      opts.Logger,
		pub:      newPublisher(client, opts.Logger, opts.MaxPendingPublishes),
		patterns: make(map[string]*Adapter),
		channels: make(map[string]route),
	}
	n.pub.onError = opts.OnError
	if opts.Mode == ModeSharded {
		n.pub.sharded = true
		n.shard = newShardedNode(n)
	}
	return n, nil
}

// New returns the adapter factory of a new Node. It panics if opts.Mode is
// not supported; use NewNode to get an error instead.
func New(client redis.UniversalClient, opts Options) socketio.AdapterFactory {
	n, err := NewNode(client, opts)
	if err != nil {
		panic(err)
	}
	return n.NewAdapter
}

// NewAdapter returns the adapter of a namespace and subscribes to its
// channels. It is a socketio.AdapterFactory. In ModeClassic the adapter is
// an *Adapter, in ModeSharded a *ShardedAdapter.
func (n *Node) NewAdapter(nsp *socketio.Namespace) socketio.Adapter {
	if n.shard != nil {
		return n.shard.newAdapter(nsp)
	}
	a := newAdapter(n, nsp)
	n.mu.Lock()
	n.patterns[a.ch.pattern] = a
	n.channels[a.ch.request] = route{a: a}
	n.channels[a.ch.response] = route{a: a, response: true}
	n.channels[a.ch.specific] = route{a: a, response: true}
	n.count++
	sub := n.sub
	first := sub == nil
	if first {
		sub = newSubscriber(n)
		n.sub = sub
	}
	a.sub = sub
	n.mu.Unlock()

	// go-redis records the subscriptions before writing them: if Redis is
	// away, they are made when the subscriber connects.
	ctx, cancel := context.WithTimeout(context.Background(), subscribeTimeout)
	defer cancel()
	if err := sub.ps.PSubscribe(ctx, a.ch.pattern); err != nil {
		n.log.Warn("redisadapter: psubscribe failed; retrying on reconnect", "pattern", a.ch.pattern, "error", err)
		n.reportError(OpSubscribe, err)
	}
	if err := sub.ps.Subscribe(ctx, a.ch.request, a.ch.response, a.ch.specific); err != nil {
		n.log.Warn("redisadapter: subscribe failed; retrying on reconnect", "channel", a.ch.request, "error", err)
		n.reportError(OpSubscribe, err)
	}
	if first {
		sub.start()
	}
	return a
}

// remove unsubscribes a closed adapter; the last one stops the subscriber
// and waits for the publish queue to drain.
func (n *Node) remove(a *Adapter) {
	n.mu.Lock()
	delete(n.patterns, a.ch.pattern)
	delete(n.channels, a.ch.request)
	delete(n.channels, a.ch.response)
	delete(n.channels, a.ch.specific)
	n.count--
	sub := a.sub
	last := n.count == 0 && n.sub == sub
	if last {
		n.sub = nil
	}
	n.mu.Unlock()

	if last {
		sub.stop()
		n.pub.wait()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), subscribeTimeout)
	defer cancel()
	if err := sub.ps.PUnsubscribe(ctx, a.ch.pattern); err != nil {
		n.log.Debug("redisadapter: punsubscribe", "error", err)
		n.reportError(OpSubscribe, err)
	}
	if err := sub.ps.Unsubscribe(ctx, a.ch.request, a.ch.response, a.ch.specific); err != nil {
		n.log.Debug("redisadapter: unsubscribe", "error", err)
		n.reportError(OpSubscribe, err)
	}
}

// reportError passes a failure to Options.OnError. A request its caller
// canceled, or one ended by the adapter's closing, is not a failure.
func (n *Node) reportError(op string, err error) {
	fn := n.opts.OnError
	if fn == nil || err == nil || errors.Is(err, ErrClosed) || errors.Is(err, context.Canceled) {
		return
	}
	fn(op, err)
}

// dispatch hands a received message to its adapter.
func (n *Node) dispatch(m *redis.Message) {
	n.mu.RLock()
	var a *Adapter
	var r route
	if m.Pattern != "" {
		a = n.patterns[m.Pattern]
	} else {
		r = n.channels[m.Channel]
	}
	n.mu.RUnlock()
	switch {
	case a != nil:
		a.onBroadcast(m.Channel, m.Payload)
	case r.a == nil:
	case r.response:
		r.a.onResponse([]byte(m.Payload))
	default:
		r.a.onRequest([]byte(m.Payload))
	}
}

// numSub returns how many clients subscribe to channel: PUBSUB NUMSUB,
// summed over the masters of a Redis Cluster.
func (n *Node) numSub(ctx context.Context, channel string) (int, error) {
	if cc, ok := n.client.(*redis.ClusterClient); ok {
		var total atomic.Int64
		err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			m, err := c.PubSubNumSub(ctx, channel).Result()
			total.Add(m[channel])
			return err
		})
		return int(total.Load()), err
	}
	m, err := n.client.PubSubNumSub(ctx, channel).Result()
	if err != nil {
		return 0, err
	}
	return int(m[channel]), nil
}

// PublishErrors returns how many messages could not be published: Redis
// errors and messages dropped because the queue was full.
func (n *Node) PublishErrors() uint64 { return n.pub.errors.Load() }

// Published returns how many messages were published.
func (n *Node) Published() uint64 { return n.pub.published.Load() }

// Reconnects returns how many times the subscriber connection was lost and
// made again.
func (n *Node) Reconnects() uint64 { return n.resubscribed.Load() }
