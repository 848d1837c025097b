// Package benchpeer holds the siogo side of the benchmark peers: the
// Socket.IO handlers every peer under bench/peers implements the same way,
// so that cmd/siobench measures servers, not application code.
//
// Events:
//   - "echo" (any arguments, ack): acks with the same arguments.
//   - "join" (room, optional ack): joins the room, then acks with nothing.
//   - "fanout" (any arguments): broadcasts them as "msg" to room "fan".
//
// GET /stats answers {"goroutines":N} so the load generator can report
// goroutines per connection.
package benchpeer

import (
	"fmt"
	"net/http"
	"runtime"

	"github.com/siogo/siogo/socketio"
)

// FanRoom is the room the "fanout" event broadcasts to.
const FanRoom = "fan"

// NewSiogo returns the siogo benchmark server built with opts (an adapter,
// say) and an http.Handler serving it under /socket.io/ plus /stats. Close
// the server when done.
func NewSiogo(opts socketio.Options) (*socketio.Server, http.Handler) {
	io := socketio.NewServer(opts)
	io.OnConnection(func(s *socketio.Socket) {
		s.On("echo", func(a *socketio.Args, ack socketio.AckFunc) { ack(a.Values()...) })
		s.On("join", func(room string, ack socketio.AckFunc) {
			s.Join(room)
			ack()
		})
		s.On("fanout", func(a *socketio.Args) { io.To(FanRoom).Emit("msg", a.Values()...) })
	})
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	mux.HandleFunc("/stats", Stats)
	return io, mux
}

// Stats answers {"goroutines":N}.
func Stats(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"goroutines":%d}`, runtime.NumGoroutine())
}
