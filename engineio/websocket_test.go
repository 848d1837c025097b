package engineio_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/internal/eiotest"
)

// dialDirect opens a direct WebSocket session and returns it with its open
// packet and server side.
func (e *env) dialDirect(query string) (*eiotest.WSConn, *eiotest.Open, *engineio.Socket) {
	e.t.Helper()
	ws, o, err := e.c.DialWSOpen(ctx(e.t), query)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { ws.Close() })
	s := e.session()
	if s.ID() != o.SID {
		e.t.Fatalf("server session %s, open packet %s", s.ID(), o.SID)
	}
	return ws, o, s
}

// wantCloseFrame reads until the server ends the connection and requires a
// close frame with code (and an empty reason), after the given data frames.
func wantCloseFrame(t *testing.T, ws *eiotest.WSConn, code int, frames ...string) {
	t.Helper()
	got, err := ws.ReadUntilClose(deadline())
	var want []string
	for _, f := range got {
		want = append(want, f.String())
	}
	if len(got) != len(frames) {
		t.Errorf("frames before the close: %q, want %q", want, frames)
	} else {
		for i, f := range got {
			if string(f.Data) != frames[i] || f.Binary {
				t.Errorf("frame %d: %s, want text %q", i, f, frames[i])
			}
		}
	}
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		t.Fatalf("connection ended with %v, want a close frame %d", err, code)
	}
	if ce.Code != code || ce.Text != "" {
		t.Fatalf("close frame %d %q, want %d with an empty reason", ce.Code, ce.Text, code)
	}
}

// wantEnded reads until the server ends the connection, with or without a
// close frame, ignoring data frames; a read timeout fails.
func wantEnded(t *testing.T, ws *eiotest.WSConn) {
	t.Helper()
	if _, err := ws.ReadUntilClose(deadline()); eiotest.IsTimeout(err) {
		t.Fatal("the server did not close the WebSocket")
	}
}

func TestWebSocketDirectOpen(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, true)
	_, o, s := e.dialDirect("EIO=4&transport=websocket")
	checkOpen(t, o, `[]`, 25000, 20000, 1000000)
	if s.Transport() != engineio.WebSocket {
		t.Errorf("transport %s", s.Transport())
	}
	// t and other unknown query parameters are ignored.
	_, o2, _ := e.dialDirect("EIO=4&transport=websocket&t=Nxyz&foo=bar")
	if o2.SID == o.SID {
		t.Error("two sessions with one sid")
	}
}

func TestWebSocketEcho(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, true)
	ws, _, _ := e.dialDirect("EIO=4&transport=websocket")
	for _, m := range []string{"4hello", "4héllo ☃", "4", "4" + strings.Repeat("x", 5000)} {
		if err := ws.WriteText(m); err != nil {
			t.Fatal(err)
		}
		if got, err := ws.ReadText(deadline()); err != nil || got != m {
			t.Fatalf("echo of %.20q: %.20q %v", m, got, err)
		}
	}
	// A binary frame is a message's raw bytes, with no type byte.
	for _, b := range [][]byte{{1, 2, 3, 4}, {'4', 'x'}, {}} {
		if err := ws.WriteBinary(b); err != nil {
			t.Fatal(err)
		}
		typ, got, err := ws.ReadFrame(deadline())
		if err != nil || typ != websocket.BinaryMessage || !bytes.Equal(got, b) {
			t.Fatalf("echo of binary %x: type %d %x %v", b, typ, got, err)
		}
	}
	// Several frames in a row come back in order, one packet per frame.
	for i := range 20 {
		ws.WriteText("4n" + itoa(int64(i)))
	}
	for i := range 20 {
		if got, err := ws.ReadText(deadline()); err != nil || got != "4n"+itoa(int64(i)) {
			t.Fatalf("frame %d: %q %v", i, got, err)
		}
	}
	e.noClose()
}

func TestWebSocketBase64(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, true)
	ws, _, _ := e.dialDirect("EIO=4&transport=websocket&b64=1")
	if err := ws.WriteBinary([]byte{1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	if got, err := ws.ReadText(deadline()); err != nil || got != "bAQIDBA==" {
		t.Fatalf("binary for a b64 client: %q %v, want text bAQIDBA==", got, err)
	}
	// A b64 client sends binary as base64 text too.
	if err := ws.WriteText("bBQY="); err != nil {
		t.Fatal(err)
	}
	if got, err := ws.ReadText(deadline()); err != nil || got != "bBQY=" {
		t.Fatalf("echo of bBQY=: %q %v", got, err)
	}
}

func TestWebSocketTooLarge(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{MaxHTTPBufferSize: 100}, true)
	ws, o, _ := e.dialDirect("EIO=4&transport=websocket")
	if o.MaxPayload != 100 {
		t.Fatalf("maxPayload %d", o.MaxPayload)
	}
	// At the limit is fine.
	at := "4" + strings.Repeat("a", 99)
	ws.WriteText(at)
	if got, err := ws.ReadText(deadline()); err != nil || got != at {
		t.Fatalf("message at the limit: %q %v", got, err)
	}
	ws.WriteText("4" + strings.Repeat("a", 100))
	wantCloseFrame(t, ws, websocket.CloseMessageTooBig)
	e.waitClose(o.SID, engineio.ReasonTransportError)
}

func TestWebSocketClientPing(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, true)
	ws, o, _ := e.dialDirect("EIO=4&transport=websocket")
	ws.WriteText("2")
	e.waitClose(o.SID, engineio.ReasonTransportError)
	wantEnded(t, ws)
}

func TestWebSocketParseError(t *testing.T) {
	for name, frame := range map[string]string{"empty": "", "unknown type": "9x", "bad base64": "b!!"} {
		t.Run(name, func(t *testing.T) {
			leakCheck(t)
			e := startServer(t, engineio.Options{}, true)
			ws, o, _ := e.dialDirect("EIO=4&transport=websocket")
			ws.WriteText(frame)
			e.waitClose(o.SID, engineio.ReasonParseError)
			wantEnded(t, ws)
		})
	}
}

func TestWebSocketClientCloseFrame(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, true)
	ws, o, _ := e.dialDirect("EIO=4&transport=websocket")
	if err := ws.CloseNormal(); err != nil {
		t.Fatal(err)
	}
	e.waitClose(o.SID, engineio.ReasonTransportClose)
	if e.srv.Session(o.SID) != nil {
		t.Error("session still listed after its close")
	}
}

func TestWebSocketClientCloseAbrupt(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, true)
	ws, o, _ := e.dialDirect("EIO=4&transport=websocket")
	ws.Close() // TCP close, no close frame
	e.waitClose(o.SID, engineio.ReasonTransportClose)
}

// TestWebSocketClientClosePacket: Node ignores a "1" over WebSocket; this
// server closes at once with "transport close" (PROTOCOL.md 2.1).
func TestWebSocketClientClosePacket(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, true)
	ws, o, _ := e.dialDirect("EIO=4&transport=websocket")
	ws.WriteText("1")
	e.waitClose(o.SID, engineio.ReasonTransportClose)
	wantEnded(t, ws)
}

// TestWebSocketSecondForUpgradedSession: one WebSocket per session.
func TestWebSocketSecondForUpgradedSession(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, true)
	h := e.handshake()
	ws := e.upgrade(h.SID)
	wantUpgradeRefused(t, e, "EIO=4&transport=websocket&sid="+h.SID, "Bad request")
	// The first is unharmed.
	ws.WriteText("4still")
	if got, err := ws.ReadText(deadline()); err != nil || got != "4still" {
		t.Fatalf("echo after the refused WebSocket: %q %v", got, err)
	}
	e.noClose()
}
