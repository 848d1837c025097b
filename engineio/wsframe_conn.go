package engineio

import (
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/siogo/siogo/internal/netpoll"
)

// controlTimeout bounds the write of a pong or of a close frame echoing
// the client's.
const controlTimeout = time.Second

// wsConn is a WebSocket that the session reads and writes itself: every
// WebSocket without permessage-deflate.
//
// Writes: a flush costs one write system call however many frames it holds
// (one per 64 KiB of small frames: maxBatchCopy), where a WebSocket
// library makes one per frame. Pongs and close frames take the same lock,
// so frames leave whole and in order, and nothing leaves after a close
// frame.
//
// Reads: where the Server has a netpoll.Poller (Linux, plain TCP), an idle
// connection has no goroutine and no buffer: when data arrives a goroutine
// starts, reads until the socket is drained, hands the complete messages
// on in order, and exits. Elsewhere (TLS, other platforms) a goroutine
// per connection reads. Either way one reader at a time parses the frames
// (wsReader), so messages keep their order.
type wsConn struct {
	conn   net.Conn
	srv    *Server
	writev bool // conn writes net.Buffers with one writev

	// mu is the write lock. A close frame gives up waiting for it after a
	// while: the writer may be stuck on a client that stopped reading (the
	// caller then drops the connection).
	mu        sync.Mutex
	closeSent bool      // under mu
	err       error     // under mu: a failed write may have cut a frame short, so nothing may follow it
	deadline  time.Time // under mu: the connection's write deadline

	// The reader's state: one reader at a time touches it.
	rd       wsReader
	recv     wsReceiver
	draining bool // the session is over: read only until the client's close

	pending atomic.Int32 // readiness events not yet drained
	hup     atomic.Bool  // the stream's end (or an error) is waiting: read until it

	// pollMu orders the Poller's watch with Close, which an upgrade's
	// timeout may call while the watch begins; closed is under it too.
	pollMu sync.Mutex
	rc     syscall.RawConn // nil: a goroutine reads
	token  uint64          // the Poller's, when rc is set
	closed bool
}

func newWSConn(srv *Server, c net.Conn) *wsConn {
	wc := &wsConn{conn: c, srv: srv}
	wc.rd.limit = srv.opts.MaxHTTPBufferSize
	switch c.(type) {
	case *net.TCPConn, *net.UnixConn: // what net.Buffers writes with writev
		wc.writev = true
	}
	return wc
}

// startReading hands incoming messages to recv from now on.
func (c *wsConn) startReading(recv wsReceiver) {
	c.recv = recv
	if c.watch() {
		c.readable(false) // data may have come before the watch began
		return
	}
	go c.readLoop()
}

// watch has the Server's Poller watch the connection, if it can.
func (c *wsConn) watch() bool {
	p := c.srv.netpoller()
	sc, ok := c.conn.(syscall.Conn)
	if p == nil || !ok || !c.writev {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	c.pollMu.Lock()
	defer c.pollMu.Unlock()
	if c.closed {
		return false
	}
	c.rc = rc // before Add: a reader may start as soon as Add has watched
	token, err := p.Add(rc, c.readable)
	if err != nil {
		c.rc = nil
		return false
	}
	c.token = token
	return true
}

// readable is the Poller's news that data arrived. A reader is started
// unless one runs: it will see the news and read again.
func (c *wsConn) readable(hup bool) {
	if hup {
		c.hup.Store(true)
	}
	if c.pending.Add(1) == 1 {
		c.srv.workers.Go(c.drain)
	}
}

// drain reads until the socket is drained and no news came meanwhile.
func (c *wsConn) drain() {
	bp := c.srv.getReadBuf()
	defer c.srv.putReadBuf(bp)
	buf := *bp
	for {
		seen := c.pending.Load()
		for {
			n, again, err := netpoll.Read(c.rc, buf)
			if !c.took(buf[:n], err) {
				return
			}
			// A short read drained the socket, saving the read that
			// would say EAGAIN; but when the stream's end is waiting
			// no new event will come for it: read on until it.
			if again || n < len(buf) && !c.hup.Load() {
				break
			}
		}
		if c.pending.CompareAndSwap(seen, 0) {
			return
		}
	}
}

// readLoop is the reader where there is no Poller.
func (c *wsConn) readLoop() {
	buf := make([]byte, 4096)
	for {
		n, err := c.conn.Read(buf)
		if !c.took(buf[:n], err) {
			return
		}
	}
}

// took hands what a read returned to the frame parser; false once reading
// has ended.
func (c *wsConn) took(data []byte, err error) bool {
	if len(data) > 0 {
		if ferr := c.rd.feed(data, c); ferr != nil {
			c.end(ferr)
			return false
		}
	}
	if err != nil {
		c.end(err)
		return false
	}
	return true
}

// message is a complete message from the client (frameSink).
func (c *wsConn) message(binary bool, data []byte) {
	if !c.draining && !c.recv.message(binary, data) {
		c.draining = true
	}
}

// ping answers a ping frame (frameSink).
func (c *wsConn) ping(payload []byte) {
	c.writeControl(opPong, payload, time.Now().Add(controlTimeout))
}

// end stops reading for err: it sends the close frame the error calls
// for, tells the session, and drops the connection.
func (c *wsConn) end(err error) {
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &ce): // echo the client's close
		c.writeControl(opClose, websocket.FormatCloseMessage(ce.Code, ""), time.Now().Add(controlTimeout))
	case errors.Is(err, errWSTooBig):
		c.writeControl(opClose, websocket.FormatCloseMessage(websocket.CloseMessageTooBig, ""), time.Now().Add(controlTimeout))
	case errors.Is(err, errWSCloseUTF8):
		c.writeControl(opClose, websocket.FormatCloseMessage(websocket.CloseInvalidFramePayloadData, ""), time.Now().Add(controlTimeout))
	case errors.Is(err, errWSProtocol):
		c.writeControl(opClose, websocket.FormatCloseMessage(websocket.CloseProtocolError, ""), time.Now().Add(controlTimeout))
	}
	if !c.draining {
		c.draining = true
		c.recv.failed(err)
	}
	c.Close()
}

// Close drops the connection at once. Safe to call more than once.
func (c *wsConn) Close() error {
	c.pollMu.Lock()
	if c.closed {
		c.pollMu.Unlock()
		return nil
	}
	c.closed = true
	if c.rc != nil {
		c.srv.netpoller().Remove(c.rc, c.token)
	}
	c.pollMu.Unlock()
	return c.conn.Close()
}

// shutdown sends an empty close frame, as Node's ws.close() does, and
// drops the connection when the client answers it, or after closeGrace.
func (c *wsConn) shutdown() {
	if err := c.writeControl(opClose, nil, time.Now().Add(closeGrace)); err != nil {
		c.Close()
		return
	}
	time.AfterFunc(closeGrace, func() { c.Close() })
}

// writeClose sends a close frame with code (RFC 6455 7.4).
func (c *wsConn) writeClose(code int) error {
	return c.writeControl(opClose, websocket.FormatCloseMessage(code, ""), time.Now().Add(closeGrace))
}

// writeProbeAnswer answers the client's "2probe".
func (c *wsConn) writeProbeAnswer() error {
	const answer = "3probe"
	frame := appendFrameHeader(make([]byte, 0, 2+len(answer)), opText, len(answer))
	return c.writeFrame(append(frame, answer...), time.Now().Add(writeTimeout))
}

// lock takes the write lock, waiting until deadline at most (forever if it
// is zero); it reports whether it got it. Only a close frame waits with a
// deadline, and only behind a writer stuck on a client that stopped
// reading: polling for the lock then costs less than a channel in every
// connection.
func (c *wsConn) lock(deadline time.Time) bool {
	if c.mu.TryLock() {
		return true
	}
	if deadline.IsZero() {
		c.mu.Lock()
		return true
	}
	for {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
		if c.mu.TryLock() {
			return true
		}
	}
}

func (c *wsConn) unlock() { c.mu.Unlock() }

// armDeadline makes the write deadline at most d, and at least halfway
// from now to d: a deadline already in that range is kept. Moving the
// runtime timer behind a deadline on every flush cost 12% of the CPU of a
// broadcast to 10,000 receivers; this moves it about once per half
// writeTimeout per connection, and a stuck write is still cut by d. The
// caller holds the write lock.
func (c *wsConn) armDeadline(d time.Time) {
	now := time.Now()
	if !c.deadline.After(d) && c.deadline.After(now.Add(d.Sub(now)/2)) {
		return
	}
	c.deadline = d
	c.conn.SetWriteDeadline(d)
}

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
	return c.send(bufs, deadline, false)
}

// writeFrame writes one whole frame, noting a close frame: nothing may
// follow it.
func (c *wsConn) writeFrame(frame []byte, deadline time.Time) error {
	bufs := net.Buffers{frame}
	return c.send(&bufs, deadline, len(frame) > 0 && frame[0] == finBit|opClose)
}

// send writes bufs under the write lock; closing marks them as the close
// frame, after which nothing more is written.
func (c *wsConn) send(bufs *net.Buffers, deadline time.Time, closing bool) error {
	if !c.lock(deadline) {
		return os.ErrDeadlineExceeded
	}
	defer c.unlock()
	if err := c.writableLocked(); err != nil {
		return err
	}
	c.armDeadline(deadline)
	var err error
	if len(*bufs) == 1 {
		_, err = c.conn.Write((*bufs)[0])
	} else {
		_, err = bufs.WriteTo(c.conn)
	}
	if err != nil {
		c.err = err
		return err
	}
	c.closeSent = closing
	return nil
}

// writeControl writes a control frame (payload at most 125 bytes).
func (c *wsConn) writeControl(op byte, payload []byte, deadline time.Time) error {
	frame := appendFrameHeader(make([]byte, 0, 2+len(payload)), op, len(payload))
	return c.writeFrame(append(frame, payload...), deadline)
}
