package engineio_test

import (
	"net/http"
	"testing"

	"github.com/siogo/siogo/engineio"
)

func TestCORSPreflight(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{CORS: &engineio.CORS{}}, false)
	r := e.do(http.MethodOptions, "EIO=4&transport=polling", http.Header{
		"Origin":                         {"https://example.com"},
		"Access-Control-Request-Method":  {"POST"},
		"Access-Control-Request-Headers": {"content-type,x-custom"},
	}, "")
	if r.Status != http.StatusNoContent || len(r.Body) != 0 {
		t.Fatalf("preflight: %s, want 204", r)
	}
	for k, want := range map[string]string{
		"Access-Control-Allow-Origin":  "*",
		"Access-Control-Allow-Methods": "GET,HEAD,PUT,PATCH,POST,DELETE",
		"Access-Control-Allow-Headers": "content-type,x-custom",
	} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if got := r.Header.Get("Access-Control-Allow-Credentials"); got != "" {
		t.Errorf("Access-Control-Allow-Credentials %q without Credentials", got)
	}
	if n := e.srv.ClientsCount(); n != 0 {
		t.Errorf("a preflight opened %d sessions", n)
	}
}

func TestCORSDefaultOrigin(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{CORS: &engineio.CORS{}}, true)
	origin := http.Header{"Origin": {"https://example.com"}}
	// The handshake, a POST, a GET and an error all carry the header.
	r := e.do(http.MethodGet, "EIO=4&transport=polling", origin, "")
	if r.Status != http.StatusOK {
		t.Fatalf("handshake: %s", r)
	}
	check := func(what string, r *http.Header) {
		t.Helper()
		if got := r.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("%s: Access-Control-Allow-Origin %q, want *", what, got)
		}
	}
	check("handshake", &r.Header)
	h := e.session()
	r = e.do(http.MethodPost, "EIO=4&transport=polling&sid="+h.ID(), origin, "4x")
	check("POST", &r.Header)
	r = e.do(http.MethodGet, "EIO=4&transport=polling&sid="+h.ID(), origin, "")
	check("GET", &r.Header)
	r = e.do(http.MethodGet, "EIO=4&transport=polling&sid=nope", origin, "")
	wantError(t, r, http.StatusBadRequest, 1, "Session ID unknown")
	check("error", &r.Header)
	r = e.do(http.MethodGet, "", origin, "")
	wantError(t, r, http.StatusBadRequest, 0, "Transport unknown")
	check("error", &r.Header)
}

func TestCORSOrigins(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{CORS: &engineio.CORS{
		Origins:     []string{"https://a.example", "https://b.example"},
		Credentials: true,
	}}, false)
	for _, tc := range []struct{ origin, want string }{
		{"https://a.example", "https://a.example"},
		{"https://b.example", "https://b.example"},
		{"https://evil.example", ""},
	} {
		for _, method := range []string{http.MethodGet, http.MethodOptions} {
			r := e.do(method, "", http.Header{"Origin": {tc.origin}}, "")
			if got := r.Header.Values("Access-Control-Allow-Origin"); tc.want == "" && len(got) != 0 ||
				tc.want != "" && (len(got) != 1 || got[0] != tc.want) {
				t.Errorf("%s from %s: Access-Control-Allow-Origin %q, want %q", method, tc.origin, got, tc.want)
			}
			if got := r.Header.Get("Access-Control-Allow-Credentials"); got != "true" {
				t.Errorf("%s from %s: Access-Control-Allow-Credentials %q", method, tc.origin, got)
			}
			if got := r.Header.Get("Vary"); got == "" {
				t.Errorf("%s from %s: no Vary with an origin list", method, tc.origin)
			}
		}
	}
}

func TestCORSOff(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, false)
	h := e.handshake()
	if got := h.Response.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("Access-Control-Allow-Origin %q without CORS", got)
	}
	r := e.do(http.MethodOptions, "EIO=4&transport=polling", http.Header{"Origin": {"https://x.example"}}, "")
	if r.Header.Get("Access-Control-Allow-Origin") != "" || r.Header.Get("Access-Control-Allow-Methods") != "" {
		t.Errorf("CORS headers without CORS: %v", r.Header)
	}
}
