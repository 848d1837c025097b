package redisadapter

import (
	"errors"

	"github.com/siogo/siogo/socketio"
)

var (
	// ErrTimeout is wrapped by the errors of cluster requests that did not
	// get every server's answer in time. Their text ends with Node's, such
	// as "timeout reached while waiting for fetchSockets response".
	// errors.Is(err, socketio.ErrTimeout) holds for them too.
	ErrTimeout error = timeoutError{}

	// ErrClosed is returned by requests of an adapter that was closed.
	ErrClosed = errors.New("redisadapter: adapter closed")

	// ErrUnsupportedMode is returned by NewNode for a Mode it cannot run.
	ErrUnsupportedMode = errors.New("redisadapter: unsupported mode")
)

var errQueueFull = errors.New("redisadapter: publish queue full")

type timeoutError struct{}

func (timeoutError) Error() string { return "redisadapter: request timed out" }

func (timeoutError) Is(target error) bool { return target == socketio.ErrTimeout }
