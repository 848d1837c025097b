package attack

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// WebSocket opcodes, for Frame.Opcode. Any other 4-bit value is an
// unknown opcode, which a server must refuse.
const (
	OpContinuation byte = 0x0
	OpText         byte = 0x1
	OpBinary       byte = 0x2
	OpClose        byte = 0x8
	OpPing         byte = 0x9
	OpPong         byte = 0xa
)

// CloseAbnormal is the close code Closure reports when the server dropped
// the TCP connection without a close frame (RFC 6455's 1006, which is
// never sent on the wire).
const CloseAbnormal = websocket.CloseAbnormalClosure

// WebSocket is a client WebSocket whose frames the caller may build by
// hand. What the server sends is read as usual.
type WebSocket struct {
	conn *websocket.Conn
	wmu  sync.Mutex // one writer at a time: frames must not interleave
}

// DialWebSocket opens a WebSocket to Base?query, such as
// "EIO=4&transport=websocket" for a new session or
// "EIO=4&transport=websocket&sid=..." to upgrade one. A refused handshake
// returns the server's answer (its body as gorilla keeps it, up to 1 KiB)
// with websocket.ErrBadHandshake.
func (t *Target) DialWebSocket(ctx context.Context, query string, header http.Header) (*WebSocket, *Response, error) {
	ctx, cancel := withDefault(ctx)
	defer cancel()
	u := "ws" + strings.TrimPrefix(t.URL(query), "http")
	d := websocket.Dialer{HandshakeTimeout: DefaultTimeout, EnableCompression: t.WebSocketCompression}
	conn, resp, err := d.DialContext(ctx, u, header)
	var r *Response
	if resp != nil {
		r = &Response{Status: resp.StatusCode, Header: resp.Header}
		if resp.Body != nil {
			r.Body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
	}
	if err != nil {
		return nil, r, err
	}
	return &WebSocket{conn: conn}, r, nil
}

// OpenWebSocket opens a session whose transport is WebSocket from the
// start and reads its open packet; it returns the session id.
func (t *Target) OpenWebSocket(ctx context.Context) (*WebSocket, string, error) {
	ws, _, err := t.DialWebSocket(ctx, "EIO=4&transport=websocket", nil)
	if err != nil {
		return nil, "", err
	}
	typ, data, err := ws.Read(deadlineOf(ctx))
	if err == nil && (typ != websocket.TextMessage || len(data) == 0 || data[0] != '0') {
		err = fmt.Errorf("%w: first frame %q", ErrProtocol, data)
	}
	var sid string
	if err == nil {
		sid, err = openSID(string(data[1:]))
	}
	if err != nil {
		ws.Close()
		return nil, "", err
	}
	return ws, sid, nil
}

// Close closes the TCP connection, without a close frame.
func (ws *WebSocket) Close() error { return ws.conn.Close() }

// WriteText sends one well-formed text frame. Its content is not checked:
// it may be invalid UTF-8.
func (ws *WebSocket) WriteText(s string) error {
	return ws.WriteFrame(Frame{Opcode: OpText, Payload: []byte(s)})
}

// WriteBinary sends one well-formed binary frame.
func (ws *WebSocket) WriteBinary(b []byte) error {
	return ws.WriteFrame(Frame{Opcode: OpBinary, Payload: b})
}

// Frame is one WebSocket frame as the client writes it. The zero value of
// each field gives a well-formed final, masked frame.
type Frame struct {
	Opcode   byte
	Payload  []byte
	NotFinal bool  // FIN clear: the message continues in the next frame
	RSV      byte  // the three reserved bits, 0 to 7 (RSV1 is 4)
	Unmasked bool  // a client must mask; a server must refuse this
	Length   int64 // the length in the header when above len(Payload): the rest never comes
}

// maskKey masks every frame: masking is framing, not secrecy, and a fixed
// key keeps the bytes on the wire reproducible.
var maskKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// appendFrame appends the wire form of f.
func appendFrame(dst []byte, f Frame) []byte {
	dst = appendHeader(dst, f)
	if f.Unmasked {
		return append(dst, f.Payload...)
	}
	for i, c := range f.Payload {
		dst = append(dst, c^maskKey[i%4])
	}
	return dst
}

// FrameHeader returns the header of f alone, for a caller that writes the
// payload itself (slowly, say); the payload must be masked with the key
// the header announces, unless f.Unmasked, which Mask does.
func FrameHeader(f Frame) []byte { return appendHeader(nil, f) }

// Mask masks (or unmasks) payload bytes that start at offset off of a
// frame's payload, with the key of FrameHeader.
func Mask(b []byte, off int) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = c ^ maskKey[(off+i)%4]
	}
	return out
}

func appendHeader(dst []byte, f Frame) []byte {
	b0 := f.Opcode&0xf | (f.RSV&7)<<4
	if !f.NotFinal {
		b0 |= 0x80
	}
	n := max(f.Length, int64(len(f.Payload)))
	var mask byte
	if !f.Unmasked {
		mask = 0x80
	}
	dst = append(dst, b0)
	switch {
	case n < 126:
		dst = append(dst, mask|byte(n))
	case n <= 0xffff:
		dst = append(dst, mask|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, mask|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	if !f.Unmasked {
		dst = append(dst, maskKey[:]...)
	}
	return dst
}

// WriteFrame writes f as it is, bypassing every check of the WebSocket
// library.
func (ws *WebSocket) WriteFrame(f Frame) error {
	return ws.WriteRaw(appendFrame(nil, f))
}

// WriteRaw writes bytes on the connection as they are.
func (ws *WebSocket) WriteRaw(b []byte) error {
	ws.wmu.Lock()
	defer ws.wmu.Unlock()
	nc := ws.conn.NetConn()
	nc.SetWriteDeadline(time.Now().Add(DefaultTimeout))
	_, err := nc.Write(b)
	return err
}

// Read reads one data message, failing at deadline. The library answers
// the server's control frames (a close frame is answered, then reported
// as a *websocket.CloseError).
func (ws *WebSocket) Read(deadline time.Time) (typ int, data []byte, err error) {
	ws.conn.SetReadDeadline(deadline)
	typ, data, err = ws.conn.ReadMessage()
	if isTimeout(err) {
		err = fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return typ, data, err
}

// Message is one data message received.
type Message struct {
	Binary bool
	Data   []byte
}

func (m Message) String() string {
	if m.Binary {
		return fmt.Sprintf("binary %x", m.Data)
	}
	return fmt.Sprintf("text %q", m.Data)
}

// Closure is how the server ended a WebSocket: the messages it sent
// first, then the code and text of its close frame, or CloseAbnormal when
// it dropped the connection without one.
type Closure struct {
	Messages []Message
	Code     int
	Text     string
}

// ReadUntilClose reads until the server ends the connection. It fails
// with ErrStillOpen if the connection is still open at deadline.
func (ws *WebSocket) ReadUntilClose(deadline time.Time) (Closure, error) {
	var c Closure
	for {
		typ, data, err := ws.Read(deadline)
		if err == nil {
			c.Messages = append(c.Messages, Message{Binary: typ == websocket.BinaryMessage, Data: data})
			continue
		}
		if errors.Is(err, ErrTimeout) {
			return c, fmt.Errorf("%w: %d messages so far", ErrStillOpen, len(c.Messages))
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			c.Code, c.Text = ce.Code, ce.Text
		} else {
			c.Code = CloseAbnormal
		}
		return c, nil
	}
}

func isTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne) && ne.Timeout()
}
