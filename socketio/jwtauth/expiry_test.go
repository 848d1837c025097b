package jwtauth_test

import (
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/socketio"
	"github.com/siogo/siogo/socketio/jwtauth"
)

// expiringIn returns claims whose exp is about d from now. exp has a
// precision of one second: it falls between d-1s and d.
func expiringIn(d time.Duration) (jwt.MapClaims, time.Time) {
	c := claims("alice")
	exp := jwt.NewNumericDate(time.Now().Add(d))
	c["exp"] = exp.Unix()
	return c, exp.Time
}

func TestDisconnectOnExpiry(t *testing.T) {
	srv := start(t, jwtauth.Options{Key: secret, DisconnectOnExpiry: true}, nil)
	cl, exp := expiringIn(1500 * time.Millisecond)
	token := authPayload(sign(t, jwt.SigningMethodHS256, secret, cl))
	var conns []*siotest.Conn
	for _, tr := range []string{"websocket", "polling"} {
		c := srv.dial(tr, "")
		srv.wantAccepted(t, connect(t, c, token))
		conns = append(conns, c)
	}
	if n := jwtauth.ArmedTimers(srv.auth); n != 2 {
		t.Errorf("%d expiry timers armed, want 2", n)
	}
	for _, c := range conns {
		// DISCONNECT of the main namespace: socket.io-client reports
		// "io server disconnect".
		if got, err := c.ReadText(wait); err != nil || got != "1" {
			t.Fatalf("%s: got %q %v, want a DISCONNECT", c.Transport, got, err)
		}
		if now := time.Now(); now.Before(exp) {
			t.Errorf("%s: disconnected %v before exp", c.Transport, exp.Sub(now))
		}
		if r := recv(t, srv.reasons); r != socketio.ReasonServerNamespaceDisconnect {
			t.Errorf("server saw reason %q", r)
		}
	}
}

func TestExpiryLeeway(t *testing.T) {
	const leeway = time.Second
	srv := start(t, jwtauth.Options{Key: secret, DisconnectOnExpiry: true, Leeway: leeway}, nil)
	cl, exp := expiringIn(500 * time.Millisecond)
	c := srv.dial("websocket", "")
	srv.wantAccepted(t, connect(t, c, authPayload(sign(t, jwt.SigningMethodHS256, secret, cl))))
	if got, err := c.ReadText(wait); err != nil || got != "1" {
		t.Fatalf("got %q %v, want a DISCONNECT", got, err)
	}
	if now := time.Now(); now.Before(exp.Add(leeway)) {
		t.Errorf("disconnected %v before exp+leeway", exp.Add(leeway).Sub(now))
	}
}

// A token that expires while the later middlewares still run must not let
// its socket in for good.
func TestExpiryWhileConnecting(t *testing.T) {
	cl, exp := expiringIn(1500 * time.Millisecond)
	srv := start(t, jwtauth.Options{Key: secret, DisconnectOnExpiry: true}, func(io *socketio.Server, _ *jwtauth.Auth) {
		io.Use(func(*socketio.Socket) error {
			time.Sleep(time.Until(exp) + 50*time.Millisecond) // a slow middleware, past exp
			return nil
		})
	})
	c := srv.dial("websocket", "")
	srv.wantAccepted(t, connect(t, c, authPayload(sign(t, jwt.SigningMethodHS256, secret, cl))))
	if got, err := c.ReadText(wait); err != nil || got != "1" {
		t.Fatalf("got %q %v, want a DISCONNECT", got, err)
	}
	recv(t, srv.reasons)
}

// Sockets that leave before their token expires take their timer along:
// a namespace disconnect, a closed connection, a refusal by a later
// middleware. start's cleanup checks goroutines too.
func TestExpiryTimerStopped(t *testing.T) {
	srv := start(t, jwtauth.Options{Key: secret, DisconnectOnExpiry: true}, func(io *socketio.Server, _ *jwtauth.Auth) {
		io.Use(func(s *socketio.Socket) error {
			if s.Handshake().Query.Get("refuse") != "" {
				return errors.New("refused after jwtauth")
			}
			return nil
		})
	})
	token := authPayload(sign(t, jwt.SigningMethodHS256, secret, claims("alice"))) // exp in 1h
	armed := func() int64 { return jwtauth.ArmedTimers(srv.auth) }

	c := srv.dial("websocket", "")
	srv.wantAccepted(t, connect(t, c, token))
	if n := armed(); n != 1 {
		t.Fatalf("%d timers armed, want 1", n)
	}
	if err := c.Send("1"); err != nil { // namespace DISCONNECT from the client
		t.Fatal(err)
	}
	if r := recv(t, srv.reasons); r != socketio.ReasonClientNamespaceDisconnect {
		t.Errorf("reason %q", r)
	}
	waitFor(t, "the timer of a disconnected socket stopped", func() bool { return armed() == 0 })

	c = srv.dial("polling", "")
	srv.wantAccepted(t, connect(t, c, token))
	c.Close()
	recv(t, srv.reasons)
	waitFor(t, "the timer of a closed connection stopped", func() bool { return armed() == 0 })

	c = srv.dial("websocket", "refuse=1")
	if got := connect(t, c, token); got != `4{"message":"refused after jwtauth"}` {
		t.Errorf("got %q", got)
	}
	waitFor(t, "the timer of a refused socket stopped", func() bool { return armed() == 0 })
}

func TestNoExpiryTimer(t *testing.T) {
	cl, _ := expiringIn(time.Hour)
	noExp := claims("bob")
	delete(noExp, "exp")
	for name, opts := range map[string]jwtauth.Options{
		"DisconnectOnExpiry off": {Key: secret},
		"token without exp":      {Key: secret, DisconnectOnExpiry: true},
	} {
		t.Run(name, func(t *testing.T) {
			srv := start(t, opts, nil)
			c := cl
			if opts.DisconnectOnExpiry {
				c = noExp
			}
			srv.wantAccepted(t, connect(t, srv.dial("websocket", ""), authPayload(sign(t, jwt.SigningMethodHS256, secret, c))))
			if n := jwtauth.ArmedTimers(srv.auth); n != 0 {
				t.Errorf("%d timers armed", n)
			}
		})
	}
}
