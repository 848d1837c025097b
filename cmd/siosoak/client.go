package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// errRefused is a CONNECT the server answered with CONNECT_ERROR.
var errRefused = errors.New("siosoak: connect refused")

// conn is one Socket.IO connection to namespace "/" over a session: a
// reader goroutine dispatches what arrives (acks to their emitters, events
// to the handler, answering the server's acks requests), and Emit may be
// called meanwhile.
type conn struct {
	s       session
	onEvent func(event string, payload string)

	mu     sync.Mutex
	nextID uint64
	acks   map[uint64]chan string
	err    error // why the reader stopped; set before done is closed

	connected chan struct{} // closed at the CONNECT reply
	done      chan struct{} // closed when the reader stops
}

// dial opens a session and connects to "/" with the token, waiting for the
// server's CONNECT reply.
func dial(ctx context.Context, d *dialer, base, transport, token string, onEvent func(string, string)) (*conn, error) {
	s, err := dialSession(ctx, d, base, transport)
	if err != nil {
		return nil, err
	}
	auth, _ := json.Marshal(map[string]string{"token": token})
	c := &conn{s: s, onEvent: onEvent, acks: make(map[uint64]chan string),
		connected: make(chan struct{}), done: make(chan struct{})}
	go c.read()
	if err := s.send("40" + string(auth)); err != nil {
		s.close(false)
		<-c.done
		return nil, err
	}
	select {
	case <-c.connected:
		return c, nil
	case <-c.done:
		return nil, c.err
	case <-ctx.Done():
		s.close(false)
		<-c.done
		return nil, ctx.Err()
	}
}

func (c *conn) read() {
	defer close(c.done)
	for {
		pkts, err := c.s.recv()
		for _, p := range pkts {
			if p[0] != '4' {
				continue
			}
			if e := c.handle(p[1:]); e != nil {
				err = e
			}
		}
		if err != nil {
			c.mu.Lock()
			c.err = err
			for id, ch := range c.acks {
				close(ch)
				delete(c.acks, id)
			}
			c.mu.Unlock()
			return
		}
	}
}

// handle takes one Socket.IO packet of namespace "/".
func (c *conn) handle(p string) error {
	if p == "" {
		return nil
	}
	typ, rest := p[0], p[1:]
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	idText, data := rest[:i], rest[i:]
	switch typ {
	case '0':
		select {
		case <-c.connected:
		default:
			close(c.connected)
		}
	case '1':
		return fmt.Errorf("%w: disconnected by the server", errClosed)
	case '4':
		return fmt.Errorf("%w: %s", errRefused, data)
	case '3':
		id, err := strconv.ParseUint(idText, 10, 64)
		if err != nil {
			return fmt.Errorf("ack without an id: %q", p)
		}
		c.mu.Lock()
		ch := c.acks[id]
		delete(c.acks, id)
		c.mu.Unlock()
		if ch != nil {
			ch <- data
		}
	case '2':
		event := eventName(data)
		if idText != "" {
			// The server asks for an ack (delivery receipts): answer at once,
			// as the demo page does.
			if err := c.s.send("43" + idText + "[]"); err != nil {
				return err
			}
		}
		if c.onEvent != nil {
			c.onEvent(event, data)
		}
	}
	return nil
}

// eventName reads the name of an event's data array without decoding the
// rest.
func eventName(data string) string {
	if !strings.HasPrefix(data, `["`) {
		return ""
	}
	end := strings.IndexByte(data[2:], '"')
	if end < 0 {
		return ""
	}
	return data[2 : 2+end]
}

// emit sends an event without an ack.
func (c *conn) emit(event string, arg any) error {
	b, err := json.Marshal([]any{event, arg})
	if err != nil {
		return err
	}
	return c.s.send("42" + string(b))
}

// emitWithAck sends an event and waits for its ack's data (the JSON array
// of the ack's arguments).
func (c *conn) emitWithAck(ctx context.Context, event string, arg any) (string, error) {
	b, err := json.Marshal([]any{event, arg})
	if err != nil {
		return "", err
	}
	ch := make(chan string, 1)
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return "", c.err
	}
	id := c.nextID
	c.nextID++
	c.acks[id] = ch
	c.mu.Unlock()
	if err := c.s.send("42" + strconv.FormatUint(id, 10) + string(b)); err != nil {
		c.forget(id)
		return "", err
	}
	select {
	case data, ok := <-ch:
		if !ok {
			return "", c.stopped()
		}
		return data, nil
	case <-ctx.Done():
		c.forget(id)
		return "", ctx.Err()
	}
}

func (c *conn) forget(id uint64) {
	c.mu.Lock()
	delete(c.acks, id)
	c.mu.Unlock()
}

func (c *conn) stopped() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		return errClosed
	}
	return c.err
}

// close ends the connection (a DISCONNECT first when graceful) and waits
// for the reader to stop.
func (c *conn) close(graceful bool) {
	if graceful {
		c.s.send("41")
	}
	c.s.close(graceful)
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		// A graceful close over polling waits for the server to end the
		// poll; a server that never does is a finding, not a hang.
		c.s.close(false)
		<-c.done
	}
}
