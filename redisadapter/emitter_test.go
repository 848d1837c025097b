package redisadapter_test

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/redisadapter"
	"github.com/siogo/siogo/socketio"
)

// TestEmitterDrivesGoCluster: a Go emitter reaches the sockets of a Go
// cluster through every operation.
func TestEmitterDrivesGoCluster(t *testing.T) {
	type sse struct {
		server int
		nsp    string
		args   string
	}
	events := make(chan sse, 8)
	c := newCluster(t, 2, redisadapter.Options{}, func(i int, io *socketio.Server) {
		defaultSetup(io)
		for _, nsp := range []string{"/", "/chat"} {
			io.Of(nsp).OnServerSideEmit("hi", func(args *socketio.Args) {
				raw := make([]json.RawMessage, args.Len())
				for j := range raw {
					raw[j] = args.Raw(j).JSON
				}
				b, _ := json.Marshal(raw)
				events <- sse{i, nsp, string(b)}
			})
		}
	})
	c.waitServers("/chat", 2)
	s0, s1 := c.servers[0], c.servers[1]
	a0 := s0.connect("/", testAuth{Rooms: []string{"a"}})
	n0 := s0.connect("/", testAuth{Rooms: []string{"n"}})
	ab1 := s1.connect("/", testAuth{Rooms: []string{"a", "b"}})
	b1 := s1.connect("/", testAuth{Rooms: []string{"b"}})
	chat1 := s1.connect("/chat", testAuth{})
	all := []*siotest.Conn{a0, n0, ab1, b1}

	ctx := context.Background()
	em := redisadapter.NewEmitter(c.redis.Client(t), redisadapter.EmitterOptions{})
	emit := func(e interface {
		Emit(context.Context, string, ...any) error
	}, event string, args ...any) {
		t.Helper()
		if err := e.Emit(ctx, event, args...); err != nil {
			t.Fatalf("emit %q: %v", event, err)
		}
	}
	// marker is emitted to all after a step: what the step sent to a
	// client comes before it, and a client that got nothing gets it first.
	marker := func() {
		t.Helper()
		emit(em, "marker")
		for _, cl := range all {
			expect(t, cl, `2["marker"]`)
		}
	}

	t.Run("all", func(t *testing.T) {
		emit(em, "hello", "world", 1)
		for _, cl := range all {
			expect(t, cl, `2["hello","world",1]`)
		}
	})
	t.Run("one room", func(t *testing.T) {
		emit(em.To("a"), "ra")
		expect(t, a0, `2["ra"]`)
		expect(t, ab1, `2["ra"]`)
		marker()
	})
	t.Run("rooms with except", func(t *testing.T) {
		emit(em.To("a", "b").Except("a"), "ab")
		expect(t, b1, `2["ab"]`)
		marker()
	})
	t.Run("except only", func(t *testing.T) {
		emit(em.Except("b"), "not-b")
		expect(t, a0, `2["not-b"]`)
		expect(t, n0, `2["not-b"]`)
		marker()
	})
	t.Run("volatile and compress", func(t *testing.T) {
		volatileLands(t, `2["vc"]`, []*siotest.Conn{ab1, b1}, all,
			func() { emit(em.Volatile().Compress(false).In("b"), "vc") },
			func() { emit(em, "marker") })
	})
	t.Run("binary", func(t *testing.T) {
		emit(em.To("b"), "bin", []byte{1, 2, 3}, map[string]any{"x": []byte{4}})
		for _, cl := range []*siotest.Conn{ab1, b1} {
			p, err := cl.Read(wait)
			if err != nil {
				t.Fatal(err)
			}
			want := `52-["bin",{"_placeholder":true,"num":0},{"x":{"_placeholder":true,"num":1}}]`
			if p.Text != want || len(p.Attachments) != 2 || string(p.Attachments[0]) != "\x01\x02\x03" || string(p.Attachments[1]) != "\x04" {
				t.Fatalf("got %s, want %s with attachments 010203, 04", p, want)
			}
		}
		marker()
	})
	t.Run("namespace", func(t *testing.T) {
		emit(em.Of("chat"), "in-chat")
		expect(t, chat1, `2/chat,["in-chat"]`)
		marker()
	})
	t.Run("sockets join and leave", func(t *testing.T) {
		if err := em.In("a").Except("b").SocketsJoin(ctx, "z"); err != nil {
			t.Fatal(err)
		}
		emit(em.To("z"), "to-z")
		expect(t, a0, `2["to-z"]`)
		marker()
		if !slices.Contains(s0.io.Of("/").Adapter().Rooms(), "z") || slices.Contains(s1.io.Of("/").Adapter().Rooms(), "z") {
			t.Fatalf("rooms: %v, %v", s0.io.Of("/").Adapter().Rooms(), s1.io.Of("/").Adapter().Rooms())
		}
		if err := em.SocketsJoin(ctx, "z2", "z3"); err != nil {
			t.Fatal(err)
		}
		emit(em.To("z3"), "to-z3")
		for _, cl := range all {
			expect(t, cl, `2["to-z3"]`)
		}
		if err := em.SocketsLeave(ctx, "z", "z3"); err != nil {
			t.Fatal(err)
		}
		emit(em.To("z"), "to-z-again")
		emit(em.To("z3"), "to-z3-again")
		marker()
		if err := em.Except("a").SocketsLeave(ctx, "z2"); err != nil {
			t.Fatal(err)
		}
		emit(em.To("z2"), "to-z2")
		expect(t, a0, `2["to-z2"]`)
		expect(t, ab1, `2["to-z2"]`)
		marker()
	})
	t.Run("server-side emit", func(t *testing.T) {
		if err := em.ServerSideEmit(ctx, "hi", "there", 1, []byte{1, 2}); err != nil {
			t.Fatal(err)
		}
		if err := em.Of("/chat").ServerSideEmit(ctx, "hi"); err != nil {
			t.Fatal(err)
		}
		got := map[sse]bool{}
		for range 4 {
			select {
			case e := <-events:
				got[e] = true
			case <-time.After(wait):
				t.Fatalf("server-side events: got %v", got)
			}
		}
		for i := range 2 {
			for _, want := range []sse{
				{i, "/", `["there",1,{"type":"Buffer","data":[1,2]}]`},
				{i, "/chat", `[]`},
			} {
				if !got[want] {
					t.Errorf("missing %v in %v", want, got)
				}
			}
		}
	})
	t.Run("disconnect", func(t *testing.T) {
		if err := em.In("b").Except("a").DisconnectSockets(ctx, false); err != nil {
			t.Fatal(err)
		}
		expect(t, b1, `1`)
		if err := em.In("n").DisconnectSockets(ctx, true); err != nil {
			t.Fatal(err)
		}
		if _, err := n0.Closed(wait); err != nil {
			t.Fatalf("n0 not closed: %v", err)
		}
		emit(em, "left")
		expect(t, a0, `2["left"]`)
		expect(t, ab1, `2["left"]`)
		eventually(t, "sockets gone", func() bool {
			return len(socketIDs(s0.io, "/")) == 1 && len(socketIDs(s1.io, "/")) == 1
		})
	})
}

func TestEmitterErrors(t *testing.T) {
	c := newCluster(t, 1, redisadapter.Options{}, nil)
	rc := redis.NewClient(&redis.Options{Addr: c.redis.Addr()})
	em := redisadapter.NewEmitter(rc, redisadapter.EmitterOptions{})
	ctx := context.Background()

	for _, ev := range []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"} {
		if err := em.To("r").Emit(ctx, ev); !errors.Is(err, socketio.ErrReservedEvent) {
			t.Errorf("Emit(%q) = %v", ev, err)
		}
		if err := em.ServerSideEmit(ctx, ev); !errors.Is(err, socketio.ErrReservedEvent) {
			t.Errorf("ServerSideEmit(%q) = %v", ev, err)
		}
	}
	if err := em.Emit(ctx, "bad", func() {}); err == nil {
		t.Error("Emit of a func: no error")
	}

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := em.Emit(canceled, "ev"); !errors.Is(err, context.Canceled) {
		t.Errorf("Emit with a canceled context = %v", err)
	}

	rc.Close()
	for name, f := range map[string]func() error{
		"Emit":              func() error { return em.Emit(ctx, "ev") },
		"SocketsJoin":       func() error { return em.SocketsJoin(ctx, "r") },
		"SocketsLeave":      func() error { return em.To("a").SocketsLeave(ctx, "r") },
		"DisconnectSockets": func() error { return em.DisconnectSockets(ctx, true) },
		"ServerSideEmit":    func() error { return em.ServerSideEmit(ctx, "ev") },
	} {
		if err := f(); !errors.Is(err, redis.ErrClosed) {
			t.Errorf("%s on a closed client = %v, want redis.ErrClosed", name, err)
		}
	}
}

// TestEmitterOperatorsAreImmutable: deriving an operator leaves its parent
// as it was, as in Node.
func TestEmitterOperatorsAreImmutable(t *testing.T) {
	c := newCluster(t, 1, redisadapter.Options{}, nil)
	p := newPeer(t, c, []string{"socket.io#/#*"})
	em := redisadapter.NewEmitter(c.redis.Client(t), redisadapter.EmitterOptions{})
	ctx := context.Background()

	base := em.To("a")
	_ = base.To("b").Except("c").Volatile()
	_ = base.Compress(false)
	if err := base.Emit(ctx, "ev"); err != nil {
		t.Fatal(err)
	}
	ch, js, _ := p.next()
	if ch != "socket.io#/#a#" || js != `["emitter",{"type":2,"data":["ev"],"nsp":"/"},{"rooms":["a"],"flags":{},"except":[]}]` {
		t.Fatalf("got %s %s", ch, js)
	}
	if em.Of("x").Namespace() != "/x" || em.Namespace() != "/" {
		t.Fatalf("namespaces %q %q", em.Of("x").Namespace(), em.Namespace())
	}
}

func ExampleNewEmitter() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	defer rdb.Close()
	em := redisadapter.NewEmitter(rdb, redisadapter.EmitterOptions{})
	ctx := context.Background()

	// Reaches the sockets in "news" but not in "muted", on every server.
	err := em.To("news").Except("muted").Emit(ctx, "headline", "hello", []byte{1, 2})
	if err != nil {
		log.Print(err)
	}
	// Other namespaces, cluster-wide room changes and server-side events.
	_ = em.Of("/admin").In("ops").SocketsJoin(ctx, "alerts")
	_ = em.ServerSideEmit(ctx, "reload", "config")
}
