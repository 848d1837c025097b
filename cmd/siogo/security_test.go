package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/siogo/siogo/internal/attack"
	"github.com/siogo/siogo/internal/siotest"
)

// The security checks run against the real demo application, in process:
// its routes, its middlewares, its metrics at /metrics.

// dialRaw opens a WebSocket session to n without joining any namespace.
func (n *node) dialRaw(t *testing.T) *siotest.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, err := siotest.DialWebSocket(ctx, n.base+"/socket.io/", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// scrape reads /metrics: series (name and labels, as the exposition
// format prints them) to values.
func (n *node) scrape(t *testing.T) map[string]float64 {
	t.Helper()
	res, err := http.Get(n.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

// waitCounted waits until the series grew by at least one since before:
// the hooks may run a moment after the client saw the answer.
func (n *node) waitCounted(t *testing.T, before map[string]float64, series ...string) {
	t.Helper()
	end := time.Now().Add(wait)
	tick := time.NewTicker(10 * time.Millisecond) // polls /metrics, bounded by end
	defer tick.Stop()
	for {
		now := n.scrape(t)
		missing := ""
		for _, s := range series {
			if now[s] < before[s]+1 {
				missing = s
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("%s not counted: %v before, %v now", missing, before[missing], now[missing])
		}
		<-tick.C
	}
}

// claimsFor returns claims the demo would issue to name, for a token the
// test then tampers with.
func claimsFor(name string, rooms ...string) *userClaims {
	now := time.Now()
	return &userClaims{
		Name:  name,
		Rooms: rooms,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   name,
			Issuer:    "siogo",
			Audience:  jwt.ClaimStrings{tokenAudience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)),
		},
	}
}

func signToken(t *testing.T, m jwt.SigningMethod, key any, c jwt.Claims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tokenWithHeader replaces the header of a token, keeping its claims and
// signature.
func tokenWithHeader(token, header string) string {
	parts := strings.SplitN(token, ".", 3)
	parts[0] = base64.RawURLEncoding.EncodeToString([]byte(header))
	return strings.Join(parts, ".")
}

// tokenWithClaims replaces the claims of a token, keeping its header and
// signature: what a user who edits their own token sends.
func tokenWithClaims(token string, c *userClaims) string {
	b, _ := json.Marshal(c)
	parts := strings.SplitN(token, ".", 3)
	parts[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, ".")
}

// Tokens that must not open a socket: each is refused with CONNECT_ERROR
// and its code, counted by code, and leaves the Engine.IO connection
// open, as Node does, so that the client can try again with a good one.
func TestSecurityTokens(t *testing.T) {
	checkLeaks(t)
	n := startNode(t)
	secret := []byte("test-secret")
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	staff := claimsFor("eve", "lobby", "random", "staff")
	modified := func(mod func(*userClaims)) *userClaims {
		c := claimsFor("eve", "lobby", "random")
		mod(c)
		return c
	}
	bobToken := n.token("bob")
	for _, tc := range []struct{ name, token, code string }{
		{"forged with another secret", signToken(t, jwt.SigningMethodHS256, []byte("not-the-secret"), staff), "token_signature_invalid"},
		{"claims edited (rooms: staff)", tokenWithClaims(bobToken, claimsFor("bob", "lobby", "random", "staff")), "token_signature_invalid"},
		{"signature stripped", strings.Join(strings.SplitN(bobToken, ".", 3)[:2], ".") + ".", "token_signature_invalid"},
		{"expired", signToken(t, jwt.SigningMethodHS256, secret, modified(func(c *userClaims) {
			c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
		})), "token_expired"},
		{"not valid yet", signToken(t, jwt.SigningMethodHS256, secret, modified(func(c *userClaims) {
			c.NotBefore = jwt.NewNumericDate(time.Now().Add(time.Hour))
		})), "token_not_yet_valid"},
		{"wrong audience", signToken(t, jwt.SigningMethodHS256, secret, modified(func(c *userClaims) {
			c.Audience = jwt.ClaimStrings{"billing"}
		})), "token_audience_invalid"},
		{"wrong issuer", signToken(t, jwt.SigningMethodHS256, secret, modified(func(c *userClaims) { c.Issuer = "https://evil.example" })), "token_issuer_invalid"},
		{"alg none", signToken(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, staff), "token_algorithm_refused"},
		{"alg None, signature kept", tokenWithHeader(bobToken, `{"alg":"None","typ":"JWT"}`), "token_algorithm_refused"},
		{"alg hs256 in lower case", tokenWithHeader(bobToken, `{"alg":"hs256","typ":"JWT"}`), "token_algorithm_refused"},
		// Only HS256 is accepted, even with the right secret.
		{"HS512 with the right secret", signToken(t, jwt.SigningMethodHS512, secret, staff), "token_algorithm_refused"},
		// Algorithm confusion: a header naming another family is refused
		// before any key is tried.
		{"RS256", signToken(t, jwt.SigningMethodRS256, rsaKey, staff), "token_algorithm_refused"},
		{"PS256", signToken(t, jwt.SigningMethodPS256, rsaKey, staff), "token_algorithm_refused"},
		{"ES256", signToken(t, jwt.SigningMethodES256, ecKey, staff), "token_algorithm_refused"},
		{"EdDSA", signToken(t, jwt.SigningMethodEdDSA, edKey, staff), "token_algorithm_refused"},
		{"not a JWT", "eyJhbGciOi", "token_malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := n.dialRaw(t)
			before := n.scrape(t)
			auth, _ := json.Marshal(map[string]string{"token": tc.token})
			if err := c.Send(siotest.ConnectPacket("/", string(auth))); err != nil {
				t.Fatal(err)
			}
			p, err := c.ReadText(wait)
			if err != nil {
				t.Fatal(err)
			}
			var refusal struct {
				Message string `json:"message"`
				Data    struct {
					Code string `json:"code"`
				} `json:"data"`
			}
			if !strings.HasPrefix(p, "4{") || json.Unmarshal([]byte(p[1:]), &refusal) != nil || refusal.Data.Code != tc.code {
				t.Fatalf("got %s, want CONNECT_ERROR with code %s", p, tc.code)
			}
			n.waitCounted(t, before,
				`siogo_auth_refused_total{code="`+tc.code+`",namespace="/"}`,
				`siogo_connect_refused_total{namespace="/"}`)
			// The same connection may try again, and a good token works.
			auth, _ = json.Marshal(map[string]string{"token": n.token("eve")})
			if _, err := c.Connect("/", string(auth), wait); err != nil {
				t.Fatalf("retry with a good token: %v", err)
			}
		})
	}
}

// Cross-origin access: with -cors-origins, only the listed origins get
// Access-Control-Allow-Origin; the rest are served without it, which a
// browser enforces by hiding the answer.
func TestSecurityCORS(t *testing.T) {
	checkLeaks(t)
	n := startNode(t, "-cors-origins", "https://good.example")
	for _, tc := range []struct {
		origin string
		allow  bool
	}{
		{"https://good.example", true},
		{"https://evil.example", false},
		{"https://good.example.evil.example", false},
		{"https://evil.example/https://good.example", false},
		{"http://good.example", false},
		{"HTTPS://GOOD.EXAMPLE", false},
		{"null", false},
	} {
		for _, method := range []string{"GET", "OPTIONS"} {
			t.Run(method+" "+tc.origin, func(t *testing.T) {
				req, err := http.NewRequest(method, n.base+"/socket.io/?EIO=4&transport=polling", nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Origin", tc.origin)
				if method == "OPTIONS" {
					req.Header.Set("Access-Control-Request-Method", "POST")
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				got := res.Header.Get("Access-Control-Allow-Origin")
				if tc.allow && got != tc.origin {
					t.Fatalf("Access-Control-Allow-Origin %q, want %q", got, tc.origin)
				}
				if !tc.allow && got != "" {
					t.Fatalf("Access-Control-Allow-Origin %q for a refused origin", got)
				}
			})
		}
	}
	// The other routes never allow another origin.
	for _, path := range []string{"/api/token", "/metrics"} {
		req, _ := http.NewRequest("OPTIONS", n.base+path, nil)
		req.Header.Set("Origin", "https://good.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("%s: Access-Control-Allow-Origin %q", path, got)
		}
	}
	// A WebSocket from any origin is accepted, as in Node (browsers do
	// not apply CORS to WebSocket): the token in the CONNECT payload is
	// what protects the sockets, and a page of another site has none.
	t.Run("WebSocket from another origin", func(t *testing.T) {
		target := attack.New(n.base + "/socket.io/")
		defer target.Close()
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		ws, _, err := target.DialWebSocket(ctx, "EIO=4&transport=websocket", http.Header{"Origin": {"https://evil.example"}})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		if _, open, err := ws.Read(time.Now().Add(wait)); err != nil || !strings.HasPrefix(string(open), "0{") {
			t.Fatalf("open packet %q %v", open, err)
		}
		ws.WriteText("40")
		if _, p, err := ws.Read(time.Now().Add(wait)); err != nil || !strings.Contains(string(p), `"code":"token_missing"`) {
			t.Fatalf("got %q %v, want CONNECT_ERROR token_missing", p, err)
		}
	})
	http.DefaultClient.CloseIdleConnections()
}

// Handshakes refused by AllowRequest: 403 with Node's error JSON over
// polling; before the 101, a plain 400 over WebSocket, as Node.
func TestSecurityAllowRequest(t *testing.T) {
	checkLeaks(t)
	expect403 := func(t *testing.T, n *node, message string) {
		t.Helper()
		res, err := http.Get(n.base + "/socket.io/?EIO=4&transport=polling")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if want := `{"code":4,"message":"` + message + `"}`; res.StatusCode != 403 || string(b) != want {
			t.Fatalf("handshake: %d %s, want 403 %s", res.StatusCode, b, want)
		}
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if c, err := siotest.DialWebSocket(ctx, n.base+"/socket.io/", ""); err == nil {
			c.Close()
			t.Fatal("WebSocket handshake accepted")
		}
	}

	t.Run("draining", func(t *testing.T) {
		n := startNode(t)
		before := n.scrape(t)
		n.app.draining.Store(true)
		expect403(t, n, "server is draining, try another node")
		n.waitCounted(t, before, `siogo_engine_bad_requests_total{code="forbidden"}`)
	})

	t.Run("connection rate", func(t *testing.T) {
		// One new connection per 10 s, in bursts of one: the first
		// handshake passes, the next ones are refused.
		n := startNode(t, "-conn-rate", "0.1")
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		first, err := siotest.DialPolling(ctx, n.base+"/socket.io/", "")
		if err != nil {
			t.Fatalf("first handshake: %v", err)
		}
		defer first.Close()
		before := n.scrape(t)
		expect403(t, n, "too many connections")
		n.waitCounted(t, before,
			`siogo_engine_bad_requests_total{code="forbidden"}`,
			`siogo_rate_limited_total{kind="connection",namespace=""}`)
		// The session let in is not affected.
		if _, err := first.Connect("/", fmt.Sprintf(`{"token":%q}`, n.token("alice")), wait); err != nil {
			t.Fatalf("the admitted session: %v", err)
		}
	})
	http.DefaultClient.CloseIdleConnections()
}

// No event crosses namespaces: the demo serves "/" only, a CONNECT to any
// other namespace is refused, and a client that is on no namespace gets
// none of "/"'s broadcasts.
func TestSecurityNamespaces(t *testing.T) {
	checkLeaks(t)
	n := startNode(t)
	alice, bob := n.login("alice"), n.login("bob")
	alice.request(1, "join", `"lobby"`)
	bob.request(1, "join", `"lobby"`)

	eve := n.dialRaw(t)
	auth := fmt.Sprintf(`{"token":%q}`, n.token("eve"))
	for _, nsp := range []string{"/other", "/admin", "//", "/socket.io"} {
		if err := eve.Send(siotest.ConnectPacket(nsp, auth)); err != nil {
			t.Fatal(err)
		}
		want := `4` + nsp + `,{"message":"Invalid namespace"}`
		if p, err := eve.ReadText(wait); err != nil || p != want {
			t.Fatalf("CONNECT %s: got %q %v, want %q", nsp, p, err, want)
		}
	}

	// alice broadcasts to the lobby of "/"; bob gets it. Then eve asks
	// again: if the broadcast had reached her, it would come before her
	// answer, being queued first.
	alice.request(2, "message", `{"room":"lobby","id":"m1","text":"for / only"}`)
	bob.eventWith("message", `"for / only"`)
	eve.Send(siotest.ConnectPacket("/other", auth))
	if p, err := eve.ReadText(wait); err != nil || p != `4/other,{"message":"Invalid namespace"}` {
		t.Fatalf("eve got %q %v: a packet of \"/\" reached a client not on it", p, err)
	}

	// An event for "/" from a client not on it closes its connection,
	// as in Node, and reaches no one.
	eve.Send(`2["message",{"room":"lobby","id":"e1","text":"from nowhere"}]`)
	if got, err := eve.Closed(wait); err != nil {
		t.Fatalf("eve's connection still open: %v (got %v)", err, got)
	}
	alice.request(3, "message", `{"room":"lobby","id":"m2","text":"after"}`)
	if p := bob.eventWith("message", `"text":`); !strings.Contains(p, `"after"`) {
		t.Fatalf("bob got %s before alice's next message", p)
	}
}

// Rooms: bob may not join "staff", nor any other socket's private room,
// and gets nothing said there while alice chats in it.
func TestSecurityRooms(t *testing.T) {
	checkLeaks(t)
	n := startNode(t, "-staff", "alice")
	alice, bob := n.login("alice"), n.login("bob")
	alice.request(1, "join", `"lobby"`)
	bob.request(1, "join", `"lobby"`)
	if got := alice.request(2, "join", `"staff"`); !strings.Contains(got, `"ok":true`) {
		t.Fatalf("alice join staff: %s", got)
	}

	before := n.scrape(t)
	if got := bob.request(2, "join", `"staff"`); !strings.Contains(got, `"error":"forbidden"`) {
		t.Fatalf("bob join staff: %s", got)
	}
	n.waitCounted(t, before, `siogo_join_refused_total{namespace="/"}`)

	// alice's private room, named after her socket id, which a client
	// may learn (the demo sends it in "welcome"), and names that would
	// match staff if they were patterns: all refused.
	var aliceID string
	for _, s := range n.app.io.Sockets().LocalSockets() {
		if nameOf(s.Data()) == "alice" {
			aliceID = string(s.ID())
		}
	}
	for i, room := range []string{aliceID, "", "*", "sta*", "STAFF"} {
		if got := bob.request(10+i, "join", strconv.Quote(room)); !strings.Contains(got, `"error":"forbidden"`) {
			t.Fatalf("bob join %q: %s", room, got)
		}
	}
	if got := bob.request(20, "message", `{"room":"staff","id":"b1","text":"let me in"}`); !strings.Contains(got, `"error":"not_in_room"`) {
		t.Fatalf("bob message to staff: %s", got)
	}
	bob.Send(`2["typing",{"room":"staff","typing":true}]`)

	// alice chats in staff, then in the lobby: bob gets the lobby message
	// and nothing of staff before it.
	if got := alice.request(4, "message", `{"room":"staff","id":"s1","text":"staff only"}`); !strings.Contains(got, `"ok":true`) {
		t.Fatalf("alice message to staff: %s", got)
	}
	alice.Send(`2["typing",{"room":"staff","typing":true}]`)
	alice.request(5, "message", `{"room":"lobby","id":"m1","text":"lobby again"}`)
	end := time.Now().Add(wait)
	for {
		p, err := bob.ReadText(time.Until(end))
		if err != nil {
			t.Fatalf("waiting for alice's lobby message: %v", err)
		}
		if strings.Contains(p, `"staff"`) || strings.Contains(p, "staff only") {
			t.Fatalf("bob received %s from the staff room", p)
		}
		if strings.Contains(p, `"lobby again"`) {
			break
		}
	}
}

// A polling POST whose body never completes is bounded by the engine's
// heartbeat (the ping interval plus the ping timeout), through the demo's
// middlewares too.
func TestSecuritySlowBody(t *testing.T) {
	checkLeaks(t)
	n := startNode(t, "-ping-interval", "200ms", "-ping-timeout", "300ms")
	alice := n.login("alice")
	res, err := http.Get(n.base + "/socket.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var open struct{ SID string }
	if err := json.Unmarshal([]byte(strings.TrimPrefix(string(b), "0")), &open); err != nil {
		t.Fatalf("handshake %s: %v", b, err)
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(n.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /socket.io/?EIO=4&transport=polling&sid=%s HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n42[", open.SID)
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(wait))
	got, err := io.ReadAll(conn) // until the server closes
	if err != nil {
		t.Fatalf("the server kept the stalled POST open for %v: %v (got %q)", time.Since(start), err, got)
	}
	if !strings.HasPrefix(string(got), "HTTP/1.1 400 ") {
		t.Errorf("answered %q, want 400", got)
	}
	t.Logf("stalled POST ended after %v", time.Since(start).Round(time.Millisecond))
	alice.request(1, "join", `"lobby"`) // the well-behaved user is still served
	http.DefaultClient.CloseIdleConnections()
}
