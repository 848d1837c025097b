package redisadapter

import (
	"context"
	"encoding/json"
	"strings"
	"sync"

	"github.com/siogo/siogo/internal/binjson"
	"github.com/siogo/siogo/socketio"
)

// This file handles what the subscriber receives, in its goroutine. Nothing
// here blocks on the network: answers go through the publish queue and
// server-side event handlers through the adapter's serial queue.
// Malformed messages are dropped, as Node drops them.

func (a *Adapter) isClosed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closed
}

// onBroadcast delivers a broadcast published by another server (or an
// emitter) on channel P#N# or P#N#room#.
func (a *Adapter) onBroadcast(channel, payload string) {
	if !strings.HasPrefix(channel, a.ch.broadcast) || a.isClosed() {
		return
	}
	// The room of a room channel: drop the message before decoding it when
	// no local socket is in that room.
	if rest := channel[len(a.ch.broadcast):]; rest != "" {
		if room := rest[:len(rest)-1]; room != "" && !a.local.HasRoom(room) {
			return
		}
	}
	m, err := decodeBroadcast([]byte(payload))
	if err != nil || m.uid == a.uid || !isEventData(m.data) {
		return
	}
	if nsp := m.nsp; nsp != nil && *nsp != a.nsp.Name() || nsp == nil && a.nsp.Name() != "/" {
		return
	}
	p := &socketio.Packet{Type: socketio.PacketEvent, Namespace: a.nsp.Name(), Data: m.data, Attachments: m.atts}
	a.local.Broadcast(p, m.opts)
}

// isEventData tells whether data can be an event's: a JSON array.
func isEventData(data json.RawMessage) bool {
	return len(data) > 1 && data[0] == '['
}

// onRequest handles a message of the request channel.
func (a *Adapter) onRequest(payload []byte) {
	if a.isClosed() {
		return
	}
	js, atts, err := decodeMessage(payload)
	if err != nil {
		return
	}
	var req inRequest
	if json.Unmarshal(js, &req) != nil || req.Type == nil {
		return
	}
	uid := ""
	if req.UID != nil {
		uid = *req.UID
	}
	switch *req.Type {
	case typeSockets:
		if a.ownRequest(req.RequestID) {
			return
		}
		a.respond(uid, socketIDsResponse{RequestID: req.RequestID, Sockets: nonNil(a.local.Sockets(roomList(req.Rooms)))})

	case typeAllRooms:
		if a.ownRequest(req.RequestID) {
			return
		}
		a.respond(uid, roomsResponse{RequestID: req.RequestID, Rooms: nonNil(a.local.Rooms())})

	case typeRemoteJoin, typeRemoteLeave:
		if req.Opts == nil {
			a.legacyRoomChange(&req, uid)
			return
		}
		if uid == a.uid {
			return // applied when sent
		}
		opts := req.Opts.broadcastOptions()
		opts.Flags = socketio.BroadcastFlags{}
		if *req.Type == typeRemoteJoin {
			a.local.AddSockets(opts, roomList(req.Rooms))
		} else {
			a.local.DelSockets(opts, roomList(req.Rooms))
		}

	case typeRemoteDisconnect:
		if req.Opts == nil {
			if s := a.nsp.Socket(req.SID); s != nil {
				s.Disconnect(req.Close)
				a.respond(uid, legacyResponse{RequestID: req.RequestID})
			}
			return
		}
		if uid == a.uid {
			return
		}
		opts := req.Opts.broadcastOptions()
		opts.Flags = socketio.BroadcastFlags{}
		a.local.DisconnectSockets(opts, req.Close)

	case typeRemoteFetch:
		if a.ownRequest(req.RequestID) {
			return
		}
		opts := req.Opts.broadcastOptions()
		opts.Flags = socketio.BroadcastFlags{}
		a.respond(uid, fetchResponse{RequestID: req.RequestID, Sockets: a.localDetails(opts)})

	case typeServerSideEmit:
		if uid == a.uid {
			return
		}
		a.onServerSideEmit(&req)

	case typeBroadcast:
		if req.RequestID == "" || req.Packet == nil || req.Opts == nil || !isEventData(req.Packet.Data) {
			return
		}
		a.mu.Lock()
		_, own := a.acks[req.RequestID]
		a.mu.Unlock()
		if own {
			return
		}
		a.onBroadcastWithAck(&req, uid, atts)
	}
}

// ownRequest tells whether id is a request of this adapter, which hears
// its own requests on the channel.
func (a *Adapter) ownRequest(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.requests[id]
	return ok
}

// respond publishes a JSON response to the request of uid.
func (a *Adapter) respond(uid string, v any) {
	a.node.pub.publish(a.ch.responseTo(uid, a.node.opts.PublishOnSpecificResponseChannel), marshal(v))
}

// legacyRoomChange applies a 7.x REMOTE_JOIN or REMOTE_LEAVE, addressed to
// one socket by id, and answers if the socket is here.
func (a *Adapter) legacyRoomChange(req *inRequest, uid string) {
	s := a.nsp.Socket(req.SID)
	room, ok := roomName(req.Room)
	if s == nil || !ok {
		return
	}
	if *req.Type == typeRemoteJoin {
		s.Join(room)
	} else {
		s.Leave(room)
	}
	a.respond(uid, legacyResponse{RequestID: req.RequestID})
}

// localDetails describes the selected local sockets for a fetchSockets
// response.
func (a *Adapter) localDetails(opts *socketio.BroadcastOptions) []socketDetail {
	sockets, _ := a.local.FetchSockets(context.Background(), opts)
	out := make([]socketDetail, 0, len(sockets))
	for _, s := range sockets {
		data := s.Data
		if data == nil {
			data = struct{}{} // Node's socket.data starts as {}
		}
		out = append(out, socketDetail{ID: s.ID, Handshake: s.Handshake, Rooms: nonNil(s.Rooms), Data: data})
	}
	return out
}

// onServerSideEmit runs the namespace's handlers of a server-side event,
// with an ack that answers the requester when it asked for one.
func (a *Adapter) onServerSideEmit(req *inRequest) {
	elems, err := binjson.SplitArray(nil, req.Data)
	if err != nil || len(elems) == 0 {
		return
	}
	var event string
	if json.Unmarshal(elems[0], &event) != nil {
		return
	}
	args := socketio.NewArgs(elems[1:], nil)
	var ack socketio.AckFunc
	if id := req.RequestID; id != "" {
		var once sync.Once
		ack = func(vals ...any) error {
			var err error
			once.Do(func() {
				var data json.RawMessage
				if len(vals) > 0 {
					if data, err = jsonValue(vals[0]); err != nil {
						return
					}
				}
				// Always the shared channel, whatever the option says, as Node.
				a.node.pub.publish(a.ch.response, marshal(sseResponse{Type: typeServerSideEmit, RequestID: id, Data: data}))
			})
			return err
		}
	}
	a.sse.push(func() { a.nsp.HandleServerSideEmit(event, args, ack) })
}

// onBroadcastWithAck delivers another server's broadcast with acks to the
// local sockets and answers with the client count (even 0) and each ack.
func (a *Adapter) onBroadcastWithAck(req *inRequest, uid string, atts [][]byte) {
	id := req.RequestID
	opts := req.Opts.broadcastOptions()
	opts.Flags = socketio.BroadcastFlags{} // Node ignores them here
	p := &socketio.Packet{Type: socketio.PacketEvent, Namespace: a.nsp.Name(), Data: req.Packet.Data, Attachments: atts}
	channel := a.ch.responseTo(uid, a.node.opts.PublishOnSpecificResponseChannel)
	a.local.BroadcastWithAck(p, opts,
		func(n int) {
			a.node.pub.publish(channel, marshal(clientCountResponse{Type: typeBroadcastClientCount, RequestID: id, ClientCount: n}))
		},
		func(args *socketio.Args) {
			msg, err := encodeBroadcastAck(id, args)
			if err != nil {
				a.node.log.Warn("redisadapter: encoding ack", "error", err)
				a.node.reportError(OpEncode, err)
				return
			}
			a.node.pub.publish(channel, msg)
		})
}

// onResponse handles a message of the response channels.
func (a *Adapter) onResponse(payload []byte) {
	js, atts, err := decodeMessage(payload)
	if err != nil {
		return
	}
	var res inResponse
	if json.Unmarshal(js, &res) != nil || res.RequestID == "" {
		return
	}
	a.mu.Lock()
	if ar := a.acks[res.RequestID]; ar != nil {
		a.mu.Unlock()
		switch res.Type {
		case typeBroadcastClientCount:
			ar.clientCount(res.ClientCount)
		case typeBroadcastAck:
			var raw []json.RawMessage
			if len(res.Packet) > 0 {
				raw = []json.RawMessage{res.Packet}
			}
			ar.ack(socketio.NewArgs(raw, atts))
		}
		return
	}
	defer a.mu.Unlock()
	r := a.requests[res.RequestID]
	if r == nil || r.finished {
		return
	}
	switch r.typ {
	case typeRemoteFetch:
		r.sockets = append(r.sockets, a.remoteSockets(res.Sockets)...)
	case typeAllRooms:
		var rooms []json.RawMessage
		if json.Unmarshal(res.Rooms, &rooms) == nil {
			for _, room := range roomList(rooms) {
				r.rooms[room] = struct{}{}
			}
		}
	case typeServerSideEmit:
		var raw []json.RawMessage
		if len(res.Data) > 0 {
			raw = []json.RawMessage{res.Data}
		}
		r.answers = append(r.answers, socketio.NewArgs(raw, nil))
	default:
		return
	}
	r.receive()
}
