package jwtauth_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/siogo/siogo/socketio"
	"github.com/siogo/siogo/socketio/jwtauth"
)

func TestNewRefusesBadOptions(t *testing.T) {
	keyfunc := func(*jwt.Token) (any, error) { return secret, nil }
	cases := map[string]jwtauth.Options{
		"no key":                     {},
		"empty HMAC key":             {Key: []byte{}},
		"string key":                 {Key: string(secret)},
		"PEM as HMAC key":            {Key: []byte("-----BEGIN PUBLIC KEY-----\nMIIB...\n-----END PUBLIC KEY-----\n")},
		"unsupported key type":       {Key: 42},
		"short Ed25519 key":          {Key: ed25519.PublicKey(make([]byte, 3))},
		"Keyfunc without Algorithms": {Keyfunc: keyfunc},
		"Keyfunc with none":          {Keyfunc: keyfunc, Algorithms: []string{"HS256", "none"}},
		"Keyfunc with unknown alg":   {Keyfunc: keyfunc, Algorithms: []string{"HS999"}},
		"none":                       {Key: secret, Algorithms: []string{"none"}},
		"HS256 with an RSA key":      {Key: &rsaKey().PublicKey, Algorithms: []string{"RS256", "HS256"}},
		"RS256 with an HMAC key":     {Key: secret, Algorithms: []string{"RS256"}},
		"ES384 with a P-256 key":     {Key: &ecdsaKey().PublicKey, Algorithms: []string{"ES384"}},
		"negative leeway":            {Key: secret, Leeway: -time.Second},
	}
	for name, opts := range cases {
		if _, err := jwtauth.New(opts); !errors.Is(err, jwtauth.ErrInvalidOptions) {
			t.Errorf("%s: New returned %v, want ErrInvalidOptions", name, err)
		}
	}
}

// Verify is Middleware without a socket.
func TestVerify(t *testing.T) {
	auth, err := jwtauth.New(jwtauth.Options{Key: secret, Algorithms: []string{"HS512"}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := auth.Verify(sign(t, jwt.SigningMethodHS512, secret, claims("alice")))
	if err != nil || subject(t, c) != "alice" {
		t.Fatalf("Verify: %v %v", c, err)
	}
	if _, err := auth.Verify(sign(t, jwt.SigningMethodHS256, secret, claims("alice"))); !errors.Is(err, jwtauth.ErrAlgorithm) {
		t.Errorf("HS256 when only HS512 is allowed: %v", err)
	}

	expired := claims("alice")
	expired["exp"] = time.Now().Add(-time.Hour).Unix()
	_, err = auth.Verify(sign(t, jwt.SigningMethodHS512, secret, expired))
	if !errors.Is(err, jwtauth.ErrExpired) || !errors.Is(err, jwt.ErrTokenExpired) {
		t.Errorf("expired: %v does not wrap both ErrExpired and jwt.ErrTokenExpired", err)
	}
	if _, err := auth.Verify(""); !errors.Is(err, jwtauth.ErrMalformed) {
		t.Errorf("empty token: %v", err)
	}
}

// New keeps its own copy of an HMAC key.
func TestKeyCopied(t *testing.T) {
	key := []byte("a secret the caller will reuse..")
	auth, err := jwtauth.New(jwtauth.Options{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	token := sign(t, jwt.SigningMethodHS256, []byte("a secret the caller will reuse.."), claims("alice"))
	copy(key, "overwritten")
	if _, err := auth.Verify(token); err != nil {
		t.Errorf("Verify after the caller changed its slice: %v", err)
	}
}

// The default algorithms of an ECDSA key are its curve's only.
func TestECDSACurve(t *testing.T) {
	p384 := must(ecdsa.GenerateKey(elliptic.P384(), rand.Reader))
	auth, err := jwtauth.New(jwtauth.Options{Key: &p384.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Verify(sign(t, jwt.SigningMethodES384, p384, claims("alice"))); err != nil {
		t.Errorf("ES384: %v", err)
	}
	if _, err := auth.Verify(sign(t, jwt.SigningMethodES256, ecdsaKey(), claims("alice"))); !errors.Is(err, jwtauth.ErrAlgorithm) {
		t.Errorf("ES256 for a P-384 key: %v", err)
	}
}

func TestCode(t *testing.T) {
	for err, want := range map[error]string{
		nil:                  "",
		errors.New("other"):  "",
		jwtauth.ErrNoToken:   "token_missing",
		jwtauth.ErrMalformed: "token_malformed",
		fmt.Errorf("wrapped: %w", jwtauth.ErrSignature): "token_signature_invalid",
		jwtauth.ErrAlgorithm:                            "token_algorithm_refused",
		jwtauth.ErrExpired:                              "token_expired",
		jwtauth.ErrNotYetValid:                          "token_not_yet_valid",
		jwtauth.ErrIssuer:                               "token_issuer_invalid",
		jwtauth.ErrAudience:                             "token_audience_invalid",
		jwtauth.ErrClaims:                               "token_claims_invalid",
		&socketio.ConnectError{Message: "x", Data: map[string]any{"code": "token_expired"}}: "token_expired",
		&socketio.ConnectError{Message: "x", Data: map[string]any{"code": 42}}:              "",
	} {
		if got := jwtauth.Code(err); got != want {
			t.Errorf("Code(%v) = %q, want %q", err, got, want)
		}
	}
}

// What Middleware returns is a *socketio.ConnectError that Code reads.
func TestMiddlewareError(t *testing.T) {
	srv := start(t, jwtauth.Options{Key: secret}, func(io *socketio.Server, auth *jwtauth.Auth) {
		io.Of("/check").Use(func(s *socketio.Socket) error {
			err := auth.Middleware(s)
			var ce *socketio.ConnectError
			if !errors.As(err, &ce) || jwtauth.Code(err) != "token_missing" || ce.Message != "authentication required" {
				t.Errorf("Middleware returned %#v", err)
			}
			return err
		})
	})
	c := srv.dial("websocket", "")
	if err := c.Send("0/check,"); err != nil {
		t.Fatal(err)
	}
	if got, err := c.ReadText(wait); err != nil || got != `4/check,{"message":"authentication required","data":{"code":"token_missing"}}` {
		t.Errorf("got %q %v", got, err)
	}
	recv(t, srv.refused)
}
