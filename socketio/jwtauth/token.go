package jwtauth

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/siogo/siogo/socketio"
)

// token finds the token a client sent: in the CONNECT auth payload, else
// in the Authorization header, else in the query. The first one found is
// the only one checked, even when it fails, so that a refusal describes
// the token the client meant to use.
func (a *Auth) token(h *socketio.Handshake) (string, error) {
	if t, err := authToken(h.Auth); t != "" || err != nil {
		return t, err
	}
	if t := bearer(h.Headers.Get("Authorization")); t != "" {
		return t, nil
	}
	if t := h.Query.Get(a.queryParam); t != "" {
		return t, nil
	}
	return "", ErrNoToken
}

// authToken reads {"token": "..."}. The key is case-sensitive, as
// auth.token is in Node. A payload that is not an object, or an empty or
// null token, counts as no token; a token of another type is malformed.
func authToken(auth json.RawMessage) (string, error) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(auth, &fields) != nil {
		return "", nil
	}
	raw, ok := fields["token"]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var t string
	if err := json.Unmarshal(raw, &t); err != nil {
		return "", fmt.Errorf("%w: auth token is not a string", ErrMalformed)
	}
	return t, nil
}

// bearer returns the credentials of an "Authorization: Bearer <token>"
// header; the scheme is case-insensitive (RFC 7235).
func bearer(h string) string {
	scheme, cred, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(cred)
}
