package redisadapter_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/siogo/siogo/internal/notepack"
	"github.com/siogo/siogo/internal/redistest"
	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/redisadapter"
	"github.com/siogo/siogo/socketio"
)

// These tests play the part of a Node server or emitter with a plain Redis
// client, sending and checking the exact messages of REDIS-WIRE.md.

// peer is a raw Redis client subscribed to some channels.
type peer struct {
	t  *testing.T
	rc *redis.Client
	ps *redis.PubSub
}

func newPeer(t *testing.T, c *cluster, patterns []string, channels ...string) *peer {
	t.Helper()
	rc := c.redis.Client(t)
	ctx := context.Background()
	ps := rc.Subscribe(ctx)
	t.Cleanup(func() { ps.Close() })
	if len(patterns) > 0 {
		if err := ps.PSubscribe(ctx, patterns...); err != nil {
			t.Fatal(err)
		}
	}
	if len(channels) > 0 {
		if err := ps.Subscribe(ctx, channels...); err != nil {
			t.Fatal(err)
		}
	}
	for range len(patterns) + len(channels) { // confirmations
		if _, err := ps.ReceiveTimeout(ctx, wait); err != nil {
			t.Fatal(err)
		}
	}
	return &peer{t: t, rc: rc, ps: ps}
}

func (p *peer) publish(channel string, msg []byte) {
	p.t.Helper()
	if err := p.rc.Publish(context.Background(), channel, msg).Err(); err != nil {
		p.t.Fatal(err)
	}
}

// next returns the next message; msgpack ones are shown as JSON with
// their attachments.
func (p *peer) next() (channel, text string, atts [][]byte) {
	p.t.Helper()
	for {
		m, err := p.ps.ReceiveTimeout(context.Background(), wait)
		if err != nil {
			p.t.Fatalf("peer: %v", err)
		}
		msg, ok := m.(*redis.Message)
		if !ok {
			continue
		}
		if strings.HasPrefix(msg.Payload, "{") {
			return msg.Channel, msg.Payload, nil
		}
		js, rest, err := notepack.ToJSON(nil, &atts, []byte(msg.Payload))
		if err != nil || len(rest) > 0 {
			p.t.Fatalf("peer: undecodable %q: %v", msg.Payload, err)
		}
		return msg.Channel, string(js), atts
	}
}

func msgpack(t *testing.T, js string, atts ...[]byte) []byte {
	t.Helper()
	b, err := notepack.AppendJSON(nil, []byte(js), atts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPublishedBroadcasts(t *testing.T) {
	c := newCluster(t, 1, redisadapter.Options{}, nil)
	s := c.servers[0]
	p := newPeer(t, c, []string{"socket.io#/#*"})
	uid := s.io.Of("/").Adapter().(*redisadapter.Adapter).UID()

	s.io.To("room1").Emit("ev2", "x")
	ch, js, _ := p.next()
	if ch != "socket.io#/#room1#" || js != `["`+uid+`",{"type":2,"data":["ev2","x"],"nsp":"/"},{"rooms":["room1"],"except":[],"flags":{}}]` {
		t.Fatalf("got %s %s", ch, js)
	}
	s.io.To("room1", "room2").Except("room3").Volatile().Compress(false).Emit("ev", []byte{1})
	ch, js, atts := p.next()
	if ch != "socket.io#/#" || js != `["`+uid+`",{"type":2,"data":["ev",{"_placeholder":true,"num":0}],"nsp":"/"},{"rooms":["room1","room2"],"except":["room3"],"flags":{"volatile":true,"compress":false}}]` || len(atts) != 1 {
		t.Fatalf("got %s %s", ch, js)
	}
	s.io.Local().Emit("not published")
	s.io.Emit("published")
	if _, js, _ := p.next(); !strings.Contains(js, `"published"`) {
		t.Fatalf("got %s: a local broadcast was published", js)
	}
}

func TestEmitter(t *testing.T) {
	got := make(chan string, 1)
	c := newCluster(t, 1, redisadapter.Options{}, func(i int, io *socketio.Server) {
		defaultSetup(io)
		io.Of("/").OnServerSideEmit("from-emitter", func(a int, b string) { got <- b })
	})
	s := c.servers[0]
	cl := s.connect("/", testAuth{Rooms: []string{"r"}})
	other := s.connect("/", testAuth{})
	p := newPeer(t, c, nil)

	// @socket.io/redis-emitter 5.1 broadcast, with binary and a Date.
	p.publish("socket.io#/#", msgpack(t, `["emitter",{"type":2,"data":["hello",1,{"_placeholder":true,"num":0}],"nsp":"/"},{"rooms":[],"flags":{},"except":[]}]`, []byte{1, 2}))
	for _, conn := range []*siotest.Conn{cl, other} {
		pk, err := conn.Read(wait)
		if err != nil || pk.Text != `51-["hello",1,{"_placeholder":true,"num":0}]` || string(pk.Attachments[0]) != "\x01\x02" {
			t.Fatalf("got %v %v", pk, err)
		}
	}

	// Room channel with a timestamp ext: the Date reaches clients as JSON.
	p.publish("socket.io#/#r#", []byte("\x93\xa7emitter\x83\xa4type\x02\xa4data\x92\xa1d\xd6\xff\x00\x00\x00\x00\xa3nsp\xa1/\x83\xa5rooms\x91\xa1r\xa5flags\x80\xa6except\x90"))
	expect(t, cl, `2["d","1970-01-01T00:00:00.000Z"]`)
	// A room this server does not have: dropped before decoding.
	p.publish("socket.io#/#nobody#", []byte("garbage"))

	// Requests without uid: join, then a broadcast to the joined room.
	p.publish("socket.io-request#/#", []byte(`{"type":2,"opts":{"rooms":["r"],"except":[]},"rooms":["e"]}`))
	p.publish("socket.io#/#e#", msgpack(t, `["emitter",{"type":2,"data":["in-e"],"nsp":"/"},{"rooms":["e"],"flags":{},"except":[]}]`))
	expect(t, cl, `2["in-e"]`)

	p.publish("socket.io-request#/#", []byte(`{"uid":"emitter","type":6,"data":["from-emitter",1,"two"]}`))
	select {
	case b := <-got:
		if b != "two" {
			t.Fatalf("server-side event arg %q", b)
		}
	case <-time.After(wait):
		t.Fatal("server-side event from the emitter not handled")
	}

	p.publish("socket.io-request#/#", []byte(`{"type":4,"opts":{"rooms":["e"],"except":[]},"close":true}`))
	if _, err := cl.Closed(wait); err != nil {
		t.Fatalf("not disconnected: %v", err)
	}
}

func mustRead(t *testing.T, c *siotest.Conn) string {
	t.Helper()
	p, err := c.ReadText(wait)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAnswersNodeRequests sends the requests of a Node server (uid NODEUU)
// and checks the answers.
func TestAnswersNodeRequests(t *testing.T) {
	for _, specific := range []bool{false, true} {
		c := newCluster(t, 1, redisadapter.Options{PublishOnSpecificResponseChannel: specific}, func(i int, io *socketio.Server) {
			defaultSetup(io)
			io.Of("/").OnServerSideEmit("sse", func(x int, ack socketio.AckFunc) { ack(map[string]int{"x": x}) })
		})
		s := c.servers[0]
		cl := s.connect("/", testAuth{Rooms: []string{"r"}, Data: map[string]string{"k": "v"}})
		sid := socketIDs(s.io, "/")[0]
		p := newPeer(t, c, nil, "socket.io-response#/#", "socket.io-response#/#NODEUU#")
		respCh := "socket.io-response#/#"
		if specific {
			respCh = "socket.io-response#/#NODEUU#"
		}
		req := func(js string) { p.publish("socket.io-request#/#", []byte(js)) }
		check := func(wantCh, want string) string {
			t.Helper()
			ch, js, _ := p.next()
			if ch != wantCh || want != "" && js != want {
				t.Fatalf("got %s %s\nwant %s %s", ch, js, wantCh, want)
			}
			return js
		}

		req(`{"uid":"NODEUU","requestId":"r1","type":1}`)
		js := check(respCh, "")
		var rooms struct {
			RequestID string
			Rooms     []string
		}
		json.Unmarshal([]byte(js), &rooms)
		if rooms.RequestID != "r1" || !slices.Equal(sorted(rooms.Rooms), sorted([]string{"r", sid})) {
			t.Fatalf("allRooms answer %s", js)
		}

		req(`{"uid":"NODEUU","requestId":"r0","type":0,"rooms":["r"]}`)
		check(respCh, `{"requestId":"r0","sockets":["`+sid+`"]}`)

		req(`{"uid":"NODEUU","requestId":"r5","type":5,"opts":{"rooms":["r"],"except":[]}}`)
		js = check(respCh, "")
		if !strings.HasPrefix(js, `{"requestId":"r5","sockets":[{"id":"`+sid+`","handshake":{"headers":{`) ||
			!strings.Contains(js, `"auth":{"rooms":["r"],"data":{"k":"v"}}},"rooms":[`) || !strings.HasSuffix(js, `"data":{"k":"v"}}]}`) {
			t.Fatalf("fetch answer %s", js)
		}

		// SERVER_SIDE_EMIT acks go to the shared channel whatever the option.
		req(`{"uid":"NODEUU","requestId":"r6","type":6,"data":["sse",7]}`)
		check("socket.io-response#/#", `{"type":6,"requestId":"r6","data":{"x":7}}`)

		// BROADCAST with acks from Node, in msgpack: a count, then the ack.
		req7 := msgpack(t, `{"uid":"NODEUU","requestId":"r7","type":7,"packet":{"type":2,"data":["q",1],"nsp":"/"},"opts":{"rooms":["r"],"except":[],"flags":{"timeout":2000}}}`)
		p.publish("socket.io-request#/#", req7)
		check(respCh, `{"type":8,"requestId":"r7","clientCount":1}`)
		pk := mustRead(t, cl)
		if !strings.HasPrefix(pk, "2") || !strings.HasSuffix(pk, `["q",1]`) {
			t.Fatalf("client got %q", pk)
		}
		id := pk[1:strings.IndexByte(pk, '[')]
		cl.Send("61-"+id+`[{"_placeholder":true,"num":0}]`, []byte{5})
		_, js, atts := p.next()
		if js != `{"type":9,"requestId":"r7","packet":{"_placeholder":true,"num":0}}` || len(atts) != 1 || atts[0][0] != 5 {
			t.Fatalf("ack answer %s %q", js, atts)
		}

		// Legacy 7.x join by socket id, answered with its requestId.
		req(`{"uid":"NODEUU","requestId":"rj","type":2,"sid":"` + sid + `","room":"legacy"}`)
		check(respCh, `{"requestId":"rj"}`)
		if !slices.Contains(s.io.Of("/").Socket(sid).Rooms(), "legacy") {
			t.Fatal("legacy join not applied")
		}
		// A numeric room from Node's join(123).
		req(`{"uid":"NODEUU","type":2,"opts":{"rooms":[],"except":[]},"rooms":[123]}`)
		req(`{"uid":"NODEUU","requestId":"r1b","type":0,"rooms":["123"]}`)
		check(respCh, `{"requestId":"r1b","sockets":["`+sid+`"]}`)
	}
}

// TestNodeResponses answers the Go node's requests as a Node server would.
func TestNodeResponses(t *testing.T) {
	c := newCluster(t, 1, redisadapter.Options{RequestsTimeout: 2 * time.Second}, nil)
	s := c.servers[0]
	ad := s.io.Of("/").Adapter().(*redisadapter.Adapter)
	// The fake Node server subscribes to the request channel: 2 servers.
	p := newPeer(t, c, nil, "socket.io-request#/#")
	c.waitServers("/", 2)

	type result struct {
		rooms []string
		err   error
	}
	done := make(chan result, 1)
	go func() {
		r, err := ad.AllRooms(context.Background())
		done <- result{r, err}
	}()
	_, js, _ := p.next()
	var req struct {
		UID, RequestID string
		Type           int
	}
	json.Unmarshal([]byte(js), &req)
	if req.UID != ad.UID() || req.Type != 1 || len(req.RequestID) != 6 {
		t.Fatalf("request %s", js)
	}
	p.publish("socket.io-response#/#", []byte(`{"requestId":"`+req.RequestID+`","rooms":["n1",42]}`))
	r := <-done
	if r.err != nil || !slices.Equal(sorted(r.rooms), []string{"42", "n1"}) {
		t.Fatalf("AllRooms = %v, %v", r.rooms, r.err)
	}

	// fetchSockets, answered on this node's specific channel.
	fetched := make(chan []*socketio.RemoteSocket, 1)
	go func() {
		ss, err := s.io.FetchSockets(context.Background())
		if err != nil {
			t.Error(err)
		}
		fetched <- ss
	}()
	_, js, _ = p.next()
	json.Unmarshal([]byte(js), &req)
	p.publish("socket.io-response#/#"+ad.UID()+"#", []byte(`{"requestId":"`+req.RequestID+`","sockets":[{"id":"NODESOCKET","handshake":{"headers":{"host":"h"},"time":"Tue Nov 14 2023 22:13:20 GMT+0000 (Coordinated Universal Time)","address":"::1","xdomain":false,"secure":false,"issued":1700000000123,"url":"/socket.io/?EIO=4","query":{"EIO":"4"},"auth":{"t":1}},"rooms":["NODESOCKET",7],"data":{"d":true}}]}`))
	ss := <-fetched
	if len(ss) != 1 || ss[0].ID != "NODESOCKET" || !slices.Equal(ss[0].Rooms, []string{"NODESOCKET", "7"}) ||
		ss[0].Handshake.Issued != 1700000000123 || ss[0].Handshake.Headers.Get("Host") != "h" || string(ss[0].Data.(json.RawMessage)) != `{"d":true}` {
		t.Fatalf("fetched %+v", ss)
	}
}

// TestRecoveryEmitsStayLocal: with connection state recovery, socketio
// sends socket.Emit through the adapter to the socket's id room; the
// adapter does not publish what only this server can deliver.
func TestRecoveryEmitsStayLocal(t *testing.T) {
	rs := redistest.Start(t)
	rc := rs.Client(t)
	node, err := redisadapter.NewNode(rc, redisadapter.Options{})
	if err != nil {
		t.Fatal(err)
	}
	io := socketio.NewServer(socketio.Options{Adapter: node.NewAdapter, ConnectionStateRecovery: &socketio.RecoveryOptions{}})
	io.OnConnection(func(s *socketio.Socket) { s.Emit("hi") })
	ts := httptest.NewServer(io)
	s := &server{t: t, io: io, ts: ts, url: ts.URL + "/socket.io/", node: node, client: rc}
	t.Cleanup(s.close)
	p := newPeer(t, &cluster{t: t, redis: rs}, []string{"socket.io#/#*"})

	cl := s.connect("/", testAuth{})
	if got := mustRead(t, cl); !strings.HasPrefix(got, `2["hi",`) {
		t.Fatalf("got %q", got)
	}
	io.Emit("marker")
	if ch, js, _ := p.next(); ch != "socket.io#/#" || !strings.Contains(js, `"marker"`) {
		t.Fatalf("first published message: %s %s", ch, js)
	}
}
