package redisadapter_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/redisadapter"
	"github.com/siogo/siogo/socketio"
)

func TestBroadcastAcrossServers(t *testing.T) {
	c := newCluster(t, 3, redisadapter.Options{}, nil)
	s0, s1, s2 := c.servers[0], c.servers[1], c.servers[2]
	a0 := s0.connect("/", testAuth{Rooms: []string{"a"}})
	a1 := s1.connect("/", testAuth{Rooms: []string{"a", "b"}})
	b2 := s2.connect("/", testAuth{Rooms: []string{"b"}})
	n2 := s2.connect("/", testAuth{})
	all := []*siotest.Conn{a0, a1, b2, n2}

	t.Run("all", func(t *testing.T) {
		s1.io.Emit("hello", "world", 1)
		for _, cl := range all {
			expect(t, cl, `2["hello","world",1]`)
		}
	})
	t.Run("one room", func(t *testing.T) {
		s2.io.To("a").Emit("ra")
		s2.io.Emit("marker")
		for _, cl := range []*siotest.Conn{a0, a1} {
			expect(t, cl, `2["ra"]`)
		}
		for _, cl := range all {
			expect(t, cl, `2["marker"]`)
		}
	})
	t.Run("rooms with except", func(t *testing.T) {
		s0.io.To("a", "b").Except("a").Emit("ab")
		s0.io.Emit("marker")
		expect(t, b2, `2["ab"]`)
		for _, cl := range all {
			expect(t, cl, `2["marker"]`)
		}
	})
	t.Run("socket id room", func(t *testing.T) {
		id := socketIDs(s2.io, "/")
		target := id[0]
		s0.io.To(target).Emit("direct")
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
	t.Run("local", func(t *testing.T) {
		s1.io.Local().Emit("local")
		s1.io.Emit("marker")
		expect(t, a1, `2["local"]`)
		for _, cl := range all {
			expect(t, cl, `2["marker"]`)
		}
	})
	t.Run("volatile and compress", func(t *testing.T) {
		volatileLands(t, `2["vc"]`, []*siotest.Conn{a1, b2}, all,
			func() { s0.io.Volatile().Compress(false).To("b").Emit("vc") },
			func() { s0.io.Emit("marker") })
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
}

func TestNamespaces(t *testing.T) {
	c := newCluster(t, 2, redisadapter.Options{}, func(i int, io *socketio.Server) {
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

func TestSocketsJoinLeaveDisconnect(t *testing.T) {
	c := newCluster(t, 2, redisadapter.Options{}, nil)
	s0, s1 := c.servers[0], c.servers[1]
	x0 := s0.connect("/", testAuth{Rooms: []string{"x"}})
	x1 := s1.connect("/", testAuth{Rooms: []string{"x"}})
	y1 := s1.connect("/", testAuth{Rooms: []string{"y"}})

	// Join: every socket in x, on both servers, joins z.
	s0.io.In("x").SocketsJoin("z")
	s0.io.To("z").Emit("to-z") // published after the join: ordered
	expect(t, x0, `2["to-z"]`)
	expect(t, x1, `2["to-z"]`)
	s0.io.Emit("marker")
	expect(t, y1, `2["marker"]`)
	expect(t, x0, `2["marker"]`)
	expect(t, x1, `2["marker"]`)

	eventually(t, "z on server 1", func() bool { return slices.Contains(s1.io.Of("/").Adapter().Rooms(), "z") })

	// Leave.
	s1.io.SocketsLeave("z")
	s1.io.To("z").Emit("to-z-again")
	s1.io.Emit("marker")
	for _, cl := range []*siotest.Conn{x0, x1, y1} {
		expect(t, cl, `2["marker"]`)
	}

	// Disconnect the sockets of y, which are all on server 1, from server 0.
	s0.io.In("y").DisconnectSockets(true)
	if _, err := y1.Closed(wait); err != nil {
		t.Fatalf("y1 not disconnected: %v", err)
	}
	s0.io.Emit("marker")
	expect(t, x0, `2["marker"]`)
	expect(t, x1, `2["marker"]`)
}

func TestFetchSockets(t *testing.T) {
	c := newCluster(t, 3, redisadapter.Options{}, nil)
	s0, s1 := c.servers[0], c.servers[1]
	s0.connect("/", testAuth{Rooms: []string{"r"}, Data: map[string]any{"n": 0}})
	s1.connect("/", testAuth{Rooms: []string{"r", "q"}, Data: map[string]any{"n": 1}})
	s1.connect("/", testAuth{})
	// server 2 has no socket: it still answers.

	ctx := context.Background()
	all, err := s0.io.FetchSockets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := append(socketIDs(s0.io, "/"), socketIDs(s1.io, "/")...)
	slices.Sort(want)
	if got := sortedIDs(all); !slices.Equal(got, want) {
		t.Fatalf("FetchSockets = %v, want %v", got, want)
	}

	inR, err := s0.io.In("r").Except("q").FetchSockets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sortedIDs(inR), socketIDs(s0.io, "/"); !slices.Equal(got, want) {
		t.Fatalf("In(r).Except(q) = %v, want %v (the socket of server 0)", got, want)
	}

	// From server 2: every socket is remote.
	remote, err := c.servers[2].io.In("q").FetchSockets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(remote) != 1 {
		t.Fatalf("In(q) from server 2 = %v", sortedIDs(remote))
	}
	rs := remote[0]
	local := s1.io.Of("/").Socket(rs.ID)
	if local == nil {
		t.Fatalf("socket %s is not on server 1", rs.ID)
	}
	if got := sorted(rs.Rooms); !slices.Equal(got, sorted([]string{rs.ID, "r", "q"})) {
		t.Errorf("rooms = %v", got)
	}
	if got := string(rs.Data.(json.RawMessage)); got != `{"n":1}` {
		t.Errorf("data = %s", got)
	}
	h := rs.Handshake
	if h == nil || string(h.Auth) != `{"rooms":["r","q"],"data":{"n":1}}` || h.Issued != local.Handshake().Issued ||
		h.Address != local.Handshake().Address || h.Query.Get("EIO") != "4" || h.URL != local.Handshake().URL {
		t.Errorf("handshake = %+v, want %+v", h, local.Handshake())
	}

	// The socket operations of a remote socket reach it.
	s1conns := c.servers[1].conns
	rs.Join("joined")
	rs.Emit("to-remote")
	p, err := s1conns[0].ReadText(wait)
	if err != nil || p != `2["to-remote"]` {
		t.Fatalf("remote emit: %q %v", p, err)
	}
	eventually(t, "remote join", func() bool { return slices.Contains(local.Rooms(), "joined") })
}

func TestServerSideEmit(t *testing.T) {
	type got struct {
		server int
		arg    string
	}
	events := make(chan got, 10)
	c := newCluster(t, 3, redisadapter.Options{RequestsTimeout: time.Second}, func(i int, io *socketio.Server) {
		io.Of("/").OnServerSideEmit("hi", func(arg string) { events <- got{i, arg} })
		io.Of("/").OnServerSideEmit("ask", func(arg string, ack socketio.AckFunc) {
			ack(map[string]any{"from": i, "arg": arg})
		})
		io.Of("/").OnServerSideEmit("silent", func(arg string, ack socketio.AckFunc) {
			if i == 1 {
				ack("only me")
			}
		})
	})
	s0 := c.servers[0]

	if err := s0.io.ServerSideEmit("hi", "there"); err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for range 2 {
		select {
		case g := <-events:
			if g.arg != "there" || g.server == 0 {
				t.Fatalf("got %+v", g)
			}
			seen[g.server] = true
		case <-time.After(wait):
			t.Fatal("server-side event not received")
		}
	}
	if len(seen) != 2 {
		t.Fatalf("received by %v", seen)
	}

	answers, err := s0.io.ServerSideEmitWithAck(context.Background(), "ask", "q")
	if err != nil {
		t.Fatal(err)
	}
	texts := firstArgs(answers)
	if want := []string{`{"arg":"q","from":1}`, `{"arg":"q","from":2}`}; !slices.Equal(texts, want) {
		t.Fatalf("answers = %v, want %v", texts, want)
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
	if r, _ := redisadapter.Pending(s0.adapter("/")); r != 0 {
		t.Errorf("%d requests still pending after the timeout", r)
	}
}

// ackClient answers every event with an ack id with reply, and reports the
// events it saw.
func ackClient(t *testing.T, c *siotest.Conn, reply string, seen chan<- string) {
	go func() {
		for {
			p, err := c.ReadText(wait)
			if err != nil {
				return
			}
			// 2<id>[...]: answer 3<id>[reply]
			i := strings.IndexByte(p, '[')
			if p[0] != '2' || i < 2 {
				continue
			}
			if seen != nil {
				seen <- p[i:]
			}
			if reply != "" {
				c.Send("3" + p[1:i] + "[" + reply + "]")
			}
		}
	}()
}

func TestBroadcastWithAck(t *testing.T) {
	c := newCluster(t, 3, redisadapter.Options{}, nil)
	s0, s1 := c.servers[0], c.servers[1]
	// server 2 has no client: it answers with a count of 0.
	ackClient(t, s0.connect("/", testAuth{Rooms: []string{"a"}}), `"zero"`, nil)
	ackClient(t, s1.connect("/", testAuth{Rooms: []string{"a"}}), `{"one":[1]}`, nil)
	ackClient(t, s1.connect("/", testAuth{}), `"other"`, nil)

	ctx := context.Background()
	acks, err := s0.io.Timeout(3*time.Second).To("a").EmitWithAck(ctx, "q", 1)
	if err != nil {
		t.Fatal(err)
	}
	texts := firstArgs(acks)
	if want := []string{`"zero"`, `{"one":[1]}`}; !slices.Equal(texts, want) {
		t.Fatalf("acks = %v, want %v", texts, want)
	}

	// From the server without clients, with a binary ack (BROADCAST_ACK
	// is msgpack: the bytes must come back as bytes).
	bin := s1.connect("/", testAuth{Rooms: []string{"bin"}})
	go answerWithBinary(bin, []byte{9, 8, 7})
	acks, err = c.servers[2].io.Timeout(3*time.Second).To("bin").EmitWithAck(ctx, "q")
	if err != nil || len(acks) != 1 {
		t.Fatalf("from server 2: %v %v", acks, err)
	}
	var v struct{ B []byte }
	if err := acks[0].Decode(0, &v); err != nil || string(v.B) != "\x09\x08\x07" {
		t.Fatalf("binary ack = %v, %v", v, err)
	}
}

func TestBroadcastWithAckTimeout(t *testing.T) {
	c := newCluster(t, 2, redisadapter.Options{}, nil)
	s0, s1 := c.servers[0], c.servers[1]
	ackClient(t, s0.connect("/", testAuth{}), `"fast"`, nil)
	seen := make(chan string, 1)
	ackClient(t, s1.connect("/", testAuth{}), "", seen) // never acks

	start := time.Now()
	acks, err := s0.io.Timeout(500*time.Millisecond).EmitWithAck(context.Background(), "q")
	if !errors.Is(err, socketio.ErrTimeout) {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if len(acks) != 1 || string(acks[0].Raw(0).JSON) != `"fast"` {
		t.Fatalf("acks = %v", acks)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("timed out after %v", d)
	}
	select {
	case <-seen:
	case <-time.After(wait):
		t.Fatal("the remote client did not get the event")
	}
	eventually(t, "the ack request dropped after its timeout", func() bool {
		_, acks := redisadapter.Pending(s0.adapter("/"))
		return acks == 0
	})
}

func TestCloseEndsRequests(t *testing.T) {
	c := newCluster(t, 1, redisadapter.Options{RequestsTimeout: time.Minute}, nil)
	s := c.servers[0]
	// A silent server: counted by NUMSUB, never answers.
	p := newPeer(t, c, nil, "socket.io-request#/#")
	c.waitServers("/", 2)
	errc := make(chan error, 1)
	go func() {
		_, err := s.io.FetchSockets(context.Background())
		errc <- err
	}()
	p.next() // the request is out
	ad := s.adapter("/")
	if r, _ := redisadapter.Pending(ad); r != 1 {
		t.Fatalf("%d pending requests, want 1", r)
	}
	s.close()
	select {
	case err := <-errc:
		if !errors.Is(err, redisadapter.ErrClosed) {
			t.Fatalf("err = %v, want ErrClosed", err)
		}
	case <-time.After(wait):
		t.Fatal("FetchSockets still waiting after Close")
	}
	if r, a := redisadapter.Pending(ad); r != 0 || a != 0 {
		t.Fatalf("pending after Close: %d requests, %d acks", r, a)
	}
	if _, err := ad.AllRooms(context.Background()); !errors.Is(err, redisadapter.ErrClosed) {
		t.Fatalf("AllRooms after Close: %v", err)
	}
}

func TestAllRoomsAndServerCount(t *testing.T) {
	c := newCluster(t, 3, redisadapter.Options{}, nil)
	c.servers[0].connect("/", testAuth{Rooms: []string{"a"}})
	c.servers[1].connect("/", testAuth{Rooms: []string{"b", "c"}})
	ad := c.servers[2].io.Of("/").Adapter().(*redisadapter.Adapter)
	rooms, err := ad.AllRooms(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a", "b", "c"}
	want = append(want, socketIDs(c.servers[0].io, "/")...)
	want = append(want, socketIDs(c.servers[1].io, "/")...)
	if got := sorted(rooms); !slices.Equal(got, sorted(want)) {
		t.Fatalf("AllRooms = %v, want %v", got, sorted(want))
	}
	n, err := ad.ServerCount(context.Background())
	if err != nil || n != 3 {
		t.Fatalf("ServerCount = %d, %v", n, err)
	}
}

func TestSpecificResponseChannel(t *testing.T) {
	var mu sync.Mutex
	c := newCluster(t, 2, redisadapter.Options{PublishOnSpecificResponseChannel: true}, func(i int, io *socketio.Server) {
		defaultSetup(io)
		io.Of("/").OnServerSideEmit("ask", func(ack socketio.AckFunc) { mu.Lock(); defer mu.Unlock(); ack(i) })
	})
	c.servers[1].connect("/", testAuth{Rooms: []string{"r"}})
	got, err := c.servers[0].io.FetchSockets(context.Background())
	if err != nil || len(got) != 1 {
		t.Fatalf("FetchSockets = %v, %v", got, err)
	}
	answers, err := c.servers[0].io.ServerSideEmitWithAck(context.Background(), "ask")
	if err != nil || len(answers) != 1 {
		t.Fatalf("ServerSideEmitWithAck = %v, %v", answers, err)
	}
}
