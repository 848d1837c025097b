package engineio_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/siogo/siogo/engineio"
)

var fastHeartbeat = engineio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 100 * time.Millisecond}

func TestHeartbeatPongsKeepPollingOpen(t *testing.T) {
	leakCheck(t)
	e := startServer(t, fastHeartbeat, false)
	h := e.handshake()
	checkOpen(t, h.Open, `["websocket"]`, 50, 100, 1000000)
	start := time.Now()
	for pings := 0; pings < 4; {
		r := e.get(h.SID)
		if r.Status != http.StatusOK {
			t.Fatalf("GET after %d pings: %s", pings, r)
		}
		for _, p := range r.Packets() {
			if p != "2" {
				t.Fatalf("unexpected packet %q", p)
			}
			pings++
			e.postOK(h.SID, "3")
		}
	}
	// Each ping comes pingInterval after the previous pong.
	if d := time.Since(start); d < 4*50*time.Millisecond {
		t.Errorf("4 pings in %v, faster than pingInterval", d)
	}
	e.noClose()
}

func TestHeartbeatPongsKeepWebSocketOpen(t *testing.T) {
	leakCheck(t)
	e := startServer(t, fastHeartbeat, false)
	ws, o, _ := e.dialDirect("EIO=4&transport=websocket")
	checkOpen(t, o, `[]`, 50, 100, 1000000)
	for range 4 {
		if p, err := ws.ReadText(deadline()); err != nil || p != "2" {
			t.Fatalf("want a ping: %q %v", p, err)
		}
		if err := ws.WriteText("3"); err != nil {
			t.Fatal(err)
		}
	}
	e.noClose()
}

func TestHeartbeatTimeoutWebSocket(t *testing.T) {
	leakCheck(t)
	e := startServer(t, fastHeartbeat, false)
	ws, o, _ := e.dialDirect("EIO=4&transport=websocket")
	if p, err := ws.ReadText(deadline()); err != nil || p != "2" {
		t.Fatalf("want a ping: %q %v", p, err)
	}
	pinged := time.Now()
	e.waitClose(o.SID, engineio.ReasonPingTimeout)
	if d := time.Since(pinged); d < 90*time.Millisecond {
		t.Errorf("closed %v after the ping, before pingTimeout", d)
	}
	wantEnded(t, ws)
}

// TestHeartbeatTimeoutPollingNoGet: the pong deadline starts when the ping
// is queued, even if no GET is there to carry it.
func TestHeartbeatTimeoutPollingNoGet(t *testing.T) {
	leakCheck(t)
	e := startServer(t, fastHeartbeat, false)
	h := e.handshake()
	e.waitClose(h.SID, engineio.ReasonPingTimeout)
	wantError(t, e.get(h.SID), http.StatusBadRequest, 1, "Session ID unknown")
}

// TestHeartbeatTimeoutPollingLateGet: a client that polls after
// pingInterval + pingTimeout without answering gets 400 code 1, not the
// buffered ping. (Whether the timer or the request notices first is up to
// the scheduler here; TestHeartbeatDeadlineCheckedOnRequest pins the request
// path down.)
func TestHeartbeatTimeoutPollingLateGet(t *testing.T) {
	leakCheck(t)
	e := startServer(t, fastHeartbeat, false)
	h := e.handshake()
	<-time.After(200 * time.Millisecond) // past pingInterval + pingTimeout, on purpose
	wantError(t, e.get(h.SID), http.StatusBadRequest, 1, "Session ID unknown")
	e.waitClose(h.SID, engineio.ReasonPingTimeout)
}

// TestHeartbeatDeadlineCheckedOnRequest is the "late timer" rule of
// PROTOCOL.md section 3, made deterministic: the pong timer is an hour away,
// but the pong deadline has passed, as it has when a timer runs late. Every
// request must check the deadline first and close the session.
func TestHeartbeatDeadlineCheckedOnRequest(t *testing.T) {
	hour := engineio.Options{PingInterval: time.Hour, PingTimeout: time.Hour}
	expire := func(s *engineio.Socket) {
		engineio.Ping(s) // a ping is buffered...
		engineio.ExpirePong(s)
	}
	t.Run("GET", func(t *testing.T) {
		leakCheck(t)
		e := startServer(t, hour, false)
		h := e.handshake()
		s := e.session()
		expire(s)
		wantError(t, e.get(h.SID), http.StatusBadRequest, 1, "Session ID unknown")
		e.waitClose(h.SID, engineio.ReasonPingTimeout)
	})
	t.Run("POST", func(t *testing.T) {
		leakCheck(t)
		e := startServer(t, hour, false)
		h := e.handshake()
		s := e.session()
		expire(s)
		wantError(t, e.post(h.SID, "3"), http.StatusBadRequest, 1, "Session ID unknown")
		e.waitClose(h.SID, engineio.ReasonPingTimeout)
	})
	t.Run("WebSocket frame", func(t *testing.T) {
		leakCheck(t)
		got := make(chan string, 1)
		opts := hour
		opts.OnConnection = func(s *engineio.Socket) {
			s.OnMessage(func(data []byte, _ bool) { got <- string(data) })
		}
		e := startServer(t, opts, false)
		ws, o, s := e.dialDirect("EIO=4&transport=websocket")
		expire(s)
		if p, err := ws.ReadText(deadline()); err != nil || p != "2" {
			t.Fatalf("want the ping: %q %v", p, err)
		}
		// A message (or a pong) arriving after the deadline is not handled.
		ws.WriteText("4late")
		e.waitClose(o.SID, engineio.ReasonPingTimeout)
		select {
		case m := <-got:
			t.Errorf("message %q handled after the pong deadline", m)
		default:
		}
		wantEnded(t, ws)
	})
}
