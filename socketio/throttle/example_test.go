package throttle_test

import (
	"log"
	"net/http"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/socketio"
	"github.com/siogo/siogo/socketio/throttle"
)

// Limiting the events of every socket, and counting refusals.
func ExampleEvents() {
	io := socketio.NewServer(socketio.Options{})
	defer io.Close()
	io.OnConnection(func(s *socketio.Socket) {
		// First, so that the limit applies before any other middleware.
		throttle.Events(s, throttle.EventOptions{
			Rate:      5,  // per second, sustained
			Burst:     10, // at once
			OnLimited: func(s *socketio.Socket, event string) { log.Printf("%s: %q refused", s.ID(), event) },
			OnAbuse:   func(s *socketio.Socket) { log.Printf("%s: disconnected for flooding", s.ID()) },
		})
		// A refused "chat" with an ack gets
		// {"ok":false,"error":"rate_limited","message":"too many events, slow down"}
		// and this handler is not called.
		s.On("chat", func(msg string, ack socketio.AckFunc) {
			io.Except(s.ID()).Emit("chat", msg)
			ack(map[string]any{"ok": true})
		})
	})
}

// Spreading out the reconnection storm that follows a restart.
func ExampleConnections() {
	conns := throttle.NewConnections(throttle.ConnectionOptions{
		Rate:      50, // handshakes per second, for the whole server
		OnLimited: func(r *http.Request) { log.Printf("handshake from %s refused", r.RemoteAddr) },
	})
	io := socketio.NewServer(socketio.Options{
		Engine: engineio.Options{AllowRequest: conns.AllowRequest},
	})
	defer io.Close()
	http.Handle("/socket.io/", io)
}
