package socketio

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/siogo/siogo/internal/binjson"
)

// FuzzEmitRoundTrip goes the other way from FuzzDecode: it encodes an
// event (or an ack) with arguments of each kind, binary among them, as the
// server sends it, splits it into the Engine.IO messages EncodePacket
// gives, and feeds those to a decoder, which must reassemble the packet
// and give back the event name and the very values.
func FuzzEmitRoundTrip(f *testing.F) {
	f.Add("chat", "/", uint64(0), false, false, "hello", []byte(nil), 1.5, uint8(0))
	f.Add("message", "/admin", uint64(12), true, false, "😀 \u2028 \"", []byte{0, 1, 2}, -0.0, uint8(2))
	f.Add("", "/a,b", uint64(1<<63), true, true, "", []byte{}, 1e300, uint8(11))
	f.Add("123", "/", uint64(7), true, true, `{"_placeholder":true,"num":0}`, []byte("b"), 0.1, uint8(1))
	f.Add("connect", "/x", uint64(0), false, false, "x", []byte{0xff}, 3.0, uint8(3))
	c := &binjson.Codec{}
	f.Fuzz(func(t *testing.T, event, nsp string, id uint64, hasID, ack bool, s string, bin []byte, n float64, nbin uint8) {
		// Go strings from JSON or literals hold UTF-8; what does not is
		// replaced on encoding (JSON.stringify cannot send it either).
		if !utf8.ValidString(event) || !utf8.ValidString(s) || math.IsNaN(n) || math.IsInf(n, 0) {
			return
		}
		// A namespace is "/" or a name from Server.Of: it has no comma
		// (the decoder ends the namespace there, as Node's does).
		if !strings.HasPrefix(nsp, "/") || strings.ContainsRune(nsp, ',') {
			return
		}
		if !hasID {
			id = 0
		} else if id > math.MaxInt64 {
			id %= math.MaxInt64 // Node's ids are numbers; ours stop at 19 digits
		}
		if bin == nil {
			bin = []byte{}
		}
		// nbin copies of bin: Node's parser takes at most maxAttachments.
		bins := make([]any, int(nbin)%(maxAttachments+2))
		for i := range bins {
			bins[i] = append(bytes.Clone(bin), byte(i))
		}
		args := []any{s, n, bins, map[string]any{"s": s, "b": bin}, nil, true}

		p := &Packet{Type: PacketEvent, Namespace: nsp, ID: id, HasID: hasID}
		var err error
		if ack {
			p.Type = PacketAck
			p.Data, p.Attachments, err = appendAckData(c, nil, args)
		} else {
			p.Data, p.Attachments, err = eventData(c, event, args)
		}
		if err != nil {
			t.Fatalf("encoding: %v", err)
		}
		if len(p.Attachments) != len(bins)+1 {
			t.Fatalf("%d attachments for %d binary values", len(p.Attachments), len(bins)+1)
		}

		var d decoder
		var got *Packet
		msgs := EncodePacket(p)
		for i, m := range msgs {
			if got != nil {
				t.Fatalf("packet complete after %d of %d messages", i, len(msgs))
			}
			if got, err = d.add(bytes.Clone(m.Data()), m.Binary()); err != nil {
				if len(p.Attachments) > maxAttachments && i == 0 {
					return // refused, as Node's parser refuses it
				}
				if !ack && isReserved(event) && i == 0 {
					return // a client may not send it; Node refuses it too
				}
				t.Fatalf("message %d (%q): %v", i, clip(m.Data()), err)
			}
		}
		if len(p.Attachments) > maxAttachments {
			t.Fatalf("a packet with %d attachments decoded", len(p.Attachments))
		}
		if got == nil {
			t.Fatal("packet incomplete after its last message")
		}
		if !ack && isReserved(event) {
			t.Fatalf("reserved event %q decoded", event)
		}
		checkDecoded(t, got)
		compareDecoded(t, p, got)
		elems := got.args
		if !ack {
			if got.event != event {
				t.Fatalf("event %q, sent %q", got.event, event)
			}
		}
		if len(elems) != len(args) {
			t.Fatalf("%d arguments, sent %d", len(elems), len(args))
		}
		var gs string
		var gn float64
		var gbins [][]byte
		var gm struct {
			S string `json:"s"`
			B []byte `json:"b"`
		}
		for i, dst := range []any{&gs, &gn, &gbins, &gm} {
			if err := c.Unmarshal(elems[i], got.Attachments, dst); err != nil {
				t.Fatalf("argument %d %s: %v", i, elems[i], err)
			}
		}
		if gs != s || gn != n || gm.S != s || !bytes.Equal(gm.B, bin) || len(gbins) != len(bins) {
			t.Fatalf("received %q %v %d bins %q %x, sent %q %v %d bins %x", gs, gn, len(gbins), gm.S, gm.B, s, n, len(bins), bin)
		}
		for i := range bins {
			if !reflect.DeepEqual(gbins[i], bins[i]) {
				t.Fatalf("binary %d: %x, sent %x", i, gbins[i], bins[i])
			}
		}
	})
}

func clip(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}
