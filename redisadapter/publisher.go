package redisadapter

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// publishTimeout bounds one pipeline of publishes.
const publishTimeout = 5 * time.Second

// publisher sends messages in the order they were queued, without ever
// blocking the caller: a goroutine, running only while the queue has
// messages, sends each batch in one pipeline. When Redis is away the
// messages fail, are counted and the failure logged once per outage.
type publisher struct {
	client  redis.UniversalClient
	log     *slog.Logger
	max     int
	sharded bool                       // SPUBLISH rather than PUBLISH
	onError func(op string, err error) // Options.OnError

	mu      sync.Mutex
	queue   []outMessage
	spare   []outMessage
	running bool
	done    chan struct{} // closed when the running goroutine stops; nil if idle

	failing   atomic.Bool
	errors    atomic.Uint64
	published atomic.Uint64
}

type outMessage struct {
	channel string
	payload []byte
}

func newPublisher(client redis.UniversalClient, log *slog.Logger, max int) *publisher {
	return &publisher{client: client, log: log, max: max}
}

// publish queues a message; it reports false if the queue was full.
func (p *publisher) publish(channel string, payload []byte) bool {
	p.mu.Lock()
	if len(p.queue) >= p.max {
		p.mu.Unlock()
		p.fail(1, errQueueFull)
		return false
	}
	p.queue = append(p.queue, outMessage{channel, payload})
	if !p.running {
		p.running = true
		p.done = make(chan struct{})
		go p.run(p.done)
	}
	p.mu.Unlock()
	return true
}

func (p *publisher) run(done chan struct{}) {
	defer close(done)
	for {
		p.mu.Lock()
		batch := p.queue
		if len(batch) == 0 {
			p.running = false
			p.mu.Unlock()
			return
		}
		p.queue, p.spare = p.spare[:0], nil
		p.mu.Unlock()

		p.send(batch)
		clear(batch)
		p.mu.Lock()
		p.spare = batch[:0]
		p.mu.Unlock()
	}
}

func (p *publisher) send(batch []outMessage) {
	ctx, cancel := context.WithTimeout(context.Background(), publishTimeout)
	defer cancel()
	var err error
	if len(batch) == 1 {
		if p.sharded {
			err = p.client.SPublish(ctx, batch[0].channel, batch[0].payload).Err()
		} else {
			err = p.client.Publish(ctx, batch[0].channel, batch[0].payload).Err()
		}
		if err != nil {
			p.fail(1, err)
			return
		}
	} else {
		cmds, _ := p.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			for _, m := range batch {
				if p.sharded {
					pipe.SPublish(ctx, m.channel, m.payload)
				} else {
					pipe.Publish(ctx, m.channel, m.payload)
				}
			}
			return nil
		})
		failed := 0
		for _, c := range cmds {
			if e := c.Err(); e != nil {
				failed++
				err = e
			}
		}
		p.published.Add(uint64(len(batch) - failed))
		if failed > 0 {
			p.fail(failed, err)
			return
		}
	}
	if len(batch) == 1 {
		p.published.Add(1)
	}
	if p.failing.CompareAndSwap(true, false) {
		p.log.Info("redisadapter: publishing again", "errors", p.errors.Load())
	}
}

// fail counts n lost messages, logging the first loss of an outage.
func (p *publisher) fail(n int, err error) {
	p.errors.Add(uint64(n))
	if p.onError != nil {
		for range n {
			p.onError(OpPublish, err)
		}
	}
	if p.failing.CompareAndSwap(false, true) {
		p.log.Warn("redisadapter: publish failed; messages are lost until Redis is back", "error", err)
	}
}

// wait waits until the queue is empty and its goroutine gone.
func (p *publisher) wait() {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	for done != nil {
		<-done
		p.mu.Lock()
		next := p.done
		p.mu.Unlock()
		if next == done {
			return
		}
		done = next
	}
}
