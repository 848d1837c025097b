// Package attack sends hostile Engine.IO and Socket.IO traffic to a server
// under test, for tests that check the server answers it as the protocol
// says and is not hurt by it.
//
// Where the well-behaved test clients (internal/eiotest, internal/siotest)
// speak the protocols correctly and let a test look at the answers, this
// package breaks them on purpose, at every layer:
//
//   - HTTP: any method, query, header and body (Target.Do), polling
//     payloads of junk (Target.Post), bodies over the server's limit.
//   - TCP: a connection on which the caller writes what it likes, for
//     requests trickled byte by byte or bodies that never end (Target.Dial,
//     Conn.Trickle, Conn.WaitClosed).
//   - WebSocket: frames built by hand (WebSocket.WriteFrame), with reserved
//     bits, unknown opcodes, no mask, invalid UTF-8 or a declared length the
//     payload never reaches.
//   - Socket.IO: a session (Target.OpenSession) over either transport that
//     sends any Engine.IO packet or attachment in any order and reports how
//     the server ended it (Session.AwaitClose).
//
// The generators in payloads.go build the inputs: JSON nested a hundred
// thousand deep, invalid UTF-8, binary events announcing more attachments
// than allowed, deterministic junk bytes.
//
// Nothing here sleeps to let the server catch up: every blocking call takes
// a context or a deadline and returns as soon as the server answers or
// closes, or fails with ErrStillOpen or ErrTimeout when it does not.
package attack
