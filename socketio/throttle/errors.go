package throttle

import "errors"

// ErrRateLimited is the error of a refused event, reported to the socket's
// OnError handlers as is, and wrapped by the error of a refused handshake.
var ErrRateLimited = errors.New("throttle: rate limited")

// connectionsError refuses a handshake. Its text is what the client reads
// in the 403 answer, so it carries no package prefix; it is a zero-size
// value, so refusing a flood of handshakes allocates nothing.
type connectionsError struct{}

func (connectionsError) Error() string { return "too many connections" }
func (connectionsError) Unwrap() error { return ErrRateLimited }
