// Package socketio implements a Socket.IO v5 server on top of package
// engineio, wire-compatible with Node's socket.io 4.8: the official
// socket.io-client cannot tell the difference.
//
// The model follows Node's, under the same names where Go allows:
//
//	io := socketio.NewServer(socketio.Options{})
//	io.OnConnection(func(s *socketio.Socket) {
//		s.Join("lobby")
//		s.On("chat", func(msg string, ack socketio.AckFunc) {
//			io.To("lobby").Except(s.ID()).Emit("chat", msg)
//			ack("ok")
//		})
//	})
//	http.Handle("/socket.io/", io)
//
// A Server multiplexes namespaces (io.Of("/chat"), or dynamic ones with
// OfRegexp and OfFunc) over each Engine.IO connection. Middlewares vet
// sockets as they connect; a socket joins rooms; a BroadcastOperator selects
// sockets by room and emits to them, collects their acks, fetches them,
// moves them between rooms or disconnects them. These operations go through
// the namespace's Adapter, in memory by default, so that a cluster adapter
// can extend them to every server.
//
// Handlers are typed: the arguments of an event are decoded straight from
// the packet into the handler's parameter types, with binary attachments
// arriving as []byte, and an optional AckFunc last. Arguments stay raw JSON
// until a handler asks for them; Raw keeps one as received, so it can be
// relayed byte for byte.
//
// Concurrency: the packets of one connection are handled in arrival order,
// one at a time, by a worker goroutine that exists only while there is
// work. A handler may block, even in EmitWithAck waiting for its own
// client: acks do not queue behind it. A broadcast encodes its packet once
// and queues the same messages for every recipient, without blocking on
// slow clients.
//
// Connection state recovery (Options.ConnectionStateRecovery) gives every
// event an offset and keeps disconnected sessions for a while, so a client
// that comes back gets its id, rooms and data again, plus what it missed.
//
// Monitoring goes through Hooks (Options.Hooks, and Options.Engine.Hooks
// for the transport underneath): plain functions called as sockets
// connect, exchange events and disconnect, which package
// github.com/siogo/siogo/metrics turns into Prometheus metrics. Unset
// hooks cost a nil check.
package socketio
