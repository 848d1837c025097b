package socketio

import "context"

// RemoteSocket is a socket returned by FetchSockets: a snapshot of its id,
// handshake, rooms and data, with operations that reach it wherever it is
// in the cluster (they go through the adapter, addressed to its id room).
type RemoteSocket struct {
	ID        SocketID
	Handshake *Handshake
	Rooms     []Room
	Data      any

	nsp *Namespace
}

// NewRemoteSocket returns a RemoteSocket of nsp; adapters build them from
// what other servers report.
func NewRemoteSocket(nsp *Namespace, id SocketID, h *Handshake, rooms []Room, data any) *RemoteSocket {
	return &RemoteSocket{ID: id, Handshake: h, Rooms: rooms, Data: data, nsp: nsp}
}

// Emit sends an event to the socket.
func (r *RemoteSocket) Emit(event string, args ...any) error {
	return r.nsp.To(r.ID).Emit(event, args...)
}

// EmitWithAck sends an event and waits for the socket's ack.
func (r *RemoteSocket) EmitWithAck(ctx context.Context, event string, args ...any) (*Args, error) {
	acks, err := r.nsp.To(r.ID).EmitWithAck(ctx, event, args...)
	if err != nil {
		return nil, err
	}
	if len(acks) == 0 {
		return nil, ErrDisconnected
	}
	return acks[0], nil
}

// Join makes the socket join rooms.
func (r *RemoteSocket) Join(rooms ...Room) { r.nsp.To(r.ID).SocketsJoin(rooms...) }

// Leave makes the socket leave rooms.
func (r *RemoteSocket) Leave(rooms ...Room) { r.nsp.To(r.ID).SocketsLeave(rooms...) }

// Disconnect disconnects the socket; with close, its whole connection.
func (r *RemoteSocket) Disconnect(close bool) { r.nsp.To(r.ID).DisconnectSockets(close) }
