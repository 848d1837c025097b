// Package roomauth decides which rooms a socket may join.
//
// Socket.IO has no notion of permission: a server that joins whatever room
// a client names (s.On("join", func(room string) { s.Join(room) })) lets
// anyone read any room. Worse, every socket is in a private room named
// after its id, which is how s.To(id).Emit sends a direct message; a client
// that joins another socket's id receives that socket's direct messages.
//
// A Policy lists, per socket, the rooms it may join, as names or path.Match
// patterns, usually from what a connection middleware learned about the
// user (Socket.Data, Socket.Context). Check tells whether a room is
// allowed; Join joins it only if it is:
//
//	policy := roomauth.Policy{Allowed: func(s *socketio.Socket) []string {
//		u := s.Data().(*User)
//		return []string{"lobby", "team-" + u.Team, "user-" + u.ID}
//	}}
//	s.On("join", func(room string, ack socketio.AckFunc) {
//		if err := policy.Join(s, room); err != nil {
//			ack(map[string]any{"ok": false, "error": "forbidden"})
//			return
//		}
//		ack(map[string]any{"ok": true})
//	})
//
// Whatever the policy says, Check refuses the empty name and the private
// rooms of sockets: any name shaped like a socket id (20 characters of the
// URL-safe base64 alphabet, the shape of every id, Node's included) and the
// id of any socket connected to the namespace. The shape rule also covers
// the sockets of other servers of a cluster, and the sockets that lost
// their connection and may come back with the same id (connection state
// recovery), which no lookup would find. Application rooms of exactly 20
// such characters are therefore never allowed: give them a prefix with
// another character ("team:…", "room.…").
//
// A policy only guards the joins that go through it: it does not stop the
// server's own code from calling Socket.Join, nor a client from emitting to
// a room it is not in if a handler relays to rooms by name.
package roomauth
