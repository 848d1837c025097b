package socketio_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/socketio"
)

// hookLog records hook calls as text, in order.
type hookLog struct {
	mu     sync.Mutex
	events []string
}

func (l *hookLog) add(format string, args ...any) {
	l.mu.Lock()
	l.events = append(l.events, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

func (l *hookLog) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.events)
}

// waitFor waits until event is logged.
func (l *hookLog) waitFor(t *testing.T, event string) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	timeout := time.After(wait)
	for !slices.Contains(l.snapshot(), event) {
		select {
		case <-tick.C:
		case <-timeout:
			t.Fatalf("hook %q not called; got %q", event, l.snapshot())
		}
	}
}

// Empty Hooks (every field nil) on both layers: every hooked path runs
// and nothing panics.
func TestEmptyHooks(t *testing.T) {
	for _, transport := range transports {
		t.Run(transport, func(t *testing.T) {
			conns := make(chan *socketio.Socket, 4)
			opts := socketio.Options{
				Hooks:  &socketio.Hooks{},
				Engine: engineio.Options{Hooks: &engineio.Hooks{}},
			}
			s := startServer(t, opts, func(io *socketio.Server) {
				io.OnConnection(func(so *socketio.Socket) {
					so.On("echo", func(v string, ack socketio.AckFunc) { ack(v) })
					conns <- so
				})
				io.Of("/closed").Use(func(*socketio.Socket) error { return errors.New("no") })
			})
			c, _ := s.connect(transport, "/", "")
			so := recv(t, conns)
			send(t, c, `21["echo","x"]`)
			expect(t, c, `31["x"]`)
			so.Emit("one")
			expect(t, c, `2["one"]`)
			s.io.Emit("all")
			expect(t, c, `2["all"]`)
			so.Volatile().Emit("maybe")
			if _, err := so.Timeout(time.Millisecond).EmitWithAck(context.Background(), "q"); !errors.Is(err, socketio.ErrTimeout) {
				t.Fatalf("EmitWithAck: %v", err)
			}
			send(t, c, "0/closed,")
			for {
				got, err := c.ReadText(wait)
				if err != nil {
					t.Fatal(err)
				}
				if got == `4/closed,{"message":"no"}` {
					break
				}
			}
			send(t, c, "9") // no such packet type
			expectClosed(t, c)
		})
	}
}

// Socket hooks report in order: connected before any event, disconnected
// once with its reason; a broadcast reports its recipients at once.
func TestSocketHooks(t *testing.T) {
	var log hookLog
	hooks := &socketio.Hooks{
		Connected:      func(nsp string) { log.add("connected %s", nsp) },
		Disconnected:   func(nsp, reason string) { log.add("disconnected %s %s", nsp, reason) },
		ConnectRefused: func(nsp string, err error) { log.add("refused %s %v", nsp, err) },
		EventIn:        func(nsp string, size int) { log.add("in %s %d", nsp, size) },
		EventOut:       func(nsp string, size, n int) { log.add("out %s %d %d", nsp, size, n) },
		AckTimeout:     func(nsp string) { log.add("ack timeout %s", nsp) },
		ParseError:     func(error) { log.add("parse error") },
	}
	conns := make(chan *socketio.Socket, 4)
	s := startServer(t, socketio.Options{Hooks: hooks}, func(io *socketio.Server) {
		io.Of("/chat").OnConnection(func(so *socketio.Socket) { conns <- so })
		io.Of("/vip").Use(func(*socketio.Socket) error { return errors.New("members only") })
	})
	a, _ := s.connect("websocket", "/chat", "")
	so := recv(t, conns) // a's
	b, _ := s.connect("polling", "/chat", "")
	recv(t, conns)

	send(t, a, `2/chat,["msg","hello"]`)
	log.waitFor(t, fmt.Sprintf("in /chat %d", len(`["msg","hello"]`)))
	s.io.Of("/chat").Emit("news", 1)
	expect(t, a, `2/chat,["news",1]`)
	expect(t, b, `2/chat,["news",1]`)
	log.waitFor(t, fmt.Sprintf("out /chat %d 2", len(`["news",1]`)))
	if _, err := so.Timeout(time.Millisecond).EmitWithAck(context.Background(), "q"); !errors.Is(err, socketio.ErrTimeout) {
		t.Fatalf("EmitWithAck: %v", err)
	}
	expectPrefix(t, a, `2/chat,`)
	log.waitFor(t, "ack timeout /chat")

	send(t, a, "0/vip,")
	expectPrefix(t, a, "4/vip,")
	log.waitFor(t, "refused /vip members only")

	send(t, a, `2/chat,"not an array"`)
	expectClosed(t, a)
	log.waitFor(t, "parse error")
	log.waitFor(t, "disconnected /chat "+socketio.ReasonForcedClose)

	send(t, b, "1/chat,")
	log.waitFor(t, "disconnected /chat "+socketio.ReasonClientNamespaceDisconnect)

	got := log.snapshot()
	connects, disconnects := 0, 0
	for i, ev := range got {
		switch {
		case ev == "connected /chat":
			connects++
		case len(ev) > 12 && ev[:12] == "disconnected":
			disconnects++
			if connects < disconnects {
				t.Errorf("event %d: %q before its connect: %q", i, ev, got)
			}
		}
	}
	if connects != 2 || disconnects != 2 {
		t.Errorf("%d connects, %d disconnects, want 2 and 2: %q", connects, disconnects, got)
	}
}
