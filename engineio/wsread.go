package engineio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// Client frames (RFC 6455, section 5.2): a 2-byte header, a 2- or 8-byte
// extended length, then the 4-byte mask every client frame must carry.
const (
	opContinuation = 0x0
	opPing         = 0x9

	rsvBits              = 0x70
	maskBit              = 0x80
	opMask               = 0x0f
	lenMask              = 0x7f
	maxClientFrameHeader = 14
	maxControlPayload    = 125
)

// errWSProtocol is a violation of RFC 6455 by the client: the connection
// is closed with 1002, and the session ends with "transport error", as
// Node's ws does.
var errWSProtocol = errors.New("engineio: WebSocket protocol error")

// errWSTooBig is a message over MaxHTTPBufferSize: closed with 1009.
var errWSTooBig = websocket.ErrReadLimit

// errWSCloseUTF8 is a close frame whose reason is not UTF-8: closed with
// 1007, as Node's ws does.
var errWSCloseUTF8 = fmt.Errorf("%w: close reason is not UTF-8", errWSProtocol)

func protocolError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errWSProtocol}, args...)...)
}

// frameSink receives what a wsReader parses.
type frameSink interface {
	// message is a complete text or binary message; data belongs to the
	// callee.
	message(binary bool, data []byte)
	// ping is a ping frame's payload, valid during the call.
	ping(payload []byte)
}

// wsReader parses the frames of a client's WebSocket from bytes as they
// arrive, split anywhere. Between reads it keeps only what an unfinished
// frame or message needs, so an idle connection holds no buffer.
type wsReader struct {
	limit   int64  // the longest message accepted (MaxHTTPBufferSize)
	partial []byte // an unfinished frame, header included; nil when none
	msg     []byte // the payload so far of a fragmented message
	msgOp   byte   // its opcode, 0 when no fragmented message is open
}

// frameHeader is a parsed client frame header.
type frameHeader struct {
	fin    bool
	op     byte
	mask   [4]byte
	length int64
	size   int // of the header itself
}

// headerSize is the size of the header that starts with b0, b1.
func headerSize(b1 byte) int {
	switch b1 & lenMask {
	case 126:
		return 2 + 2 + 4
	case 127:
		return 2 + 8 + 4
	}
	return 2 + 4
}

// parseHeader parses the header at the start of p; ok is false when p
// does not hold all of it yet. It checks everything a header alone can
// break.
func (r *wsReader) parseHeader(p []byte) (h frameHeader, ok bool, err error) {
	if len(p) < 2 {
		return h, false, nil
	}
	b0, b1 := p[0], p[1]
	if b1&maskBit == 0 {
		// Checked first: an unmasked frame's header is shorter than
		// headerSize says.
		return h, false, protocolError("unmasked client frame")
	}
	h.size = headerSize(b1)
	if len(p) < h.size {
		return h, false, nil
	}
	h.fin = b0&finBit != 0
	h.op = b0 & opMask
	if b0&rsvBits != 0 {
		return h, false, protocolError("reserved bits set")
	}
	switch n := b1 & lenMask; n {
	case 126:
		h.length = int64(binary.BigEndian.Uint16(p[2:]))
	case 127:
		l := binary.BigEndian.Uint64(p[2:])
		if l>>63 != 0 {
			return h, false, protocolError("negative payload length")
		}
		h.length = int64(l)
	default:
		h.length = int64(n)
	}
	copy(h.mask[:], p[h.size-4:h.size])
	switch h.op {
	case opText, opBinary:
		if r.msgOp != 0 {
			return h, false, protocolError("data frame inside a fragmented message")
		}
		if h.length > r.limit {
			return h, false, errWSTooBig
		}
	case opContinuation:
		if r.msgOp == 0 {
			return h, false, protocolError("continuation frame with no message to continue")
		}
		if int64(len(r.msg))+h.length > r.limit {
			return h, false, errWSTooBig
		}
	case opClose, opPing, opPong:
		if !h.fin {
			return h, false, protocolError("fragmented control frame")
		}
		if h.length > maxControlPayload {
			return h, false, protocolError("control frame payload over 125 bytes")
		}
	default:
		return h, false, protocolError("unknown opcode %d", h.op)
	}
	return h, true, nil
}

// feed parses data, which the caller may reuse once feed returns. It
// returns the error that ends the stream: a protocol error, an oversize
// message, or a *websocket.CloseError for the client's close frame.
func (r *wsReader) feed(data []byte, sink frameSink) error {
	for len(data) > 0 {
		if r.partial == nil {
			h, ok, err := r.parseHeader(data)
			if err != nil {
				return err
			}
			if ok && int64(len(data)-h.size) >= h.length {
				end := h.size + int(h.length)
				if err := r.frame(h, data[h.size:end], false, sink); err != nil {
					return err
				}
				data = data[end:]
				continue
			}
			// An unfinished frame: keep it. The buffer grows with what
			// arrives, not with what the header announces: a few bytes
			// announcing a megabyte must not cost a megabyte.
			want := maxClientFrameHeader
			if ok {
				want = h.size + int(h.length)
			}
			r.partial = append(make([]byte, 0, min(want, 2*len(data)+maxClientFrameHeader)), data...)
			return nil
		}

		// Complete the header first, then the frame.
		h, ok, err := r.parseHeader(r.partial)
		if err != nil {
			return err
		}
		want := 2
		switch {
		case ok:
			want = h.size + int(h.length)
		case len(r.partial) >= 2:
			want = headerSize(r.partial[1])
		}
		take := min(want-len(r.partial), len(data))
		r.partial = append(r.partial, data[:take]...)
		data = data[take:]
		if len(r.partial) < want {
			return nil // data is used up
		}
		if !ok {
			if h, ok, err = r.parseHeader(r.partial); err != nil {
				return err
			}
			if !ok {
				continue
			}
			if len(r.partial) < h.size+int(h.length) {
				continue
			}
		}
		frame := r.partial[h.size:]
		r.partial = nil
		if err := r.frame(h, frame, true, sink); err != nil {
			return err
		}
	}
	return nil
}

// frame handles one whole frame; owned says whether payload may be handed
// on without a copy.
func (r *wsReader) frame(h frameHeader, payload []byte, owned bool, sink frameSink) error {
	unmask(payload, h.mask)
	switch h.op {
	case opPing:
		sink.ping(payload)
	case opPong:
	case opClose:
		return closeFrameError(payload)
	case opText, opBinary:
		if h.fin {
			if !owned {
				payload = append([]byte(nil), payload...)
			}
			sink.message(h.op == opBinary, payload)
			return nil
		}
		r.msgOp = h.op
		r.msg = append([]byte(nil), payload...)
	case opContinuation:
		r.msg = append(r.msg, payload...)
		if h.fin {
			msg, op := r.msg, r.msgOp
			r.msg, r.msgOp = nil, 0
			sink.message(op == opBinary, msg)
		}
	}
	return nil
}

// closeFrameError checks the client's close frame and returns it as the
// error that ends the stream.
func closeFrameError(payload []byte) error {
	if len(payload) == 0 {
		return &websocket.CloseError{Code: websocket.CloseNoStatusReceived}
	}
	if len(payload) == 1 {
		return protocolError("close frame with a 1-byte payload")
	}
	code := int(binary.BigEndian.Uint16(payload))
	if !validCloseCode(code) {
		return protocolError("invalid close code %d", code)
	}
	if !utf8.Valid(payload[2:]) {
		return errWSCloseUTF8
	}
	return &websocket.CloseError{Code: code, Text: string(payload[2:])}
}

// validCloseCode: the codes a peer may send (RFC 6455 7.4; as Node's ws).
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1014:
		return code != 1004 && code != 1005 && code != 1006
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// unmask XORs b with the client's masking key, eight bytes at a time.
func unmask(b []byte, key [4]byte) {
	if len(b) >= 8 {
		k32 := binary.LittleEndian.Uint32(key[:])
		k64 := uint64(k32) | uint64(k32)<<32
		for len(b) >= 8 {
			binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^k64)
			b = b[8:]
		}
	}
	for i := range b {
		b[i] ^= key[i&3]
	}
}
