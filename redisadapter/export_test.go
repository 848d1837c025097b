package redisadapter

// Pending returns how many requests and broadcasts with acks a waits for.
func Pending(a *Adapter) (requests, acks int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.requests), len(a.acks)
}
