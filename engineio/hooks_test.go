package engineio_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siogo/siogo/engineio"
)

// recorder records hook calls as text, in order.
type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) add(format string, args ...any) {
	r.mu.Lock()
	r.events = append(r.events, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

func (r *recorder) has(event string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Contains(r.events, event)
}

// wait waits until event has been recorded.
func (r *recorder) wait(t *testing.T, event string) {
	t.Helper()
	waitFor(t, "hook "+event, func() bool { return r.has(event) })
}

// Only some hooks are set: the others, nil, must cost nothing and break
// nothing on any path (upgrade, volatile, overflow, refusals...).
func TestPartialHooks(t *testing.T) {
	leakCheck(t)
	var rec recorder
	hooks := &engineio.Hooks{
		SessionOpened:  func(tr string) { rec.add("open %s", tr) },
		SessionClosed:  func(tr, reason string) { rec.add("close %s %s", tr, reason) },
		RequestRefused: func(code string) { rec.add("refused %s", code) },
		PacketIn: func(tr, typ string, size int) {
			if typ == "message" {
				rec.add("in %s %d", tr, size)
			}
		},
	}
	e := startServer(t, engineio.Options{Hooks: hooks, MaxHTTPBufferSize: 64, MaxBufferedPackets: 2}, true)

	h := e.handshake()
	s := e.session()
	rec.wait(t, "open polling")
	e.postOK(h.SID, "4hello", "bAQID") // text, and 3 bytes of base64 binary
	rec.wait(t, "in polling 5")
	rec.wait(t, "in polling 3")

	e.post("nope", "4x")
	rec.wait(t, "refused unknown sid")
	if r := e.post(h.SID, "4"+strings.Repeat("x", 100)); r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized POST: %s", r)
	}
	rec.wait(t, "refused payload too large")

	s.SendVolatile(engineio.NewTextMessage("dropped")) // the echoes wait in the queue
	s.SendText("overflow")
	e.waitClose(h.SID, engineio.ReasonTransportError)
	rec.wait(t, "close polling transport error")
}

// Every hook set: each reports its event once, with the transport of the
// moment.
func TestHooksUpgradeAndRequests(t *testing.T) {
	leakCheck(t)
	var rec recorder
	hooks := &engineio.Hooks{
		SessionOpened: func(tr string) { rec.add("open %s", tr) },
		SessionClosed: func(tr, reason string) { rec.add("close %s %s", tr, reason) },
		Upgraded:      func() { rec.add("upgraded") },
		PacketIn:      func(tr, typ string, size int) { rec.add("in %s %s %d", tr, typ, size) },
		PacketOut:     func(tr, typ string, size int) { rec.add("out %s %s %d", tr, typ, size) },
		RequestDone: func(tr, method string, d time.Duration) {
			if d > 0 {
				rec.add("request %s %s", tr, method)
			}
		},
	}
	e := startServer(t, engineio.Options{Hooks: hooks}, true)
	h := e.handshake()
	e.session()
	rec.wait(t, "request polling GET")
	rec.wait(t, "out polling open "+fmt.Sprint(len(h.Response.Packets()[0])-1))

	ws, _, err := e.c.DialWS(ctx(t), "EIO=4&transport=websocket&sid="+h.SID, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.Probe(deadline()); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "in websocket ping 5")
	rec.wait(t, "out websocket pong 5")
	if err := ws.WriteText("5"); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "upgraded")
	if err := ws.WriteText("4abc"); err != nil {
		t.Fatal(err)
	}
	if got, err := ws.ReadText(deadline()); err != nil || got != "4abc" {
		t.Fatalf("echo: %q %v", got, err)
	}
	rec.wait(t, "in websocket message 3")
	rec.wait(t, "out websocket message 3")

	e.do(http.MethodGet, "EIO=4&transport=carrier-pigeon", nil, "")
	rec.wait(t, "request  GET") // an unknown transport is ""

	ws.CloseNormal()
	e.waitClose(h.SID, engineio.ReasonTransportClose)
	rec.wait(t, "close websocket transport close")
}
