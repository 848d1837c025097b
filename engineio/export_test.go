package engineio

import "time"

// Hooks for the integration tests in package engineio_test: they observe
// or force session states that the wire cannot show at a known moment.

// PollPending reports whether the server is holding a GET of s.
func PollPending(s *Socket) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pollActive
}

// Ping queues a ping now, as the ping timer does, and starts its pong deadline.
func Ping(s *Socket) { s.ping() }

// ExpirePong moves the pong deadline of s into the past without firing the
// pong timer: it is what a late timer looks like to the next request.
func ExpirePong(s *Socket) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.pongDeadline.IsZero() {
		s.pongDeadline = time.Now().Add(-time.Millisecond)
	}
}
