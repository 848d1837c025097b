package redisadapter

// ShardedPending returns how many requests and broadcasts with acks a
// waits for.
func ShardedPending(a *ShardedAdapter) (requests, acks int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.requests), len(a.acks)
}

// HashSlot exposes the Redis Cluster key slot.
func HashSlot(key string) int { return hashSlot(key) }
