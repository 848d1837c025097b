package engineio_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/siogo/siogo/engineio"
)

// TestErrorTable checks every refusal of a polling or handshake request:
// status, Content-Type application/json and the exact body, including the
// order in which Node runs its checks.
func TestErrorTable(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, false)
	const (
		bad       = http.StatusBadRequest
		unknownT  = "Transport unknown"
		unknownS  = "Session ID unknown"
		badMethod = "Bad handshake method"
		badReq    = "Bad request"
		version   = "Unsupported protocol version"
	)
	for _, tc := range []struct {
		name, method, query string
		code                int
		message             string
	}{
		{"no query at all", "GET", "", 0, unknownT},
		{"no EIO and no transport", "GET", "t=abc", 0, unknownT},
		{"EIO without transport", "GET", "EIO=4", 0, unknownT},
		{"unknown transport", "GET", "EIO=4&transport=flash", 0, unknownT},
		{"transport checked before sid", "GET", "EIO=4&transport=flash&sid=nope", 0, unknownT},
		{"POST without sid", "POST", "EIO=4&transport=polling", 2, badMethod},
		{"PUT without sid", "PUT", "EIO=4&transport=polling", 2, badMethod},
		{"method checked before version", "POST", "EIO=3&transport=polling", 2, badMethod},
		{"EIO=3", "GET", "EIO=3&transport=polling", 5, version},
		{"EIO=5", "GET", "EIO=5&transport=polling", 5, version},
		{"EIO=abc", "GET", "EIO=abc&transport=polling", 5, version},
		{"EIO missing", "GET", "transport=polling", 5, version},
		{"websocket without upgrade", "GET", "EIO=4&transport=websocket", 3, badReq},
		{"websocket without upgrade before version", "GET", "EIO=3&transport=websocket", 3, badReq},
		{"unknown sid GET", "GET", "EIO=4&transport=polling&sid=nope", 1, unknownS},
		{"unknown sid POST", "POST", "EIO=4&transport=polling&sid=nope", 1, unknownS},
		{"version not checked for a sid", "GET", "EIO=3&transport=polling&sid=nope", 1, unknownS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := ""
			if tc.method != "GET" {
				body = "4x"
			}
			r := e.do(tc.method, tc.query, nil, body)
			wantError(t, r, bad, tc.code, tc.message)
		})
	}
	if n := e.srv.ClientsCount(); n != 0 {
		t.Errorf("refused requests opened %d sessions", n)
	}
}

func TestErrorAllowRequest(t *testing.T) {
	leakCheck(t)
	var allow bool
	e := startServer(t, engineio.Options{
		AllowRequest: func(r *http.Request) error {
			if allow || r.URL.Query().Get("token") == "ok" {
				return nil
			}
			return errors.New("no <token> & no entry")
		},
	}, false)
	// Refused: 403 with the error's text, not escaped for HTML.
	wantError(t, e.do("GET", "EIO=4&transport=polling", nil, ""), http.StatusForbidden, 4, "no <token> & no entry")
	// AllowRequest runs before the protocol version check.
	wantError(t, e.do("GET", "EIO=3&transport=polling", nil, ""), http.StatusForbidden, 4, "no <token> & no entry")
	// ... and after the method check.
	wantError(t, e.do("POST", "EIO=4&transport=polling", nil, "4x"), http.StatusBadRequest, 2, "Bad handshake method")
	// Allowed.
	r := e.do("GET", "EIO=4&transport=polling&token=ok", nil, "")
	if r.Status != http.StatusOK || len(r.Body) == 0 || r.Body[0] != '0' {
		t.Fatalf("allowed handshake: %s", r)
	}
	e.session()
	// Refused WebSocket handshakes are a plain 400 with the message.
	wantUpgradeRefused(t, e, "EIO=4&transport=websocket", "no <token> & no entry")
	// AllowRequest vets handshakes only, not the session's later requests.
	e2 := e.handshakeWith("EIO=4&transport=polling&token=ok")
	if r := e.get(e2); r.Status != http.StatusOK || string(r.Body) != "4queued" {
		t.Fatalf("GET: %s", r)
	}
}

// handshakeWith opens a polling session with a custom query and returns its
// sid, with a message queued so that the next GET answers at once.
func (e *env) handshakeWith(query string) string {
	e.t.Helper()
	h, err := e.c.HandshakeQuery(ctx(e.t), query)
	if err != nil {
		e.t.Fatal(err)
	}
	s := e.session()
	s.SendText("queued")
	return h.SID
}

func TestErrorTransportMismatch(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, false)
	ws, o, err := e.c.DialWSOpen(ctx(t), "EIO=4&transport=websocket")
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	// A polling request for a WebSocket session.
	wantError(t, e.get(o.SID), http.StatusBadRequest, 3, "Bad request")
	wantError(t, e.post(o.SID, "4x"), http.StatusBadRequest, 3, "Bad request")
	// A second WebSocket for a WebSocket session.
	wantUpgradeRefused(t, e, "EIO=4&transport=websocket&sid="+o.SID, "Bad request")
	// The session is not harmed by refused requests.
	e.noClose()
	if err := ws.WriteText("3"); err != nil {
		t.Fatal(err)
	}
}

// TestErrorUpgradeRefused checks that every refused WebSocket handshake is
// answered with a plain HTTP 400, text/html, the message as body, and no 101.
func TestErrorUpgradeRefused(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, false)
	h := e.handshake()
	for _, tc := range []struct{ name, query, message string }{
		{"unknown sid", "EIO=4&transport=websocket&sid=nope", "Session ID unknown"},
		{"unknown transport", "EIO=4&transport=flash", "Transport unknown"},
		{"no transport", "EIO=4", "Transport unknown"},
		{"polling transport for an upgrade", "EIO=4&transport=polling&sid=" + h.SID, "Bad request"},
		{"EIO=3 direct", "EIO=3&transport=websocket", "Unsupported protocol version"},
		{"EIO missing direct", "transport=websocket", "Unsupported protocol version"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantUpgradeRefused(t, e, tc.query, tc.message) })
	}
	e.noClose()
}

func TestErrorUpgradeRefusedDisabled(t *testing.T) {
	t.Run("websocket disabled", func(t *testing.T) {
		leakCheck(t)
		e := startServer(t, engineio.Options{Transports: []string{engineio.Polling}}, false)
		wantUpgradeRefused(t, e, "EIO=4&transport=websocket", "Transport unknown")
		h := e.handshake()
		wantUpgradeRefused(t, e, "EIO=4&transport=websocket&sid="+h.SID, "Transport unknown")
	})
	t.Run("upgrades disabled", func(t *testing.T) {
		leakCheck(t)
		e := startServer(t, engineio.Options{DisableUpgrades: true}, false)
		h := e.handshake()
		wantUpgradeRefused(t, e, "EIO=4&transport=websocket&sid="+h.SID, "Bad request")
	})
}
