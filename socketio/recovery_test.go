package socketio_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/socketio"
)

// lastString returns the last element of an event's data array, which must
// be a string (the offset).
func lastString(t *testing.T, pkt string) (args []json.RawMessage, offset string) {
	t.Helper()
	args, err := siotest.Args(siotest.Payload(pkt))
	if err != nil {
		t.Fatalf("%q: %v", pkt, err)
	}
	if err := json.Unmarshal(args[len(args)-1], &offset); err != nil {
		t.Fatalf("%q has no offset: %v", pkt, err)
	}
	return args[:len(args)-1], offset
}

type csrEnv struct {
	*testServer
	socks   chan *socketio.Socket
	reasons chan string
	mws     atomic.Int32
}

func startCSR(t *testing.T, rec *socketio.RecoveryOptions, engine ...engineio.Options) *csrEnv {
	e := &csrEnv{socks: make(chan *socketio.Socket, 8), reasons: make(chan string, 8)}
	opts := socketio.Options{ConnectionStateRecovery: rec}
	if len(engine) > 0 {
		opts.Engine = engine[0]
	}
	e.testServer = startServer(t, opts, func(io *socketio.Server) {
		io.Use(func(*socketio.Socket) error { e.mws.Add(1); return nil })
		io.OnConnection(func(s *socketio.Socket) {
			s.OnDisconnect(func(r string) { e.reasons <- r })
			s.On("echo", func(a *socketio.Args, ack socketio.AckFunc) { ack(a.Values()...) })
			e.socks <- s
		})
	})
	return e
}

func TestRecoveryOffsets(t *testing.T) {
	e := startCSR(t, &socketio.RecoveryOptions{})
	c, _ := e.connect("websocket", "/", "")
	s := recv(t, e.socks)
	io := e.io

	s.Emit("direct", 1)
	_, off1 := lastString(t, expectPrefix(t, c, `2["direct",1,"`))
	io.Emit("bcast")
	_, off2 := lastString(t, expectPrefix(t, c, `2["bcast","`))
	io.To(s.ID()).Emit("room", map[string]int{"a": 1})
	_, off3 := lastString(t, expectPrefix(t, c, `2["room",{"a":1},"`))
	s.Emit("bin", []byte{7})
	p, err := c.Read(wait)
	if err != nil || !strings.HasPrefix(p.Text, `51-["bin",{"_placeholder":true,"num":0},"`) || len(p.Attachments) != 1 {
		t.Fatalf("binary event %v %v", p, err)
	}
	_, off4 := lastString(t, p.Text)
	offs := []string{off1, off2, off3, off4}
	slices.Sort(offs)
	if len(slices.Compact(offs)) != 4 || off1 == "" {
		t.Errorf("offsets not unique: %q", []string{off1, off2, off3, off4})
	}

	// No offset for volatile or acked emits, nor for acks.
	// A volatile event is dropped while the WebSocket writer is busy:
	// try until one goes through.
	for _, emit := range []func(i int){
		func(i int) { s.Volatile().Emit("volatile", i) },
		func(i int) { io.Volatile().Emit("volatile", i) },
	} {
		delivered := false
		for i := 0; i < 50 && !delivered; i++ {
			emit(i)
			s.Emit("mark")
			for {
				pkt := expectPrefix(t, c, "2")
				if strings.HasPrefix(pkt, `2["mark","`) {
					break
				}
				if pkt != fmt.Sprintf(`2["volatile",%d]`, i) {
					t.Fatalf("volatile event %q", pkt)
				}
				delivered = true
			}
		}
		if !delivered {
			t.Error("no volatile event delivered")
		}
	}
	go s.Timeout(wait).EmitWithAck(context.Background(), "acked", 2)
	q := expectPrefix(t, c, "2")
	if siotest.Payload(q) != `["acked",2]` || siotest.AckID(q) < 0 {
		t.Errorf("acked emit %q", q)
	}
	send(t, c, fmt.Sprintf(`3%d[]`, siotest.AckID(q)))
	go io.Timeout(wait).EmitWithAck(context.Background(), "backed")
	q = expectPrefix(t, c, "2")
	if siotest.Payload(q) != `["backed"]` {
		t.Errorf("broadcast acked emit %q", q)
	}
	send(t, c, fmt.Sprintf(`3%d[]`, siotest.AckID(q)))
	send(t, c, `27["echo","x"]`)
	expect(t, c, `37["x"]`)
}

func TestRecoveryRestore(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			// A polling client that goes away is noticed at its ping timeout.
			e := startCSR(t, &socketio.RecoveryOptions{}, engineio.Options{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond})
			io := e.io
			c, first := e.connect(tr, "/", "")
			s := recv(t, e.socks)
			s.Join("room1", "room2")
			s.SetData(map[string]any{"user": "u1"})
			if e.mws.Load() != 1 {
				t.Fatalf("middleware ran %d times", e.mws.Load())
			}
			s.Emit("hi")
			_, offset := lastString(t, expectPrefix(t, c, `2["hi","`))

			// The transport is lost.
			c.DropTransport()
			want := socketio.ReasonTransportClose
			if tr == "polling" {
				want = socketio.ReasonPingTimeout
			}
			if r := recv(t, e.reasons); r != want {
				t.Errorf("reason %q, want %q", r, want)
			}

			// Missed while away.
			io.Emit("m1", 1)
			io.To("room1").Emit("m2")
			io.To(first.SID).Emit("m3")
			io.To("elsewhere").Emit("not-me")
			io.Except("room2").Emit("not-me-either")
			io.Volatile().Emit("volatile-not-stored")
			go io.Timeout(50).EmitWithAck(context.Background(), "acked-not-stored")

			c2 := e.dial(tr)
			send(t, c2, fmt.Sprintf(`0{"pid":%q,"offset":%q,"extra":1}`, first.PID, offset))
			var got []string
			for {
				pkt := expectPrefix(t, c2, "")
				if strings.HasPrefix(pkt, "0") {
					var reply siotest.ConnectReply
					json.Unmarshal([]byte(pkt[1:]), &reply)
					if reply.SID != first.SID || reply.PID != first.PID {
						t.Errorf("recovered as %q, first was sid %q pid %q", pkt, first.SID, first.PID)
					}
					break
				}
				args, off := lastString(t, pkt)
				if off == "" {
					t.Errorf("missed packet %q without offset", pkt)
				}
				var name string
				json.Unmarshal(args[0], &name)
				got = append(got, name)
			}
			if !slices.Equal(got, []string{"m1", "m2", "m3"}) {
				t.Errorf("missed packets %v, want [m1 m2 m3] before the CONNECT reply", got)
			}
			s2 := recv(t, e.socks)
			if !s2.Recovered() || s2.ID() != first.SID {
				t.Errorf("Recovered() %v id %q", s2.Recovered(), s2.ID())
			}
			if d, _ := s2.Data().(map[string]any); d["user"] != "u1" {
				t.Errorf("Data() = %v", s2.Data())
			}
			rooms := s2.Rooms()
			if !slices.Contains(rooms, "room1") || !slices.Contains(rooms, "room2") || !slices.Contains(rooms, first.SID) {
				t.Errorf("Rooms() = %v", rooms)
			}
			if e.mws.Load() != 1 {
				t.Errorf("middleware ran for a recovered socket (%d)", e.mws.Load())
			}
			if string(s2.Handshake().Auth) != fmt.Sprintf(`{"pid":%q,"offset":%q,"extra":1}`, first.PID, offset) {
				t.Logf("Handshake().Auth = %s", s2.Handshake().Auth)
			}
			io.To("room1").Emit("after")
			lastString(t, expectPrefix(t, c2, `2["after","`))
		})
	}
}

func TestRecoveryFailures(t *testing.T) {
	e := startCSR(t, &socketio.RecoveryOptions{})
	c, first := e.connect("websocket", "/", "")
	s := recv(t, e.socks)
	s.Emit("hi")
	_, offset := lastString(t, expectPrefix(t, c, `2["hi","`))
	c.DropTransport()
	recv(t, e.reasons)

	fresh := func(auth string) *siotest.ConnectReply {
		t.Helper()
		c := e.dial("websocket")
		r, err := c.Connect("/", auth, wait)
		if err != nil {
			t.Fatal(err)
		}
		if r.SID == first.SID || r.PID == first.PID || r.PID == "" {
			t.Errorf("auth %s: recovered (%q), want a fresh sid and pid", auth, r.Raw)
		}
		s := recv(t, e.socks)
		if s.Recovered() {
			t.Errorf("auth %s: Recovered() true", auth)
		}
		return r
	}
	fresh(fmt.Sprintf(`{"pid":"unknown","offset":%q}`, offset))
	fresh(fmt.Sprintf(`{"pid":%q,"offset":"unknown"}`, first.PID))
	fresh(fmt.Sprintf(`{"pid":%q}`, first.PID))
	fresh(fmt.Sprintf(`{"pid":%q,"offset":1}`, first.PID))
	if e.mws.Load() != 5 {
		t.Errorf("middlewares ran %d times, want 5", e.mws.Load())
	}
	// The session is still there for a correct attempt, once.
	c2 := e.dial("websocket")
	r, err := c2.Connect("/", fmt.Sprintf(`{"pid":%q,"offset":%q}`, first.PID, offset), wait)
	if err != nil || r.SID != first.SID {
		t.Fatalf("recovery after failed attempts: %v %v", r, err)
	}
	s = recv(t, e.socks)

	// A client namespace disconnect keeps no session.
	s.Emit("x")
	_, offset = lastString(t, expectPrefix(t, c2, `2["x","`))
	send(t, c2, "1")
	if r := recv(t, e.reasons); r != socketio.ReasonClientNamespaceDisconnect {
		t.Errorf("reason %q", r)
	}
	fresh(fmt.Sprintf(`{"pid":%q,"offset":%q}`, first.PID, offset))
}

func TestRecoveryRunMiddlewares(t *testing.T) {
	e := startCSR(t, &socketio.RecoveryOptions{RunMiddlewares: true})
	c, first := e.connect("websocket", "/", "")
	s := recv(t, e.socks)
	s.Emit("hi")
	_, offset := lastString(t, expectPrefix(t, c, `2["hi","`))
	c.DropTransport()
	recv(t, e.reasons)
	c2 := e.dial("websocket")
	r, err := c2.Connect("/", fmt.Sprintf(`{"pid":%q,"offset":%q}`, first.PID, offset), wait)
	if err != nil || r.SID != first.SID {
		t.Fatalf("%v %v", r, err)
	}
	if !recv(t, e.socks).Recovered() {
		t.Error("not recovered")
	}
	if e.mws.Load() != 2 {
		t.Errorf("middlewares ran %d times, want 2", e.mws.Load())
	}
}

func TestRecoveryOffByDefault(t *testing.T) {
	e := startCSR(t, nil)
	c, r := e.connect("websocket", "/", "")
	if r.PID != "" || strings.Contains(r.JSON, "pid") {
		t.Errorf("reply %q has a pid", r.Raw)
	}
	s := recv(t, e.socks)
	s.Emit("hi")
	expect(t, c, `2["hi"]`)
	e.io.Emit("all")
	expect(t, c, `2["all"]`)
}
