package roomauth

import (
	"errors"
	"fmt"
	"path"

	"github.com/siogo/siogo/socketio"
)

// ErrForbidden is wrapped by the errors of refused rooms.
var ErrForbidden = errors.New("roomauth: forbidden")

// Policy decides which rooms sockets may join. The zero Policy allows
// nothing.
type Policy struct {
	// Allowed returns the rooms s may join: names, or path.Match patterns
	// such as "team-*" (where "*" does not match "/"). It is called at each
	// check, so that it can follow changes of the socket's data. A nil func
	// allows nothing.
	Allowed func(s *socketio.Socket) []string
}

// Check returns nil if s may join room, or an error wrapping ErrForbidden.
// The empty name and the private rooms of sockets are always refused (see
// the package documentation). A malformed pattern matches nothing; if the
// room is refused, the error wraps path.ErrBadPattern as well, so that the
// mistake shows in the logs.
func (p Policy) Check(s *socketio.Socket, room string) error {
	if room == "" {
		return fmt.Errorf("%w: empty room name", ErrForbidden)
	}
	if isSocketRoom(s, room) {
		return fmt.Errorf("%w: %q is the private room of a socket", ErrForbidden, room)
	}
	if p.Allowed == nil {
		return fmt.Errorf("%w: room %q", ErrForbidden, room)
	}
	var bad error
	for _, pattern := range p.Allowed(s) {
		ok, err := path.Match(pattern, room)
		if ok {
			return nil
		}
		if err != nil && bad == nil {
			// Refuse only if no other pattern allows: a broken entry can
			// deny more than intended, never allow more.
			bad = fmt.Errorf("pattern %q: %w", pattern, err)
		}
	}
	if bad != nil {
		return fmt.Errorf("%w: room %q (%w)", ErrForbidden, room, bad)
	}
	return fmt.Errorf("%w: room %q", ErrForbidden, room)
}

// Join joins s to room if Check allows it; otherwise it returns Check's
// error and the socket's rooms are unchanged.
func (p Policy) Join(s *socketio.Socket, room string) error {
	if err := p.Check(s, room); err != nil {
		return err
	}
	s.Join(room)
	return nil
}

// isSocketRoom reports whether room is, or may be, the private room of a
// socket: the id of a socket of the namespace, or a name that has the shape
// of an id, for the sockets no local lookup finds.
func isSocketRoom(s *socketio.Socket, room string) bool {
	return idShaped(room) || s.Namespace().Socket(room) != nil
}

// idLen is the length of a socket id: 15 random bytes in unpadded URL-safe
// base64, as Node's base64id makes them.
const idLen = 20

func idShaped(room string) bool {
	if len(room) != idLen {
		return false
	}
	for i := 0; i < len(room); i++ {
		switch c := room[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}
