package roomauth_test

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"testing"

	"github.com/siogo/siogo/socketio"
	"github.com/siogo/siogo/socketio/roomauth"
)

// patterns is a policy whose allowed rooms are the socket's data, set from
// the "rooms" of its auth payload.
var patterns = roomauth.Policy{Allowed: func(s *socketio.Socket) []string {
	rooms, _ := s.Data().([]string)
	return rooms
}}

// authServer starts a server whose sockets take their allowed rooms from
// their auth, and join rooms with the "join" event through patterns.
// Connected sockets go to socks.
func authServer(t *testing.T, socks chan<- *socketio.Socket) *testServer {
	return startServer(t, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			var auth struct{ Rooms []string }
			s.Handshake().DecodeAuth(&auth)
			s.SetData(auth.Rooms)
			s.On("join", func(room string, ack socketio.AckFunc) {
				if err := patterns.Join(s, room); err != nil {
					ack(joinReply{Error: "forbidden"})
					return
				}
				ack(joinReply{OK: true})
			})
			if socks != nil {
				socks <- s
			}
		})
	})
}

type joinReply struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

const (
	joined    = `[{"ok":true}]`
	forbidden = `[{"ok":false,"error":"forbidden"}]`
)

func TestCheck(t *testing.T) {
	socks := make(chan *socketio.Socket, 2)
	srv := authServer(t, socks)
	// One at a time: the CONNECT reply goes out before the connection
	// handlers run, so two connects in a row may reach socks in any order.
	srv.connect(`{"rooms":["lobby","team-*","a/*/c","*"]}`)
	anything := recv(t, socks)
	srv.connect(`{"rooms":["lobby","team-*","a/*/c"]}`)
	s := recv(t, socks)

	for _, tt := range []struct {
		s    *socketio.Socket
		room string
		ok   bool
	}{
		{s, "lobby", true},
		{s, "team-red", true},
		{s, "team-", true},
		{s, "a/b/c", true},
		{s, "lobbyist", false},
		{s, "team", false},
		{s, "team-red/x", false}, // "*" stops at "/"
		{s, "a/b/x/c", false},
		{s, "", false},
		{anything, "whatever", true},
		{anything, "lobby:0123456789abcde", true},
		// Private rooms, even when "*" allows everything else.
		{anything, "", false},
		{anything, s.ID(), false},
		{anything, anything.ID(), false},
		{anything, "abcdefghij-_ABCDEF09", false}, // shaped like an id: maybe a socket elsewhere
		{anything, "abcdefghij-_ABCDEF0", true},   // 19 characters
		{anything, "abcdefghij.-ABCDEF09", true},  // "." is not in ids
	} {
		err := patterns.Check(tt.s, tt.room)
		if tt.ok && err != nil || !tt.ok && !errors.Is(err, roomauth.ErrForbidden) {
			t.Errorf("Check(%v, %q) = %v, want allowed %v", tt.s.Data(), tt.room, err, tt.ok)
		}
	}

	// Nothing is allowed without a func, or when it allows nothing.
	for _, p := range []roomauth.Policy{{}, {Allowed: func(*socketio.Socket) []string { return nil }}} {
		if err := p.Check(s, "lobby"); !errors.Is(err, roomauth.ErrForbidden) {
			t.Errorf("Check with %v: %v", p, err)
		}
	}

	// A malformed pattern matches nothing, and says so when it matters.
	bad := roomauth.Policy{Allowed: func(*socketio.Socket) []string { return []string{"team-[", "lobby"} }}
	if err := bad.Check(s, "lobby"); err != nil {
		t.Errorf("a valid pattern next to a malformed one: %v", err)
	}
	err := bad.Check(s, "team-x")
	if !errors.Is(err, roomauth.ErrForbidden) || !errors.Is(err, path.ErrBadPattern) {
		t.Errorf("malformed pattern: %v, want ErrForbidden and path.ErrBadPattern", err)
	}
}

func TestJoin(t *testing.T) {
	socks := make(chan *socketio.Socket, 1)
	srv := authServer(t, socks)
	srv.connect(`{"rooms":["team-*"]}`)
	s := recv(t, socks)

	before := sorted(s.Rooms())
	for _, room := range []string{"lobby", "", s.ID()} {
		if err := patterns.Join(s, room); !errors.Is(err, roomauth.ErrForbidden) {
			t.Errorf("Join(%q) = %v", room, err)
		}
		if got := sorted(s.Rooms()); !slices.Equal(got, before) {
			t.Errorf("rooms after refused Join(%q): %v, want %v", room, got, before)
		}
	}
	if err := patterns.Join(s, "team-red"); err != nil {
		t.Fatal(err)
	}
	if got, want := sorted(s.Rooms()), sorted([]string{s.ID(), "team-red"}); !slices.Equal(got, want) {
		t.Errorf("rooms %v, want %v", got, want)
	}
}

func sorted(rooms []string) []string {
	rooms = slices.Clone(rooms)
	slices.Sort(rooms)
	return rooms
}

// A client refused a room does not get what is broadcast to it.
func TestRefusedDoesNotReceive(t *testing.T) {
	srv := authServer(t, nil)
	member, _ := srv.connect(`{"rooms":["team-*"]}`)
	outsider, _ := srv.connect(`{"rooms":["lobby"]}`)

	send(t, member, `21["join","team-a"]`)
	expect(t, member, `31`+joined)
	send(t, outsider, `21["join","team-a"]`)
	expect(t, outsider, `31`+forbidden)

	srv.io.To("team-a").Emit("msg", "team secret")
	srv.io.Emit("marker") // to every socket, after the broadcast
	expect(t, member, `2["msg","team secret"]`)
	expect(t, member, `2["marker"]`)
	expect(t, outsider, `2["marker"]`)
}

// Joining another socket's id would make its direct messages one's own.
func TestOtherSocketsIDRefused(t *testing.T) {
	srv := authServer(t, nil)
	victim, v := srv.connect(``)
	spy, _ := srv.connect(`{"rooms":["*"]}`)

	send(t, spy, fmt.Sprintf(`21["join",%q]`, v.SID))
	expect(t, spy, `31`+forbidden)

	srv.io.To(v.SID).Emit("dm", "for your eyes only")
	srv.io.Emit("marker")
	expect(t, victim, `2["dm","for your eyes only"]`)
	expect(t, victim, `2["marker"]`)
	expect(t, spy, `2["marker"]`)
}
