package redisadapter_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/redisadapter"
	"github.com/siogo/siogo/socketio"
)

// Tests of ModeSharded with several in-process servers on one Redis 7
// (SPUBLISH and SSUBSCRIBE work on a server without cluster mode).

var subscriptionModes = []redisadapter.SubscriptionMode{
	redisadapter.SubscriptionStatic,
	redisadapter.SubscriptionDynamic,
	redisadapter.SubscriptionDynamicPrivate,
}

func shardedOpts(mode redisadapter.SubscriptionMode) redisadapter.Options {
	return redisadapter.Options{Mode: redisadapter.ModeSharded, SubscriptionMode: mode, RequestsTimeout: time.Second}
}

// shardSubs returns PUBSUB SHARDNUMSUB of a channel.
func shardSubs(t testing.TB, rc redis.UniversalClient, channel string) int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if cc, ok := rc.(*redis.ClusterClient); ok {
		var total atomic.Int64
		if cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			m, err := c.PubSubShardNumSub(ctx, channel).Result()
			total.Add(m[channel])
			return err
		}) != nil {
			return -1
		}
		return int(total.Load())
	}
	m, err := rc.PubSubShardNumSub(ctx, channel).Result()
	if err != nil {
		return -1
	}
	return int(m[channel])
}

// waitRoom waits until n servers subscribe to the channel of room in nsp
// "/" (dynamic modes only: a server subscribes when the room appears on it).
func waitRoom(t testing.TB, rc redis.UniversalClient, mode redisadapter.SubscriptionMode, room string, n int) {
	t.Helper()
	if mode == redisadapter.SubscriptionStatic {
		return
	}
	ch := "socket.io#/#" + room + "#"
	eventually(t, fmt.Sprintf("%d subscribers of %s", n, ch), func() bool { return shardSubs(t, rc, ch) == n })
}

func shardedSetup(i int, io *socketio.Server) {
	defaultSetup(io)
	io.Of("/").OnServerSideEmit("ask", func(arg string, ack socketio.AckFunc) {
		ack(map[string]any{"from": i, "arg": arg})
	})
	io.Of("/").OnServerSideEmit("silent", func(arg string, ack socketio.AckFunc) {
		if i == 1 {
			ack("only me")
		}
	})
	io.Of("/").OnServerSideEmit("bin", func(b []byte, ack socketio.AckFunc) {
		ack(append([]byte{byte(i)}, b...))
	})
}

func TestSharded(t *testing.T) {
	for _, mode := range subscriptionModes {
		t.Run(string(mode), func(t *testing.T) { testShardedMode(t, mode) })
	}
}

func testShardedMode(t *testing.T, mode redisadapter.SubscriptionMode) {
	events := make(chan string, 10)
	c := newCluster(t, 3, shardedOpts(mode), func(i int, io *socketio.Server) {
		shardedSetup(i, io)
		io.Of("/").OnServerSideEmit("hi", func(arg string) { events <- fmt.Sprint(i, arg) })
	})
	rc := c.redis.Client(t)
	s0, s1, s2 := c.servers[0], c.servers[1], c.servers[2]
	a0 := s0.connect("/", testAuth{Rooms: []string{"a"}, Data: map[string]any{"n": 0}})
	a1 := s1.connect("/", testAuth{Rooms: []string{"a", "b"}, Data: map[string]any{"n": 1}})
	b2 := s2.connect("/", testAuth{Rooms: []string{"b"}})
	n2 := s2.connect("/", testAuth{})
	all := []*siotest.Conn{a0, a1, b2, n2}
	waitRoom(t, rc, mode, "a", 2)
	waitRoom(t, rc, mode, "b", 2)
	if ad, ok := s0.io.Of("/").Adapter().(*redisadapter.ShardedAdapter); !ok || len(ad.UID()) != 16 {
		t.Fatalf("adapter %T", s0.io.Of("/").Adapter())
	}

	t.Run("broadcast", func(t *testing.T) {
		s1.io.Emit("hello", "world", 1)
		for _, cl := range all {
			expect(t, cl, `2["hello","world",1]`)
		}
		s2.io.To("a").Emit("ra")
		s2.io.Emit("marker")
		for _, cl := range []*siotest.Conn{a0, a1} {
			expect(t, cl, `2["ra"]`)
		}
		for _, cl := range all {
			expect(t, cl, `2["marker"]`)
		}
		s0.io.To("a", "b").Except("a").Emit("ab")
		s0.io.Emit("marker")
		expect(t, b2, `2["ab"]`)
		for _, cl := range all {
			expect(t, cl, `2["marker"]`)
		}
		s1.io.Local().Emit("local")
		s1.io.Emit("marker")
		expect(t, a1, `2["local"]`)
		for _, cl := range all {
			expect(t, cl, `2["marker"]`)
		}
		volatileLands(t, `2["vc"]`, []*siotest.Conn{a1, b2}, all,
			func() { s0.io.Volatile().Compress(false).To("b").Emit("vc") },
			func() { s0.io.Emit("marker") })
	})

	t.Run("socket id room", func(t *testing.T) {
		ids := socketIDs(s2.io, "/")
		for _, id := range ids {
			if len(id) != 20 {
				t.Fatalf("socket id %q is not 20 characters long", id)
			}
			waitRoom(t, rc, privateOnly(mode), id, 1)
		}
		s0.io.To(ids[0]).Emit("direct")
		s0.io.Emit("marker")
		for _, cl := range []*siotest.Conn{b2, n2} {
			p, err := cl.ReadText(wait)
			if err != nil {
				t.Fatal(err)
			}
			if p == `2["direct"]` {
				expect(t, cl, `2["marker"]`)
			} else if p != `2["marker"]` {
				t.Fatalf("got %q", p)
			}
		}
		expect(t, a0, `2["marker"]`)
		expect(t, a1, `2["marker"]`)
	})

	t.Run("binary", func(t *testing.T) {
		s0.io.To("b").Emit("bin", []byte{1, 2, 3}, map[string]any{"x": []byte{4}})
		for _, cl := range []*siotest.Conn{a1, b2} {
			p, err := cl.Read(wait)
			if err != nil {
				t.Fatal(err)
			}
			want := `52-["bin",{"_placeholder":true,"num":0},{"x":{"_placeholder":true,"num":1}}]`
			if p.Text != want || len(p.Attachments) != 2 || string(p.Attachments[0]) != "\x01\x02\x03" || string(p.Attachments[1]) != "\x04" {
				t.Fatalf("got %s, want %s with attachments 010203, 04", p, want)
			}
		}
	})

	t.Run("join leave disconnect", func(t *testing.T) {
		y1 := s1.connect("/", testAuth{Rooms: []string{"y"}})
		s0.io.In("a").SocketsJoin("z")
		waitRoom(t, rc, mode, "z", 2) // a room channel appears on both
		eventually(t, "z on server 1", func() bool { return slices.Contains(s1.io.Of("/").Adapter().Rooms(), "z") })
		if !slices.Contains(s0.io.Of("/").Adapter().Rooms(), "z") {
			t.Fatal("the join was not applied on the sender at once")
		}
		s2.io.To("z").Emit("to-z")
		expect(t, a0, `2["to-z"]`)
		expect(t, a1, `2["to-z"]`)

		s2.io.SocketsLeave("z")
		waitRoom(t, rc, mode, "z", 0)
		eventually(t, "z gone", func() bool {
			return !slices.Contains(s0.io.Of("/").Adapter().Rooms(), "z") && !slices.Contains(s1.io.Of("/").Adapter().Rooms(), "z")
		})
		s2.io.To("z").Emit("to-z-again")
		s2.io.Emit("marker")
		for _, cl := range all {
			expect(t, cl, `2["marker"]`)
		}
		expect(t, y1, `2["marker"]`)

		s0.io.In("y").DisconnectSockets(true)
		if _, err := y1.Closed(wait); err != nil {
			t.Fatalf("y1 not disconnected: %v", err)
		}
		waitRoom(t, rc, mode, "y", 0)
	})

	t.Run("fetchSockets", func(t *testing.T) {
		ctx := context.Background()
		got, err := s0.io.FetchSockets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := slices.Concat(socketIDs(s0.io, "/"), socketIDs(s1.io, "/"), socketIDs(s2.io, "/"))
		slices.Sort(want)
		if ids := sortedIDs(got); !slices.Equal(ids, want) {
			t.Fatalf("FetchSockets = %v, want %v", ids, want)
		}
		inA, err := s2.io.In("a").Except("b").FetchSockets(ctx)
		if err != nil || len(inA) != 1 {
			t.Fatalf("In(a).Except(b) = %v, %v", sortedIDs(inA), err)
		}
		rs := inA[0]
		if rs.ID != socketIDs(s0.io, "/")[0] || string(rs.Data.(json.RawMessage)) != `{"n":0}` ||
			!slices.Equal(sorted(rs.Rooms), sorted([]string{rs.ID, "a"})) || rs.Handshake == nil || rs.Handshake.Query.Get("EIO") != "4" {
			t.Fatalf("remote socket = %+v", rs)
		}
		rooms, err := s2.io.Of("/").Adapter().(*redisadapter.ShardedAdapter).AllRooms(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantRooms := slices.Concat([]string{"a", "b"}, want)
		if !slices.Equal(sorted(rooms), sorted(wantRooms)) {
			t.Fatalf("AllRooms = %v, want %v", sorted(rooms), sorted(wantRooms))
		}
		n, err := s1.io.Of("/").Adapter().ServerCount(ctx)
		if err != nil || n != 3 {
			t.Fatalf("ServerCount = %d, %v", n, err)
		}
	})

	t.Run("serverSideEmit", func(t *testing.T) {
		if err := s0.io.ServerSideEmit("hi", "there"); err != nil {
			t.Fatal(err)
		}
		var seen []string
		for range 2 {
			select {
			case e := <-events:
				seen = append(seen, e)
			case <-time.After(wait):
				t.Fatal("server-side event not received")
			}
		}
		if slices.Sort(seen); !slices.Equal(seen, []string{"1there", "2there"}) {
			t.Fatalf("received %v", seen)
		}
		answers, err := s0.io.ServerSideEmitWithAck(context.Background(), "ask", "q")
		if err != nil {
			t.Fatal(err)
		}
		texts := firstArgs(answers)
		if want := []string{`{"arg":"q","from":1}`, `{"arg":"q","from":2}`}; !slices.Equal(texts, want) {
			t.Fatalf("answers = %v, want %v", texts, want)
		}
		// Binary both ways: the request and the answers are msgpack.
		answers, err = s2.io.ServerSideEmitWithAck(context.Background(), "bin", []byte{7, 7})
		if err != nil || len(answers) != 2 {
			t.Fatalf("bin answers = %v, %v", answers, err)
		}
		var bins []string
		for _, a := range answers {
			var b []byte
			if err := a.Decode(0, &b); err != nil {
				t.Fatal(err)
			}
			bins = append(bins, fmt.Sprint(b))
		}
		if slices.Sort(bins); !slices.Equal(bins, []string{"[0 7 7]", "[1 7 7]"}) {
			t.Fatalf("bin answers = %v", bins)
		}

		start := time.Now()
		answers, err = s0.io.ServerSideEmitWithAck(context.Background(), "silent", "q")
		if !errors.Is(err, redisadapter.ErrTimeout) || !errors.Is(err, socketio.ErrTimeout) ||
			!strings.Contains(err.Error(), "timeout reached: only 1 responses received out of 2") {
			t.Fatalf("err = %v", err)
		}
		if len(answers) != 1 || string(answers[0].Raw(0).JSON) != `"only me"` {
			t.Fatalf("partial answers = %v", answers)
		}
		if d := time.Since(start); d < 900*time.Millisecond || d > 3*time.Second {
			t.Errorf("timed out after %v, want about 1s", d)
		}
		if r, _ := redisadapter.ShardedPending(s0.io.Of("/").Adapter().(*redisadapter.ShardedAdapter)); r != 0 {
			t.Errorf("%d requests still pending", r)
		}
	})

	t.Run("broadcast with ack", func(t *testing.T) {
		x0 := s0.connect("/", testAuth{Rooms: []string{"x"}})
		x1 := s1.connect("/", testAuth{Rooms: []string{"x"}})
		ackClient(t, x0, `"zero"`, nil)
		ackClient(t, x1, `{"one":[1]}`, nil)
		waitRoom(t, rc, mode, "x", 2)
		acks, err := s2.io.Timeout(3*time.Second).To("x").EmitWithAck(context.Background(), "q", 1)
		if err != nil {
			t.Fatal(err)
		}
		texts := firstArgs(acks)
		if want := []string{`"zero"`, `{"one":[1]}`}; !slices.Equal(texts, want) {
			t.Fatalf("acks = %v, want %v", texts, want)
		}

		bin := s1.connect("/", testAuth{Rooms: []string{"bin"}})
		go answerWithBinary(bin, []byte{9, 8, 7})
		waitRoom(t, rc, mode, "bin", 1)
		acks, err = s2.io.Timeout(3*time.Second).To("bin").EmitWithAck(context.Background(), "q")
		if err != nil || len(acks) != 1 {
			t.Fatalf("binary ack: %v %v", acks, err)
		}
		var v struct{ B []byte }
		if err := acks[0].Decode(0, &v); err != nil || string(v.B) != "\x09\x08\x07" {
			t.Fatalf("binary ack = %v, %v", v, err)
		}

		// A client that never answers: the partial acks and a timeout.
		silent := s1.connect("/", testAuth{Rooms: []string{"x"}})
		seen := make(chan string, 1)
		ackClient(t, silent, "", seen)
		start := time.Now()
		acks, err = s2.io.Timeout(500*time.Millisecond).To("x").EmitWithAck(context.Background(), "q")
		if !errors.Is(err, socketio.ErrTimeout) || len(acks) != 2 {
			t.Fatalf("acks %v, err = %v, want 2 acks and a timeout", acks, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("timed out after %v", d)
		}
		<-seen
		eventually(t, "the ack request dropped after its timeout", func() bool {
			_, n := redisadapter.ShardedPending(s2.io.Of("/").Adapter().(*redisadapter.ShardedAdapter))
			return n == 0
		})
	})
}

// privateOnly is the mode to wait in for a socket-id room's channel: only
// dynamic-private subscribes to those.
func privateOnly(mode redisadapter.SubscriptionMode) redisadapter.SubscriptionMode {
	if mode == redisadapter.SubscriptionDynamicPrivate {
		return mode
	}
	return redisadapter.SubscriptionStatic
}

func TestShardedNamespaces(t *testing.T) {
	c := newCluster(t, 2, shardedOpts(redisadapter.SubscriptionDynamic), func(i int, io *socketio.Server) {
		defaultSetup(io)
		io.Of("/chat")
	})
	c.waitServers("/chat", 2)
	root := c.servers[1].connect("/", testAuth{})
	chat := c.servers[1].connect("/chat", testAuth{})
	c.servers[0].io.Of("/chat").Emit("in-chat")
	c.servers[0].io.Emit("in-root")
	expect(t, chat, `2/chat,["in-chat"]`)
	expect(t, root, `2["in-root"]`)
}

func TestShardedFetchTimeoutAndClose(t *testing.T) {
	c := newCluster(t, 1, shardedOpts(redisadapter.SubscriptionDynamic), nil)
	s := c.servers[0]
	// A silent server: counted by SHARDNUMSUB, never answers.
	p := newShardPeer(t, c.redis.Client(t), "socket.io#/#")
	c.waitServers("/", 2)

	start := time.Now()
	_, err := s.io.Timeout(300 * time.Millisecond).FetchSockets(context.Background())
	if !errors.Is(err, redisadapter.ErrTimeout) || !strings.Contains(err.Error(), "timeout reached: only 0 responses received out of 1") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d < 250*time.Millisecond || d > 2*time.Second {
		t.Errorf("timed out after %v, want the 300ms flag", d)
	}
	_, text, _ := p.next()
	if !strings.Contains(text, `"type":7,"data":{"opts":{"rooms":[],"except":[],"flags":{}},"requestId":"`) {
		t.Fatalf("request = %s", text)
	}

	errc := make(chan error, 1)
	go func() {
		_, err := s.io.FetchSockets(context.Background())
		errc <- err
	}()
	p.next()
	ad := s.io.Of("/").Adapter().(*redisadapter.ShardedAdapter)
	s.close()
	select {
	case err := <-errc:
		if !errors.Is(err, redisadapter.ErrClosed) {
			t.Fatalf("err = %v, want ErrClosed", err)
		}
	case <-time.After(wait):
		t.Fatal("FetchSockets still waiting after Close")
	}
	if r, a := redisadapter.ShardedPending(ad); r != 0 || a != 0 {
		t.Fatalf("pending after Close: %d requests, %d acks", r, a)
	}
}

func TestShardedUnsupportedSubscriptionMode(t *testing.T) {
	_, err := redisadapter.NewNode(nil, redisadapter.Options{Mode: redisadapter.ModeSharded, SubscriptionMode: "sometimes"})
	if !errors.Is(err, redisadapter.ErrUnsupportedMode) {
		t.Fatalf("err = %v", err)
	}
	_, err = redisadapter.NewNode(nil, redisadapter.Options{Mode: "streams"})
	if !errors.Is(err, redisadapter.ErrUnsupportedMode) {
		t.Fatalf("err = %v", err)
	}
}

func TestHashSlot(t *testing.T) {
	// Values from CLUSTER KEYSLOT; TestShardedRedisCluster compares more.
	for key, want := range map[string]int{"foo": 12182, "bar": 5061, "{user1000}.following": 3443} {
		if got := redisadapter.HashSlot(key); got != want {
			t.Errorf("HashSlot(%q) = %d, want %d", key, got, want)
		}
	}
}

func TestShardedBinarySocketData(t *testing.T) {
	c := newCluster(t, 2, shardedOpts(redisadapter.SubscriptionDynamic), func(i int, io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) { s.SetData(map[string]any{"bin": []byte{1, 2}, "i": i}) })
	})
	c.servers[1].connect("/", testAuth{})
	got, err := c.servers[0].io.FetchSockets(context.Background())
	if err != nil || len(got) != 1 {
		t.Fatalf("FetchSockets = %v, %v", got, err)
	}
	raw, ok := got[0].Data.(socketio.Raw)
	if !ok {
		t.Fatalf("data %T %v, want a socketio.Raw", got[0].Data, got[0].Data)
	}
	var v struct {
		Bin []byte
		I   int
	}
	if err := socketio.NewArgs([]json.RawMessage{raw.JSON}, raw.Attachments).Decode(0, &v); err != nil || string(v.Bin) != "\x01\x02" || v.I != 1 {
		t.Fatalf("data = %+v, %v (%s)", v, err, raw.JSON)
	}
}
