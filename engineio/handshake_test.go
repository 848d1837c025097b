package engineio_test

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/internal/eiotest"
)

var sidPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{20}$`)

var handshakeKeys = []string{"sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"}

func checkOpen(t *testing.T, o *eiotest.Open, upgrades string, interval, timeout, maxPayload int64) {
	t.Helper()
	if !slices.Equal(o.Keys, handshakeKeys) {
		t.Errorf("handshake keys %q, want exactly %q", o.Keys, handshakeKeys)
	}
	if !sidPattern.MatchString(o.SID) {
		t.Errorf("sid %q is not 20 URL-safe characters", o.SID)
	}
	want := `{"sid":"` + o.SID + `","upgrades":` + upgrades + `,"pingInterval":` +
		itoa(interval) + `,"pingTimeout":` + itoa(timeout) + `,"maxPayload":` + itoa(maxPayload) + `}`
	if o.Raw != want {
		t.Errorf("handshake JSON\n got %s\nwant %s", o.Raw, want)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestHandshakePolling(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, false)
	h := e.handshake()
	checkOpen(t, h.Open, `["websocket"]`, 25000, 20000, 1000000)
	if len(h.Rest) != 0 {
		t.Errorf("handshake payload carries more than the open packet: %q", h.Rest)
	}
	hdr := h.Response.Header
	if got := hdr.Get("Content-Type"); got != "text/plain; charset=UTF-8" {
		t.Errorf("Content-Type %q", got)
	}
	if got := hdr.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q", got)
	}
	if got := hdr.Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("Set-Cookie %q without the Cookie option", got)
	}
	s := e.session()
	if s.ID() != h.SID || s.Transport() != engineio.Polling {
		t.Errorf("server session %s on %s, want %s on polling", s.ID(), s.Transport(), h.SID)
	}
	if e.srv.Session(h.SID) != s || e.srv.ClientsCount() != 1 {
		t.Errorf("server does not list the session")
	}
	// Every handshake makes a new session id.
	if h2 := e.handshake(); h2.SID == h.SID {
		t.Errorf("two handshakes got the same sid %s", h.SID)
	}
}

func TestHandshakeOptionsValues(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{
		PingInterval:      300 * time.Millisecond,
		PingTimeout:       200 * time.Millisecond,
		MaxHTTPBufferSize: 12345,
	}, false)
	checkOpen(t, e.handshake().Open, `["websocket"]`, 300, 200, 12345)
}

func TestHandshakeWebSocketDirect(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, false)
	ws, o, err := e.c.DialWSOpen(ctx(t), "EIO=4&transport=websocket")
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	checkOpen(t, o, `[]`, 25000, 20000, 1000000)
	if s := e.session(); s.ID() != o.SID || s.Transport() != engineio.WebSocket {
		t.Errorf("server session %s on %s, want %s on websocket", s.ID(), s.Transport(), o.SID)
	}
}

func TestHandshakeNoUpgrades(t *testing.T) {
	for name, opts := range map[string]engineio.Options{
		"DisableUpgrades": {DisableUpgrades: true},
		"PollingOnly":     {Transports: []string{engineio.Polling}},
	} {
		t.Run(name, func(t *testing.T) {
			leakCheck(t)
			e := startServer(t, opts, false)
			checkOpen(t, e.handshake().Open, `[]`, 25000, 20000, 1000000)
		})
	}
}

func TestHandshakeCookie(t *testing.T) {
	t.Run("Node defaults", func(t *testing.T) {
		leakCheck(t)
		// Node's cookie: true is {name: "io", path: "/", httpOnly: true,
		// sameSite: "lax"}; Name, Path and SameSite default, HttpOnly is
		// the template's (a Go bool cannot default to true).
		e := startServer(t, engineio.Options{Cookie: &http.Cookie{HttpOnly: true}}, false)
		h := e.handshake()
		want := "io=" + h.SID + "; Path=/; HttpOnly; SameSite=Lax"
		if got := h.Response.Header.Values("Set-Cookie"); len(got) != 1 || got[0] != want {
			t.Errorf("Set-Cookie %q, want %q", got, want)
		}
		// A direct WebSocket session gets it on the 101.
		ws, resp, err := e.c.DialWS(ctx(t), "EIO=4&transport=websocket", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		_, first, err := ws.ReadFrame(deadline())
		if err != nil {
			t.Fatal(err)
		}
		o, err := eiotest.ParseOpen(string(first))
		if err != nil {
			t.Fatal(err)
		}
		want = "io=" + o.SID + "; Path=/; HttpOnly; SameSite=Lax"
		if got := resp.Header.Values("Set-Cookie"); len(got) != 1 || got[0] != want {
			t.Errorf("WebSocket Set-Cookie %q, want %q", got, want)
		}
	})
	t.Run("configured", func(t *testing.T) {
		leakCheck(t)
		e := startServer(t, engineio.Options{Cookie: &http.Cookie{
			Name: "eio", Path: "/app", SameSite: http.SameSiteStrictMode, Secure: true,
		}}, false)
		h := e.handshake()
		want := "eio=" + h.SID + "; Path=/app; Secure; SameSite=Strict"
		if got := h.Response.Header.Values("Set-Cookie"); len(got) != 1 || got[0] != want {
			t.Errorf("Set-Cookie %q, want %q", got, want)
		}
	})
}

func TestHandshakeInitialPacket(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{InitialPacket: []byte("welcome")}, false)
	h := e.handshake()
	// The initial packet follows the open packet: in the same payload or,
	// failing that, in the next poll.
	next := h.Rest
	if len(next) == 0 {
		next = e.get(h.SID).Packets()
	}
	if len(next) == 0 || next[0] != "4welcome" {
		t.Fatalf("after the open packet: %q, want 4welcome", next)
	}

	ws, o, err := e.c.DialWSOpen(ctx(t), "EIO=4&transport=websocket")
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if o.Upgrades == nil || len(o.Upgrades) != 0 {
		t.Errorf("upgrades %q", o.Upgrades)
	}
	if got, err := ws.ReadText(deadline()); err != nil || got != "4welcome" {
		t.Fatalf("WebSocket frame after open: %q %v, want 4welcome", got, err)
	}
}

// TestHandshakeSendInOnConnection: what OnConnection sends goes out after
// the open packet (and the initial packet), as with Node, where "connection"
// is emitted once the open packet is written.
func TestHandshakeSendInOnConnection(t *testing.T) {
	opts := engineio.Options{InitialPacket: []byte("init"), OnConnection: func(s *engineio.Socket) {
		s.SendText("hello")
	}}
	t.Run("polling", func(t *testing.T) {
		leakCheck(t)
		e := startServer(t, opts, false)
		r := e.do(http.MethodGet, "EIO=4&transport=polling", nil, "")
		p := r.Packets()
		if len(p) != 3 || p[0][0] != '0' || p[1] != "4init" || p[2] != "4hello" {
			t.Fatalf("handshake payload %q, want open, 4init, 4hello", p)
		}
	})
	t.Run("websocket", func(t *testing.T) {
		leakCheck(t)
		e := startServer(t, opts, false)
		for range 20 {
			ws, _, err := e.c.DialWS(ctx(t), "EIO=4&transport=websocket", nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for range 3 {
				p, err := ws.ReadText(deadline())
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, p)
			}
			ws.Close()
			if got[0][0] != '0' || got[1] != "4init" || got[2] != "4hello" {
				t.Fatalf("first frames %q, want open, 4init, 4hello", got)
			}
		}
	})
}
