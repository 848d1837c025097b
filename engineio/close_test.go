package engineio_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/siogo/siogo/engineio"
)

// TestCloseServerPollingNextGet: socket.Close() with no GET open: what was
// queued is still delivered, then the close packet, then the session is gone.
func TestCloseServerPollingNextGet(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, false)
	h := e.handshake()
	s := e.session()
	s.SendText("a")
	s.SendBinary([]byte{1, 2})
	s.Close()
	if err := s.SendText("too late"); err == nil {
		t.Error("Send after Close succeeded")
	}
	if got := e.collectUntilClose(h.SID); !slices.Equal(got, []string{"4a", "bAQI="}) {
		t.Fatalf("before the close packet: %q", got)
	}
	e.waitClose(h.SID, engineio.ReasonForcedClose)
	wantError(t, e.get(h.SID), http.StatusBadRequest, 1, "Session ID unknown")
}

// TestCloseServerPollingPendingGet: socket.Close() while a GET is held.
func TestCloseServerPollingPendingGet(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, false)
	h := e.handshake()
	s := e.session()
	pending := e.getPending(s)
	s.SendText("a")
	s.SendText("b")
	s.Close()
	r := e.waitPoll(pending)
	var got []string
	closed := false
	for _, p := range r.Packets() {
		if p == "1" {
			closed = true
		} else if p != "6" {
			got = append(got, p)
		}
	}
	if !closed {
		got = append(got, e.collectUntilClose(h.SID)...)
	}
	if !slices.Equal(got, []string{"4a", "4b"}) {
		t.Fatalf("before the close packet: %q", got)
	}
	e.waitClose(h.SID, engineio.ReasonForcedClose)
	wantError(t, e.get(h.SID), http.StatusBadRequest, 1, "Session ID unknown")
}

// TestCloseServerPollingEmpty: socket.Close() with nothing queued and a GET
// held: the GET gets just the close packet.
func TestCloseServerPollingEmpty(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, false)
	h := e.handshake()
	s := e.session()
	pending := e.getPending(s)
	s.Close()
	if r := e.waitPoll(pending); r.Status != http.StatusOK || string(r.Body) != "1" {
		t.Fatalf("held GET: %s, want 1", r)
	}
	e.waitClose(h.SID, engineio.ReasonForcedClose)
}

// TestCloseServerWebSocket: over WebSocket Node sends no "1": the queued
// frames, then a close frame (no status code, like ws.close()).
func TestCloseServerWebSocket(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, false)
	ws, o, s := e.dialDirect("EIO=4&transport=websocket")
	s.SendText("a")
	s.SendText("b")
	s.Close()
	wantCloseFrame(t, ws, websocket.CloseNoStatusReceived, "4a", "4b")
	e.waitClose(o.SID, engineio.ReasonForcedClose)
}

// TestCloseServerShutdown: Server.Close ends every session, whatever its
// transport or state, with "server shutting down", refuses new ones, and
// leaves no goroutine behind (leakCheck).
func TestCloseServerShutdown(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, true)

	idle := e.handshake() // polling, no GET open
	e.session()
	held := e.handshake() // polling, GET held
	pending := e.getPending(e.session())
	ws, direct, _ := e.dialDirect("EIO=4&transport=websocket")
	up := e.handshake() // upgraded to WebSocket
	e.session()
	upWS := e.upgrade(up.SID)
	upWS.WriteText("4ping")
	if got, err := upWS.ReadText(deadline()); err != nil || got != "4ping" {
		t.Fatalf("upgraded echo: %q %v", got, err)
	}
	probing := e.handshake() // probe open, no "5" yet
	e.session()
	probeWS, _, err := e.c.DialWS(ctx(t), "EIO=4&transport=websocket&sid="+probing.SID, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer probeWS.Close()
	if err := probeWS.Probe(deadline()); err != nil {
		t.Fatal(err)
	}

	e.srv.Close()

	want := []string{idle.SID, held.SID, direct.SID, up.SID, probing.SID}
	var got []string
	for range want {
		select {
		case ev := <-e.closes:
			if ev.reason != engineio.ReasonServerShuttingDown {
				t.Errorf("session %s closed with %q", ev.id, ev.reason)
			}
			got = append(got, ev.id)
		case <-deadlineC():
			t.Fatalf("closed %q, want %q", got, want)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("closed %q, want %q", got, want)
	}
	if r := e.waitPoll(pending); r.Status != http.StatusOK || string(r.Body) != "1" {
		t.Errorf("held GET: %s, want 1", r)
	}
	wantEnded(t, ws)
	wantEnded(t, upWS)
	wantEnded(t, probeWS)
	if n := e.srv.ClientsCount(); n != 0 {
		t.Errorf("%d sessions left", n)
	}
	if r := e.do(http.MethodGet, "EIO=4&transport=polling", nil, ""); r.Status == http.StatusOK {
		t.Errorf("handshake after Close: %s", r)
	}
	if ws, _, err := e.c.DialWS(ctx(t), "EIO=4&transport=websocket", nil); err == nil {
		// Accepted, it must be closed at once, with no session.
		wantEnded(t, ws)
		ws.Close()
	}
	e.noClose()
}
