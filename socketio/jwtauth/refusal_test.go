package jwtauth_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/socketio"
	"github.com/siogo/siogo/socketio/jwtauth"
)

func TestRefusals(t *testing.T) {
	now := time.Now()
	with := func(sub string, mod func(jwt.MapClaims)) jwt.MapClaims {
		c := claims(sub)
		mod(c)
		return c
	}
	none := func(c jwt.MapClaims) string {
		return sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, c)
	}
	hs := func(c jwt.MapClaims) string { return sign(t, jwt.SigningMethodHS256, secret, c) }

	cases := []struct {
		name string
		auth string // CONNECT payload
		want error
		code string
		msg  string
	}{
		{"no payload", "", jwtauth.ErrNoToken, "token_missing", "authentication required"},
		{"no token", `{"user":"alice"}`, jwtauth.ErrNoToken, "token_missing", "authentication required"},
		{"empty token", `{"token":""}`, jwtauth.ErrNoToken, "token_missing", "authentication required"},
		{"Token is not token", `{"Token":"` + hs(claims("alice")) + `"}`, jwtauth.ErrNoToken, "token_missing", "authentication required"},
		{"not a JWT", authPayload("hello"), jwtauth.ErrMalformed, "token_malformed", "invalid token: malformed"},
		{"bad base64", authPayload("a.b.c"), jwtauth.ErrMalformed, "token_malformed", "invalid token: malformed"},
		{"token not a string", `{"token":42}`, jwtauth.ErrMalformed, "token_malformed", "invalid token: malformed"},
		{"wrong secret", authPayload(sign(t, jwt.SigningMethodHS256, []byte("not the secret, but long enough!"), claims("alice"))),
			jwtauth.ErrSignature, "token_signature_invalid", "invalid token: invalid signature"},
		{"claims swapped", authPayload(swapClaims(hs(claims("alice")), hs(claims("admin")))),
			jwtauth.ErrSignature, "token_signature_invalid", "invalid token: invalid signature"},
		{"expired", authPayload(hs(with("alice", func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() }))),
			jwtauth.ErrExpired, "token_expired", "invalid token: expired"},
		{"nbf in the future", authPayload(hs(with("alice", func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Minute).Unix() }))),
			jwtauth.ErrNotYetValid, "token_not_yet_valid", "invalid token: not valid yet"},
		{"iat in the future", authPayload(hs(with("alice", func(c jwt.MapClaims) { c["iat"] = now.Add(time.Minute).Unix() }))),
			jwtauth.ErrNotYetValid, "token_not_yet_valid", "invalid token: not valid yet"},
		{"wrong issuer", authPayload(hs(with("alice", func(c jwt.MapClaims) { c["iss"] = "https://evil.test" }))),
			jwtauth.ErrIssuer, "token_issuer_invalid", "invalid token: invalid issuer"},
		{"no issuer", authPayload(hs(with("alice", func(c jwt.MapClaims) { delete(c, "iss") }))),
			jwtauth.ErrIssuer, "token_issuer_invalid", "invalid token: invalid issuer"},
		{"wrong audience", authPayload(hs(with("alice", func(c jwt.MapClaims) { c["aud"] = []string{"billing", "admin"} }))),
			jwtauth.ErrAudience, "token_audience_invalid", "invalid token: invalid audience"},
		{"no audience", authPayload(hs(with("alice", func(c jwt.MapClaims) { delete(c, "aud") }))),
			jwtauth.ErrAudience, "token_audience_invalid", "invalid token: invalid audience"},
		{"exp not a number", authPayload(hs(with("alice", func(c jwt.MapClaims) { c["exp"] = "tomorrow" }))),
			jwtauth.ErrClaims, "token_claims_invalid", "invalid token: invalid claims"},
		{"alg none", authPayload(none(claims("alice"))), jwtauth.ErrAlgorithm, "token_algorithm_refused", "invalid token: algorithm refused"},
		{"RS256 for an HMAC key", authPayload(sign(t, jwt.SigningMethodRS256, rsaKey(), claims("alice"))),
			jwtauth.ErrAlgorithm, "token_algorithm_refused", "invalid token: algorithm refused"},
		{"unknown alg", authPayload(withHeader(hs(claims("alice")), `{"alg":"XX999","typ":"JWT"}`)),
			jwtauth.ErrAlgorithm, "token_algorithm_refused", "invalid token: algorithm refused"},
	}
	srv := start(t, jwtauth.Options{Key: secret, Issuer: issuer, Audience: audience}, nil)
	for _, tr := range []string{"websocket", "polling"} {
		c := srv.dial(tr, "")
		for _, tc := range cases {
			t.Run(tr+"/"+tc.name, func(t *testing.T) {
				ce := refusal(t, connect(t, c, tc.auth))
				if ce.Message != tc.msg || ce.Data.Code != tc.code {
					t.Errorf("client got message %q code %q, want %q %q", ce.Message, ce.Data.Code, tc.msg, tc.code)
				}
				err := recv(t, srv.refused)
				if !errors.Is(err, tc.want) || jwtauth.Code(err) != tc.code {
					t.Errorf("OnRefused got %v (code %q), want %v", err, jwtauth.Code(err), tc.want)
				}
			})
		}
		// The connection outlives the refusals, as in Node.
		srv.wantAccepted(t, connect(t, c, authPayload(hs(claims("alice")))))
	}
	select {
	case a := <-srv.connected:
		t.Errorf("socket %s connected after a refusal", a.s.ID())
	default:
	}
}

// The exact CONNECT_ERROR packet: socket.io-client makes it an Error with
// err.message and err.data.code.
func TestRefusalPacket(t *testing.T) {
	srv := start(t, jwtauth.Options{Key: secret}, nil)
	c := srv.dial("websocket", "")
	expired := claims("alice")
	expired["exp"] = time.Now().Add(-time.Hour).Unix()
	if got, want := connect(t, c, authPayload(sign(t, jwt.SigningMethodHS256, secret, expired))),
		`4{"message":"invalid token: expired","data":{"code":"token_expired"}}`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	recv(t, srv.refused)
	if got, want := connect(t, c, ""), `4{"message":"authentication required","data":{"code":"token_missing"}}`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	recv(t, srv.refused)
}

// The classic confusion: a token signed with HS256, the "secret" being
// the server's RSA public key in PEM, which is public.
func TestAlgorithmConfusion(t *testing.T) {
	pub := &rsaKey().PublicKey
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})

	srv := start(t, jwtauth.Options{Key: pub}, nil)
	c := srv.dial("websocket", "")
	forged := sign(t, jwt.SigningMethodHS256, pemBytes, claims("mallory"))
	if ce := refusal(t, connect(t, c, authPayload(forged))); ce.Data.Code != "token_algorithm_refused" {
		t.Errorf("forged HS256 token: code %q", ce.Data.Code)
	}
	if err := recv(t, srv.refused); !errors.Is(err, jwtauth.ErrAlgorithm) {
		t.Errorf("OnRefused got %v", err)
	}
	// The DER form too, and the PEM bytes refused as an HMAC Key.
	forged = sign(t, jwt.SigningMethodHS256, der, claims("mallory"))
	if ce := refusal(t, connect(t, c, authPayload(forged))); ce.Data.Code != "token_algorithm_refused" {
		t.Errorf("forged HS256 token (DER): code %q", ce.Data.Code)
	}
	recv(t, srv.refused)
	if _, err := jwtauth.New(jwtauth.Options{Key: pemBytes}); !errors.Is(err, jwtauth.ErrInvalidOptions) {
		t.Errorf("New with a PEM HMAC key: %v", err)
	}
}

func TestAcceptedKeys(t *testing.T) {
	ed := must(ed25519Key())
	cases := []struct {
		name   string
		key    any // Options.Key
		method jwt.SigningMethod
		sign   any
		refuse []jwt.SigningMethod // signed with sign too, but refused
	}{
		{"HS256", secret, jwt.SigningMethodHS256, secret, nil},
		{"HS512", secret, jwt.SigningMethodHS512, secret, nil},
		{"RS256", &rsaKey().PublicKey, jwt.SigningMethodRS256, rsaKey(), nil},
		{"PS384", &rsaKey().PublicKey, jwt.SigningMethodPS384, rsaKey(), nil},
		{"RS256 private key as Key", rsaKey(), jwt.SigningMethodRS256, rsaKey(), nil},
		{"ES256", &ecdsaKey().PublicKey, jwt.SigningMethodES256, ecdsaKey(), nil},
		{"EdDSA", ed.Public(), jwt.SigningMethodEdDSA, ed, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := start(t, jwtauth.Options{Key: tc.key, Issuer: issuer, Audience: audience}, nil)
			c := srv.dial("websocket", "")
			a := srv.wantAccepted(t, connect(t, c, authPayload(sign(t, tc.method, tc.sign, claims("alice")))))
			if got := subject(t, a.claims); got != "alice" {
				t.Errorf("Claims(s) subject %q", got)
			}
			if got := subject(t, jwtauth.Claims(a.s)); got != "alice" {
				t.Errorf("Claims(s) after the handler: subject %q", got)
			}
		})
	}
}

func TestLeeway(t *testing.T) {
	srv := start(t, jwtauth.Options{Key: secret, Leeway: time.Minute}, nil)
	c := srv.dial("websocket", "")
	cl := claims("alice")
	cl["exp"] = time.Now().Add(-10 * time.Second).Unix()
	cl["nbf"] = time.Now().Add(10 * time.Second).Unix()
	srv.wantAccepted(t, connect(t, srv.dial("websocket", ""), authPayload(sign(t, jwt.SigningMethodHS256, secret, cl))))

	cl["exp"] = time.Now().Add(-2 * time.Minute).Unix()
	if ce := refusal(t, connect(t, c, authPayload(sign(t, jwt.SigningMethodHS256, secret, cl)))); ce.Data.Code != "token_expired" {
		t.Errorf("expired beyond the leeway: code %q", ce.Data.Code)
	}
	recv(t, srv.refused)
}

func TestRequireExpiration(t *testing.T) {
	noExp := claims("alice")
	delete(noExp, "exp")
	token := authPayload(sign(t, jwt.SigningMethodHS256, secret, noExp))

	srv := start(t, jwtauth.Options{Key: secret}, nil)
	srv.wantAccepted(t, connect(t, srv.dial("websocket", ""), token))

	strict := start(t, jwtauth.Options{Key: secret, RequireExpiration: true}, nil)
	if ce := refusal(t, connect(t, strict.dial("websocket", ""), token)); ce.Data.Code != "token_claims_invalid" {
		t.Errorf("no exp with RequireExpiration: code %q", ce.Data.Code)
	}
	recv(t, strict.refused)
}

// role is a custom claims type with its own validation.
type role struct {
	jwt.RegisteredClaims
	Role string `json:"role"`
}

func (r *role) Validate() error {
	if r.Role == "" {
		return errors.New("no role")
	}
	return nil
}

func TestCustomClaims(t *testing.T) {
	srv := start(t, jwtauth.Options{Key: secret, NewClaims: func() jwt.Claims { return &role{} }}, nil)
	c := srv.dial("websocket", "")
	ok := &role{RegisteredClaims: jwt.RegisteredClaims{Subject: "alice"}, Role: "admin"}
	a := srv.wantAccepted(t, connect(t, srv.dial("websocket", ""), authPayload(sign(t, jwt.SigningMethodHS256, secret, ok))))
	if r, _ := a.claims.(*role); r == nil || r.Role != "admin" || r.Subject != "alice" {
		t.Errorf("Claims(s) = %#v", a.claims)
	}

	bad := &role{RegisteredClaims: jwt.RegisteredClaims{Subject: "bob"}}
	if ce := refusal(t, connect(t, c, authPayload(sign(t, jwt.SigningMethodHS256, secret, bad)))); ce.Data.Code != "token_claims_invalid" {
		t.Errorf("Validate error: code %q", ce.Data.Code)
	}
	if err := recv(t, srv.refused); !errors.Is(err, jwtauth.ErrClaims) {
		t.Errorf("OnRefused got %v", err)
	}
}

// A Keyfunc picks keys by kid; an unknown kid is a signature that cannot
// be verified, and a sentinel it returns picks the code.
func TestKeyfunc(t *testing.T) {
	keys := map[string]any{"hmac": secret, "rsa": &rsaKey().PublicKey}
	srv := start(t, jwtauth.Options{
		Algorithms: []string{"RS256", "HS256"},
		Keyfunc: func(tok *jwt.Token) (any, error) {
			kid, _ := tok.Header["kid"].(string)
			if kid == "revoked" {
				return nil, jwtauth.ErrIssuer
			}
			key, ok := keys[kid]
			if !ok {
				return nil, errors.New("unknown kid")
			}
			return key, nil
		},
	}, nil)
	c := srv.dial("websocket", "")
	a := srv.wantAccepted(t, connect(t, srv.dial("websocket", ""), authPayload(signKid(t, jwt.SigningMethodRS256, rsaKey(), claims("rsa-user"), "rsa"))))
	if got := subject(t, a.claims); got != "rsa-user" {
		t.Errorf("subject %q", got)
	}
	srv.wantAccepted(t, connect(t, srv.dial("websocket", ""), authPayload(signKid(t, jwt.SigningMethodHS256, secret, claims("hmac-user"), "hmac"))))

	for _, tc := range []struct{ token, code string }{
		{signKid(t, jwt.SigningMethodHS256, secret, claims("x"), "other"), "token_signature_invalid"},
		{signKid(t, jwt.SigningMethodHS256, secret, claims("x"), "revoked"), "token_issuer_invalid"},
		{signKid(t, jwt.SigningMethodES256, ecdsaKey(), claims("x"), "rsa"), "token_algorithm_refused"},
		// An RSA kid on an HS256 token: the RSA key is not an HMAC key.
		{signKid(t, jwt.SigningMethodHS256, secret, claims("x"), "rsa"), "token_signature_invalid"},
	} {
		if ce := refusal(t, connect(t, c, authPayload(tc.token))); ce.Data.Code != tc.code {
			t.Errorf("code %q, want %q", ce.Data.Code, tc.code)
		}
		if err := recv(t, srv.refused); jwtauth.Code(err) != tc.code {
			t.Errorf("OnRefused got %v", err)
		}
	}
}

// A namespace of its own: the main namespace stays open.
func TestNamespaceMiddleware(t *testing.T) {
	srv := start(t, jwtauth.Options{Key: secret}, func(io *socketio.Server, auth *jwtauth.Auth) {
		io.Of("/admin").Use(auth.Middleware)
	})
	c := srv.dial("websocket", "")
	srv.wantAccepted(t, connect(t, c, authPayload(sign(t, jwt.SigningMethodHS256, secret, claims("alice")))))
	if err := c.Send(siotest.ConnectPacket("/admin", "")); err != nil {
		t.Fatal(err)
	}
	if got, err := c.ReadText(wait); err != nil || got != `4/admin,{"message":"authentication required","data":{"code":"token_missing"}}` {
		t.Errorf("got %q %v", got, err)
	}
	recv(t, srv.refused)
}

// swapClaims returns token with the claims of other: a valid header and
// signature over something else.
func swapClaims(token, other string) string {
	p1 := strings.Split(token, ".")
	p2 := strings.Split(other, ".")
	return p1[0] + "." + p2[1] + "." + p1[2]
}

// withHeader returns token with another header.
func withHeader(token, header string) string {
	_, rest, _ := strings.Cut(token, ".")
	return base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + rest
}

func ed25519Key() (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	return priv, err
}
