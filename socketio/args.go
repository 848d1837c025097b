package socketio

import (
	"encoding/json"
	"fmt"

	"github.com/siogo/siogo/internal/binjson"
)

// Raw is one argument as it travels: its JSON text and the attachments its
// binary placeholders point to. Emitting a Raw sends it back unchanged, so
// a server can relay arguments it never decodes, binary included.
type Raw = binjson.Raw

// Args are the arguments of an event or an ack as received. Each one stays
// raw JSON until it is decoded, once, into the type the caller asks for.
type Args struct {
	raw         []json.RawMessage
	attachments [][]byte
	codec       *binjson.Codec // the server's, with its type cache
	ack         AckFunc        // set for an event the client wants answered
}

// Ack returns the function answering the event these arguments came with,
// or nil when the client asked for no ack. Middleware uses it to refuse an
// event with an answer (Node passes the ack as the packet's last element).
func (a *Args) Ack() AckFunc { return a.ack }

// Len returns the number of arguments.
func (a *Args) Len() int { return len(a.raw) }

// Decode decodes argument i into v, a pointer. Binary values decode into
// []byte (also inside any, []any and map[string]any).
func (a *Args) Decode(i int, v any) error {
	if i < 0 || i >= len(a.raw) {
		return fmt.Errorf("socketio: argument %d of %d", i, len(a.raw))
	}
	c := a.codec
	if c == nil {
		c = &binjson.Codec{}
	}
	if err := c.Unmarshal(a.raw[i], a.attachments, v); err != nil {
		return fmt.Errorf("socketio: argument %d: %w", i, err)
	}
	return nil
}

// Raw returns argument i as received.
func (a *Args) Raw(i int) Raw { return Raw{JSON: a.raw[i], Attachments: a.attachments} }

// Values returns every argument as a Raw, ready to be emitted again:
// socket.Emit("echo", args.Values()...).
func (a *Args) Values() []any {
	out := make([]any, len(a.raw))
	for i := range a.raw {
		out[i] = a.Raw(i)
	}
	return out
}

// NewArgs returns the arguments raw, whose placeholders index attachments.
// Cluster adapters use it for events and acks that come from other servers.
func NewArgs(raw []json.RawMessage, attachments [][]byte) *Args {
	return &Args{raw: raw, attachments: attachments}
}
