package redisadapter

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"

	"github.com/siogo/siogo/internal/binjson"
	"github.com/siogo/siogo/socketio"
)

// The ClusterAdapter envelope is {type, data, uid, nsp}, in that key order
// (uid and nsp are added last by publish). It is JSON unless the type may
// carry binary (3, 8, 9, 10, 12) and does: then the whole envelope is
// notepack msgpack, binary values as bin. Receivers sniff for '{'.

func mayContainBinary(typ int) bool {
	switch typ {
	case ctBroadcast, ctBroadcastAck, ctFetchSocketsResponse, ctServerSideEmit, ctServerSideEmitResponse:
		return true
	}
	return false
}

// encode returns the envelope of a message with data (JSON whose binary
// placeholders index atts).
func (a *ShardedAdapter) encode(typ int, data []byte, atts [][]byte) ([]byte, error) {
	js := make([]byte, 0, len(data)+64)
	js = append(js, `{"type":`...)
	js = strconv.AppendInt(js, int64(typ), 10)
	if data != nil {
		js = append(js, `,"data":`...)
		js = append(js, data...)
	}
	js = append(js, `,"uid":`...)
	js = appendString(js, a.uid)
	js = append(js, `,"nsp":`...)
	js = appendString(js, a.nsp.Name())
	js = append(js, '}')
	if len(atts) > 0 && mayContainBinary(typ) {
		return toMsgpack(nil, js, atts)
	}
	return js, nil
}

// publish sends a message without binary on the main channel.
func (a *ShardedAdapter) publish(typ int, data []byte) {
	msg, err := a.encode(typ, data, nil)
	if err != nil {
		a.node.log.Error("redisadapter: encoding message", "type", typ, "error", err)
		a.node.reportError(OpEncode, err)
		return
	}
	a.node.pub.publish(a.main, msg)
}

// respond sends a response to the requester's channel P#N#<uid>#.
func (a *ShardedAdapter) respond(requester string, typ int, data []byte, atts [][]byte) {
	msg, err := a.encode(typ, data, atts)
	if err != nil {
		a.node.log.Warn("redisadapter: encoding response", "type", typ, "error", err)
		a.node.reportError(OpEncode, err)
		return
	}
	a.node.pub.publish(a.main+requester+"#", msg)
}

// shardedFlags are the broadcast flags as Node's BroadcastOperator sets
// them: only those that are on.
type shardedFlags struct {
	Volatile bool  `json:"volatile,omitempty"`
	Compress *bool `json:"compress,omitempty"`
	Timeout  int64 `json:"timeout,omitempty"`
}

type shardedOpts struct {
	Rooms  []string     `json:"rooms"`
	Except []string     `json:"except"`
	Flags  shardedFlags `json:"flags"`
}

// optsJSON is encodeOptions: {rooms, except, flags}.
func optsJSON(o *socketio.BroadcastOptions, withTimeout bool) []byte {
	w := shardedOpts{Rooms: nonNil(o.Rooms), Except: nonNil(o.Except)}
	w.Flags.Volatile = o.Flags.Volatile
	if o.Flags.NoCompress {
		f := false
		w.Flags.Compress = &f
	}
	if withTimeout && o.Flags.Timeout > 0 {
		w.Flags.Timeout = o.Flags.Timeout.Milliseconds()
	}
	return marshal(w)
}

// broadcastData is BROADCAST's data: {packet:{type:2, data}, opts}, with
// requestId between them for a broadcast with acks. The packet has no nsp
// and no id, as Node publishes it.
func broadcastData(p *socketio.Packet, requestID string, o *socketio.BroadcastOptions, withAck bool) []byte {
	b := make([]byte, 0, len(p.Data)+96)
	b = append(b, `{"packet":{"type":2,"data":`...)
	b = append(b, p.Data...)
	b = append(b, '}')
	if requestID != "" {
		b = append(b, `,"requestId":`...)
		b = appendString(b, requestID)
	}
	b = append(b, `,"opts":`...)
	b = append(b, optsJSON(o, withAck)...)
	return append(b, '}')
}

// roomsData is SOCKETS_JOIN's and SOCKETS_LEAVE's data: {opts, rooms}.
func roomsData(o *socketio.BroadcastOptions, rooms []string) []byte {
	b := append([]byte(`{"opts":`), optsJSON(o, false)...)
	b = append(b, `,"rooms":`...)
	b = append(b, marshal(nonNil(rooms))...)
	return append(b, '}')
}

// Incoming messages.

type shardedMessage struct {
	Type int          `json:"type"`
	Data *shardedData `json:"data"`
	UID  string       `json:"uid"`
	Nsp  *string      `json:"nsp"`
}

type shardedData struct {
	Packet      json.RawMessage   `json:"packet"`
	Opts        *inOpts           `json:"opts"`
	RequestID   *string           `json:"requestId"`
	Rooms       []json.RawMessage `json:"rooms"`
	Close       bool              `json:"close"`
	Sockets     json.RawMessage   `json:"sockets"`
	ClientCount int               `json:"clientCount"`
}

func decodeSharded(payload []byte) (*shardedMessage, [][]byte, bool) {
	js, atts, err := decodeMessage(payload)
	if err != nil {
		return nil, nil, false
	}
	var m shardedMessage
	if json.Unmarshal(js, &m) != nil || m.Data == nil && m.Type != 1 && m.Type != 2 && m.Type != 13 {
		return nil, nil, false
	}
	return &m, atts, true
}

// onMessage handles a message of the main or a room channel (Node's
// onMessage). Malformed messages are dropped, as Node drops them.
func (a *ShardedAdapter) onMessage(payload []byte) {
	if a.isClosed() {
		return
	}
	m, atts, ok := decodeSharded(payload)
	if !ok || m.UID == a.uid || m.Nsp == nil || *m.Nsp != a.nsp.Name() {
		return
	}
	d := m.Data
	switch m.Type {
	case ctBroadcast:
		var pk inPacket
		if d.Opts == nil || json.Unmarshal(d.Packet, &pk) != nil || !isEventData(pk.Data) {
			return
		}
		opts := d.Opts.broadcastOptions()
		p := &socketio.Packet{Type: socketio.PacketEvent, Namespace: a.nsp.Name(), Data: pk.Data, Attachments: atts}
		if d.RequestID != nil {
			a.onBroadcastWithAck(p, opts, m.UID, *d.RequestID)
			return
		}
		a.local.Broadcast(p, opts)

	case ctSocketsJoin, ctSocketsLeave:
		if d.Opts == nil {
			return
		}
		opts := d.Opts.broadcastOptions()
		opts.Flags = socketio.BroadcastFlags{}
		if m.Type == ctSocketsJoin {
			a.addSockets(opts, roomList(d.Rooms))
		} else {
			a.delSockets(opts, roomList(d.Rooms))
		}

	case ctDisconnectSockets:
		if d.Opts == nil {
			return
		}
		opts := d.Opts.broadcastOptions()
		opts.Flags = socketio.BroadcastFlags{}
		a.local.DisconnectSockets(opts, d.Close)

	case ctFetchSockets:
		if d.RequestID == nil {
			return
		}
		opts := d.Opts.broadcastOptions()
		opts.Flags = socketio.BroadcastFlags{}
		b := append([]byte(`{"requestId":`), appendString(nil, *d.RequestID)...)
		b = append(b, `,"sockets":`...)
		// Binary socket data makes the response msgpack, with bin values.
		details := a.localDetails(opts)
		var out [][]byte
		js, err := binjson.AppendValue(b, &out, details)
		if err != nil {
			a.node.log.Warn("redisadapter: encoding fetchSockets response", "error", err)
			a.node.reportError(OpEncode, err)
			out = nil
			js = append(b, marshal(details)...)
		}
		a.respond(m.UID, ctFetchSocketsResponse, append(js, '}'), out)

	case ctServerSideEmit:
		a.onServerSideEmit(d, m.UID, atts)

	case ctFetchSocketsResponse, ctServerSideEmitResponse, ctBroadcastClientCount, ctBroadcastAck:
		a.handleResponse(m, atts)
	}
}

// onResponse handles a message of the adapter's response channel. As
// Node's, it checks neither uid nor nsp.
func (a *ShardedAdapter) onResponse(payload []byte) {
	m, atts, ok := decodeSharded(payload)
	if !ok {
		return
	}
	a.handleResponse(m, atts)
}

func (a *ShardedAdapter) handleResponse(m *shardedMessage, atts [][]byte) {
	d := m.Data
	if d == nil || d.RequestID == nil {
		return
	}
	id := *d.RequestID
	a.mu.Lock()
	switch m.Type {
	case ctBroadcastClientCount, ctBroadcastAck:
		ar := a.acks[id]
		a.mu.Unlock()
		if ar == nil {
			return
		}
		if m.Type == ctBroadcastClientCount {
			ar.clientCount(d.ClientCount)
		} else {
			ar.ack(socketio.NewArgs(rawArg(d.Packet), atts))
		}
		return
	}
	defer a.mu.Unlock()
	r := a.requests[id]
	if r == nil || r.finished {
		return
	}
	switch {
	case m.Type == ctFetchSocketsResponse && r.typ == ctFetchSockets:
		r.sockets = append(r.sockets, decodeRemoteSockets(a.nsp, d.Sockets, atts)...)
	case m.Type == ctServerSideEmitResponse && r.typ == ctServerSideEmit:
		r.answers = append(r.answers, socketio.NewArgs(rawArg(d.Packet), atts))
	default:
		return
	}
	r.receive()
}

// rawArg is the single argument of an answer; none when it was undefined.
func rawArg(packet json.RawMessage) []json.RawMessage {
	if len(packet) == 0 {
		return nil
	}
	return []json.RawMessage{packet}
}

// onBroadcastWithAck delivers another server's broadcast with acks and
// answers the requester with the client count (even 0), then each ack.
func (a *ShardedAdapter) onBroadcastWithAck(p *socketio.Packet, opts *socketio.BroadcastOptions, requester, id string) {
	opts.Flags.Timeout = 0
	a.local.BroadcastWithAck(p, opts,
		func(n int) {
			b := append([]byte(`{"requestId":`), appendString(nil, id)...)
			b = append(b, `,"clientCount":`...)
			b = strconv.AppendInt(b, int64(n), 10)
			a.respond(requester, ctBroadcastClientCount, append(b, '}'), nil)
		},
		func(args *socketio.Args) {
			b := append([]byte(`{"requestId":`), appendString(nil, id)...)
			var atts [][]byte
			if args != nil && args.Len() > 0 {
				r := args.Raw(0)
				b = append(b, `,"packet":`...)
				b = append(b, r.JSON...)
				atts = r.Attachments
			}
			a.respond(requester, ctBroadcastAck, append(b, '}'), atts)
		})
}

// onServerSideEmit runs the namespace's handlers of a server-side event,
// with an ack that answers the requester when it asked for one.
func (a *ShardedAdapter) onServerSideEmit(d *shardedData, requester string, atts [][]byte) {
	elems, err := binjson.SplitArray(nil, d.Packet)
	if err != nil || len(elems) == 0 {
		return
	}
	var event string
	if json.Unmarshal(elems[0], &event) != nil {
		return
	}
	args := socketio.NewArgs(elems[1:], atts)
	var ack socketio.AckFunc
	if d.RequestID != nil {
		id := *d.RequestID
		var once sync.Once
		ack = func(vals ...any) error {
			var err error
			once.Do(func() {
				b := append([]byte(`{"requestId":`), appendString(nil, id)...)
				var out [][]byte
				if len(vals) > 0 {
					b = append(b, `,"packet":`...)
					if b, err = binjson.AppendValue(b, &out, vals[0]); err != nil {
						return
					}
				}
				a.respond(requester, ctServerSideEmitResponse, append(b, '}'), out)
			})
			return err
		}
	}
	a.sse.push(func() { a.nsp.HandleServerSideEmit(event, args, ack) })
}

// localDetails describes the selected local sockets for a
// FETCH_SOCKETS_RESPONSE.
func (a *ShardedAdapter) localDetails(opts *socketio.BroadcastOptions) []socketDetail {
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

// decodeRemoteSockets decodes the sockets of a fetchSockets response. Their
// Data is the json.RawMessage received, or a socketio.Raw when the response
// carried binary (msgpack bin values).
func decodeRemoteSockets(nsp *socketio.Namespace, raw json.RawMessage, atts [][]byte) []*socketio.RemoteSocket {
	var in []inSocket
	if json.Unmarshal(raw, &in) != nil {
		return nil
	}
	out := make([]*socketio.RemoteSocket, 0, len(in))
	for _, s := range in {
		var data any
		if len(s.Data) > 0 && string(s.Data) != "null" {
			data = s.Data
			if len(atts) > 0 {
				data = socketio.Raw{JSON: s.Data, Attachments: atts}
			}
		}
		out = append(out, socketio.NewRemoteSocket(nsp, s.ID, s.Handshake, roomList(s.Rooms), data))
	}
	return out
}
