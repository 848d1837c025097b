package engineio

import (
	"encoding/binary"
	"net"
)

// WebSocket opcodes (RFC 6455, section 5.2).
const (
	opText   = 0x1
	opBinary = 0x2
	opClose  = 0x8
	opPong   = 0xa

	finBit = 0x80
)

// maxFrameHeader is the longest header of a server frame: two bytes and an
// eight-byte length. Server frames are never masked.
const maxFrameHeader = 10

// copyLimit: payloads up to this size are copied next to their header, so
// that a batch of small frames is one contiguous buffer, written with one
// write; larger ones are written from where they are (writev), which costs
// an iovec instead of a copy.
const copyLimit = 1024

// maxBatchCopy bounds the bytes a batch copies before it is written, so
// that a long queue of small messages does not build one huge buffer; it
// is then written in several writes of about this size.
const maxBatchCopy = 64 << 10

// appendFrameHeader appends the header of a final, unmasked frame with
// opcode op and an n-byte payload: always one frame per message, as Node's
// ws sends them.
func appendFrameHeader(dst []byte, op byte, n int) []byte {
	dst = append(dst, finBit|op)
	switch {
	case n < 126:
		return append(dst, byte(n))
	case n <= 0xffff:
		return append(dst, 126, byte(n>>8), byte(n))
	default:
		return binary.BigEndian.AppendUint64(append(dst, 127), uint64(n))
	}
}

// wsBatch assembles the frames of one flush for one write. Server frames
// are not masked, so a Message's payload is the same bytes for every
// recipient: a batch references it (or copies it, when small) and only
// encodes the few header bytes per recipient.
type wsBatch struct {
	buf     []byte      // headers, and the payloads small enough to copy
	mark    int         // buf[mark:] is not in bufs yet
	bufs    net.Buffers // what to write, in order
	out     net.Buffers // bufs as handed to the write, which consumes it
	copyAll bool        // the connection cannot writev: copy every payload
}

// reset empties the batch for a connection that can (writev) or cannot
// take several buffers in one system call.
func (b *wsBatch) reset(writev bool) {
	clear(b.bufs) // no references to sent payloads stay in the pool
	b.bufs = b.bufs[:0]
	b.out = nil
	b.buf = b.buf[:0]
	b.mark = 0
	b.copyAll = !writev
}

// full reports whether the batch has copied enough to be written now.
func (b *wsBatch) full() bool { return len(b.buf) >= maxBatchCopy }

// empty reports whether the batch holds no frame.
func (b *wsBatch) empty() bool { return len(b.bufs) == 0 && len(b.buf) == b.mark }

// appendMessage adds m as one frame: text as its type digit and data,
// binary as raw bytes in a binary frame, or for b64 clients as 'b' and
// base64 in a text frame.
func (b *wsBatch) appendMessage(m *Message, b64 bool) {
	switch {
	case m.binary && b64:
		text := m.textForm()
		b.buf = appendFrameHeader(b.buf, opText, len(text))
		b.appendPayload(text)
	case m.binary:
		b.buf = appendFrameHeader(b.buf, opBinary, len(m.data))
		b.appendPayload(m.data)
	default:
		b.buf = appendFrameHeader(b.buf, opText, 1+len(m.data))
		b.buf = append(b.buf, byte(m.typ))
		b.appendPayload(m.data)
	}
}

func (b *wsBatch) appendPayload(p []byte) {
	if len(p) <= copyLimit || b.copyAll {
		b.buf = append(b.buf, p...)
		return
	}
	b.cut()
	b.bufs = append(b.bufs, p)
}

// cut moves the bytes appended to buf since the last cut into bufs. If buf
// grows later, bufs keeps referencing the old array, whose bytes stay as
// they were: appending never writes where a cut has been.
func (b *wsBatch) cut() {
	if len(b.buf) > b.mark {
		b.bufs = append(b.bufs, b.buf[b.mark:len(b.buf):len(b.buf)])
		b.mark = len(b.buf)
	}
}

// buffers returns the batch's frames, in order, for one write: writing
// consumes them, and the batch keeps its array for the next.
func (b *wsBatch) buffers() *net.Buffers {
	b.cut()
	b.out = b.bufs
	return &b.out
}

// getBatch returns an empty batch for a connection that can writev or not.
func (srv *Server) getBatch(writev bool) *wsBatch {
	b, _ := srv.wsBatches.Get().(*wsBatch)
	if b == nil {
		b = &wsBatch{buf: make([]byte, 0, 2048)}
	}
	b.reset(writev)
	return b
}

// putBatch keeps b for another flush, unless a long queue grew it large.
func (srv *Server) putBatch(b *wsBatch) {
	if cap(b.buf) > 2*maxBatchCopy {
		return
	}
	b.reset(true)
	srv.wsBatches.Put(b)
}
