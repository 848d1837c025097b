package attack_test

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/internal/attack"
)

// Slow clients (slowloris): each holds a connection open by sending too
// little, too slowly. The server must end every one of them within its
// bounds while the well-behaved clients go on. The bounds are short here
// so that the test is quick: a header timeout of the http.Server (the
// demo server sets 10 s), and for bodies the heartbeat period of the
// engine (ping interval plus ping timeout).
func TestSlowClients(t *testing.T) {
	const (
		headerTimeout = 300 * time.Millisecond
		idleTimeout   = 300 * time.Millisecond
		pingInterval  = 300 * time.Millisecond
		pingTimeout   = 700 * time.Millisecond
		trickle       = 20 * time.Millisecond // one byte each
		// Every bound plus generous slack for a loaded machine; the
		// point is that the connection ends, where it would otherwise
		// last as long as the attacker wants.
		bound = 4 * time.Second
	)
	s := startServer(t, serverOptions{
		engine:            engineio.Options{PingInterval: pingInterval, PingTimeout: pingTimeout},
		readHeaderTimeout: headerTimeout,
		idleTimeout:       idleTimeout,
	})
	good := s.startGoodClients(t)
	path := "/socket.io/?"

	// closedWithin writes first at once, then trickles src, on a new
	// connection, and requires the server to close it within bound.
	closedWithin := func(t *testing.T, first string, src io.Reader) []byte {
		t.Helper()
		c, err := s.target.Dial(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		start := time.Now()
		if _, err := c.Write([]byte(first)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Trickle(ctxFor(t, bound), src, trickle); err != nil {
			t.Fatalf("after %v: %v", time.Since(start), err)
		}
		got, err := c.WaitClosed(time.Now().Add(bound))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("closed after %v", time.Since(start).Round(time.Millisecond))
		return got
	}

	t.Run("headers trickled", func(t *testing.T) {
		closedWithin(t, "G", io.MultiReader(
			strings.NewReader("ET "+path+"EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nX-Slow: "),
			attack.Endless('a')))
		good.check(t)
	})

	t.Run("request line trickled", func(t *testing.T) {
		closedWithin(t, "G", io.MultiReader(strings.NewReader("ET "+path+"EIO=4&transport=polling&x="), attack.Endless('a')))
		good.check(t)
	})

	t.Run("WebSocket handshake trickled", func(t *testing.T) {
		closedWithin(t, "G", io.MultiReader(strings.NewReader("ET "+path+"EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n"+
			"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Slow: "),
			attack.Endless('a')))
		good.check(t)
	})

	// A body that never completes, to a live session: Node drops the
	// POST with its session at the ping timeout; siogo bounds the body
	// to the same heartbeat period.
	for _, tc := range []struct {
		name string
		body io.Reader
	}{
		{"body stalled", strings.NewReader("")},
		{"body trickled", attack.Endless('a')},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sid, _, err := s.target.Handshake(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			before := s.counters()
			got := closedWithin(t, "POST "+path+attack.PollQuery(sid)+
				" HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 900000\r\n\r\n42[\"echo\",\"", tc.body)
			if !bytes.HasPrefix(got, []byte("HTTP/1.1 400 ")) {
				t.Errorf("answered %q, want a 400 before the close", got)
			}
			// The session is gone: by the ping timeout (the client could
			// not answer), or by the body's deadline.
			s.waitMovedAny(t, before,
				metricKey(sessionsClosed, "transport", "polling", "reason", engineio.ReasonPingTimeout),
				metricKey(sessionsClosed, "transport", "polling", "reason", engineio.ReasonTransportError))
			good.check(t)
		})
	}

	t.Run("body stalled on a refused request", func(t *testing.T) {
		// No session: the refusal is ready at once, but net/http reads
		// the rest of a small body before answering; the same deadline
		// bounds that read.
		before := s.counters()
		got := closedWithin(t, "POST "+path+attack.PollQuery("nope")+
			" HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n42", strings.NewReader(""))
		if !bytes.Contains(got, []byte(`{"code":1,"message":"Session ID unknown"}`)) {
			t.Errorf("answered %q, want the unknown sid error", got)
		}
		s.waitMoved(t, before, counted(badRequests, "code", engineio.RefusedUnknownSID))
		good.check(t)
	})

	t.Run("idle keep-alive connection", func(t *testing.T) {
		// One complete request, then nothing: the http.Server's idle
		// timeout closes the connection (the demo server sets none).
		got := closedWithin(t, "GET "+path+"EIO=4&transport=carrier-pigeon HTTP/1.1\r\nHost: x\r\n\r\n", strings.NewReader(""))
		if !bytes.HasPrefix(got, []byte("HTTP/1.1 400 ")) {
			t.Errorf("answered %q, want 400", got)
		}
		good.check(t)
	})

	t.Run("WebSocket frame trickled", func(t *testing.T) {
		// A frame that never ends keeps the client from answering pings:
		// the heartbeat ends the session and its connection.
		ws, _, err := s.target.OpenWebSocket(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		before := s.counters()
		if err := ws.WriteRaw(attack.FrameHeader(attack.Frame{Opcode: attack.OpText, Length: 50_000})); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			for {
				if err := ws.WriteRaw([]byte{'a'}); err != nil {
					done <- err
					return
				}
				select {
				case <-time.After(trickle):
				case <-t.Context().Done():
					done <- nil
					return
				}
			}
		}()
		c, err := ws.ReadUntilClose(time.Now().Add(bound))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("closed with %d", c.Code)
		ws.Close()
		<-done
		s.waitMoved(t, before, counted(sessionsClosed, "transport", "websocket", "reason", engineio.ReasonPingTimeout))
		good.check(t)
	})
}
