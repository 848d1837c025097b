package socketio_test

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/siogo/siogo/socketio"
)

// The adapter's room events, in Node's order: the socket's own room at
// connection, joins, leaves, and every room left at disconnection.
func TestRoomEvents(t *testing.T) {
	var mu sync.Mutex
	var log []string
	record := func(s string) {
		mu.Lock()
		log = append(log, s)
		mu.Unlock()
	}
	gone := make(chan struct{}, 2)
	srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
		nsp := io.Of("/")
		nsp.OnCreateRoom(func(room string) { record("create " + room) })
		nsp.OnDeleteRoom(func(room string) { record("delete " + room) })
		nsp.OnJoinRoom(func(room, id string) { record("join " + room + " " + id) })
		nsp.OnLeaveRoom(func(room, id string) {
			record("leave " + room + " " + id)
			if room == id {
				gone <- struct{}{}
			}
		})
		// A listener may change rooms itself: no deadlock, and its events
		// follow.
		nsp.OnJoinRoom(func(room, id string) {
			if room == "lobby" {
				nsp.Socket(id).Join("lobby-seen")
			}
		})
		io.OnConnection(func(s *socketio.Socket) {
			s.On("join", func(room string, ack socketio.AckFunc) { s.Join(room); ack() })
			s.On("leave", func(room string, ack socketio.AckFunc) { s.Leave(room); ack() })
		})
	})
	a, ra := srv.connect("websocket", "/", "")
	b, rb := srv.connect("websocket", "/", "")
	send(t, a, `20["join","lobby"]`)
	expect(t, a, `30[]`)
	send(t, b, `21["join","lobby"]`)
	expect(t, b, `31[]`)
	send(t, a, `22["join","lobby"]`) // already in: no event
	expect(t, a, `32[]`)
	send(t, a, `23["leave","lobby"]`)
	expect(t, a, `33[]`)
	a.Close()
	recv(t, gone)
	b.Close()
	recv(t, gone)

	want := []string{
		"create " + ra.SID, "join " + ra.SID + " " + ra.SID,
		"create " + rb.SID, "join " + rb.SID + " " + rb.SID,
		"create lobby", "join lobby " + ra.SID, "create lobby-seen", "join lobby-seen " + ra.SID,
		"join lobby " + rb.SID, "join lobby-seen " + rb.SID,
		"leave lobby " + ra.SID,
	}
	// At disconnection a socket leaves its rooms in the order it joined
	// them, its own first, as Node's Set of rooms; a room left empty is
	// deleted.
	want = append(want,
		"leave "+ra.SID+" "+ra.SID, "delete "+ra.SID, "leave lobby-seen "+ra.SID,
		"leave "+rb.SID+" "+rb.SID, "delete "+rb.SID, "leave lobby "+rb.SID, "delete lobby",
		"leave lobby-seen "+rb.SID, "delete lobby-seen",
	)
	mu.Lock()
	got := slices.Clone(log)
	mu.Unlock()
	if !slices.Equal(got, want) {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
