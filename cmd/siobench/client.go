package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// errClosed is returned by a Conn's writes once it is closed.
var errClosed = errors.New("siobench: connection closed")

// dialer opens WebSocket connections cheaply: small buffers, a shared
// write-buffer pool, and SO_LINGER 0 so that closing a connection sends a
// reset instead of leaving a TIME_WAIT socket behind (the connect scenario
// opens tens of thousands of them).
type dialer struct {
	ws      websocket.Dialer
	netDial func(ctx context.Context, network, addr string) (net.Conn, error) // TCP with SO_LINGER 0
}

func newDialer() *dialer {
	nd := &net.Dialer{Timeout: 10 * time.Second}
	netDial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := nd.DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		return c, err
	}
	return &dialer{netDial: netDial, ws: websocket.Dialer{
		HandshakeTimeout: 10 * time.Second,
		ReadBufferSize:   1024,
		WriteBufferSize:  1024,
		WriteBufferPool:  &sync.Pool{},
		NetDialContext:   netDial,
	}}
}

// Conn is one Engine.IO 4 WebSocket session connected to the Socket.IO
// namespace "/". After Dial, Start runs its reader, which answers pings
// and hands every Socket.IO packet to the handler.
type Conn struct {
	ws  *websocket.Conn
	wmu sync.Mutex
	buf []byte // reader's buffer, reused between messages
}

// packetFunc receives one Socket.IO packet (the Engine.IO message without
// its leading '4'). The slice is only valid during the call.
type packetFunc func(pkt []byte)

// Dial opens a WebSocket session to the server at base ("http://host:port"),
// reads the open packet, connects to namespace "/" and waits for the
// CONNECT reply.
func (d *dialer) Dial(ctx context.Context, base string) (*Conn, error) {
	u := "ws" + base[len("http"):] + "/socket.io/?EIO=4&transport=websocket"
	ws, _, err := d.ws.DialContext(ctx, u, nil)
	if err != nil {
		return nil, err
	}
	c := &Conn{ws: ws}
	if err := c.handshake(ctx); err != nil {
		ws.Close()
		return nil, err
	}
	return c, nil
}

func (c *Conn) handshake(ctx context.Context) error {
	dl, ok := ctx.Deadline()
	if !ok {
		dl = time.Now().Add(10 * time.Second)
	}
	c.ws.SetReadDeadline(dl)
	defer c.ws.SetReadDeadline(time.Time{})
	msg, err := c.next()
	if err != nil {
		return fmt.Errorf("open packet: %w", err)
	}
	if len(msg) == 0 || msg[0] != '0' {
		return fmt.Errorf("open packet: got %q", msg)
	}
	if err := c.Write([]byte("40")); err != nil {
		return err
	}
	for {
		msg, err := c.next()
		if err != nil {
			return fmt.Errorf("connect reply: %w", err)
		}
		switch {
		case bytes.HasPrefix(msg, []byte("40")):
			return nil
		case bytes.Equal(msg, []byte("2")):
			c.Write([]byte("3"))
		case bytes.HasPrefix(msg, []byte("44")):
			return fmt.Errorf("connect refused: %s", msg)
		}
	}
}

// next reads one text message into c.buf.
func (c *Conn) next() ([]byte, error) {
	for {
		typ, r, err := c.ws.NextReader()
		if err != nil {
			return nil, err
		}
		if typ != websocket.TextMessage {
			continue // the scenarios never receive binary
		}
		if c.buf == nil {
			c.buf = make([]byte, 0, 128)
		}
		c.buf = c.buf[:0]
		for {
			if len(c.buf) == cap(c.buf) {
				c.buf = append(c.buf, 0)[:len(c.buf)]
			}
			n, err := r.Read(c.buf[len(c.buf):cap(c.buf)])
			c.buf = c.buf[:len(c.buf)+n]
			if err == io.EOF {
				return c.buf, nil
			}
			if err != nil {
				return nil, err
			}
		}
	}
}

// Start runs the reader until the connection closes; done, if not nil, is
// called then.
func (c *Conn) Start(h packetFunc, done func()) {
	go func() {
		if done != nil {
			defer done()
		}
		for {
			msg, err := c.next()
			if err != nil || len(msg) == 0 {
				return
			}
			switch msg[0] {
			case '4':
				h(msg[1:])
			case '2':
				c.Write([]byte("3"))
			case '1':
				c.Close()
				return
			}
		}
	}()
}

// Write sends one Engine.IO packet (with its type digit) as a text frame.
func (c *Conn) Write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
		return errors.Join(errClosed, err)
	}
	return nil
}

// Close resets the connection; the reader returns.
func (c *Conn) Close() { c.ws.Close() }

// parseAck splits a Socket.IO ACK packet for namespace "/" ("3<id>[...]")
// into its id and data. ok is false for any other packet.
func parseAck(pkt []byte) (id uint64, data []byte, ok bool) {
	if len(pkt) < 2 || pkt[0] != '3' {
		return 0, nil, false
	}
	i := 1
	for ; i < len(pkt) && pkt[i] >= '0' && pkt[i] <= '9'; i++ {
		id = id*10 + uint64(pkt[i]-'0')
	}
	if i == 1 {
		return 0, nil, false
	}
	return id, pkt[i:], true
}
