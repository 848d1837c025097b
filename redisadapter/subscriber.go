package redisadapter

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
)

// Subscriber timing.
const (
	// idlePing is how long the subscriber waits for a message before it
	// pings Redis, which keeps the connection checked while quiet.
	idlePing = 15 * time.Second
	// Reconnection back-off while Redis is away.
	minBackoff = 20 * time.Millisecond
	maxBackoff = time.Second
)

// subscriber reads the node's PubSub in one goroutine. It reads messages
// itself rather than through go-redis's Channel helper, which drops
// messages when its consumer falls behind.
type subscriber struct {
	node     *Node
	ps       *redis.PubSub
	dispatch func(*redis.Message) // the node's, or the sharded mode's
	quit     chan struct{}        // closed by stop
	done     chan struct{}        // closed when run returns
}

func newSubscriber(n *Node) *subscriber {
	return &subscriber{
		node:     n,
		ps:       n.client.Subscribe(context.Background()), // connects on first use
		dispatch: n.dispatch,
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
	}
}

// newPubSubSubscriber reads ps (the sharded mode's SSUBSCRIBE connections)
// and hands its messages to dispatch.
func newPubSubSubscriber(n *Node, ps *redis.PubSub, dispatch func(*redis.Message)) *subscriber {
	return &subscriber{node: n, ps: ps, dispatch: dispatch, quit: make(chan struct{}), done: make(chan struct{})}
}

func (s *subscriber) start() { go s.run() }

// stop closes the PubSub, which ends a pending read, and waits for run.
func (s *subscriber) stop() {
	close(s.quit)
	s.ps.Close()
	<-s.done
}

func (s *subscriber) run() {
	defer close(s.done)
	ctx := context.Background()
	log := s.node.log
	backoff := time.Duration(0)
	lost := false
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		msg, err := s.ps.ReceiveTimeout(ctx, idlePing)
		select {
		case <-s.quit:
			return
		default:
		}
		if err != nil {
			if isTimeout(err) && !lost {
				_ = s.ps.Ping(ctx) // a broken connection fails here or on the next read
				continue
			}
			if !lost {
				lost = true
				log.Warn("redisadapter: subscriber connection lost; reconnecting", "error", err)
			}
			s.node.reportError(OpSubscribe, err)
			// go-redis dials again and subscribes again on the next read.
			backoff = min(max(2*backoff, minBackoff), maxBackoff)
			if timer == nil {
				timer = time.NewTimer(backoff)
			} else {
				timer.Reset(backoff)
			}
			select {
			case <-s.quit:
				return
			case <-timer.C:
			}
			continue
		}
		if lost {
			lost, backoff = false, 0
			s.node.resubscribed.Add(1)
			log.Info("redisadapter: subscriber reconnected")
		}
		switch m := msg.(type) {
		case *redis.Message:
			s.dispatch(m)
		case *redis.Subscription, *redis.Pong:
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
