package jwtauth

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	_ "crypto/sha256" // HS256 in the reference check
	_ "crypto/sha512" // HS384, HS512
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/siogo/siogo/socketio"
)

// fuzzSecret is the HMAC key of the fuzz targets' Auth.
var fuzzSecret = []byte("fuzz-secret-0123456789abcdef0123")

// FuzzAuthToken feeds the three places a client may put its token (the
// CONNECT auth payload, the Authorization header, the query) to the lookup
// Middleware runs before verifying, and checks it against the rules of
// the package documentation, written here a second time with any instead
// of json.RawMessage.
func FuzzAuthToken(f *testing.F) {
	for _, s := range []struct{ auth, header, query string }{
		{`{"token":"abc"}`, "", ""},
		{`{"token":""}`, "Bearer h", "q"},
		{`{"token":null}`, "bearer  h ", ""},
		{`{"token":5}`, "Bearer h", "q"},
		{`{"token":{"a":1}}`, "", ""},
		{`{"Token":"abc"}`, "Basic YWxpY2U6c2VjcmV0", "q"},
		{`{"token":"a","token":"b"}`, "", ""},
		{`{"token":"\u00e9\ud800"}`, "", ""},
		{`["token"]`, "BEARER\tx", "q"},
		{`"token"`, " Bearer ", ""},
		{`{}`, "Bearer", "q"},
		{``, "", ""},
		{`{"token":"x"`, "Bearer a b", ""},
		{`{"token":1e400}`, "", ""},
	} {
		f.Add([]byte(s.auth), s.header, s.query)
	}
	a, err := New(Options{Key: fuzzSecret})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, auth []byte, header, query string) {
		h := &socketio.Handshake{
			Auth:    json.RawMessage(auth),
			Headers: http.Header{"Authorization": {header}},
			Query:   url.Values{"token": {query}},
		}
		got, err := a.token(h)

		want, wantErr := referenceAuthToken(auth)
		if wantErr == nil && want == "" {
			want = referenceBearer(header)
			if want == "" {
				want = query
			}
			if want == "" {
				wantErr = ErrNoToken
			}
		}
		switch {
		case wantErr != nil:
			if !errors.Is(err, wantErr) || got != "" {
				t.Fatalf("token(auth %q, header %q, query %q) = %q, %v; want error %v", auth, header, query, got, err, wantErr)
			}
			if Code(err) == "" || connectError(err).Data.(map[string]any)["code"] != Code(err) {
				t.Fatalf("error %v has no refusal code", err)
			}
		case err != nil || got != want:
			t.Fatalf("token(auth %q, header %q, query %q) = %q, %v; want %q", auth, header, query, got, err, want)
		}
	})
}

// referenceAuthToken is authToken: auth.token when auth is an object and
// token neither absent nor null; a token of another type is malformed.
func referenceAuthToken(auth []byte) (string, error) {
	d := json.NewDecoder(bytes.NewReader(auth))
	d.UseNumber() // 1e400 is a number, not an error
	var v any
	if d.Decode(&v) != nil || d.InputOffset() != int64(len(auth)) && len(bytes.TrimSpace(auth[d.InputOffset():])) > 0 {
		return "", nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return "", nil
	}
	switch tok := obj["token"].(type) {
	case nil:
		return "", nil
	case string:
		return tok, nil
	}
	return "", ErrMalformed
}

// referenceBearer is bearer: "Bearer" in any case, one space, the
// credentials; surrounding white space does not count.
func referenceBearer(header string) string {
	fields := strings.SplitN(strings.TrimSpace(header), " ", 2)
	if len(fields) != 2 || strings.ToLower(fields[0]) != "bearer" {
		return ""
	}
	return strings.TrimSpace(fields[1])
}

// FuzzVerify gives Verify arbitrary tokens. Whatever it refuses, its error
// wraps exactly one of the sentinels; whatever it accepts is signed with
// the key by one of the HMAC algorithms it was configured with, as a
// check written apart from the jwt library confirms, and is not expired.
func FuzzVerify(f *testing.F) {
	now := time.Now()
	sign := func(method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(method, claims).SignedString(key)
		if err != nil {
			f.Fatal(err)
		}
		return s
	}
	good := jwt.MapClaims{"sub": "alice", "iss": "siogo", "exp": now.Add(24 * time.Hour).Unix()}
	for _, s := range []string{
		sign(jwt.SigningMethodHS256, fuzzSecret, good),
		sign(jwt.SigningMethodHS512, fuzzSecret, good),
		sign(jwt.SigningMethodHS256, fuzzSecret, jwt.MapClaims{"sub": "bob"}),
		sign(jwt.SigningMethodHS256, fuzzSecret, jwt.MapClaims{"sub": "x", "exp": now.Add(-time.Hour).Unix()}),
		sign(jwt.SigningMethodHS256, fuzzSecret, jwt.MapClaims{"sub": "x", "nbf": now.Add(time.Hour).Unix()}),
		sign(jwt.SigningMethodHS256, fuzzSecret, jwt.MapClaims{"sub": "x", "iat": now.Add(time.Hour).Unix()}),
		sign(jwt.SigningMethodHS256, fuzzSecret, jwt.MapClaims{"sub": "x", "exp": "tomorrow"}),
		sign(jwt.SigningMethodHS256, []byte("another secret"), good),
		sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, good),
		"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSJ9.c2ln",
		"eyJhbGciOiJIUzI1NiJ9.e30.",
		"a.b.c", "..", "", "x", "a.b.c.d", "eyJ9.eyJ9.eyJ9",
	} {
		f.Add(s)
	}
	a, err := New(Options{Key: fuzzSecret, Issuer: "siogo"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, token string) {
		claims, err := a.Verify(token)
		if err != nil {
			n := 0
			for _, r := range refusals {
				if errors.Is(err, r.err) {
					n++
				}
			}
			if n != 1 || claims != nil {
				t.Fatalf("Verify(%q): %v wraps %d sentinels, claims %v", token, err, n, claims)
			}
			return
		}
		segs := strings.Split(token, ".")
		if len(segs) != 3 {
			t.Fatalf("Verify accepted %q with %d segments", token, len(segs))
		}
		head, err1 := base64.RawURLEncoding.DecodeString(segs[0])
		sig, err2 := base64.RawURLEncoding.DecodeString(segs[2])
		var hdr struct {
			Alg string `json:"alg"`
		}
		if err1 != nil || err2 != nil || json.Unmarshal(head, &hdr) != nil {
			t.Fatalf("Verify accepted %q: header %v, signature %v", token, err1, err2)
		}
		hash := map[string]crypto.Hash{"HS256": crypto.SHA256, "HS384": crypto.SHA384, "HS512": crypto.SHA512}[hdr.Alg]
		if hash == 0 {
			t.Fatalf("Verify accepted %q signed with %q", token, hdr.Alg)
		}
		mac := hmac.New(hash.New, fuzzSecret)
		mac.Write([]byte(segs[0] + "." + segs[1]))
		if !hmac.Equal(mac.Sum(nil), sig) {
			t.Fatalf("Verify accepted %q whose signature is not the key's", token)
		}
		if iss, _ := claims.GetIssuer(); iss != "siogo" {
			t.Fatalf("Verify accepted %q from issuer %q", token, iss)
		}
		if exp, err := claims.GetExpirationTime(); err != nil || exp != nil && exp.Before(time.Now()) {
			t.Fatalf("Verify accepted %q expiring at %v (%v)", token, exp, err)
		}
	})
}
