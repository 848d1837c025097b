// Package engineio implements the server side of Engine.IO protocol 4, the
// transport layer under Socket.IO, wire-compatible with Node's engine.io 6.
//
// A Server is an http.Handler. Each client gets a session (a *Socket) that
// carries opaque text and binary messages over HTTP long-polling, WebSocket,
// or polling first and WebSocket after an upgrade; the application sees one
// ordered stream of messages and one close event with Node's reason strings,
// whichever transport carries them.
//
// The model, chosen for many idle connections:
//
//   - An idle WebSocket session holds no goroutine and no buffer. The HTTP
//     handler returns right after the upgrade (the opening handshake is
//     answered here); on Linux one epoll instance per Server, itself parked
//     in the runtime's poller, reports which connections have data, and a
//     goroutine from a small pool reads each until it is drained, parses the
//     frames (RFC 6455, as Node's ws checks them) and hands the messages
//     on. A writer runs, from the same pool, only while the session's queue
//     holds data, and writes all of it with one system call. Over TLS, on
//     other platforms, and with permessage-deflate (where the WebSocket
//     library reads, writes and compresses), a goroutine per connection
//     reads.
//   - Send never blocks. It appends to a bounded per-session queue; a session
//     whose queue overflows is closed instead of slowing its senders down.
//   - A Message may be sent to many sessions: it is encoded once and every
//     recipient writes the same bytes.
//   - Heartbeats are timers, not goroutines. The server pings; the pong
//     deadline is checked by a timer and again on every request, so a late
//     timer never lets an expired session answer.
//   - Incoming messages of a session are delivered one at a time in arrival
//     order. A polling POST is answered only after its messages are handled,
//     so replies queued by the handlers ride the client's next poll.
//
// Refused requests get Node's JSON errors ({"code":N,"message":"…"}) and
// statuses, checked in Node's order; refused WebSocket upgrades are answered
// with a plain 400 before any 101.
//
// Clients are held to what Node's engine.io and ws accept. Text is UTF-8:
// a WebSocket text frame that is not fails the connection (1007), and the
// invalid bytes of a polling body become U+FFFD, as Node decodes them. A
// message is at most MaxHTTPBufferSize bytes once inflated. A polling body
// must arrive within one heartbeat period (PingInterval plus PingTimeout),
// by which time Node would have dropped the session and its request.
//
// Options.Hooks observe the server for monitoring (sessions opened and
// closed, upgrades, packets and their sizes, refused requests, request
// durations) without the package depending on any metrics library.
package engineio
