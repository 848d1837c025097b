package main

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The demo's rooms. Everyone may join the open ones; "staff" only the
// names the server was given with -staff, so a refusal can be shown.
var (
	openRooms       = []string{"lobby", "random"}
	restrictedRooms = []string{"staff"}
)

const tokenAudience = "siogo-demo"

// userClaims is what a demo token says: who the user is and which rooms
// (names or path.Match patterns) they may enter.
type userClaims struct {
	Name  string   `json:"name"`
	Rooms []string `json:"rooms"`
	jwt.RegisteredClaims
}

// validName allows what reads well in a member list: letters, digits,
// spaces, '_' and '-', 1 to 32 of them.
var validName = regexp.MustCompile(`^[\p{L}\p{N} _-]{1,32}$`)

// tokenIssuer hands out short-lived tokens to anyone who picks a name. A
// real deployment gets its tokens from its identity provider; the socket
// side would not change.
type tokenIssuer struct {
	secret []byte
	ttl    time.Duration
	issuer string
	staff  []string
	now    func() time.Time
}

func (ti *tokenIssuer) roomsFor(name string) []string {
	rooms := slices.Clone(openRooms)
	if slices.ContainsFunc(ti.staff, func(s string) bool { return strings.EqualFold(s, name) }) {
		rooms = append(rooms, restrictedRooms...)
	}
	return rooms
}

func (ti *tokenIssuer) issue(name string) (string, *userClaims, error) {
	now := ti.now()
	c := &userClaims{
		Name:  name,
		Rooms: ti.roomsFor(name),
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   name,
			Issuer:    ti.issuer,
			Audience:  jwt.ClaimStrings{tokenAudience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ti.ttl)),
		},
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(ti.secret)
	return tok, c, err
}

// ServeHTTP answers POST {"name": "..."} with a token for that name.
func (ti *tokenIssuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "send JSON: {\"name\": \"...\"}"})
		return
	}
	name := strings.TrimSpace(req.Name)
	if !validName.MatchString(name) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "a name is 1 to 32 letters, digits, spaces, '_' or '-'"})
		return
	}
	tok, c, err := ti.issue(name)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "could not sign the token"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"token":     tok,
		"name":      name,
		"rooms":     c.Rooms,
		"expiresAt": c.ExpiresAt.UnixMilli(),
		// Relative, for clients whose clock differs from the server's.
		"expiresIn": c.ExpiresAt.Sub(ti.now()).Milliseconds(),
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
