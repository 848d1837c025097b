// Package throttle limits how fast clients may use a Socket.IO server: the
// events each socket sends, and the handshakes of new connections.
//
// Both limits are token buckets (golang.org/x/time/rate): a bucket holds up
// to Burst tokens and refills at Rate tokens per second; each event or
// handshake takes one token, and is refused when the bucket is empty. A
// client may therefore send a short burst at any speed, but not sustain more
// than Rate.
//
// Events installs a per-socket event middleware, the Go form of Node's
//
//	socket.use(([event, ...args], next) => limiter.tryRemoveTokens(1)
//		? next() : next(new Error("rate limited")))
//
// A refused event is answered with EventOptions.Reply when the client asked
// for an ack, so its callback does not hang, then dropped: its handlers are
// not called and ErrRateLimited goes to the socket's OnError handlers. A
// client that keeps sending while refused is disconnected.
//
//	io.OnConnection(func(s *socketio.Socket) {
//		throttle.Events(s, throttle.EventOptions{Rate: 5, Burst: 10})
//		s.On("chat", ...)
//	})
//
// Connections limits the rate of new Engine.IO handshakes for the whole
// server, through engineio.Options.AllowRequest. A refused handshake gets
// 403 Forbidden with "too many connections" as its message, and
// socket.io-client tries again after its reconnection delay, which grows
// with each attempt: a reconnection storm after a restart spreads out
// instead of landing all at once.
//
//	conns := throttle.NewConnections(throttle.ConnectionOptions{Rate: 50})
//	io := socketio.NewServer(socketio.Options{
//		Engine: engineio.Options{AllowRequest: conns.AllowRequest},
//	})
//
// Limits are per process: behind several servers, each enforces its own.
package throttle
