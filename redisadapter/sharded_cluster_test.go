package redisadapter_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/siogo/siogo/internal/redistest"
	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/redisadapter"
	"github.com/siogo/siogo/socketio"
)

// TestShardedRedisCluster runs three servers on a real 3-master Redis
// Cluster: the namespace's channels and the room channels hash to slots of
// different masters, SSUBSCRIBE must reach each one's owner, and the server
// count is SHARDNUMSUB summed over the masters.
func TestShardedRedisCluster(t *testing.T) {
	rcl := redistest.StartCluster(t)
	ignore := goleak.IgnoreCurrent()
	admin := rcl.Client(t)

	var servers []*server
	var clients []*redis.ClusterClient
	t.Cleanup(func() {
		for _, s := range servers {
			s.close()
		}
		for _, cc := range clients {
			cc.Close()
		}
		admin.Close()
		rcl.Stop()
		goleak.VerifyNone(t, ignore)
	})
	for i := range 3 {
		cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: rcl.Addrs()})
		clients = append(clients, cc)
		node, err := redisadapter.NewNode(cc, shardedOpts(redisadapter.SubscriptionDynamic))
		if err != nil {
			t.Fatal(err)
		}
		io := socketio.NewServer(socketio.Options{Adapter: node.NewAdapter})
		shardedSetup(i, io)
		ts := httptest.NewServer(io)
		// The helper's server closes a *redis.Client: give it an idle one.
		idle := redis.NewClient(&redis.Options{Addr: rcl.Addrs()[0]})
		servers = append(servers, &server{t: t, io: io, ts: ts, url: ts.URL + "/socket.io/", node: node, client: idle})
	}
	for _, s := range servers {
		eventually(t, "server count 3", func() bool {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			n, err := s.io.Of("/").Adapter().ServerCount(ctx)
			return err == nil && n == 3
		})
	}

	// Rooms whose channels live on every master, the main channel's
	// included.
	ctx := context.Background()
	owner := func(channel string) string {
		if slot, err := admin.ClusterKeySlot(ctx, channel).Result(); err != nil || int(slot) != redisadapter.HashSlot(channel) {
			t.Fatalf("CLUSTER KEYSLOT %s = %d, %v; HashSlot = %d", channel, slot, err, redisadapter.HashSlot(channel))
		}
		c, err := admin.MasterForKey(ctx, channel)
		if err != nil {
			t.Fatal(err)
		}
		return c.Options().Addr
	}
	mainOwner := owner("socket.io#/#")
	var rooms []string
	owners := map[string]bool{mainOwner: true}
	for i := 0; len(rooms) < 3 && i < 100; i++ {
		r := fmt.Sprintf("room%d", i)
		o := owner("socket.io#/#" + r + "#")
		if len(rooms) == 0 && o == mainOwner || len(rooms) > 0 && owners[o] && len(owners) < 3 {
			continue
		}
		owners[o] = true
		rooms = append(rooms, r)
	}
	if len(owners) != 3 {
		t.Fatalf("channels cover masters %v, want all 3", owners)
	}
	t.Logf("main channel on %s; rooms %v", mainOwner, rooms)

	var conns []*siotest.Conn
	for i, s := range servers {
		conns = append(conns, s.connect("/", testAuth{Rooms: []string{rooms[i], rooms[(i+1)%3]}}))
	}
	for _, r := range rooms {
		waitRoom(t, admin, redisadapter.SubscriptionDynamic, r, 2)
	}

	servers[0].io.Emit("all")
	for _, cl := range conns {
		expect(t, cl, `2["all"]`)
	}
	for i, r := range rooms {
		// rooms[i] is on servers i and i-1. The room's and the main
		// channel live on different masters: no order between them.
		servers[(i+1)%3].io.To(r).Emit("to", r)
		servers[(i+1)%3].io.Emit("marker")
		for j, cl := range conns {
			want := []string{`2["marker"]`}
			if j == i || j == (i+2)%3 {
				want = append(want, `2["to","`+r+`"]`)
			}
			var got []string
			for range want {
				p, err := cl.ReadText(wait)
				if err != nil {
					t.Fatalf("client %d, room %s: %v (got %v)", j, r, err, got)
				}
				got = append(got, p)
			}
			if slices.Sort(got); !slices.Equal(got, want) {
				t.Fatalf("client %d, room %s: got %v, want %v", j, r, got, want)
			}
		}
	}

	got, err := servers[1].io.FetchSockets(ctx)
	if err != nil || len(got) != 3 {
		t.Fatalf("FetchSockets = %v, %v", sortedIDs(got), err)
	}
	answers, err := servers[2].io.ServerSideEmitWithAck(ctx, "ask", "q")
	if err != nil || len(answers) != 2 {
		t.Fatalf("ServerSideEmitWithAck = %v, %v", answers, err)
	}

	servers[2].io.In(rooms[0]).SocketsJoin("joined")
	waitRoom(t, admin, redisadapter.SubscriptionDynamic, "joined", 2)
	for i, cl := range conns {
		ackClient(t, cl, fmt.Sprint(i), nil)
	}
	acks, err := servers[1].io.Timeout(3*time.Second).To("joined").EmitWithAck(ctx, "q")
	if err != nil {
		t.Fatal(err)
	}
	texts := firstArgs(acks)
	if !slices.Equal(texts, []string{"0", "2"}) {
		t.Fatalf("acks = %v", texts)
	}
}
