package engineio_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/siogo/siogo/engineio"
)

// InitialHeaders and Headers add to the responses Node's "initial_headers"
// and "headers" events reach: the handshake (both), then every poll, post
// and 101 (Headers only).
func TestCustomHeaders(t *testing.T) {
	leakCheck(t)
	var initial, every atomic.Int32
	e := startServer(t, engineio.Options{
		Cookie: &http.Cookie{},
		InitialHeaders: func(h http.Header, r *http.Request) {
			initial.Add(1)
			if h.Get("Set-Cookie") == "" {
				t.Error("InitialHeaders: the session cookie is not set yet")
			}
			h.Set("X-Initial", "1")
		},
		Headers: func(h http.Header, r *http.Request) { every.Add(1); h.Set("X-Every", r.Method) },
	}, true)

	hs := e.handshake()
	if got := hs.Response.Header; got.Get("X-Initial") != "1" || got.Get("X-Every") != "GET" {
		t.Errorf("handshake headers %v", got)
	}
	post, err := e.c.Post(ctx(t), hs.SID, "4hi")
	if err != nil || post.Header.Get("X-Every") != "POST" || post.Header.Get("X-Initial") != "" {
		t.Fatalf("POST: %v %v", post, err)
	}
	poll, err := e.c.Get(ctx(t), hs.SID)
	if err != nil || poll.Header.Get("X-Every") != "GET" || poll.Header.Get("X-Initial") != "" || !strings.Contains(string(poll.Body), "4hi") {
		t.Fatalf("GET: %v %v", poll, err)
	}
	// The upgrade's 101 sees Headers; a direct WebSocket's both.
	ws, resp, err := e.c.DialWS(ctx(t), "EIO=4&transport=websocket&sid="+hs.SID, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.Close()
	if resp.Header.Get("X-Every") != "GET" || resp.Header.Get("X-Initial") != "" {
		t.Errorf("upgrade 101 headers %v", resp.Header)
	}
	ws, resp, err = e.c.DialWS(ctx(t), "EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.Close()
	if resp.Header.Get("X-Every") != "GET" || resp.Header.Get("X-Initial") != "1" {
		t.Errorf("direct WebSocket 101 headers %v", resp.Header)
	}
	if initial.Load() != 2 || every.Load() != 5 {
		t.Errorf("InitialHeaders ran %d times (want 2), Headers %d (want 5)", initial.Load(), every.Load())
	}
}

func TestGenerateID(t *testing.T) {
	leakCheck(t)
	var n atomic.Int32
	id := func(*http.Request) string { return "session-" + string(rune('a'+n.Add(1))) }
	e := startServer(t, engineio.Options{GenerateID: func(r *http.Request) string { return id(r) }}, true)
	if hs := e.handshake(); hs.SID != "session-b" {
		t.Errorf("sid %q, want session-b", hs.SID)
	}
	ws, o, err := e.c.DialWSOpen(ctx(t), "EIO=4&transport=websocket")
	if err != nil {
		t.Fatal(err)
	}
	ws.Close()
	if o.SID != "session-c" {
		t.Errorf("WebSocket sid %q, want session-c", o.SID)
	}

	// A duplicate of an open session's id, or an id that cannot travel
	// as it is, refuses the handshake.
	for _, bad := range []string{"session-b", "", "a b", `a"b`, "é"} {
		id = func(*http.Request) string { return bad }
		res, err := e.c.Do(ctx(t), "GET", "EIO=4&transport=polling", nil, nil)
		if err != nil || res.Status != http.StatusInternalServerError {
			t.Errorf("id %q: %v %v, want 500", bad, res, err)
		}
		if _, _, err := e.c.DialWS(ctx(t), "EIO=4&transport=websocket", nil); err == nil {
			t.Errorf("id %q: WebSocket session opened", bad)
		}
	}
}
