package attack

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Conn is a TCP connection to the server on which the caller writes any
// bytes: half-sent requests, headers trickled byte by byte, bodies that
// never end. A reader goroutine collects what the server sends, so that
// the moment it closes the connection is known however the writes go.
type Conn struct {
	nc   net.Conn
	done chan struct{} // closed when the server side ended (EOF or error)
	more chan struct{} // signalled each time bytes arrive
	mu   sync.Mutex
	got  bytes.Buffer // everything the server sent
}

// Dial opens a TCP connection to the server.
func (t *Target) Dial(ctx context.Context) (*Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", t.Addr())
	if err != nil {
		return nil, err
	}
	c := &Conn{nc: nc, done: make(chan struct{}), more: make(chan struct{}, 1)}
	go c.read()
	return c, nil
}

func (c *Conn) read() {
	defer close(c.done)
	buf := make([]byte, 4096)
	for {
		n, err := c.nc.Read(buf)
		c.mu.Lock()
		c.got.Write(buf[:n])
		c.mu.Unlock()
		if n > 0 {
			select {
			case c.more <- struct{}{}:
			default:
			}
		}
		if err != nil {
			return
		}
	}
}

// Close closes the connection and waits for its reader.
func (c *Conn) Close() error {
	err := c.nc.Close()
	<-c.done
	return err
}

// Received returns a copy of what the server has sent so far.
func (c *Conn) Received() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.got.Bytes())
}

// Closed reports whether the server has ended the connection (or it
// failed).
func (c *Conn) Closed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// Write writes b at once.
func (c *Conn) Write(b []byte) (int, error) {
	c.nc.SetWriteDeadline(time.Now().Add(DefaultTimeout))
	return c.nc.Write(b)
}

// Trickle writes src one byte every interval until src runs out, the
// server closes the connection, or ctx is done. It returns how many bytes
// it wrote; the error is ErrStillOpen if ctx ended first, nil otherwise
// (check Closed to tell whether the server closed). A write the server
// refuses (the connection is gone) also ends it, with no error.
func (c *Conn) Trickle(ctx context.Context, src io.Reader, interval time.Duration) (int, error) {
	ctx, cancel := withDefault(ctx)
	defer cancel()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var one [1]byte
	n := 0
	for {
		if _, err := io.ReadFull(src, one[:]); err != nil {
			return n, nil // src ran out
		}
		if _, err := c.Write(one[:]); err != nil {
			return n, nil
		}
		n++
		select {
		case <-c.done:
			return n, nil
		case <-ctx.Done():
			return n, fmt.Errorf("%w after %d bytes trickled", ErrStillOpen, n)
		case <-tick.C:
		}
	}
}

// WaitClosed waits until the server ends the connection and returns what
// it sent, or fails with ErrStillOpen at deadline.
func (c *Conn) WaitClosed(deadline time.Time) ([]byte, error) {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-c.done:
		return c.Received(), nil
	case <-t.C:
		return c.Received(), fmt.Errorf("%w (received %q)", ErrStillOpen, c.Received())
	}
}

// ReadResponse waits until the server has sent a complete HTTP response
// and returns it, or fails at deadline.
func (c *Conn) ReadResponse(deadline time.Time) (*Response, error) {
	for {
		got := c.Received()
		if resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(got)), nil); err == nil {
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil {
				return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
			}
		}
		if c.Closed() {
			return nil, fmt.Errorf("%w before a complete response: %q", ErrClosed, got)
		}
		if err := c.waitMore(len(got), deadline); err != nil {
			return nil, err
		}
	}
}

// waitMore waits until more than n bytes have arrived or the connection
// ended.
func (c *Conn) waitMore(n int, deadline time.Time) error {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	for {
		c.mu.Lock()
		more := c.got.Len() > n
		c.mu.Unlock()
		if more {
			return nil
		}
		select {
		case <-c.done:
			return nil
		case <-c.more:
		case <-t.C:
			return fmt.Errorf("%w waiting for a response (received %q)", ErrTimeout, c.Received())
		}
	}
}

// Endless is a reader of the byte b forever: the value of a header or a
// body that never ends.
func Endless(b byte) io.Reader { return endless(b) }

type endless byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(e)
	}
	return len(p), nil
}
