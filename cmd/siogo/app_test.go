package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/siogo/siogo/internal/siotest"
)

const wait = 5 * time.Second

// checkLeaks verifies, after every other cleanup of t has run (nodes
// stopped, clients closed), that no goroutine is left behind.
func checkLeaks(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

// node is one in-process siogo node on a free port.
type node struct {
	t      *testing.T
	app    *app
	base   string // http://127.0.0.1:PORT
	cancel context.CancelFunc
	done   chan error
}

func startNode(t *testing.T, args ...string) *node {
	t.Helper()
	cfg, err := parseConfig(append([]string{"-addr", "127.0.0.1:0", "-jwt-secret", "test-secret"}, args...), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := newApp(cfg, log, ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &node{t: t, app: a, base: "http://" + ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	go func() { n.done <- a.serve(ctx, ln) }()
	t.Cleanup(func() { n.stop() })
	return n
}

// stop drains the node as SIGTERM does and waits for serve to return.
func (n *node) stop() error {
	n.cancel()
	select {
	case err := <-n.done:
		n.done <- err
		return err
	case <-time.After(n.app.cfg.DrainTimeout + wait):
		n.t.Fatal("node did not stop after its drain timeout")
		return nil
	}
}

func (n *node) token(name string) string {
	n.t.Helper()
	res, err := http.Post(n.base+"/api/token", "application/json", strings.NewReader(fmt.Sprintf(`{"name":%q}`, name)))
	if err != nil {
		n.t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != 200 {
		n.t.Fatalf("token: status %d, %v", res.StatusCode, err)
	}
	return body.Token
}

// user is a raw Socket.IO client logged in with a demo token.
type user struct {
	*siotest.Conn
	t *testing.T
}

func (n *node) login(name string) *user {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, err := siotest.DialWebSocket(ctx, n.base+"/socket.io/", "")
	if err != nil {
		n.t.Fatal(err)
	}
	n.t.Cleanup(c.Close)
	if _, err := c.Connect("/", fmt.Sprintf(`{"token":%q}`, n.token(name)), wait); err != nil {
		n.t.Fatalf("connect %s: %v", name, err)
	}
	u := &user{Conn: c, t: n.t}
	if ev := u.event("welcome"); !strings.Contains(ev, `"name":"`+name+`"`) {
		n.t.Fatalf("welcome: %s", ev)
	}
	return u
}

// event reads packets until an event named name arrives and returns its
// packet text.
func (u *user) event(name string) string {
	u.t.Helper()
	return u.eventWith(name, "")
}

// eventWith reads packets until an event named name whose text contains
// want arrives; earlier ones (a presence list before the last join, say)
// are skipped.
func (u *user) eventWith(name, want string) string {
	u.t.Helper()
	end := time.Now().Add(wait)
	for time.Now().Before(end) {
		p, err := u.ReadText(time.Until(end))
		if err != nil {
			u.t.Fatalf("waiting for %q with %q: %v", name, want, err)
		}
		if strings.HasPrefix(p, "2") && strings.Contains(p, `["`+name+`"`) && strings.Contains(p, want) {
			return p
		}
	}
	u.t.Fatalf("no %q event with %q", name, want)
	return ""
}

// request emits an event with an ack and returns the ack's payload.
func (u *user) request(id int, event string, args ...string) string {
	u.t.Helper()
	if err := u.Send(fmt.Sprintf(`2%d["%s",%s]`, id, event, strings.Join(args, ","))); err != nil {
		u.t.Fatal(err)
	}
	prefix := fmt.Sprintf("3%d", id)
	end := time.Now().Add(wait)
	for time.Now().Before(end) {
		p, err := u.ReadText(time.Until(end))
		if err != nil {
			u.t.Fatalf("waiting for the ack of %s: %v", event, err)
		}
		if strings.HasPrefix(p, prefix+"[") {
			return p[len(prefix):]
		}
	}
	u.t.Fatalf("no ack for %s", event)
	return ""
}

func TestChatFlow(t *testing.T) {
	checkLeaks(t)
	n := startNode(t, "-staff", "alice")
	alice, bob := n.login("alice"), n.login("bob")

	if got := alice.request(1, "join", `"lobby"`); !strings.Contains(got, `"ok":true`) || !strings.Contains(got, `"members":["alice"]`) {
		t.Fatalf("alice join lobby: %s", got)
	}
	if got := bob.request(1, "join", `"lobby"`); !strings.Contains(got, `"members":["alice","bob"]`) {
		t.Fatalf("bob join lobby: %s", got)
	}
	alice.eventWith("presence", `"members":["alice","bob"]`)

	// The restricted room: bob's token does not list it, alice's does.
	if got := bob.request(2, "join", `"staff"`); !strings.Contains(got, `"error":"forbidden"`) {
		t.Fatalf("bob join staff: %s", got)
	}
	if got := alice.request(2, "join", `"staff"`); !strings.Contains(got, `"ok":true`) {
		t.Fatalf("alice join staff: %s", got)
	}
	if got := bob.request(3, "message", `{"room":"staff","id":"m0","text":"let me in"}`); !strings.Contains(got, `"error":"not_in_room"`) {
		t.Fatalf("bob message to staff: %s", got)
	}

	if got := alice.request(3, "message", `{"room":"lobby","id":"m1","text":"hello"}`); !strings.Contains(got, `"ok":true`) {
		t.Fatalf("alice message: %s", got)
	}
	msg := bob.event("message")
	if !strings.Contains(msg, `"from":"alice"`) || !strings.Contains(msg, `"text":"hello"`) {
		t.Fatalf("bob got %s", msg)
	}
	// bob's client acks the message; alice learns it was delivered to one.
	bob.Send("3" + strings.TrimPrefix(strings.SplitN(msg, "[", 2)[0], "2") + "[]")
	if got := alice.event("delivered"); !strings.Contains(got, `"id":"m1"`) || !strings.Contains(got, `"count":1`) {
		t.Fatalf("delivered: %s", got)
	}

	bob.Send(`2["typing",{"room":"lobby","typing":true}]`)
	if got := alice.event("typing"); !strings.Contains(got, `"name":"bob"`) {
		t.Fatalf("typing: %s", got)
	}

	bob.Close()
	alice.eventWith("presence", `"members":["alice"]`)
}

func TestRefusesBadTokens(t *testing.T) {
	n := startNode(t)
	forged := &tokenIssuer{secret: []byte("not-the-secret"), ttl: time.Minute, issuer: "siogo", now: time.Now}
	forgedToken, _, _ := forged.issue("eve")
	expired := &tokenIssuer{secret: []byte("test-secret"), ttl: time.Minute, issuer: "siogo", now: func() time.Time { return time.Now().Add(-time.Hour) }}
	expiredToken, _, _ := expired.issue("eve")
	for _, tc := range []struct{ name, auth, code string }{
		{"none", `{}`, "token_missing"},
		{"garbage", `{"token":"not-a-jwt"}`, "token_malformed"},
		{"other secret", `{"token":"` + forgedToken + `"}`, "token_signature_invalid"},
		{"expired", `{"token":"` + expiredToken + `"}`, "token_expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			c, err := siotest.DialWebSocket(ctx, n.base+"/socket.io/", "")
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.Send(siotest.ConnectPacket("/", tc.auth))
			p, err := c.ReadText(wait)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(p, "4{") || !strings.Contains(p, `"code":"`+tc.code+`"`) {
				t.Fatalf("got %s, want CONNECT_ERROR with code %s", p, tc.code)
			}
		})
	}
}

func TestTokenEndpoint(t *testing.T) {
	n := startNode(t, "-staff", "Alice,admin")
	for _, tc := range []struct {
		body   string
		status int
		want   string
	}{
		{`{"name":"alice"}`, 200, `"rooms":["lobby","random","staff"]`},
		{`{"name":"bob"}`, 200, `"rooms":["lobby","random"]`},
		{`{"name":""}`, 400, `"error"`},
		{`{"name":"<script>"}`, 400, `"error"`},
		{`{"name":"` + strings.Repeat("x", 33) + `"}`, 400, `"error"`},
		{`nope`, 400, `"error"`},
	} {
		res, err := http.Post(n.base+"/api/token", "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.status || !bytes.Contains(b, []byte(tc.want)) {
			t.Errorf("POST %s: %d %s, want %d with %s", tc.body, res.StatusCode, b, tc.status, tc.want)
		}
	}
}

// The page schedules its reconnection by expiresIn, which must agree with
// the token's own exp whatever the two clocks say.
func TestTokenExpiresIn(t *testing.T) {
	n := startNode(t, "-token-ttl", "90s")
	res, err := http.Post(n.base+"/api/token", "application/json", strings.NewReader(`{"name":"alice"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		ExpiresAt int64 `json:"expiresAt"`
		ExpiresIn int64 `json:"expiresIn"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	// exp has whole seconds, so up to a second less than the TTL remains.
	if body.ExpiresIn <= 89_000-int64(wait/time.Millisecond) || body.ExpiresIn > 90_000 {
		t.Errorf("expiresIn = %d ms, want about 90 s", body.ExpiresIn)
	}
	if left := time.Until(time.UnixMilli(body.ExpiresAt)); left < 85*time.Second || left > 90*time.Second {
		t.Errorf("expiresAt is %v from now, want about 90 s", left)
	}
}

func TestEndpoints(t *testing.T) {
	n := startNode(t)
	alice := n.login("alice")
	alice.request(1, "join", `"lobby"`)
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/healthz", 200, "ok"},
		{"/readyz", 200, "ok"},
		{"/", 200, "<html"},
		{"/metrics", 200, "siogo_"},
		{"/socket.io/socket.io.min.js", 200, "socket.io v4.8.4"},
	} {
		res, err := http.Get(n.base + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.status || !bytes.Contains(bytes.ToLower(b), []byte(tc.want)) {
			t.Errorf("GET %s: %d, want %d with %q", tc.path, res.StatusCode, tc.status, tc.want)
		}
	}
}

// TestDrain: on SIGTERM (a cancelled context here) the node refuses new
// users, reports not ready, and ends its sessions as a lost transport so
// that clients reconnect, not as a Socket.IO disconnect, which the
// official client would not retry.
func TestDrain(t *testing.T) {
	checkLeaks(t)
	n := startNode(t, "-drain-timeout", "3s")
	alice := n.login("alice")

	start := time.Now()
	go n.stop()
	got, err := alice.Closed(wait)
	if err != nil {
		t.Fatalf("session not closed by the drain: %v", err)
	}
	for _, p := range got {
		if strings.HasPrefix(p.Text, "1") {
			t.Fatalf("the drain sent a Socket.IO DISCONNECT (%q): the client would not reconnect", p.Text)
		}
	}
	if err := n.stop(); err != nil {
		t.Fatalf("serve returned %v", err)
	}
	if d := time.Since(start); d > n.app.cfg.DrainTimeout+time.Second {
		t.Fatalf("drain took %v, over its %v deadline", d, n.app.cfg.DrainTimeout)
	}
	if _, err := http.Get(n.base + "/healthz"); err == nil {
		t.Fatal("still accepting HTTP after the drain")
	}
}

// TestDrainRefusesNewUsers checks the state in between: draining, not yet
// stopped.
func TestDrainRefusesNewUsers(t *testing.T) {
	n := startNode(t)
	n.app.draining.Store(true)
	res, err := http.Get(n.base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz while draining: %d", res.StatusCode)
	}
	res, err = http.Get(n.base + "/socket.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden || !bytes.Contains(b, []byte("draining")) {
		t.Fatalf("handshake while draining: %d %s", res.StatusCode, b)
	}
}
