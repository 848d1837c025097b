package attack_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/internal/attack"
	"github.com/siogo/siogo/internal/siotest"
)

// Session ids used where they do not belong. An Engine.IO sid is a bearer
// credential, as in Node: whoever holds it may use the session over its
// own transport. Everything else is refused, and the session's owner
// keeps being served.
func TestStolenSessionIDs(t *testing.T) {
	s := startServer(t, serverOptions{})
	good := s.startGoodClients(t)

	// The victims: a WebSocket session and a polling one, joined to "/".
	dial := func(transport string) (*siotest.Conn, string) {
		c, err := dialGood(s.base, transport)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return c, c.SID
	}
	wsVictim, wsSID := dial("websocket")
	pollVictim, pollSID := dial("polling")
	victimOK := func(t *testing.T) {
		t.Helper()
		for i, c := range []*siotest.Conn{wsVictim, pollVictim} {
			if err := siotestEcho(c)(100 + i); err != nil {
				t.Fatalf("victim %d: %v", i, err)
			}
		}
	}

	for _, tc := range []struct {
		name, method, query string
		code                int
		message, refused    string
	}{
		{"WebSocket session polled", "GET", attack.PollQuery(wsSID), 3, "Bad request", engineio.RefusedBadRequest},
		{"WebSocket session posted to", "POST", attack.PollQuery(wsSID), 3, "Bad request", engineio.RefusedBadRequest},
		{"polling session as websocket without upgrade", "GET", "EIO=4&transport=websocket&sid=" + pollSID, 3, "Bad request", engineio.RefusedBadRequest},
		{"sid with a different case", "GET", attack.PollQuery(strings.ToLower(pollSID)), 1, "Session ID unknown", engineio.RefusedUnknownSID},
		{"sid with a suffix", "GET", attack.PollQuery(pollSID + "x"), 1, "Session ID unknown", engineio.RefusedUnknownSID},
		{"sid in a second sid parameter", "GET", "EIO=4&transport=polling&sid=nope&sid=" + pollSID, 1, "Session ID unknown", engineio.RefusedUnknownSID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.counters()
			var body *strings.Reader
			if tc.method == "POST" {
				body = strings.NewReader(`42["echo","stolen"]`)
			}
			var resp *attack.Response
			var err error
			if body != nil {
				resp, err = s.target.Do(ctx(t), tc.method, tc.query, http.Header{"Content-Type": {"text/plain"}}, body)
			} else {
				resp, err = s.target.Do(ctx(t), tc.method, tc.query, nil, nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			checkEngineError(t, resp, 400, tc.code, tc.message)
			s.waitMoved(t, before, counted(badRequests, "code", tc.refused))
			victimOK(t)
			good.check(t)
		})
	}

	t.Run("socket id used as a session id", func(t *testing.T) {
		// Since Socket.IO 3 the socket id of a namespace is not the
		// Engine.IO sid: knowing it (it is broadcast in apps that show
		// who is online) gives no access to the session.
		c, err := dialGood(s.base, "websocket")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		reply, err := c.Connect("/admin", "", wait)
		if err != nil {
			t.Fatal(err)
		}
		var r struct{ SID string }
		if err := json.Unmarshal([]byte(reply.JSON), &r); err != nil || r.SID == "" || r.SID == c.SID {
			t.Fatalf("socket id %q, engine sid %q", r.SID, c.SID)
		}
		resp, err := s.target.Poll(ctx(t), r.SID)
		if err != nil {
			t.Fatal(err)
		}
		checkEngineError(t, resp, 400, 1, "Session ID unknown")
	})

	t.Run("second WebSocket for a WebSocket session", func(t *testing.T) {
		// Refused before the 101, as Node: plain text 400.
		before := s.counters()
		ws, resp, err := s.target.DialWebSocket(ctx(t), "EIO=4&transport=websocket&sid="+wsSID, nil)
		if err == nil {
			ws.Close()
			t.Fatal("the server took a second WebSocket for the session")
		}
		if resp == nil || resp.Status != 400 || string(resp.Body) != "Bad request" {
			t.Fatalf("answer %v, want 400 Bad request", resp)
		}
		s.waitMoved(t, before, counted(badRequests, "code", engineio.RefusedBadRequest))
		victimOK(t)
		good.check(t)
	})

	t.Run("concurrent poll on a polling session", func(t *testing.T) {
		// The same transport from another client: as in Node, a second
		// GET while one is pending is an overlap, refused with 400, and
		// the session is closed. This is why a sid must stay secret.
		sid, _, err := s.target.Handshake(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		before := s.counters()
		// Two polls at once, in whichever order they arrive: the first
		// waits, the second is refused and ends the session, which
		// releases the first with the close packet.
		results := make(chan *attack.Response, 2)
		for range 2 {
			go func() {
				r, err := s.target.Poll(ctx(t), sid)
				if err != nil {
					r = &attack.Response{Body: []byte(err.Error())}
				}
				results <- r
			}()
		}
		a, b := <-results, <-results
		if a.Status == 400 {
			a, b = b, a
		}
		if a.Status != 200 || string(a.Body) != "1" || b.Status != 400 {
			t.Fatalf("polls answered %s and %s, want the close packet and 400", a, b)
		}
		s.waitMoved(t, before,
			counted(badRequests, "code", engineio.RefusedBadRequest),
			counted(sessionsClosed, "transport", "polling", "reason", engineio.ReasonTransportError))
		good.check(t)
	})
}
