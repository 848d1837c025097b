package engineio_test

import (
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/internal/eiotest"
)

// upgrade runs the whole upgrade of a polling session with no poll open:
// probe, then "5".
func (e *env) upgrade(id string) *eiotest.WSConn {
	e.t.Helper()
	ws, _, err := e.c.DialWS(ctx(e.t), "EIO=4&transport=websocket&sid="+id, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { ws.Close() })
	if err := ws.Probe(deadline()); err != nil {
		e.t.Fatal(err)
	}
	if err := ws.WriteText("5"); err != nil {
		e.t.Fatal(err)
	}
	return ws
}

func TestUpgrade(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, true)
	h := e.handshake()
	s := e.session()
	pending := e.getPending(s)

	ws, resp, err := e.c.DialWS(ctx(t), "EIO=4&transport=websocket&sid="+h.SID, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade status %d", resp.StatusCode)
	}
	// The probe WebSocket carries nothing before "2probe" is answered.
	if err := ws.Probe(deadline()); err != nil {
		t.Fatal(err)
	}
	// The pending poll is released with a noop.
	if r := e.waitPoll(pending); r.Status != http.StatusOK || string(r.Body) != "6" {
		t.Fatalf("pending GET during the upgrade: %s, want 6", r)
	}
	if s.Transport() != engineio.Polling {
		t.Errorf("transport %s before 5", s.Transport())
	}
	if err := ws.WriteText("5"); err != nil {
		t.Fatal(err)
	}
	// From now on the WebSocket carries everything.
	ws.WriteText("4after")
	if got, err := ws.ReadText(deadline()); err != nil || got != "4after" {
		t.Fatalf("echo over the upgraded WebSocket: %q %v", got, err)
	}
	if s.Transport() != engineio.WebSocket {
		t.Errorf("transport %s after 5", s.Transport())
	}
	wantError(t, e.get(h.SID), http.StatusBadRequest, 3, "Bad request")
	wantError(t, e.post(h.SID, "4x"), http.StatusBadRequest, 3, "Bad request")
	e.noClose()
}

// TestUpgradePollDuringProbe: a poll that arrives while the probe is open is
// answered at once (a noop when nothing is queued), not held.
func TestUpgradePollDuringProbe(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, true)
	h := e.handshake()
	ws, _, err := e.c.DialWS(ctx(t), "EIO=4&transport=websocket&sid="+h.SID, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.Probe(deadline()); err != nil {
		t.Fatal(err)
	}
	if r := e.get(h.SID); r.Status != http.StatusOK || string(r.Body) != "6" {
		t.Fatalf("GET after 3probe: %s, want 6", r)
	}
	// A POST still works on polling until "5".
	e.postOK(h.SID, "4viapoll")
	ws.WriteText("5")
	if got, err := ws.ReadText(deadline()); err != nil || got != "4viapoll" {
		t.Fatalf("reply queued during the upgrade: %q %v, want it on the WebSocket", got, err)
	}
}

// TestUpgradeOrder sends numbered messages from another goroutine all through
// an upgrade: each must arrive exactly once and in order, the first ones by
// polling, the rest by WebSocket.
func TestUpgradeOrder(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, false)
	h := e.handshake()
	s := e.session()

	stop := make(chan struct{})
	sent := make(chan int, 1) // the count, once the sender stops
	var count atomic.Int64
	go func() {
		tick := time.NewTicker(200 * time.Microsecond)
		defer tick.Stop()
		n := 0
		for {
			select {
			case <-stop:
				s.SendText("end")
				sent <- n
				return
			case <-tick.C:
				if err := s.SendText(strconv.Itoa(n)); err != nil {
					t.Errorf("send %d: %v", n, err)
				}
				n++
				count.Store(int64(n))
			}
		}
	}()
	waitSent := func(atLeast int64) {
		t.Helper()
		waitFor(t, "the sender sent "+itoa(atLeast), func() bool { return count.Load() >= atLeast })
	}

	var got []string
	collect := func(p string) {
		switch {
		case p == "6", p == "2", p == "":
		case strings.HasPrefix(p, "4"):
			got = append(got, p[1:])
		default:
			t.Errorf("unexpected packet %q", p)
		}
	}
	// Poll until some messages went by polling.
	waitSent(10)
	for range 3 {
		for _, p := range e.get(h.SID).Packets() {
			collect(p)
		}
	}
	// Probe while the sender keeps going, then poll once, as a client does
	// before it pauses: the poll returns with what is queued, or a noop.
	ws, _, err := e.c.DialWS(ctx(t), "EIO=4&transport=websocket&sid="+h.SID, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.Probe(deadline()); err != nil {
		t.Fatal(err)
	}
	r := e.get(h.SID)
	if r.Status != http.StatusOK {
		t.Fatalf("GET during the upgrade: %s", r)
	}
	for _, p := range r.Packets() {
		collect(p)
	}
	if err := ws.WriteText("5"); err != nil {
		t.Fatal(err)
	}
	// Let more go by WebSocket, then stop.
	waitSent(count.Load() + 20)
	close(stop)
	n := <-sent
	for {
		p, err := ws.ReadText(deadline())
		if err != nil {
			t.Fatalf("after %d messages: %v", len(got), err)
		}
		if p == "4end" {
			break
		}
		collect(p)
	}
	want := make([]string, n)
	for i := range want {
		want[i] = strconv.Itoa(i)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %d messages %q…, want %d in order", len(got), got[:min(len(got), 30)], n)
	}
	e.noClose()
}

// TestUpgradeCancelled: any packet but "5" (or "2probe") on the probe
// cancels the upgrade; the session goes on over polling.
func TestUpgradeCancelled(t *testing.T) {
	for name, probe := range map[string]bool{"after 3probe": true, "before 2probe": false} {
		t.Run(name, func(t *testing.T) {
			leakCheck(t)
			e := startServer(t, engineio.Options{}, true)
			h := e.handshake()
			s := e.session()
			ws, _, err := e.c.DialWS(ctx(t), "EIO=4&transport=websocket&sid="+h.SID, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			if probe {
				if err := ws.Probe(deadline()); err != nil {
					t.Fatal(err)
				}
			}
			ws.WriteText("4oops")
			wantEnded(t, ws)
			if s.Transport() != engineio.Polling {
				t.Fatalf("transport %s", s.Transport())
			}
			e.postOK(h.SID, "4poll")
			var got []string
			for !slices.Contains(got, "4poll") {
				got = append(got, e.get(h.SID).Packets()...)
			}
			got = slices.DeleteFunc(got, func(p string) bool { return p == "6" })
			if !slices.Equal(got, []string{"4poll"}) {
				t.Fatalf("polling after the cancelled upgrade: %q", got)
			}
			// And a new upgrade may start.
			ws2 := e.upgrade(h.SID)
			ws2.WriteText("4ws")
			if got, err := ws2.ReadText(deadline()); err != nil || got != "4ws" {
				t.Fatalf("echo after a second upgrade: %q %v", got, err)
			}
			e.noClose()
		})
	}
}

func TestUpgradeTimeout(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{UpgradeTimeout: 200 * time.Millisecond}, true)
	h := e.handshake()
	ws, _, err := e.c.DialWS(ctx(t), "EIO=4&transport=websocket&sid="+h.SID, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	start := time.Now()
	if err := ws.Probe(deadline()); err != nil {
		t.Fatal(err)
	}
	wantEnded(t, ws)
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("probe closed after %v, before the upgrade timeout", d)
	}
	e.postOK(h.SID, "4poll")
	var got []string
	for !slices.Contains(got, "4poll") {
		got = append(got, e.get(h.SID).Packets()...)
	}
	e.noClose()
}

// TestUpgradeSecondProbe: while one probe is open, another WebSocket for
// the sid is refused before the 101; the first upgrade goes on.
func TestUpgradeSecondProbe(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, true)
	h := e.handshake()
	ws, _, err := e.c.DialWS(ctx(t), "EIO=4&transport=websocket&sid="+h.SID, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.Probe(deadline()); err != nil {
		t.Fatal(err)
	}
	wantUpgradeRefused(t, e, "EIO=4&transport=websocket&sid="+h.SID, "Bad request")
	ws.WriteText("5")
	ws.WriteText("4ok")
	if got, err := ws.ReadText(deadline()); err != nil || got != "4ok" {
		t.Fatalf("echo after the upgrade: %q %v", got, err)
	}
	e.noClose()
}

// TestUpgradeBase64: the b64 flag of the upgrading WebSocket applies after
// the upgrade.
func TestUpgradeBase64(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, true)
	h := e.handshake()
	ws, _, err := e.c.DialWS(ctx(t), "EIO=4&transport=websocket&b64=1&sid="+h.SID, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.Probe(deadline()); err != nil {
		t.Fatal(err)
	}
	ws.WriteText("5")
	ws.WriteBinary([]byte{1, 2, 3, 4})
	if got, err := ws.ReadText(deadline()); err != nil || got != "bAQIDBA==" {
		t.Fatalf("binary after a b64 upgrade: %q %v, want text bAQIDBA==", got, err)
	}
}

// TestUpgradeFlushesQueue: what was queued while polling and not yet polled
// goes out on the WebSocket after "5", in order.
func TestUpgradeFlushesQueue(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, false)
	h := e.handshake()
	s := e.session()
	s.SendText("a")
	s.SendBinary([]byte{9})
	ws, _, err := e.c.DialWS(ctx(t), "EIO=4&transport=websocket&sid="+h.SID, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.Probe(deadline()); err != nil {
		t.Fatal(err)
	}
	s.SendText("c")
	ws.WriteText("5")
	s.SendText("d")
	var got []string
	for range 4 {
		typ, data, err := ws.ReadFrame(deadline())
		if err != nil {
			t.Fatalf("after %q: %v", got, err)
		}
		got = append(got, strconv.Itoa(typ)+":"+string(data))
	}
	if want := []string{"1:4a", "2:\x09", "1:4c", "1:4d"}; !slices.Equal(got, want) {
		t.Fatalf("frames %q, want %q", got, want)
	}
}

// TestUpgradeThenReset: a client that sends "5" and resets the connection
// at once (both may arrive in one read) still ends its session, with
// "transport close": the reset must not go unnoticed behind the data.
func TestUpgradeThenReset(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, false)
	for range 20 {
		h := e.handshake()
		ws, _, err := e.c.DialWS(ctx(t), "EIO=4&transport=websocket&sid="+h.SID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := ws.Probe(deadline()); err != nil {
			t.Fatal(err)
		}
		if err := ws.WriteText("5"); err != nil {
			t.Fatal(err)
		}
		ws.NetConn().(*net.TCPConn).SetLinger(0)
		ws.Close()
		e.waitClose(h.SID, engineio.ReasonTransportClose)
	}
}

// TestWebSocketMessageThenReset: the same for a direct WebSocket whose
// last message and reset arrive together.
func TestWebSocketMessageThenReset(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, false)
	for range 20 {
		ws, _, err := e.c.DialWS(ctx(t), "EIO=4&transport=websocket", nil)
		if err != nil {
			t.Fatal(err)
		}
		ws.SetReadDeadline(deadline())
		_, open, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		var h struct{ SID string }
		if err := json.Unmarshal(open[1:], &h); err != nil {
			t.Fatal(err)
		}
		ws.WriteText("4bye")
		ws.NetConn().(*net.TCPConn).SetLinger(0)
		ws.Close()
		e.waitClose(h.SID, engineio.ReasonTransportClose)
	}
}
