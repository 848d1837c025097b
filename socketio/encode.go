package socketio

import (
	"fmt"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/internal/binjson"
)

// eventData encodes an event's name and arguments as the JSON array of an
// EVENT packet, binary values moved to attachments.
func eventData(c *binjson.Codec, event string, args []any) ([]byte, [][]byte, error) {
	var atts [][]byte
	data := make([]byte, 0, 8+len(event)+sizeHint(args))
	data = append(data, '[')
	data, err := c.AppendValue(data, &atts, event)
	if err != nil {
		return nil, nil, err
	}
	for _, a := range args {
		data = append(data, ',')
		if data, err = c.AppendValue(data, &atts, a); err != nil {
			return nil, nil, fmt.Errorf("socketio: encoding %q: %w", event, err)
		}
	}
	return append(data, ']'), atts, nil
}

// sizeHint guesses the encoded size of args, so that their buffer is made
// once: close for Raw arguments (relayed ones, as in an echo), a guess for
// the others.
func sizeHint(args []any) int {
	n := 32
	for _, a := range args {
		switch a := a.(type) {
		case Raw:
			n += len(a.JSON) + 1
		case string:
			n += len(a) + 3
		default:
			n += 16
		}
	}
	return n
}

// appendAckData appends the JSON array of an ACK packet's arguments to dst,
// binary values moved to attachments.
func appendAckData(c *binjson.Codec, dst []byte, args []any) ([]byte, [][]byte, error) {
	var atts [][]byte
	dst, err := c.AppendArray(dst, &atts, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("socketio: encoding ack: %w", err)
	}
	return dst, atts, nil
}

// appendOffset appends a recovery offset as the last element of an event's
// data array, as Node's session-aware adapter does.
func appendOffset(data []byte, offset string) []byte {
	out := make([]byte, 0, len(data)+len(offset)+3)
	out = append(out, data[:len(data)-1]...)
	if len(data) > 2 {
		out = append(out, ',')
	}
	out = append(out, '"')
	out = append(out, offset...)
	return append(out, '"', ']')
}

// EncodePacket turns p into the Engine.IO messages that carry it with the
// default parser: the text packet, then one binary message per attachment.
// Encode once, send to many.
func EncodePacket(p *Packet) []*engineio.Message {
	msgs := make([]*engineio.Message, 0, 1+len(p.Attachments))
	msgs = append(msgs, engineio.NewMessage(appendPacket(make([]byte, 0, 16+len(p.Namespace)+len(p.Data)), p), false))
	for _, a := range p.Attachments {
		msgs = append(msgs, engineio.NewMessage(a, true))
	}
	return msgs
}
