package redisadapter_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/siogo/siogo/redisadapter"
)

// opCounter counts Options.OnError calls by op.
type opCounter struct {
	mu  sync.Mutex
	ops map[string]int
}

func (c *opCounter) onError(op string, err error) {
	if err == nil {
		panic("OnError without an error")
	}
	c.mu.Lock()
	if c.ops == nil {
		c.ops = make(map[string]int)
	}
	c.ops[op]++
	c.mu.Unlock()
}

func (c *opCounter) get(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ops[op]
}

// While Redis is away, publishes, the subscriber and requests fail, and
// OnError hears of each; a request its caller cancels is no failure.
func TestOnError(t *testing.T) {
	for _, mode := range []redisadapter.Mode{redisadapter.ModeClassic, redisadapter.ModeSharded} {
		t.Run(string(mode), func(t *testing.T) {
			var errs opCounter
			opts := redisadapter.Options{Mode: mode, RequestsTimeout: 300 * time.Millisecond, OnError: errs.onError}
			c := newCluster(t, 2, opts, nil)
			s0 := c.servers[0]
			cl := s0.connect("/", testAuth{})

			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if _, err := s0.io.FetchSockets(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("canceled FetchSockets: %v", err)
			}
			if n := errs.get(redisadapter.OpRequest); n != 0 {
				t.Errorf("%d request errors for a canceled request", n)
			}

			c.redis.Stop()
			s0.io.Emit("during")
			expect(t, cl, `2["during"]`)
			eventually(t, "a publish error", func() bool { return errs.get(redisadapter.OpPublish) > 0 })
			eventually(t, "a subscriber error", func() bool { return errs.get(redisadapter.OpSubscribe) > 0 })
			if _, err := s0.io.FetchSockets(context.Background()); !errors.Is(err, redisadapter.ErrTimeout) {
				t.Fatalf("FetchSockets during the outage: %v", err)
			}
			if errs.get(redisadapter.OpRequest) == 0 {
				t.Error("no request error for a FetchSockets that timed out")
			}
			c.redis.Resume(t)
			c.waitServers("/", 2)
		})
	}
}
