package attack

import "errors"

// Sentinel errors, wrapped by the errors the package returns.
var (
	// ErrStillOpen is returned when the server kept a connection or a
	// session open past the caller's deadline, where it should have
	// closed it.
	ErrStillOpen = errors.New("attack: the server kept the connection open")
	// ErrTimeout is returned when nothing arrived before the deadline.
	ErrTimeout = errors.New("attack: timeout")
	// ErrClosed is returned when the server ended the session or the
	// connection while the caller expected more from it.
	ErrClosed = errors.New("attack: closed by the server")
	// ErrProtocol is returned when the server's answer is not what any
	// version of the protocol would send (a handshake without an open
	// packet, say).
	ErrProtocol = errors.New("attack: unexpected answer")
)
