package engineio

import (
	"encoding/base64"
	"errors"
)

// packetType is the one ASCII digit that starts every Engine.IO v4 packet.
type packetType byte

const (
	packetOpen    packetType = '0'
	packetClose   packetType = '1'
	packetPing    packetType = '2'
	packetPong    packetType = '3'
	packetMessage packetType = '4'
	packetUpgrade packetType = '5'
	packetNoop    packetType = '6'
)

// binaryMarker replaces the type digit of a base64-encoded binary message in a
// text channel (a polling payload, or a WebSocket with b64=1). Binary is always a
// message, so no digit is needed.
const binaryMarker = 'b'

// recordSeparator joins the packets of one polling payload.
const recordSeparator = 0x1e

// errParse is the cause for every malformed packet; the session closes with
// reason "parse error".
var errParse = errors.New("engineio: malformed packet")

// packet is one decoded incoming packet. data aliases the input buffer.
type packet struct {
	typ    packetType
	data   []byte
	binary bool // data is raw bytes, not text (messages only)
}

func (t packetType) valid() bool { return t >= packetOpen && t <= packetNoop }

// decodeText decodes one packet carried as text: a WebSocket text frame or one
// record of a polling payload. An empty packet or an unknown type is an error,
// as in Node.
func decodeText(b []byte) (packet, error) {
	if len(b) == 0 {
		return packet{}, errParse
	}
	if b[0] == binaryMarker {
		raw, err := decodeBase64(b[1:])
		if err != nil {
			return packet{}, errParse
		}
		return packet{typ: packetMessage, data: raw, binary: true}, nil
	}
	t := packetType(b[0])
	if !t.valid() {
		return packet{}, errParse
	}
	return packet{typ: t, data: b[1:]}, nil
}

// decodeBase64 accepts padded and unpadded standard base64, as Node's
// Buffer.from(s, "base64") does for well-formed input.
func decodeBase64(b []byte) ([]byte, error) {
	enc := base64.StdEncoding
	if len(b)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	out := make([]byte, enc.DecodedLen(len(b)))
	n, err := enc.Decode(out, b)
	if err != nil {
		return nil, err
	}
	return out[:n], nil
}

// appendText appends the text form of a packet: the type digit and the data,
// or for binary data the marker and base64.
func appendText(dst []byte, t packetType, data []byte, binary bool) []byte {
	if binary {
		dst = append(dst, binaryMarker)
		return base64.StdEncoding.AppendEncode(dst, data)
	}
	dst = append(dst, byte(t))
	return append(dst, data...)
}
