// Package sid makes the random ids of sessions and sockets.
package sid

import (
	"crypto/rand"
	"encoding/base64"
)

// New returns a 20-character URL-safe id from 15 random bytes: the same shape
// as Node's base64id, which Node's Redis adapter relies on to tell socket-id
// rooms from other rooms.
func New() string {
	var b [15]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
