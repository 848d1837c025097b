package socketio

import (
	"encoding/json"
	"strconv"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/internal/notepack"
)

// Parser is how packets travel on the wire. Every client of a server must
// use the server's parser.
type Parser int

const (
	// DefaultParser is socket.io-parser's: a text message per packet, and
	// one binary message per binary value, after it.
	DefaultParser Parser = iota

	// MsgpackParser is socket.io-msgpack-parser's: every packet is one
	// binary message, the MessagePack encoding of {type, data, nsp, id}
	// as notepack.io writes it (binary values as bin, no attachments). The
	// client must be made with that parser, or be the socket.io.msgpack.min.js
	// bundle.
	MsgpackParser
)

// encode turns p into the messages that carry it with the server's parser.
func (srv *Server) encode(p *Packet) []*engineio.Message {
	if srv.opts.Parser == MsgpackParser {
		return encodeMsgpack(p)
	}
	return EncodePacket(p)
}

// encodeFor encodes p for a send with flags.
func (srv *Server) encodeFor(p *Packet, flags BroadcastFlags) []*engineio.Message {
	msgs := srv.encode(p)
	if flags.NoCompress {
		for _, m := range msgs {
			m.DisableCompression()
		}
	}
	return msgs
}

// encodeMsgpack writes p as socket.io-msgpack-parser does. A payload that
// is not JSON (a Raw argument the application got wrong) cannot be written
// in MessagePack: the packet is not sent.
func encodeMsgpack(p *Packet) []*engineio.Message {
	t := p.Type
	switch t {
	case PacketBinaryEvent:
		t = PacketEvent
	case PacketBinaryAck:
		t = PacketAck
	}
	n := 2
	if p.Data != nil {
		n++
	}
	if p.HasID {
		n++
	}
	b := make([]byte, 0, 32+len(p.Namespace)+len(p.Data))
	b = notepack.AppendMapHeader(b, n)
	b = notepack.AppendString(b, "type")
	b = notepack.AppendInt(b, int64(t))
	if p.Data != nil {
		b = notepack.AppendString(b, "data")
		var err error
		if b, err = notepack.AppendJSON(b, p.Data, p.Attachments); err != nil {
			return nil
		}
	}
	b = notepack.AppendString(b, "nsp")
	b = notepack.AppendString(b, p.Namespace)
	if p.HasID {
		b = notepack.AppendString(b, "id")
		b = notepack.AppendInt(b, int64(p.ID))
	}
	return []*engineio.Message{engineio.NewMessage(b, true)}
}

// maxSafeInteger is JavaScript's Number.MAX_SAFE_INTEGER: ack ids beyond it
// are not ids any client makes.
const maxSafeInteger = 1<<53 - 1

// decodeMsgpack parses one message as socket.io-msgpack-parser's decoder
// does, with its checks: an integer type from 0 to 4, a string nsp, the
// payload each type allows and an integer id. Binary values become
// attachments, as the default parser's do, so handlers see no difference.
func decodeMsgpack(data []byte, binary bool) (*Packet, error) {
	if !binary {
		return nil, parseError("text message with the msgpack parser")
	}
	var atts [][]byte
	js, rest, err := notepack.ToJSON(nil, &atts, data)
	if err != nil {
		return nil, parseError("%v", err)
	}
	if len(rest) > 0 {
		return nil, parseError("%d trailing bytes", len(rest))
	}
	var obj map[string]json.RawMessage // keys as they are: JavaScript's are case-sensitive
	if firstByte(js) != '{' || json.Unmarshal(js, &obj) != nil {
		return nil, parseError("invalid packet type")
	}
	t, ok := jsInteger(obj["type"])
	if !ok || t < int64(PacketConnect) || t > int64(PacketConnectError) {
		return nil, parseError("invalid packet type")
	}
	p := &Packet{Type: PacketType(t), Data: obj["data"], Attachments: atts}
	if json.Unmarshal(obj["nsp"], &p.Namespace) != nil || firstByte(obj["nsp"]) != '"' {
		return nil, parseError("invalid namespace")
	}
	first := firstByte(p.Data)
	switch p.Type {
	case PacketConnect:
		ok = p.Data == nil || first == '{'
	case PacketDisconnect:
		ok = p.Data == nil
	case PacketConnectError:
		ok = first == '"' || first == '{'
	default:
		ok = first == '['
	}
	if !ok {
		return nil, parseError("invalid payload")
	}
	if raw, has := obj["id"]; has {
		id, ok := jsInteger(raw)
		if !ok || id < 0 || id > maxSafeInteger {
			return nil, parseError("invalid packet id")
		}
		p.ID, p.HasID = uint64(id), true
	}
	if err := checkPayload(p); err != nil {
		return nil, err
	}
	return p, nil
}

// jsInteger reads a JSON number that Number.isInteger accepts.
func jsInteger(raw json.RawMessage) (int64, bool) {
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f != float64(int64(f)) {
		return 0, false
	}
	return int64(f), true
}
