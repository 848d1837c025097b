package socketio

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/siogo/siogo/internal/binjson"
)

// ErrParse is wrapped by every decoding error; the connection that sent the
// packet is closed with reason "parse error", as Node does.
var ErrParse = errors.New("socketio: parse error")

func parseError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrParse}, args...)...)
}

// isReserved reports the event names a client may not send (Node's parser
// refuses them) and the server may not emit.
func isReserved(event string) bool {
	switch event {
	case "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener":
		return true
	}
	return false
}

// decoder turns the Engine.IO messages of one connection into packets,
// reassembling binary packets from their attachments.
type decoder struct {
	pending *Packet // a binary packet waiting for attachments
	want    int
}

// add takes one Engine.IO message and returns a complete packet, or nil
// while attachments are still expected.
func (d *decoder) add(data []byte, binary bool) (*Packet, error) {
	if binary {
		if d.pending == nil {
			return nil, parseError("binary data with no packet waiting for it")
		}
		d.pending.Attachments = append(d.pending.Attachments, data)
		if len(d.pending.Attachments) < d.want {
			return nil, nil
		}
		p := d.pending
		d.pending = nil
		if err := binjson.CheckPlaceholders(p.Data, len(p.Attachments)); err != nil {
			return nil, parseError("%v", err)
		}
		return p, nil
	}
	if d.pending != nil {
		return nil, parseError("text data while reconstructing a binary packet")
	}
	p, n, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		p.Attachments = make([][]byte, 0, n)
		d.pending, d.want = p, n
		return nil, nil
	}
	if p.Type == PacketBinaryEvent || p.Type == PacketBinaryAck {
		if err := binjson.CheckPlaceholders(p.Data, 0); err != nil {
			return nil, parseError("%v", err)
		}
	}
	return p, nil
}

// decodeText parses the text part of a packet and the number of binary
// attachments it announces. It follows Node's socket.io-parser: the namespace
// runs to the first comma or to the end; digits after it are the ack id.
func decodeText(s []byte) (*Packet, int, error) {
	if len(s) == 0 { // Node's Number("") is 0: an empty packet is a CONNECT to "/"
		return &Packet{Type: PacketConnect, Namespace: "/"}, 0, nil
	}
	if s[0] < '0' || s[0] > '6' {
		return nil, 0, parseError("unknown packet type")
	}
	p := &Packet{Type: PacketType(s[0] - '0'), Namespace: "/"}
	i := 1
	attachments := 0
	if p.Type == PacketBinaryEvent || p.Type == PacketBinaryAck {
		start := i
		for i < len(s) && s[i] != '-' {
			if s[i] < '0' || s[i] > '9' || i-start > 6 {
				return nil, 0, parseError("illegal attachments")
			}
			attachments = attachments*10 + int(s[i]-'0')
			i++
		}
		if i == len(s) {
			return nil, 0, parseError("illegal attachments")
		}
		if attachments > maxAttachments {
			return nil, 0, parseError("too many attachments")
		}
		i++ // '-'
	}
	if i < len(s) && s[i] == '/' {
		start := i
		for i < len(s) && s[i] != ',' {
			i++
		}
		p.Namespace = string(s[start:i])
		if i < len(s) {
			i++ // ','
		}
	}
	if i < len(s) && s[i] >= '0' && s[i] <= '9' {
		start := i
		var id uint64
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if i-start >= 19 {
				return nil, 0, parseError("ack id too long")
			}
			id = id*10 + uint64(s[i]-'0')
			i++
		}
		p.ID, p.HasID = id, true
	}
	if i < len(s) {
		p.Data = s[i:]
		// The array of an event or an ack is validated as checkPayload
		// splits it, which accepts exactly what json.Valid accepts: one
		// scan of the payload instead of two.
		if !hasArrayPayload(p.Type) && !json.Valid(p.Data) {
			return nil, 0, parseError("invalid JSON payload")
		}
	}
	if err := checkPayload(p); err != nil {
		return nil, 0, err
	}
	return p, attachments, nil
}

// checkPayload applies Node's isPayloadValid to a decoded packet. As in
// Node, a packet without a payload is not checked: an EVENT without one has
// no name and reaches no handler, an ACK without one has no arguments.
func checkPayload(p *Packet) error {
	if p.Data == nil {
		return nil
	}
	first := firstByte(p.Data)
	switch p.Type {
	case PacketConnect:
		if p.Data != nil && first != '{' {
			return parseError("CONNECT payload must be an object")
		}
	case PacketDisconnect:
		return parseError("DISCONNECT takes no payload")
	case PacketConnectError:
		if first != '{' && first != '"' {
			return parseError("CONNECT_ERROR payload must be an object or a string")
		}
	case PacketEvent, PacketBinaryEvent:
		elems, err := splitArgs(p.Data)
		if err != nil || len(elems) == 0 {
			return arrayError(p.Data, "EVENT payload must be a non-empty array")
		}
		if p.event, err = eventName(elems[0]); err != nil {
			return err
		}
		p.args = elems[1:]
	case PacketAck, PacketBinaryAck:
		elems, err := splitArgs(p.Data)
		if err != nil {
			return arrayError(p.Data, "ACK payload must be an array")
		}
		p.args = elems
	}
	return nil
}

// hasArrayPayload reports the packet types whose payload is an array.
func hasArrayPayload(t PacketType) bool {
	return t == PacketEvent || t == PacketBinaryEvent || t == PacketAck || t == PacketBinaryAck
}

// splitArgs splits the array of an event or an ack. Room for four
// elements up front: most packets have that many or fewer, and growing the
// slice one element at a time would cost an allocation for each.
func splitArgs(data []byte) ([]json.RawMessage, error) {
	return binjson.SplitArray(make([]json.RawMessage, 0, 4), data)
}

// arrayError is the error for an event or ack payload that is not the
// array it should be: the same as for other packets when it is not JSON.
func arrayError(data []byte, msg string) error {
	if !json.Valid(data) {
		return parseError("invalid JSON payload")
	}
	return parseError("%s", msg)
}

func firstByte(b []byte) byte {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return c
	}
	return 0
}

// eventName returns the name of an event from the first element of its data
// array: a string that is not reserved, or a number (its JSON text, the key
// Node's EventEmitter would use).
func eventName(first json.RawMessage) (string, error) {
	switch firstByte(first) {
	case '"':
		// Most names need no unescaping; the others go through
		// encoding/json. first is valid JSON: SplitArray checked it.
		name, ok := binjson.UnquoteSimple(first)
		if !ok {
			var escaped string // apart from name, which would escape to the heap
			if err := json.Unmarshal(first, &escaped); err != nil {
				return "", parseError("bad event name")
			}
			name = escaped
		}
		if isReserved(name) {
			return "", parseError("reserved event name %q", name)
		}
		return name, nil
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return string(first), nil
	}
	return "", parseError("event name must be a string or a number")
}
