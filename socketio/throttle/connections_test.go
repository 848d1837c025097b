package throttle_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/socketio"
	"github.com/siogo/siogo/socketio/throttle"
)

// handshaker sends raw handshake requests.
type handshaker struct {
	t    *testing.T
	url  string
	http *http.Client
}

func newHandshaker(t *testing.T, srv *testServer) *handshaker {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections) // before the server's cleanup
	return &handshaker{t: t, url: srv.url, http: &http.Client{Transport: tr}}
}

// get sends a polling handshake with query and returns the status and body.
func (h *handshaker) get(query string) (int, string) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.url+"?"+query, nil)
	resp, err := h.http.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func (h *handshaker) handshake() (int, string) { return h.get("EIO=4&transport=polling") }

func limitedServer(t *testing.T, opts throttle.ConnectionOptions) *testServer {
	conns := throttle.NewConnections(opts)
	return startServer(t, socketio.Options{Engine: engineio.Options{AllowRequest: conns.AllowRequest}}, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			s.On("e", func(i int, ack socketio.AckFunc) { ack(i) })
		})
	})
}

func TestConnectionsBeyondBurst(t *testing.T) {
	var limited atomic.Int32
	srv := limitedServer(t, throttle.ConnectionOptions{
		Rate: never, Burst: 3,
		OnLimited: func(r *http.Request) { limited.Add(1) },
	})
	h := newHandshaker(t, srv)

	// Requests refused before AllowRequest use no token.
	for range 5 {
		if code, _ := h.get("EIO=4&transport=carrier-pigeon"); code != http.StatusBadRequest {
			t.Fatalf("unknown transport: %d", code)
		}
	}
	// The burst: a client through the whole protocol, and raw handshakes.
	c, _ := srv.connect("polling")
	for range 2 {
		if code, body := h.handshake(); code != http.StatusOK || !strings.HasPrefix(body, "0{") {
			t.Fatalf("handshake within the burst: %d %q", code, body)
		}
	}
	// Beyond it: 403 with the message, in Node's JSON.
	code, body := h.handshake()
	if code != http.StatusForbidden {
		t.Errorf("handshake beyond the burst: %d %q, want 403", code, body)
	}
	var msg struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(body), &msg); err != nil || msg.Code != 4 || msg.Message != "too many connections" {
		t.Errorf("refusal body %q (%v)", body, err)
	}
	// A WebSocket handshake is refused too, the way Node refuses upgrades.
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	ws, resp, err := (&websocket.Dialer{}).DialContext(ctx, "ws"+strings.TrimPrefix(srv.url, "http")+"?EIO=4&transport=websocket", nil)
	if err == nil {
		ws.Close()
		t.Fatal("WebSocket handshake beyond the burst accepted")
	}
	if resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("WebSocket refusal: %v %v", resp, err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "too many connections" {
			t.Errorf("WebSocket refusal body %q", b)
		}
	}
	if n := limited.Load(); n != 2 {
		t.Errorf("OnLimited called %d times, want 2", n)
	}

	// Open sessions are not limited: only handshakes take tokens, not the
	// polling requests of a session (which carry its sid).
	for i := range 3 {
		send(t, c, fmt.Sprintf(`2%d["e",%d]`, i, i))
		expect(t, c, fmt.Sprintf(`3%d[%d]`, i, i))
	}
}

func TestConnectionsRefill(t *testing.T) {
	srv := limitedServer(t, throttle.ConnectionOptions{Rate: 20, Burst: 1})
	h := newHandshaker(t, srv)
	deadline := time.Now().Add(wait)
	// Handshakes back to back come faster than one per 50ms: one is
	// refused soon.
	for {
		if code, _ := h.handshake(); code == http.StatusForbidden {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no handshake refused at full speed")
		}
	}
	for {
		code, body := h.handshake()
		if code == http.StatusOK {
			break
		}
		if code != http.StatusForbidden || time.Now().After(deadline) {
			t.Fatalf("still refused: %d %q", code, body)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestConnectionsError(t *testing.T) {
	c := throttle.NewConnections(throttle.ConnectionOptions{Rate: never, Burst: 1})
	r, _ := http.NewRequest(http.MethodGet, "/socket.io/?EIO=4&transport=polling", nil)
	if err := c.AllowRequest(r); err != nil {
		t.Fatalf("first request: %v", err)
	}
	err := c.AllowRequest(r)
	if !errors.Is(err, throttle.ErrRateLimited) || err.Error() != "too many connections" {
		t.Errorf("refusal %v, want ErrRateLimited with the text \"too many connections\"", err)
	}
	// Neither path allocates: a flood of handshakes costs no garbage.
	if n := testing.AllocsPerRun(100, func() { c.AllowRequest(r) }); n != 0 {
		t.Errorf("refused path: %v allocations", n)
	}
	open := throttle.NewConnections(throttle.ConnectionOptions{Rate: rate.Inf})
	if n := testing.AllocsPerRun(100, func() { open.AllowRequest(r) }); n != 0 {
		t.Errorf("allowed path: %v allocations", n)
	}
	if err := open.AllowRequest(r); err != nil {
		t.Errorf("rate.Inf refused: %v", err)
	}
}
