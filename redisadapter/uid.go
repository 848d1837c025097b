package redisadapter

import "crypto/rand"

// uidAlphabet is uid2's: 64 URL-safe characters.
const uidAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// newUID returns 6 random characters, as Node's uid2(6): the form of server
// uids and request ids.
func newUID() string {
	var b [6]byte
	rand.Read(b[:])
	for i, c := range b {
		b[i] = uidAlphabet[c&63]
	}
	return string(b[:])
}
