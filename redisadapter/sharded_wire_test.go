package redisadapter_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/siogo/siogo/internal/notepack"
	"github.com/siogo/siogo/redisadapter"
	"github.com/siogo/siogo/socketio"
)

// These tests play the part of a Node sharded adapter with a plain Redis
// client: the exact ClusterAdapter envelopes of REDIS-WIRE.md §4.

// shardPeer is a raw client subscribed (SSUBSCRIBE) to some channels.
type shardPeer struct {
	t  *testing.T
	rc redis.UniversalClient
	ps *redis.PubSub
}

func newShardPeer(t *testing.T, rc redis.UniversalClient, channels ...string) *shardPeer {
	t.Helper()
	ctx := context.Background()
	ps := rc.SSubscribe(ctx)
	t.Cleanup(func() { ps.Close() })
	p := &shardPeer{t: t, rc: rc, ps: ps}
	p.subscribe(channels...)
	return p
}

func (p *shardPeer) subscribe(channels ...string) {
	p.t.Helper()
	ctx := context.Background()
	for _, ch := range channels {
		if err := p.ps.SSubscribe(ctx, ch); err != nil {
			p.t.Fatal(err)
		}
		if _, err := p.ps.ReceiveTimeout(ctx, wait); err != nil { // confirmation
			p.t.Fatal(err)
		}
	}
}

func (p *shardPeer) publish(channel string, msg []byte) {
	p.t.Helper()
	if err := p.rc.SPublish(context.Background(), channel, msg).Err(); err != nil {
		p.t.Fatal(err)
	}
}

// next returns the next message; msgpack ones are shown as JSON with
// their attachments.
func (p *shardPeer) next() (channel, text string, atts [][]byte) {
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

func (p *shardPeer) expect(wantChannel, wantText string) [][]byte {
	p.t.Helper()
	ch, text, atts := p.next()
	if ch != wantChannel || text != wantText {
		p.t.Fatalf("got %s on %s\nwant %s on %s", text, ch, wantText, wantChannel)
	}
	return atts
}

const sid20 = "abcdefghijklmnopqrst"

func TestShardedWireOut(t *testing.T) {
	for _, mode := range subscriptionModes {
		t.Run(string(mode), func(t *testing.T) {
			c := newCluster(t, 1, shardedOpts(mode), nil)
			s := c.servers[0]
			uid := s.io.Of("/").Adapter().(*redisadapter.ShardedAdapter).UID()
			tail := `,"uid":"` + uid + `","nsp":"/"}`
			p := newShardPeer(t, c.redis.Client(t), "socket.io#/#", "socket.io#/#r1#", "socket.io#/#"+sid20+"#")
			main := "socket.io#/#"

			s.io.Emit("e", 1)
			p.expect(main, `{"type":3,"data":{"packet":{"type":2,"data":["e",1]},"opts":{"rooms":[],"except":[],"flags":{}}}`+tail)

			room := main
			if mode != redisadapter.SubscriptionStatic {
				room = "socket.io#/#r1#"
			}
			s.io.To("r1").Except("r2").Volatile().Compress(false).Emit("e")
			p.expect(room, `{"type":3,"data":{"packet":{"type":2,"data":["e"]},"opts":{"rooms":["r1"],"except":["r2"],"flags":{"volatile":true,"compress":false}}}`+tail)

			sidRoom := main
			if mode == redisadapter.SubscriptionDynamicPrivate {
				sidRoom = "socket.io#/#" + sid20 + "#"
			}
			s.io.To(sid20).Emit("e")
			p.expect(sidRoom, `{"type":3,"data":{"packet":{"type":2,"data":["e"]},"opts":{"rooms":["`+sid20+`"],"except":[],"flags":{}}}`+tail)

			s.io.To("r1", "r2").Emit("e")
			p.expect(main, `{"type":3,"data":{"packet":{"type":2,"data":["e"]},"opts":{"rooms":["r1","r2"],"except":[],"flags":{}}}`+tail)

			// Binary: the whole envelope is msgpack.
			s.io.To("r1").Emit("b", []byte{1, 2})
			atts := p.expect(room, `{"type":3,"data":{"packet":{"type":2,"data":["b",{"_placeholder":true,"num":0}]},"opts":{"rooms":["r1"],"except":[],"flags":{}}}`+tail)
			if len(atts) != 1 || string(atts[0]) != "\x01\x02" {
				t.Fatalf("attachments %q", atts)
			}

			// With an ack: always the main channel, requestId between
			// packet and opts, the timeout flag.
			done := make(chan struct{})
			go func() {
				defer close(done)
				s.io.Timeout(200*time.Millisecond).To("r1").EmitWithAck(context.Background(), "a")
			}()
			_, text, _ := p.next()
			if !strings.HasPrefix(text, `{"type":3,"data":{"packet":{"type":2,"data":["a"]},"requestId":"`) ||
				!strings.HasSuffix(text, `","opts":{"rooms":["r1"],"except":[],"flags":{"timeout":200}}}`+tail) {
				t.Fatalf("ack broadcast %s", text)
			}
			<-done

			s.io.In("r1").SocketsJoin("r3")
			p.expect(main, `{"type":4,"data":{"opts":{"rooms":["r1"],"except":[],"flags":{}},"rooms":["r3"]}`+tail)
			s.io.SocketsLeave("r3")
			p.expect(main, `{"type":5,"data":{"opts":{"rooms":[],"except":[],"flags":{}},"rooms":["r3"]}`+tail)
			s.io.Except("r1").DisconnectSockets(true)
			p.expect(main, `{"type":6,"data":{"opts":{"rooms":[],"except":["r1"],"flags":{}},"close":true}`+tail)
			s.io.ServerSideEmit("hi", "x", []byte{5})
			atts = p.expect(main, `{"type":9,"data":{"packet":["hi","x",{"_placeholder":true,"num":0}]}`+tail)
			if len(atts) != 1 || atts[0][0] != 5 {
				t.Fatalf("attachments %q", atts)
			}
			s.io.ServerSideEmit("hi", "x")
			_, raw, _ := p.next()
			if raw != `{"type":9,"data":{"packet":["hi","x"]}`+tail {
				t.Fatalf("SSE %s (must be JSON without binary)", raw)
			}
		})
	}
}

func TestShardedWireIn(t *testing.T) {
	c := newCluster(t, 1, shardedOpts(redisadapter.SubscriptionDynamic), func(i int, io *socketio.Server) {
		defaultSetup(io)
		io.Of("/").OnServerSideEmit("ask", func(arg string, ack socketio.AckFunc) { ack("got " + arg) })
	})
	s := c.servers[0]
	ad := s.io.Of("/").Adapter().(*redisadapter.ShardedAdapter)
	rc := c.redis.Client(t)
	const node = "0123456789abcdef"
	resp := "socket.io#/#" + node + "#"
	p := newShardPeer(t, rc, resp)
	cl := s.connect("/", testAuth{Rooms: []string{"r"}})
	waitRoom(t, rc, redisadapter.SubscriptionDynamic, "r", 1)
	main := "socket.io#/#"

	// Broadcasts as Node sends them, JSON and msgpack.
	p.publish("socket.io#/#r#", []byte(`{"type":3,"data":{"packet":{"type":2,"data":["hello",1]},"opts":{"rooms":["r"],"except":[],"flags":{}}},"uid":"`+node+`","nsp":"/"}`))
	expect(t, cl, `2["hello",1]`)
	p.publish(main, msgpack(t, `{"type":3,"data":{"packet":{"type":2,"data":["b",{"_placeholder":true,"num":0}]},"opts":{"rooms":[],"except":[],"flags":{}}},"uid":"`+node+`","nsp":"/"}`, []byte{3, 4}))
	pk, err := cl.Read(wait)
	if err != nil || pk.Text != `51-["b",{"_placeholder":true,"num":0}]` || len(pk.Attachments) != 1 || string(pk.Attachments[0]) != "\x03\x04" {
		t.Fatalf("binary broadcast: %v %v", pk, err)
	}
	// Dropped: another namespace, no nsp, its own uid.
	p.publish(main, []byte(`{"type":3,"data":{"packet":{"type":2,"data":["x"]},"opts":{"rooms":[],"except":[],"flags":{}}},"uid":"`+node+`","nsp":"/chat"}`))
	p.publish(main, []byte(`{"type":3,"data":{"packet":{"type":2,"data":["x"]},"opts":{"rooms":[],"except":[],"flags":{}}},"uid":"`+node+`"}`))
	p.publish(main, []byte(`{"type":3,"data":{"packet":{"type":2,"data":["x"]},"opts":{"rooms":[],"except":[],"flags":{}}},"uid":"`+ad.UID()+`","nsp":"/"}`))
	p.publish(main, []byte(`{"type":3,"data":{"packet":{"type":2,"data":["marker"]},"opts":{"rooms":[],"except":[],"flags":{}}},"uid":"`+node+`","nsp":"/"}`))
	expect(t, cl, `2["marker"]`)

	// A join subscribes to the new room's channel.
	p.publish(main, []byte(`{"type":4,"data":{"opts":{"rooms":["r"],"except":[],"flags":{}},"rooms":["joined"]},"uid":"`+node+`","nsp":"/"}`))
	waitRoom(t, rc, redisadapter.SubscriptionDynamic, "joined", 1)

	// fetchSockets.
	p.publish(main, []byte(`{"type":7,"data":{"opts":{"rooms":["joined"],"except":[],"flags":{}},"requestId":"req1"},"uid":"`+node+`","nsp":"/"}`))
	_, text, _ := p.next()
	id := socketIDs(s.io, "/")[0]
	if !strings.HasPrefix(text, `{"type":8,"data":{"requestId":"req1","sockets":[{"id":"`+id+`","handshake":{`) ||
		!strings.Contains(text, `"rooms":[`) || !strings.HasSuffix(text, `"data":{}}]},"uid":"`+ad.UID()+`","nsp":"/"}`) {
		t.Fatalf("fetch response %s", text)
	}

	// serverSideEmit with an ack.
	p.publish(main, []byte(`{"type":9,"data":{"requestId":"req2","packet":["ask","q"]},"uid":"`+node+`","nsp":"/"}`))
	p.expect(resp, `{"type":10,"data":{"requestId":"req2","packet":"got q"},"uid":"`+ad.UID()+`","nsp":"/"}`)

	// A broadcast with acks: the client count, then the ack (msgpack only
	// with binary).
	p.publish(main, []byte(`{"type":3,"data":{"packet":{"type":2,"data":["q"]},"requestId":"req3","opts":{"rooms":["joined"],"except":[],"flags":{"timeout":1000}}},"uid":"`+node+`","nsp":"/"}`))
	p.expect(resp, `{"type":11,"data":{"requestId":"req3","clientCount":1},"uid":"`+ad.UID()+`","nsp":"/"}`)
	q, err := cl.ReadText(wait)
	if err != nil || !strings.HasSuffix(q, `["q"]`) || q[0] != '2' {
		t.Fatalf("ack event %q %v", q, err)
	}
	cl.Send("3" + q[1:strings.IndexByte(q, '[')] + `["yes"]`)
	p.expect(resp, `{"type":12,"data":{"requestId":"req3","packet":"yes"},"uid":"`+ad.UID()+`","nsp":"/"}`)

	// Disconnection.
	p.publish(main, []byte(`{"type":6,"data":{"opts":{"rooms":["joined"],"except":[],"flags":{}},"close":false},"uid":"`+node+`","nsp":"/"}`))
	expect(t, cl, "1") // DISCONNECT; the connection stays (close false)
	waitRoom(t, rc, redisadapter.SubscriptionDynamic, "joined", 0)
}
