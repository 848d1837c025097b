package jwtauth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/socketio"
	"github.com/siogo/siogo/socketio/jwtauth"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every read and wait.
const wait = siotest.Wait

const (
	issuer   = "https://id.example.test"
	audience = "chat"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

// Keys are made once: RSA generation is slow under -race.
var (
	rsaKey   = sync.OnceValue(func() *rsa.PrivateKey { return must(rsa.GenerateKey(rand.Reader, 2048)) })
	ecdsaKey = sync.OnceValue(func() *ecdsa.PrivateKey { return must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)) })
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// claims returns valid claims for a server configured with issuer and
// audience.
func claims(sub string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"sub": sub,
		"iss": issuer,
		"aud": audience,
		"iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(),
	}
}

func sign(t *testing.T, m jwt.SigningMethod, key any, c jwt.Claims) string {
	t.Helper()
	return signKid(t, m, key, c, "")
}

func signKid(t *testing.T, m jwt.SigningMethod, key any, c jwt.Claims, kid string) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// authPayload is the CONNECT payload carrying token.
func authPayload(token string) string {
	b, _ := json.Marshal(map[string]string{"token": token})
	return string(b)
}

// accepted is what the connection handler saw.
type accepted struct {
	s      *socketio.Socket
	claims jwt.Claims
}

type testServer struct {
	*siotest.Server
	t         *testing.T
	io        *socketio.Server
	auth      *jwtauth.Auth
	url       string
	connected chan accepted
	refused   chan error // what OnRefused got
	reasons   chan string
}

// start serves a socketio.Server whose main namespace uses an Auth made
// of opts; setup may add middlewares or namespaces before the first
// request. Cleanup closes the clients, then the server, then checks that
// no expiry timer and no goroutine is left.
func start(t *testing.T, opts jwtauth.Options, setup func(*socketio.Server, *jwtauth.Auth)) *testServer {
	t.Helper()
	srv := &testServer{
		t:         t,
		connected: make(chan accepted, 16),
		refused:   make(chan error, 16),
		reasons:   make(chan string, 16),
	}
	if opts.OnRefused == nil {
		opts.OnRefused = func(s *socketio.Socket, err error) { srv.refused <- err }
	}
	// The Auth is made in setup, once the goroutine check has taken its
	// snapshot: whatever it starts must be gone at cleanup too.
	srv.Server = siotest.StartServer(t, socketio.Options{}, func(io *socketio.Server) {
		auth, err := jwtauth.New(opts)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		srv.auth = auth
		io.Use(auth.Middleware)
		if setup != nil {
			setup(io, auth)
		}
		io.OnConnection(func(s *socketio.Socket) {
			srv.connected <- accepted{s, jwtauth.Claims(s)}
			s.OnDisconnect(func(r string) { srv.reasons <- r })
		})
	})
	srv.io, srv.url = srv.IO, srv.URL
	srv.AfterClose(func() {
		waitFor(t, "every expiry timer stopped", func() bool { return jwtauth.ArmedTimers(srv.auth) == 0 })
	})
	return srv
}

// dial opens an Engine.IO session with query added to the handshake.
func (srv *testServer) dial(transport, query string) *siotest.Conn {
	srv.t.Helper()
	return srv.Dial(srv.t, transport, query)
}

// connect sends a CONNECT to the main namespace and returns the answer.
func connect(t *testing.T, c *siotest.Conn, auth string) string {
	t.Helper()
	if err := c.Send(siotest.ConnectPacket("/", auth)); err != nil {
		t.Fatal(err)
	}
	got, err := c.ReadText(wait)
	if err != nil {
		t.Fatalf("no answer to CONNECT: %v", err)
	}
	return got
}

// connectError is the payload of a CONNECT_ERROR.
type connectError struct {
	Message string `json:"message"`
	Data    struct {
		Code string `json:"code"`
	} `json:"data"`
}

// refusal parses a CONNECT_ERROR of the main namespace.
func refusal(t *testing.T, pkt string) connectError {
	t.Helper()
	var ce connectError
	if !strings.HasPrefix(pkt, "4{") || json.Unmarshal([]byte(pkt[1:]), &ce) != nil {
		t.Fatalf("got %q, want a CONNECT_ERROR", pkt)
	}
	return ce
}

// wantAccepted checks a CONNECT reply and returns the connection
// handler's view of the socket.
func (srv *testServer) wantAccepted(t *testing.T, pkt string) accepted {
	t.Helper()
	if !strings.HasPrefix(pkt, `0{"sid":"`) {
		t.Fatalf("got %q, want a CONNECT reply", pkt)
	}
	return recv(t, srv.connected)
}

func subject(t *testing.T, c jwt.Claims) string {
	t.Helper()
	if c == nil {
		t.Fatal("no claims")
	}
	sub, err := c.GetSubject()
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	return siotest.Recv(t, ch)
}

// waitFor polls cond until it holds, for work that finishes on another
// goroutine without telling anyone (context.AfterFunc's).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(wait); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// wsConn is a raw Socket.IO client over a WebSocket that can send request
// headers, which siotest cannot. It reads synchronously: no goroutine.
type wsConn struct {
	t  *testing.T
	ws *websocket.Conn
}

func (srv *testServer) dialHeader(query string, h http.Header) *wsConn {
	srv.t.Helper()
	u := "ws" + strings.TrimPrefix(srv.url, "http") + "?EIO=4&transport=websocket"
	if query != "" {
		u += "&" + query
	}
	d := websocket.Dialer{HandshakeTimeout: wait}
	ws, _, err := d.Dial(u, h)
	if err != nil {
		srv.t.Fatal(err)
	}
	srv.Track(func() { ws.Close() })
	c := &wsConn{t: srv.t, ws: ws}
	if open := c.readEngine(); !strings.HasPrefix(open, "0{") {
		srv.t.Fatalf("open packet %q", open)
	}
	return c
}

// readEngine returns the next Engine.IO packet, answering pings.
func (c *wsConn) readEngine() string {
	c.t.Helper()
	for {
		c.ws.SetReadDeadline(time.Now().Add(wait))
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			c.t.Fatalf("read: %v", err)
		}
		if string(data) == "2" {
			c.ws.WriteMessage(websocket.TextMessage, []byte("3"))
			continue
		}
		return string(data)
	}
}

// connect sends a CONNECT to the main namespace and returns the answer.
func (c *wsConn) connect(auth string) string {
	c.t.Helper()
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte("4"+siotest.ConnectPacket("/", auth))); err != nil {
		c.t.Fatal(err)
	}
	msg := c.readEngine()
	if !strings.HasPrefix(msg, "4") {
		c.t.Fatalf("got Engine.IO packet %q, want a message", msg)
	}
	return msg[1:]
}
