package socketio_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/socketio"
)

// trio connects three clients A, B, C to "/": A in r1, B in r1 and r2, C in
// r2. It returns the clients and their server sockets.
func trio(t *testing.T, srv *testServer, socks <-chan *socketio.Socket) ([]*siotest.Conn, []*socketio.Socket) {
	t.Helper()
	var conns []*siotest.Conn
	var ss []*socketio.Socket
	rooms := [][]string{{"r1"}, {"r1", "r2"}, {"r2"}}
	for i := range 3 {
		tr := "websocket"
		if i == 2 {
			tr = "polling"
		}
		c, _ := srv.connect(tr, "/", "")
		s := recv(t, socks)
		s.Join(rooms[i]...)
		conns = append(conns, c)
		ss = append(ss, s)
	}
	return conns, ss
}

// events reads a client's events until the event "end" and returns their
// names.
func events(t *testing.T, c *siotest.Conn) []string {
	t.Helper()
	var out []string
	for {
		p := expectPrefix(t, c, "2")
		args, err := siotest.Args(siotest.Payload(p))
		if err != nil {
			t.Fatalf("%q: %v", p, err)
		}
		var name string
		if err := jsonString(args[0], &name); err != nil {
			t.Fatal(err)
		}
		if name == "end" {
			return out
		}
		out = append(out, name)
	}
}

func TestRoomsAndBroadcast(t *testing.T) {
	var io *socketio.Server
	socks := make(chan *socketio.Socket, 4)
	srv := startServer(t, socketio.Options{}, func(s *socketio.Server) {
		io = s
		io.OnConnection(func(s *socketio.Socket) { socks <- s })
	})
	conns, ss := trio(t, srv, socks)
	a, b, c := ss[0], ss[1], ss[2]

	rooms := b.Rooms()
	sort.Strings(rooms)
	want := []string{b.ID(), "r1", "r2"}
	sort.Strings(want)
	if !slices.Equal(rooms, want) {
		t.Errorf("Rooms() = %v, want %v", rooms, want)
	}

	io.To("r1").Emit("to-r1")
	io.To("r1", "r2").Emit("to-r1-r2")
	io.To("r1").To("r2").Emit("to-r1-to-r2")
	io.In("r2").Emit("in-r2")
	io.Except("r2").Emit("except-r2")
	io.To("r1").Except("r2").Emit("r1-except-r2")
	io.To("nobody").Emit("nobody")
	a.Broadcast().Emit("a-broadcast")
	a.To("r1").Emit("a-to-r1")
	a.Except("r2").Emit("a-except-r2")
	io.Local().Emit("local")
	io.Compress(false).Emit("nocompress")
	io.To(c.ID()).Emit("to-c-id")
	io.Sockets().Emit("sockets")
	b.Leave("r1")
	io.To("r1").Emit("r1-after-leave")
	io.Emit("end")

	wantA := []string{"to-r1", "to-r1-r2", "to-r1-to-r2", "except-r2", "r1-except-r2", "local", "nocompress", "sockets", "r1-after-leave"}
	wantB := []string{"to-r1", "to-r1-r2", "to-r1-to-r2", "in-r2", "a-broadcast", "a-to-r1", "local", "nocompress", "sockets"}
	wantC := []string{"to-r1-r2", "to-r1-to-r2", "in-r2", "a-broadcast", "local", "nocompress", "to-c-id", "sockets"}
	for i, w := range [][]string{wantA, wantB, wantC} {
		if got := events(t, conns[i]); !slices.Equal(got, w) {
			t.Errorf("client %c got %v\nwant %v", 'A'+i, got, w)
		}
	}
	// Volatile: delivered to an idle WebSocket; dropped for a polling
	// client with no GET waiting, as Node drops it. A WebSocket whose writer
	// has not yet seen its queue empty drops it too, so emit again (a
	// bounded number of times, no sleeping) until each WebSocket got one.
	got := make([][]string, len(conns))
	for try := 0; try < 50 && (len(got[0]) == 0 || len(got[1]) == 0); try++ {
		io.Volatile().Emit("volatile")
		io.Emit("end")
		for i, c := range conns {
			got[i] = append(got[i], events(t, c)...)
		}
	}
	for i := range conns {
		ok := len(got[i]) > 0
		for _, ev := range got[i] {
			ok = ok && ev == "volatile"
		}
		if i == 2 {
			ok = len(got[i]) == 0
		}
		if !ok {
			t.Errorf("volatile, client %c: %v", 'A'+i, got[i])
		}
	}

	// Operators are immutable and reusable.
	r1 := io.To("r1")
	_ = r1.Except("r1")
	r1.Emit("again")
	r1.Emit("end")
	if got := events(t, conns[0]); !slices.Equal(got, []string{"again"}) {
		t.Errorf("reused operator: %v", got)
	}
}

func TestBroadcastBinary(t *testing.T) {
	var io *socketio.Server
	srv := startServer(t, socketio.Options{}, func(s *socketio.Server) { io = s })
	c1, _ := srv.connect("websocket", "/", "")
	c2, _ := srv.connect("polling", "/", "")
	io.Emit("bin", []byte{1, 2, 3}, "x", map[string]any{"b": []byte{4}})
	for _, c := range []*siotest.Conn{c1, c2} {
		p, err := c.Read(wait)
		if err != nil || p.Text != `52-["bin",{"_placeholder":true,"num":0},"x",{"b":{"_placeholder":true,"num":1}}]` ||
			len(p.Attachments) != 2 || string(p.Attachments[0]) != "\x01\x02\x03" || string(p.Attachments[1]) != "\x04" {
			t.Errorf("%s: %v %v", c.Transport, p, err)
		}
	}
}

func TestBroadcastEmitWithAck(t *testing.T) {
	var io *socketio.Server
	socks := make(chan *socketio.Socket, 4)
	srv := startServer(t, socketio.Options{}, func(s *socketio.Server) {
		io = s
		io.OnConnection(func(s *socketio.Socket) { socks <- s })
	})
	conns, _ := trio(t, srv, socks)

	// answer makes client c answer the next event with its index.
	answer := func(i int, c *siotest.Conn, reply bool) chan error {
		done := make(chan error, 1)
		go func() {
			p, err := c.ReadText(wait)
			if err != nil {
				done <- err
				return
			}
			if reply {
				err = c.Send(fmt.Sprintf(`3%d[%d]`, siotest.AckID(p), i))
			}
			done <- err
		}()
		return done
	}
	decode := func(as []*socketio.Args) []int {
		var out []int
		for _, a := range as {
			var n int
			a.Decode(0, &n)
			out = append(out, n)
		}
		sort.Ints(out)
		return out
	}

	// Everyone answers: no error, every answer.
	var waits []chan error
	for i, c := range conns {
		waits = append(waits, answer(i, c, true))
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	acks, err := io.EmitWithAck(ctx, "all")
	cancel()
	if err != nil || !slices.Equal(decode(acks), []int{0, 1, 2}) {
		t.Errorf("EmitWithAck: %v %v", decode(acks), err)
	}
	for _, w := range waits {
		if err := recv(t, w); err != nil {
			t.Fatal(err)
		}
	}

	// Rooms select who must answer.
	waits = []chan error{answer(0, conns[0], true), answer(1, conns[1], true)}
	acks, err = io.To("r1").Timeout(wait).EmitWithAck(context.Background(), "r1")
	if err != nil || !slices.Equal(decode(acks), []int{0, 1}) {
		t.Errorf("To(r1).EmitWithAck: %v %v", decode(acks), err)
	}
	for _, w := range waits {
		recv(t, w)
	}

	// B does not answer: timeout, with the answers that did arrive.
	waits = []chan error{answer(0, conns[0], true), answer(1, conns[1], false), answer(2, conns[2], true)}
	start := time.Now()
	acks, err = io.Timeout(300*time.Millisecond).EmitWithAck(context.Background(), "some")
	if !errors.Is(err, socketio.ErrTimeout) {
		t.Errorf("err = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("returned after %v", d)
	}
	if got := decode(acks); !slices.Equal(got, []int{0, 2}) {
		t.Errorf("answers %v, want [0 2]", got)
	}
	for _, w := range waits {
		recv(t, w)
	}

	// No socket selected: done at once.
	acks, err = io.To("empty").Timeout(wait).EmitWithAck(context.Background(), "x")
	if err != nil || len(acks) != 0 {
		t.Errorf("empty room: %v %v", acks, err)
	}
}

func TestFetchJoinLeaveDisconnectSockets(t *testing.T) {
	var io *socketio.Server
	socks := make(chan *socketio.Socket, 4)
	reasonCh := make(chan string, 8)
	srv := startServer(t, socketio.Options{}, func(s *socketio.Server) {
		io = s
		io.OnConnection(func(s *socketio.Socket) {
			s.SetData(map[string]any{"n": len(socks)})
			s.OnDisconnect(func(r string) { reasonCh <- r })
			socks <- s
		})
	})
	conns, ss := trio(t, srv, socks)
	ctx := context.Background()

	all, err := io.FetchSockets(ctx)
	if err != nil || len(all) != 3 {
		t.Fatalf("FetchSockets: %d %v", len(all), err)
	}
	ids := map[string]*socketio.RemoteSocket{}
	for _, r := range all {
		ids[r.ID] = r
	}
	for _, s := range ss {
		r := ids[s.ID()]
		if r == nil {
			t.Fatalf("socket %s not fetched", s.ID())
		}
		if !slices.Contains(r.Rooms, s.ID()) || r.Handshake == nil || string(r.Handshake.Auth) != "{}" || r.Data == nil {
			t.Errorf("remote socket %+v", r)
		}
	}
	inR1, _ := io.In("r1").FetchSockets(ctx)
	exR1, _ := io.Except("r1").FetchSockets(ctx)
	if len(inR1) != 2 || len(exR1) != 1 || exR1[0].ID != ss[2].ID() {
		t.Errorf("In(r1): %d, Except(r1): %d", len(inR1), len(exR1))
	}

	// A RemoteSocket reaches its socket.
	ids[ss[0].ID()].Emit("remote", 1)
	expect(t, conns[0], `2["remote",1]`)
	ids[ss[2].ID()].Join("via-remote")
	if !slices.Contains(ss[2].Rooms(), "via-remote") {
		t.Error("RemoteSocket.Join")
	}
	ids[ss[2].ID()].Leave("via-remote")
	if slices.Contains(ss[2].Rooms(), "via-remote") {
		t.Error("RemoteSocket.Leave")
	}

	io.In("r1").SocketsJoin("r3", "r4")
	for i, s := range ss {
		if got := slices.Contains(s.Rooms(), "r3") && slices.Contains(s.Rooms(), "r4"); got != (i < 2) {
			t.Errorf("socket %d in r3/r4: %v", i, got)
		}
	}
	io.SocketsLeave("r1")
	for i, s := range ss {
		if slices.Contains(s.Rooms(), "r1") {
			t.Errorf("socket %d still in r1", i)
		}
	}
	io.To("r3").Emit("r3")
	io.Emit("end")
	for i, c := range conns {
		want := []string{"r3"}
		if i == 2 {
			want = nil
		}
		if got := events(t, c); !slices.Equal(got, want) {
			t.Errorf("client %d: %v", i, got)
		}
	}

	// DisconnectSockets(false): a DISCONNECT, the connection stays.
	io.In("r2").DisconnectSockets(false)
	expect(t, conns[1], "1")
	expect(t, conns[2], "1")
	for range 2 {
		if r := recv(t, reasonCh); r != socketio.ReasonServerNamespaceDisconnect {
			t.Errorf("reason %q", r)
		}
	}
	if ss[1].Connected() || ss[2].Connected() || !ss[0].Connected() {
		t.Error("wrong sockets disconnected")
	}
	for _, c := range conns[1:] {
		if _, err := c.Connect("/", "", wait); err != nil {
			t.Errorf("reconnect over the same connection: %v", err)
		}
		recv(t, socks)
	}

	// DisconnectSockets(true) closes the connections.
	io.DisconnectSockets(true)
	for _, c := range conns {
		got := expectClosed(t, c)
		if len(got) != 1 || got[0].Text != "1" {
			t.Errorf("%s before close: %v", c.Transport, got)
		}
	}
	for range 3 {
		if r := recv(t, reasonCh); r != socketio.ReasonServerNamespaceDisconnect {
			t.Errorf("reason %q", r)
		}
	}
}

func TestNamespacesAreSeparate(t *testing.T) {
	var io *socketio.Server
	// The CONNECT reply goes out before the connection handlers run (as in
	// Node): wait for both joins before broadcasting.
	joined := make(chan string, 2)
	srv := startServer(t, socketio.Options{}, func(s *socketio.Server) {
		io = s
		io.Of("/chat").OnConnection(func(s *socketio.Socket) { s.Join("room"); joined <- "/chat" })
		io.OnConnection(func(s *socketio.Socket) { s.Join("room"); joined <- "/" })
	})
	c, _ := srv.connect("websocket", "/", "")
	if _, err := c.Connect("/chat", "", wait); err != nil {
		t.Fatal(err)
	}
	recv(t, joined)
	recv(t, joined)
	io.Of("/chat").To("room").Emit("chat")
	io.To("room").Emit("main")
	expect(t, c, `2/chat,["chat"]`)
	expect(t, c, `2["main"]`)
	if n := len(io.Of("/chat").LocalSockets()); n != 1 {
		t.Errorf("LocalSockets: %d", n)
	}
	if io.Of("chat") != io.Of("/chat") {
		t.Error("Of without a slash is another namespace")
	}
}
