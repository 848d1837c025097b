package socketio

import (
	"encoding/json"
	"strconv"
)

// PacketType is the first digit of a Socket.IO packet.
type PacketType byte

// Socket.IO protocol 5 packet types.
const (
	PacketConnect PacketType = iota
	PacketDisconnect
	PacketEvent
	PacketAck
	PacketConnectError
	PacketBinaryEvent
	PacketBinaryAck
)

// Packet is one Socket.IO packet. Data is the JSON payload as it travels,
// binary values replaced by placeholders that index Attachments.
type Packet struct {
	Type        PacketType
	Namespace   string // "/" when absent on the wire
	ID          uint64 // the ack id, when HasID
	HasID       bool
	Data        json.RawMessage // nil when the packet has no payload
	Attachments [][]byte

	// Set by the decoder for events and acks: the event name and the
	// arguments, as slices of Data.
	event string
	args  []json.RawMessage
}

// maxAttachments is the most binary attachments a packet may announce, as
// in Node's parser; more is a parse error.
const maxAttachments = 10

// appendPacket appends the text part of p: type, attachment count, namespace,
// ack id, then the JSON. The namespace is written with its comma whenever it
// is not "/", as Node's encoder does.
func appendPacket(dst []byte, p *Packet) []byte {
	t := p.Type
	if len(p.Attachments) > 0 {
		switch t {
		case PacketEvent:
			t = PacketBinaryEvent
		case PacketAck:
			t = PacketBinaryAck
		}
	}
	dst = append(dst, '0'+byte(t))
	if t == PacketBinaryEvent || t == PacketBinaryAck {
		dst = strconv.AppendInt(dst, int64(len(p.Attachments)), 10)
		dst = append(dst, '-')
	}
	if p.Namespace != "" && p.Namespace != "/" {
		dst = append(dst, p.Namespace...)
		dst = append(dst, ',')
	}
	if p.HasID {
		dst = strconv.AppendUint(dst, p.ID, 10)
	}
	return append(dst, p.Data...)
}
