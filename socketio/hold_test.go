package socketio_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/siogo/siogo/socketio"
)

// A client that has its CONNECT reply can count on what the connection
// handler did, as with Node, where nothing runs before the handler returns:
// here another client's broadcast to the room the handler joins must reach
// the new client even when the handler is slow to get there.
func TestConnectHandlerDoneBeforeConnectReply(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
				io.OnConnection(func(s *socketio.Socket) {
					var auth struct{ Slow bool }
					s.Handshake().DecodeAuth(&auth)
					if auth.Slow {
						// Stands for the handler's goroutine losing its core
						// on a loaded machine.
						time.Sleep(50 * time.Millisecond)
					}
					s.Join("news")
					s.Emit("welcome")
					s.On("shout", func(msg string) { io.To("news").Emit("news", msg) })
				})
			})
			b, _ := srv.connect(tr, "/", "")
			expect(t, b, `2["welcome"]`)

			a, _ := srv.connect(tr, "/", `{"slow":true}`)
			send(t, b, `2["shout","hello"]`)
			expect(t, a, `2["welcome"]`)
			expect(t, a, `2["news","hello"]`)
			expect(t, b, `2["news","hello"]`)
		})
	}
}

// A connection handler that asks its own client for an ack gets it: the
// packets held back for the CONNECT reply go out when it starts waiting.
func TestConnectHandlerWaitsForAck(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
				io.OnConnection(func(s *socketio.Socket) {
					ctx, cancel := context.WithTimeout(context.Background(), wait)
					defer cancel()
					a, err := s.EmitWithAck(ctx, "name?")
					var name string
					if err == nil {
						err = a.Decode(0, &name)
					}
					if err != nil {
						s.Emit("error", err.Error())
						return
					}
					// And through a broadcast operator, as a room of one.
					acks, err := io.To(s.ID()).EmitWithAck(ctx, "again?")
					if err != nil || len(acks) != 1 {
						s.Emit("error", "broadcast ack", err)
						return
					}
					s.Emit("hello", name)
				})
			})
			c, _ := srv.connect(tr, "/", "")
			expect(t, c, `20["name?"]`)
			send(t, c, `30["ada"]`)
			expect(t, c, `21["again?"]`)
			send(t, c, `31[true]`)
			expect(t, c, `2["hello","ada"]`)
		})
	}
}

// A handler that blocks (on a database, say) holds the CONNECT reply back
// only for a moment: the client is connected while the handler still runs.
// (WebSocket only: over polling, the test client waits for the answer to
// its POST, which comes once the packets it carried have run.)
func TestSlowConnectHandlerDoesNotHoldConnect(t *testing.T) {
	for _, tr := range []string{"websocket"} {
		t.Run(tr, func(t *testing.T) {
			proceed := make(chan struct{})
			done := make(chan struct{})
			srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
				io.OnConnection(func(s *socketio.Socket) {
					s.Emit("first")
					<-proceed
					s.Emit("second")
					close(done)
				})
			})
			c, _ := srv.connect(tr, "/", "") // fails if the reply waits for proceed
			expect(t, c, `2["first"]`)
			close(proceed)
			recv(t, done)
			expect(t, c, `2["second"]`)
		})
	}
}

// A handler that sends a long history gets it delivered whole and in
// order, across the point where the hold lets writes go.
func TestConnectHandlerSendsHistory(t *testing.T) {
	const n = 500
	srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			for i := range n {
				s.Emit("m", i)
			}
		})
	})
	c, _ := srv.connect("websocket", "/", "")
	for i := range n {
		p, err := c.ReadText(wait)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if want, _ := json.Marshal([]any{"m", i}); p != "2"+string(want) {
			t.Fatalf("message %d = %q, want 2%s", i, p, want)
		}
	}
}
