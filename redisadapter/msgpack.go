package redisadapter

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/siogo/siogo/internal/notepack"
	"github.com/siogo/siogo/socketio"
)

// Broadcasts are the hot path: they are written with notepack's
// primitives, only the packet data going through JSON conversion, and read
// by a small msgpack reader that converts only the packet data to JSON.
// Anything the reader does not expect sends the message down the generic
// path (whole message to JSON, then encoding/json), so both accept the
// same messages.

// appendPacketMsgpack appends {type:2, data, nsp}, Node's packet.
func appendPacketMsgpack(b []byte, p *socketio.Packet, nsp string) ([]byte, error) {
	b = notepack.AppendMapHeader(b, 3)
	b = notepack.AppendString(b, "type")
	b = notepack.AppendInt(b, int64(socketio.PacketEvent))
	b = notepack.AppendString(b, "data")
	b, err := notepack.AppendJSON(b, p.Data, p.Attachments)
	if err != nil {
		return nil, err
	}
	b = notepack.AppendString(b, "nsp")
	return notepack.AppendString(b, nsp), nil
}

// appendOptsMsgpack appends {rooms, except, flags}. Only the flags Node
// would carry are written: volatile, compress when off, and the ack
// timeout in ms when withTimeout.
func appendOptsMsgpack(b []byte, o *socketio.BroadcastOptions, withTimeout bool) []byte {
	b = notepack.AppendMapHeader(b, 3)
	b = notepack.AppendString(b, "rooms")
	b = appendStringsMsgpack(b, o.Rooms)
	b = notepack.AppendString(b, "except")
	b = appendStringsMsgpack(b, o.Except)
	b = notepack.AppendString(b, "flags")
	timeout := withTimeout && o.Flags.Timeout > 0
	n := 0
	for _, set := range []bool{o.Flags.Volatile, o.Flags.NoCompress, timeout} {
		if set {
			n++
		}
	}
	b = notepack.AppendMapHeader(b, n)
	if o.Flags.Volatile {
		b = notepack.AppendBool(notepack.AppendString(b, "volatile"), true)
	}
	if o.Flags.NoCompress {
		b = notepack.AppendBool(notepack.AppendString(b, "compress"), false)
	}
	if timeout {
		b = notepack.AppendInt(notepack.AppendString(b, "timeout"), o.Flags.Timeout.Milliseconds())
	}
	return b
}

func appendStringsMsgpack(b []byte, ss []string) []byte {
	b = notepack.AppendArrayHeader(b, len(ss))
	for _, s := range ss {
		b = notepack.AppendString(b, s)
	}
	return b
}

func encodedSize(p *socketio.Packet) int {
	n := 96 + len(p.Data)
	for _, a := range p.Attachments {
		n += len(a)
	}
	return n
}

// encodeBroadcast returns the msgpack [uid, packet, opts] of a broadcast.
func encodeBroadcast(uid, nsp string, p *socketio.Packet, o *socketio.BroadcastOptions) ([]byte, error) {
	b := make([]byte, 0, encodedSize(p))
	b = notepack.AppendArrayHeader(b, 3)
	b = notepack.AppendString(b, uid)
	b, err := appendPacketMsgpack(b, p, nsp)
	if err != nil {
		return nil, err
	}
	return appendOptsMsgpack(b, o, false), nil
}

// encodeBroadcastRequest returns the msgpack BROADCAST (with acks) request
// {uid, requestId, type:7, packet, opts}.
func encodeBroadcastRequest(uid, requestID, nsp string, p *socketio.Packet, o *socketio.BroadcastOptions) ([]byte, error) {
	b := make([]byte, 0, encodedSize(p)+32)
	b = notepack.AppendMapHeader(b, 5)
	b = notepack.AppendString(notepack.AppendString(b, "uid"), uid)
	b = notepack.AppendString(notepack.AppendString(b, "requestId"), requestID)
	b = notepack.AppendInt(notepack.AppendString(b, "type"), typeBroadcast)
	b = notepack.AppendString(b, "packet")
	b, err := appendPacketMsgpack(b, p, nsp)
	if err != nil {
		return nil, err
	}
	b = notepack.AppendString(b, "opts")
	return appendOptsMsgpack(b, o, true), nil
}

// broadcastMsg is a decoded broadcast.
type broadcastMsg struct {
	uid    string
	nsp    *string // nil when absent: "/"
	data   json.RawMessage
	atts   [][]byte
	opts   *socketio.BroadcastOptions
	opaque bool // the packet or its data is not an event's
}

var errUnexpected = errors.New("redisadapter: unexpected msgpack form")

// decodeBroadcast decodes [uid, packet, opts].
func decodeBroadcast(msg []byte) (*broadcastMsg, error) {
	if m, err := fastDecodeBroadcast(msg); err == nil {
		return m, nil
	}
	return slowDecodeBroadcast(msg)
}

// slowDecodeBroadcast converts the whole message to JSON first.
func slowDecodeBroadcast(msg []byte) (*broadcastMsg, error) {
	js, atts, err := fromMsgpack(msg)
	if err != nil {
		return nil, err
	}
	var parts [3]json.RawMessage
	if err := json.Unmarshal(js, &parts); err != nil {
		return nil, err
	}
	m := &broadcastMsg{atts: atts}
	json.Unmarshal(parts[0], &m.uid) // a uid that is not a string is no one's
	var pkt inPacket
	if err := json.Unmarshal(parts[1], &pkt); err != nil {
		return nil, err
	}
	m.nsp, m.data = pkt.Nsp, pkt.Data
	var opts *inOpts
	if len(parts[2]) > 0 {
		if err := json.Unmarshal(parts[2], &opts); err != nil {
			return nil, err
		}
	}
	m.opts = opts.broadcastOptions()
	return m, nil
}

// mpReader reads msgpack; any form it does not handle is errUnexpected.
type mpReader struct{ b []byte }

func (r *mpReader) header(fix, fixMask byte, c16, c32 byte) (int, error) {
	if len(r.b) == 0 {
		return 0, errUnexpected
	}
	c := r.b[0]
	switch {
	case c&^fixMask == fix:
		r.b = r.b[1:]
		return int(c & fixMask), nil
	case c == c16 && len(r.b) >= 3:
		n := int(binary.BigEndian.Uint16(r.b[1:]))
		r.b = r.b[3:]
		return n, nil
	case c == c32 && len(r.b) >= 5:
		n := int(binary.BigEndian.Uint32(r.b[1:]))
		r.b = r.b[5:]
		return n, nil
	}
	return 0, errUnexpected
}

func (r *mpReader) arrayLen() (int, error) { return r.header(0x90, 0x0f, 0xdc, 0xdd) }
func (r *mpReader) mapLen() (int, error)   { return r.header(0x80, 0x0f, 0xde, 0xdf) }

// str reads a str-family value holding valid UTF-8.
func (r *mpReader) str() ([]byte, error) {
	if len(r.b) == 0 {
		return nil, errUnexpected
	}
	var n, h int
	switch c := r.b[0]; {
	case c&0xe0 == 0xa0:
		n, h = int(c&0x1f), 1
	case c == 0xd9 && len(r.b) >= 2:
		n, h = int(r.b[1]), 2
	case c == 0xda && len(r.b) >= 3:
		n, h = int(binary.BigEndian.Uint16(r.b[1:])), 3
	case c == 0xdb && len(r.b) >= 5:
		n, h = int(binary.BigEndian.Uint32(r.b[1:])), 5
	default:
		return nil, errUnexpected
	}
	if len(r.b) < h+n || !utf8.Valid(r.b[h:h+n]) {
		return nil, errUnexpected
	}
	s := r.b[h : h+n]
	r.b = r.b[h+n:]
	return s, nil
}

// json appends the JSON of the next value, bin values to atts.
func (r *mpReader) json(dst []byte, atts *[][]byte) ([]byte, error) {
	out, rest, err := notepack.ToJSON(dst, atts, r.b)
	if err != nil {
		return nil, err
	}
	r.b = rest
	return out, nil
}

// skip passes over the next value.
func (r *mpReader) skip() error {
	var atts [][]byte
	_, err := r.json(nil, &atts)
	return err
}

// fastDecodeBroadcast reads the common form of a broadcast: string keys,
// valid strings, rooms as strings.
func fastDecodeBroadcast(msg []byte) (*broadcastMsg, error) {
	r := mpReader{msg}
	n, err := r.arrayLen()
	if err != nil || n < 2 {
		return nil, errUnexpected
	}
	m := &broadcastMsg{}
	uid, err := r.str()
	if err != nil {
		return nil, err
	}
	m.uid = string(uid)
	if err := m.readPacket(&r); err != nil {
		return nil, err
	}
	m.opts = &socketio.BroadcastOptions{}
	if n >= 3 {
		if err := readOpts(&r, m.opts); err != nil {
			return nil, err
		}
	}
	for range n - 3 {
		if err := r.skip(); err != nil {
			return nil, err
		}
	}
	if len(r.b) != 0 {
		return nil, errTrailing
	}
	return m, nil
}

func (m *broadcastMsg) readPacket(r *mpReader) error {
	n, err := r.mapLen()
	if err != nil {
		return err
	}
	for range n {
		k, err := r.str()
		if err != nil {
			return err
		}
		switch string(k) {
		case "data":
			m.atts = nil
			if m.data, err = r.json(nil, &m.atts); err != nil {
				return err
			}
		case "nsp":
			s, err := r.str()
			if err != nil {
				return err
			}
			nsp := string(s)
			m.nsp = &nsp
		default: // type (always 2), id (ignored: see REDIS-WIRE 2.3)
			if err := r.skip(); err != nil {
				return err
			}
		}
	}
	return nil
}

func readOpts(r *mpReader, o *socketio.BroadcastOptions) error {
	n, err := r.mapLen()
	if err != nil {
		return err
	}
	for range n {
		k, err := r.str()
		if err != nil {
			return err
		}
		switch string(k) {
		case "rooms":
			o.Rooms, err = readRooms(r)
		case "except":
			o.Except, err = readRooms(r)
		case "flags":
			err = readFlags(r, &o.Flags)
		default:
			err = r.skip()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// readRooms reads an array of string rooms; numbers go the slow way.
func readRooms(r *mpReader) ([]string, error) {
	n, err := r.arrayLen()
	if err != nil || n == 0 {
		return nil, err
	}
	// n comes from the message: a 5-byte header may announce 2^32-1
	// rooms. Every room takes at least one byte, so what is left bounds it.
	out := make([]string, 0, min(n, len(r.b)))
	for range n {
		s, err := r.str()
		if err != nil {
			return nil, err
		}
		out = append(out, string(s))
	}
	return out, nil
}

func readFlags(r *mpReader, f *socketio.BroadcastFlags) error {
	n, err := r.mapLen()
	if err != nil {
		return err
	}
	for range n {
		k, err := r.str()
		if err != nil {
			return err
		}
		if len(r.b) == 0 {
			return errUnexpected
		}
		switch string(k) {
		case "volatile":
			f.Volatile = r.b[0] == 0xc3
		case "compress":
			f.NoCompress = r.b[0] == 0xc2
		}
		if err := r.skip(); err != nil {
			return err
		}
	}
	return nil
}
