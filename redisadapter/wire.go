package redisadapter

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/siogo/siogo/internal/binjson"
	"github.com/siogo/siogo/internal/jsjson"
	"github.com/siogo/siogo/socketio"
)

// Request types of the classic protocol (RequestType in Node's adapter).
const (
	typeSockets              = 0
	typeAllRooms             = 1
	typeRemoteJoin           = 2
	typeRemoteLeave          = 3
	typeRemoteDisconnect     = 4
	typeRemoteFetch          = 5
	typeServerSideEmit       = 6
	typeBroadcast            = 7
	typeBroadcastClientCount = 8
	typeBroadcastAck         = 9
)

// Outgoing JSON messages. Field order is Node's key order, so the text is
// what JSON.stringify gives for the same request.

type wireOpts struct {
	Rooms  []string `json:"rooms"`
	Except []string `json:"except"`
}

func optsOf(o *socketio.BroadcastOptions) wireOpts {
	w := wireOpts{Rooms: o.Rooms, Except: o.Except}
	if w.Rooms == nil {
		w.Rooms = []string{} // Node reads a missing array as "everyone"
	}
	if w.Except == nil {
		w.Except = []string{}
	}
	return w
}

type allRoomsRequest struct {
	UID       string `json:"uid"`
	RequestID string `json:"requestId"`
	Type      int    `json:"type"`
}

type fetchRequest struct {
	UID       string   `json:"uid"`
	RequestID string   `json:"requestId"`
	Type      int      `json:"type"`
	Opts      wireOpts `json:"opts"`
}

type joinRequest struct {
	UID   string   `json:"uid"`
	Type  int      `json:"type"`
	Opts  wireOpts `json:"opts"`
	Rooms []string `json:"rooms"`
}

type disconnectRequest struct {
	UID   string   `json:"uid"`
	Type  int      `json:"type"`
	Opts  wireOpts `json:"opts"`
	Close bool     `json:"close"`
}

type sseRequest struct {
	UID       string          `json:"uid"`
	RequestID string          `json:"requestId,omitempty"`
	Type      int             `json:"type"`
	Data      json.RawMessage `json:"data"`
}

type roomsResponse struct {
	RequestID string   `json:"requestId"`
	Rooms     []string `json:"rooms"`
}

type socketIDsResponse struct {
	RequestID string   `json:"requestId"`
	Sockets   []string `json:"sockets"`
}

type fetchResponse struct {
	RequestID string         `json:"requestId"`
	Sockets   []socketDetail `json:"sockets"`
}

type socketDetail struct {
	ID        string              `json:"id"`
	Handshake *socketio.Handshake `json:"handshake"`
	Rooms     []string            `json:"rooms"`
	Data      any                 `json:"data"`
}

type legacyResponse struct {
	RequestID string `json:"requestId"`
}

type sseResponse struct {
	Type      int             `json:"type"`
	RequestID string          `json:"requestId"`
	Data      json.RawMessage `json:"data,omitempty"` // omitted: undefined
}

type clientCountResponse struct {
	Type        int    `json:"type"`
	RequestID   string `json:"requestId"`
	ClientCount int    `json:"clientCount"`
}

// Incoming messages: one shape for every request and one for every
// response, tolerant of what Node, older adapters and emitters send.

type inRequest struct {
	UID       *string           `json:"uid"` // absent from emitters' join, leave, disconnect
	RequestID string            `json:"requestId"`
	Type      *int              `json:"type"`
	Opts      *inOpts           `json:"opts"`
	Rooms     []json.RawMessage `json:"rooms"`
	SID       string            `json:"sid"`  // legacy 7.x join, leave, disconnect
	Room      json.RawMessage   `json:"room"` // legacy 7.x join, leave
	Close     bool              `json:"close"`
	Data      json.RawMessage   `json:"data"`
	Packet    *inPacket         `json:"packet"`
}

type inOpts struct {
	Rooms  []json.RawMessage `json:"rooms"`
	Except []json.RawMessage `json:"except"`
	Flags  *inFlags          `json:"flags"`
}

type inFlags struct {
	Volatile any `json:"volatile"`
	Compress any `json:"compress"`
}

// inPacket has no type: the receiver delivers an event whatever it says,
// as Node does, and a field would refuse a packet whose type is no number.
type inPacket struct {
	Data json.RawMessage `json:"data"`
	Nsp  *string         `json:"nsp"`
}

type inResponse struct {
	RequestID   string          `json:"requestId"`
	Type        int             `json:"type"`
	Sockets     json.RawMessage `json:"sockets"`
	Rooms       json.RawMessage `json:"rooms"`
	Data        json.RawMessage `json:"data"`
	ClientCount int             `json:"clientCount"`
	Packet      json.RawMessage `json:"packet"`
}

type inSocket struct {
	ID        string              `json:"id"`
	Handshake *socketio.Handshake `json:"handshake"`
	Rooms     []json.RawMessage   `json:"rooms"`
	Data      json.RawMessage     `json:"data"`
}

// broadcastOptions turns received options into local ones: rooms and
// except as strings, and the flags the receiver honours.
func (o *inOpts) broadcastOptions() *socketio.BroadcastOptions {
	out := &socketio.BroadcastOptions{}
	if o == nil {
		return out
	}
	out.Rooms = roomList(o.Rooms)
	out.Except = roomList(o.Except)
	if f := o.Flags; f != nil {
		out.Flags.Volatile = f.Volatile == true
		out.Flags.NoCompress = f.Compress == false
	}
	return out
}

// roomList converts rooms as sent, strings or (from Node's join(123))
// numbers, to room names; numbers take their JavaScript string form, which
// JSON already gives.
func roomList(raw []json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	out := make([]string, 0, len(raw))
	for _, r := range raw {
		if s, ok := roomName(r); ok {
			out = append(out, s)
		}
	}
	return out
}

func roomName(r json.RawMessage) (string, bool) {
	r = bytes.TrimSpace(r)
	if len(r) == 0 {
		return "", false
	}
	switch c := r[0]; {
	case c == '"':
		var s string
		err := json.Unmarshal(r, &s)
		return s, err == nil
	case c == '-' || '0' <= c && c <= '9':
		return string(r), true
	}
	return "", false
}

// marshal is JSON.stringify for the adapter's messages.
func marshal(v any) []byte {
	b, err := jsjson.Marshal(v)
	if err != nil {
		panic("redisadapter: marshal: " + err.Error()) // only our own types
	}
	return b
}

// appendString appends s as a JSON string.
func appendString(dst []byte, s string) []byte {
	b, _ := jsjson.Marshal(s)
	return append(dst, b...)
}

// encodeBroadcastAck returns the msgpack BROADCAST_ACK response carrying a
// client's first ack argument (none: the key is left out, as undefined).
func encodeBroadcastAck(requestID string, args *socketio.Args) ([]byte, error) {
	js := make([]byte, 0, 64)
	js = append(js, `{"type":9,"requestId":`...)
	js = appendString(js, requestID)
	var atts [][]byte
	if args != nil && args.Len() > 0 {
		r := args.Raw(0)
		js = append(js, `,"packet":`...)
		js = append(js, r.JSON...)
		atts = r.Attachments
	}
	js = append(js, '}')
	return toMsgpack(nil, js, atts)
}

// jsonValue encodes v for a JSON message. Node's JSON.stringify turns a
// Buffer into {"type":"Buffer","data":[bytes]}: binary values get that
// shape here too.
func jsonValue(v any) (json.RawMessage, error) {
	var atts [][]byte
	js, err := binjson.AppendValue(nil, &atts, v)
	if err != nil {
		return nil, err
	}
	return bufferShapes(js, atts), nil
}

// jsonArray is jsonValue for [vals...].
func jsonArray(vals ...any) (json.RawMessage, error) {
	var atts [][]byte
	js, err := binjson.AppendArray(nil, &atts, vals...)
	if err != nil {
		return nil, err
	}
	return bufferShapes(js, atts), nil
}

// bufferShapes replaces the placeholders binjson wrote (always in the form
// {"_placeholder":true,"num":N}) with Node's Buffer JSON.
func bufferShapes(js []byte, atts [][]byte) []byte {
	if len(atts) == 0 {
		return js
	}
	out := make([]byte, 0, len(js)+8*len(atts))
	for i, a := range atts {
		ph := strconv.AppendInt([]byte(`{"_placeholder":true,"num":`), int64(i), 10)
		ph = append(ph, '}')
		j := bytes.Index(js, ph)
		if j < 0 {
			continue
		}
		out = append(out, js[:j]...)
		out = append(out, `{"type":"Buffer","data":[`...)
		for k, b := range a {
			if k > 0 {
				out = append(out, ',')
			}
			out = strconv.AppendUint(out, uint64(b), 10)
		}
		out = append(out, "]}"...)
		js = js[j+len(ph):]
	}
	return append(out, js...)
}
