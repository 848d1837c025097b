package socketio

// PendingAcks is the number of acks the socket still waits for.
func PendingAcks(s *Socket) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.acks)
}
