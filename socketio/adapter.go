package socketio

import (
	"context"
	"errors"
	"time"
)

// Room is the name of a room. Every socket is in the room named by its id.
type Room = string

// SocketID identifies a socket within its namespace.
type SocketID = string

// BroadcastFlags modify a broadcast.
type BroadcastFlags struct {
	Local      bool // this server only, not the cluster
	Volatile   bool // drop for clients that cannot take it now
	NoCompress bool
	Timeout    time.Duration // for broadcasts with acks
}

// BroadcastOptions select the recipients of a broadcast: the sockets in any
// of Rooms (all sockets when empty) and in none of Except.
type BroadcastOptions struct {
	Rooms  []Room
	Except []Room
	Flags  BroadcastFlags
}

// SessionToPersist is what connection state recovery keeps of a socket
// that lost its connection.
type SessionToPersist struct {
	SID   SocketID
	PID   string
	Rooms []Room
	Data  any
}

// Session is a restored session and the packets its socket missed.
type Session struct {
	SessionToPersist
	MissedPackets []*Packet
}

// ErrNotSupported is returned by adapters for operations they cannot do.
var ErrNotSupported = errors.New("socketio: not supported by this adapter")

// Adapter stores rooms and delivers broadcasts for one namespace. Its
// methods mirror Node's socket.io-adapter, so a cluster adapter can map each
// of them onto its wire protocol; the in-memory adapter is the local
// implementation the others build on.
type Adapter interface {
	// AddAll adds the socket to the rooms.
	AddAll(id SocketID, rooms []Room)
	// Del removes the socket from one room; DelAll from all of them.
	Del(id SocketID, room Room)
	DelAll(id SocketID)
	// SocketRooms returns the rooms of a local socket.
	SocketRooms(id SocketID) []Room
	// Sockets returns the local sockets in any of rooms (all when empty).
	Sockets(rooms []Room) []SocketID
	// Rooms returns every room that has a local socket.
	Rooms() []Room

	// Broadcast delivers an EVENT packet to the selected sockets.
	Broadcast(p *Packet, opts *BroadcastOptions)
	// BroadcastWithAck does the same with an ack id set on p: clientCount
	// is called once per server with how many sockets it reached, ack with
	// each socket's answer.
	BroadcastWithAck(p *Packet, opts *BroadcastOptions, clientCount func(int), ack func(*Args))
	// ServerCount returns the number of servers in the cluster.
	ServerCount(ctx context.Context) (int, error)

	// FetchSockets returns the selected sockets, local and remote.
	FetchSockets(ctx context.Context, opts *BroadcastOptions) ([]*RemoteSocket, error)
	// AddSockets makes the selected sockets join rooms; DelSockets leave.
	AddSockets(opts *BroadcastOptions, rooms []Room)
	DelSockets(opts *BroadcastOptions, rooms []Room)
	// DisconnectSockets disconnects the selected sockets.
	DisconnectSockets(opts *BroadcastOptions, close bool)
	// ServerSideEmit sends an event to the other servers of the cluster;
	// with ack set, it collects their answers until ctx ends.
	ServerSideEmit(ctx context.Context, event string, args []any, ack func(*Args)) error

	// PersistSession keeps a disconnected socket's session for recovery.
	PersistSession(s *SessionToPersist)
	// RestoreSession returns the session and the packets missed since
	// offset, or nil if it cannot be restored.
	RestoreSession(pid, offset string) (*Session, error)

	// Close releases the adapter's resources.
	Close() error
}

// AdapterFactory makes the adapter of a namespace.
type AdapterFactory func(nsp *Namespace) Adapter
