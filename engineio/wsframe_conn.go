package engineio

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// controlTimeout bounds the write of a pong or of a close frame echoing
// the client's, as the WebSocket library bounds its own control frames.
const controlTimeout = time.Second

// wsConn is the network connection under a WebSocket whose frames the
// session writes itself: every WebSocket without permessage-deflate. A
// flush then costs one write system call however many frames it holds
// (one per 64 KiB of small frames: maxBatchCopy), where the WebSocket
// library makes one per frame.
//
// The library still reads from it, and its reader still writes a few
// control frames of its own (the close frame answering a protocol error
// or an oversize frame): those come through Write, under the lock the
// session's writes take. So frames leave whole and in order, and nothing
// leaves after a close frame, whoever wrote it.
type wsConn struct {
	net.Conn
	writev bool // Conn writes net.Buffers with one writev

	// mu is the write lock. It is a channel so that waiting for it can
	// time out: a close frame gives up on a writer stuck on a client that
	// stopped reading (the caller then drops the connection).
	mu        chan struct{}
	closeSent bool  // under mu
	err       error // under mu: a failed write may have cut a frame short, so nothing may follow it

	// libDeadline is the write deadline the library set for its next
	// Write (Unix nanoseconds, 0 for none). The library sets it and
	// writes under its own lock, not ours: it is applied under ours.
	libDeadline atomic.Int64
}

func newWSConn(c net.Conn) *wsConn {
	wc := &wsConn{Conn: c, mu: make(chan struct{}, 1)}
	switch c.(type) {
	case *net.TCPConn, *net.UnixConn: // what net.Buffers writes with writev
		wc.writev = true
	}
	return wc
}

// wsHijacker gives the WebSocket library a wsConn in place of the
// connection it hijacks.
type wsHijacker struct {
	http.ResponseWriter
	h    http.Hijacker
	conn *wsConn
}

func (w *wsHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := w.h.Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.conn = newWSConn(c)
	return w.conn, brw, nil
}

// upgrade answers a WebSocket upgrade. Without permessage-deflate the
// session writes its frames itself, through a wsConn; with it, the library
// writes them (it compresses). A ResponseWriter that cannot hijack is left
// to the library to refuse, as before.
func (srv *Server) upgrade(w http.ResponseWriter, r *http.Request, header http.Header) (*websocket.Conn, error) {
	if h, ok := w.(http.Hijacker); ok && !srv.opts.PerMessageDeflate {
		w = &wsHijacker{ResponseWriter: w, h: h}
	}
	conn, err := srv.upgrader.Upgrade(w, r, header)
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(srv.opts.MaxHTTPBufferSize)
	if wc, ok := conn.NetConn().(*wsConn); ok {
		// The library answers pings and echoes close frames with its own
		// writes; ours keep them in line with the session's frames.
		conn.SetPingHandler(func(data string) error {
			err := wc.writeControl(opPong, []byte(data), time.Now().Add(controlTimeout))
			if err == websocket.ErrCloseSent || os.IsTimeout(err) {
				return nil // as the library's handler: not a read error
			}
			return err
		})
		conn.SetCloseHandler(func(code int, _ string) error {
			wc.writeControl(opClose, websocket.FormatCloseMessage(code, ""), time.Now().Add(controlTimeout))
			return nil
		})
	}
	return conn, nil
}

// lock takes the write lock, waiting until deadline at most (forever if it
// is zero); it reports whether it got it.
func (c *wsConn) lock(deadline time.Time) bool {
	select {
	case c.mu <- struct{}{}:
		return true
	default:
	}
	if deadline.IsZero() {
		c.mu <- struct{}{}
		return true
	}
	d := time.Until(deadline)
	if d <= 0 {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case c.mu <- struct{}{}:
		return true
	case <-t.C:
		return false
	}
}

func (c *wsConn) unlock() { <-c.mu }

// writableLocked returns why nothing more may be written, if anything.
func (c *wsConn) writableLocked() error {
	if c.err != nil {
		return c.err
	}
	if c.closeSent {
		return websocket.ErrCloseSent
	}
	return nil
}

// write writes bufs with one system call (writev, or write for a single
// buffer; more only past the 1024 buffers writev takes). It consumes bufs.
func (c *wsConn) write(bufs *net.Buffers, deadline time.Time) error {
	if !c.lock(deadline) {
		return os.ErrDeadlineExceeded
	}
	defer c.unlock()
	if err := c.writableLocked(); err != nil {
		return err
	}
	c.Conn.SetWriteDeadline(deadline)
	var err error
	if len(*bufs) == 1 {
		_, err = c.Conn.Write((*bufs)[0])
	} else {
		_, err = bufs.WriteTo(c.Conn)
	}
	if err != nil {
		c.err = err
	}
	return err
}

// writeFrame writes one whole frame (or, from the library, the 101
// response), noting a close frame: nothing may follow it.
func (c *wsConn) writeFrame(frame []byte, deadline time.Time) error {
	if !c.lock(deadline) {
		return os.ErrDeadlineExceeded
	}
	defer c.unlock()
	if err := c.writableLocked(); err != nil {
		return err
	}
	c.Conn.SetWriteDeadline(deadline)
	if _, err := c.Conn.Write(frame); err != nil {
		c.err = err
		return err
	}
	if len(frame) > 0 && frame[0] == finBit|opClose {
		c.closeSent = true
	}
	return nil
}

// writeControl writes a control frame (payload at most 125 bytes).
func (c *wsConn) writeControl(op byte, payload []byte, deadline time.Time) error {
	frame := appendFrameHeader(make([]byte, 0, 2+len(payload)), op, len(payload))
	return c.writeFrame(append(frame, payload...), deadline)
}

// Write is the library's: its 101 response, and whole control frames,
// each in one call.
func (c *wsConn) Write(p []byte) (int, error) {
	var deadline time.Time
	if ns := c.libDeadline.Load(); ns != 0 {
		deadline = time.Unix(0, ns)
	}
	if err := c.writeFrame(p, deadline); err != nil {
		return 0, err
	}
	return len(p), nil
}

// SetWriteDeadline is the library's, for its next Write.
func (c *wsConn) SetWriteDeadline(t time.Time) error {
	var ns int64
	if !t.IsZero() {
		ns = t.UnixNano()
	}
	c.libDeadline.Store(ns)
	return nil
}
