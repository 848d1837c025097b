package redisadapter_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/siogo/siogo/redisadapter"
)

func TestRedisRestart(t *testing.T) {
	const timeout = 500 * time.Millisecond
	c := newCluster(t, 2, redisadapter.Options{RequestsTimeout: timeout}, nil)
	s0, s1 := c.servers[0], c.servers[1]
	c0 := s0.connect("/", testAuth{Rooms: []string{"r"}})
	c1 := s1.connect("/", testAuth{Rooms: []string{"r"}})
	ad0 := s0.io.Of("/").Adapter().(*redisadapter.Adapter)

	s0.io.Emit("before")
	expect(t, c0, `2["before"]`)
	expect(t, c1, `2["before"]`)
	baseline := runtime.NumGoroutine()

	for round := range 2 {
		c.redis.Stop()

		// Local delivery goes on; the publish fails and is counted.
		errs := s0.node.PublishErrors()
		s0.io.Emit("during")
		expect(t, c0, `2["during"]`)
		eventually(t, "a counted publish error", func() bool { return s0.node.PublishErrors() > errs })

		// Requests fail after their timeout with Node's text.
		start := time.Now()
		_, err := s0.io.FetchSockets(context.Background())
		if !errors.Is(err, redisadapter.ErrTimeout) || !strings.Contains(err.Error(), "timeout reached while waiting for fetchSockets response") {
			t.Fatalf("round %d: FetchSockets during the outage: %v", round, err)
		}
		if d := time.Since(start); d < timeout-50*time.Millisecond || d > 3*timeout {
			t.Errorf("round %d: FetchSockets failed after %v, want about %v", round, d, timeout)
		}
		if _, err := ad0.AllRooms(context.Background()); !errors.Is(err, redisadapter.ErrTimeout) ||
			!strings.Contains(err.Error(), "timeout reached while waiting for allRooms response") {
			t.Fatalf("round %d: AllRooms during the outage: %v", round, err)
		}
		if _, err := s0.io.ServerSideEmitWithAck(context.Background(), "x"); !errors.Is(err, redisadapter.ErrTimeout) {
			t.Fatalf("round %d: ServerSideEmitWithAck during the outage: %v", round, err)
		}

		t0 := time.Now()
		c.redis.Resume(t)
		t1 := time.Now()
		// go-redis subscribes again by itself.
		c.waitServers("/", 2)
		t.Logf("round %d: redis restarted in %v, resubscribed %v later", round, t1.Sub(t0), time.Since(t1))
		for _, s := range c.servers {
			if n := s.node.Reconnects(); n < uint64(round+1) {
				t.Errorf("round %d: %d reconnects", round, n)
			}
		}

		// Cross-server broadcasts resume; what was published during the
		// outage is lost, as with Node.
		s0.io.To("r").Emit("after")
		expect(t, c0, `2["after"]`)
		expect(t, c1, `2["after"]`)
		s1.io.Emit("back")
		expect(t, c0, `2["back"]`)
		expect(t, c1, `2["back"]`)
		rooms, err := ad0.AllRooms(context.Background())
		if err != nil || len(rooms) != 3 {
			t.Fatalf("round %d: AllRooms after: %v %v", round, rooms, err)
		}
	}

	// No goroutine growth across reconnects.
	eventually(t, "goroutines back to their number before the outages", func() bool {
		return runtime.NumGoroutine() <= baseline
	})
}

func TestStartWithoutRedis(t *testing.T) {
	// A server started while Redis is away subscribes once it is back.
	c := newCluster(t, 1, redisadapter.Options{RequestsTimeout: 300 * time.Millisecond}, nil)
	c.redis.Stop()
	late := c.start(1, redisadapter.Options{RequestsTimeout: 300 * time.Millisecond}, nil)
	c.servers = append(c.servers, late)
	cl := late.connect("/", testAuth{})
	late.io.Emit("local")
	expect(t, cl, `2["local"]`)
	c.redis.Resume(t)
	c.waitServers("/", 2)
	c.servers[0].io.Emit("remote")
	expect(t, cl, `2["remote"]`)
}
