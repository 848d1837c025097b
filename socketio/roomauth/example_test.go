package roomauth_test

import (
	"strings"

	"github.com/siogo/siogo/socketio"
	"github.com/siogo/siogo/socketio/roomauth"
)

// A "join" event that clients use to enter rooms, guarded by a policy. A
// refused client gets the ack {"ok":false,"error":"forbidden"} and stays
// out of the room.
func ExamplePolicy_Join() {
	type user struct {
		ID    string
		Teams []string
		Admin bool
	}
	policy := roomauth.Policy{Allowed: func(s *socketio.Socket) []string {
		u, ok := s.Data().(*user)
		if !ok {
			return nil // not authenticated: no rooms at all
		}
		if u.Admin {
			return []string{"lobby", "team-*", "user-*"}
		}
		rooms := []string{"lobby", "user-" + u.ID}
		for _, team := range u.Teams {
			rooms = append(rooms, "team-"+team)
		}
		return rooms
	}}

	type reply struct {
		OK    bool   `json:"ok"`
		Error string `json:"error,omitempty"`
	}
	io := socketio.NewServer(socketio.Options{})
	defer io.Close()
	io.Use(func(s *socketio.Socket) error {
		var auth struct{ Token string }
		s.Handshake().DecodeAuth(&auth)
		// A real server verifies the token; here it is "id:team,team".
		id, teams, _ := strings.Cut(auth.Token, ":")
		s.SetData(&user{ID: id, Teams: strings.Split(teams, ",")})
		return nil
	})
	io.OnConnection(func(s *socketio.Socket) {
		s.On("join", func(room string, ack socketio.AckFunc) {
			if err := policy.Join(s, room); err != nil {
				// The error says why, for the logs; the client only
				// learns that it may not.
				ack(reply{Error: "forbidden"})
				return
			}
			ack(reply{OK: true})
		})
	})
}
