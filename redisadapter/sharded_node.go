package redisadapter

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"

	"github.com/siogo/siogo/socketio"
)

// SubscriptionMode is the subscriptionMode option of Node's sharded
// adapter: which channels a server subscribes to.
type SubscriptionMode string

// The subscription modes of ModeSharded.
const (
	// SubscriptionStatic subscribes to the namespace's main channel P#N#
	// and the server's response channel P#N#U# only; every broadcast goes
	// to P#N#.
	SubscriptionStatic SubscriptionMode = "static"
	// SubscriptionDynamic also subscribes to P#N#R# for each public room
	// (not a socket id) that has a local socket; a broadcast without ack
	// to exactly one room that is not 20 characters long goes there.
	SubscriptionDynamic SubscriptionMode = "dynamic"
	// SubscriptionDynamicPrivate is SubscriptionDynamic for every room,
	// socket-id rooms included.
	SubscriptionDynamicPrivate SubscriptionMode = "dynamic-private"
)

// shardedNode is the ModeSharded half of a Node: SSUBSCRIBE connections and
// the routing of their messages to namespace adapters.
//
// Subscriptions are made in order by one goroutine (ops), so that a room
// created then deleted ends unsubscribed, and without blocking the socket
// joins that create rooms. On a single Redis server one PubSub carries every
// channel. On a Redis Cluster, an SSUBSCRIBE reaches the node owning its
// channel's slot and go-redis re-subscribes a PubSub's channels in one
// command, which must not cross slots: so there is one PubSub per hash slot
// in use (a room channel with a slot of its own costs a connection).
type shardedNode struct {
	n       *Node
	cluster *redis.ClusterClient // nil on a single server

	mu       sync.RWMutex
	routes   map[string]shardRoute // channel -> adapter
	adapters int

	ops serialQueue
	// Used by ops functions only, one at a time.
	subs map[int]*shardSub // by slot; slot 0 on a single server
}

type shardRoute struct {
	a        *ShardedAdapter
	response bool // the adapter's own response channel
}

type shardSub struct {
	s        *subscriber
	channels map[string]struct{}
}

func newShardedNode(n *Node) *shardedNode {
	cc, _ := n.client.(*redis.ClusterClient)
	return &shardedNode{
		n:       n,
		cluster: cc,
		routes:  make(map[string]shardRoute),
		subs:    make(map[int]*shardSub),
	}
}

func (sn *shardedNode) newAdapter(nsp *socketio.Namespace) socketio.Adapter {
	a := newShardedAdapter(sn, nsp)
	sn.mu.Lock()
	sn.routes[a.main] = shardRoute{a: a}
	sn.routes[a.response] = shardRoute{a: a, response: true}
	sn.adapters++
	sn.mu.Unlock()
	// Wait for these two, as the classic mode does: once the factory
	// returns, the server is counted and hears requests.
	sn.sync(func() { sn.doSubscribe(a.main, a.response) })
	return a
}

// route makes channel deliver to a; unroute undoes it.
func (sn *shardedNode) route(channel string, a *ShardedAdapter) {
	sn.mu.Lock()
	sn.routes[channel] = shardRoute{a: a}
	sn.mu.Unlock()
}

func (sn *shardedNode) unroute(channels ...string) {
	sn.mu.Lock()
	for _, c := range channels {
		delete(sn.routes, c)
	}
	sn.mu.Unlock()
}

// subscribe and unsubscribe queue SSUBSCRIBE and SUNSUBSCRIBE.
func (sn *shardedNode) subscribe(channels ...string) {
	sn.ops.push(func() { sn.doSubscribe(channels...) })
}

func (sn *shardedNode) unsubscribe(channels ...string) {
	sn.ops.push(func() { sn.doUnsubscribe(channels...) })
}

// sync runs fn on the ops goroutine, after the queued work, and waits.
func (sn *shardedNode) sync(fn func()) {
	done := make(chan struct{})
	sn.ops.push(func() {
		defer close(done)
		fn()
	})
	<-done
}

// remove drops a closed adapter's channels; the last adapter stops the
// subscribers and waits for the publish queue to drain.
func (sn *shardedNode) remove(a *ShardedAdapter, channels []string) {
	sn.unroute(channels...)
	sn.mu.Lock()
	sn.adapters--
	last := sn.adapters == 0
	sn.mu.Unlock()
	if !last {
		sn.unsubscribe(channels...)
		return
	}
	sn.sync(func() {
		for slot, ss := range sn.subs {
			ss.s.stop()
			delete(sn.subs, slot)
		}
	})
	sn.n.pub.wait()
}

func (sn *shardedNode) slot(channel string) int {
	if sn.cluster == nil {
		return 0
	}
	return hashSlot(channel)
}

func (sn *shardedNode) doSubscribe(channels ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), subscribeTimeout)
	defer cancel()
	for _, ch := range channels {
		sn.mu.RLock()
		_, routed := sn.routes[ch]
		sn.mu.RUnlock()
		if !routed {
			continue // its adapter closed or its room is gone since
		}
		slot := sn.slot(ch)
		ss := sn.subs[slot]
		fresh := ss == nil
		if fresh {
			ss = &shardSub{channels: make(map[string]struct{})}
			ss.s = newPubSubSubscriber(sn.n, sn.n.client.SSubscribe(ctx), sn.dispatch)
			sn.subs[slot] = ss
		} else if _, ok := ss.channels[ch]; ok {
			continue
		}
		ss.channels[ch] = struct{}{}
		// go-redis records the channel even when the command fails: it is
		// subscribed again when the connection is made again.
		if err := ss.s.ps.SSubscribe(ctx, ch); err != nil {
			sn.n.log.Warn("redisadapter: ssubscribe failed; retrying on reconnect", "channel", ch, "error", err)
			sn.n.reportError(OpSubscribe, err)
		}
		if fresh {
			// Only now: a PubSub read before its first channel would
			// connect to a random cluster node.
			ss.s.start()
		}
	}
}

func (sn *shardedNode) doUnsubscribe(channels ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), subscribeTimeout)
	defer cancel()
	for _, ch := range channels {
		slot := sn.slot(ch)
		ss := sn.subs[slot]
		if ss == nil {
			continue
		}
		if _, ok := ss.channels[ch]; !ok {
			continue
		}
		delete(ss.channels, ch)
		if len(ss.channels) == 0 && sn.cluster != nil {
			delete(sn.subs, slot)
			ss.s.stop()
			continue
		}
		if err := ss.s.ps.SUnsubscribe(ctx, ch); err != nil {
			sn.n.log.Debug("redisadapter: sunsubscribe", "channel", ch, "error", err)
			sn.n.reportError(OpSubscribe, err)
		}
	}
}

// dispatch hands a received message to its adapter: a response on the
// adapter's response channel, any other message on its main or room
// channels, as Node's onRawMessage.
func (sn *shardedNode) dispatch(m *redis.Message) {
	sn.mu.RLock()
	r := sn.routes[m.Channel]
	sn.mu.RUnlock()
	if r.a == nil {
		return
	}
	if r.response {
		r.a.onResponse([]byte(m.Payload))
	} else {
		r.a.onMessage([]byte(m.Payload))
	}
}

// shardNumSub returns PUBSUB SHARDNUMSUB channel, summed over the masters
// of a Redis Cluster as Node's adapter does.
func (sn *shardedNode) shardNumSub(ctx context.Context, channel string) (int, error) {
	if cc := sn.cluster; cc != nil {
		var total atomic.Int64
		err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			m, err := c.PubSubShardNumSub(ctx, channel).Result()
			total.Add(m[channel])
			return err
		})
		return int(total.Load()), err
	}
	m, err := sn.n.client.PubSubShardNumSub(ctx, channel).Result()
	if err != nil {
		return 0, err
	}
	return int(m[channel]), nil
}

// hashSlot is Redis Cluster's key slot: CRC16 (XMODEM) of the key, or of
// its first non-empty {hash tag}, modulo 16384.
func hashSlot(key string) int {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for k := 0; k < len(key); k++ {
		crc ^= uint16(key[k]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return int(crc) & 16383
}
