package jwtauth

import (
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"

	"github.com/siogo/siogo/socketio"
)

// Refusal reasons. Verify and Options.OnRefused's errors wrap exactly one
// of them, plus jwt's own error when there is one.
var (
	ErrNoToken     = errors.New("jwtauth: no token")
	ErrMalformed   = errors.New("jwtauth: malformed token")
	ErrSignature   = errors.New("jwtauth: invalid signature")
	ErrAlgorithm   = errors.New("jwtauth: algorithm refused")
	ErrExpired     = errors.New("jwtauth: token expired")
	ErrNotYetValid = errors.New("jwtauth: token not valid yet")
	ErrIssuer      = errors.New("jwtauth: invalid issuer")
	ErrAudience    = errors.New("jwtauth: invalid audience")
	ErrClaims      = errors.New("jwtauth: invalid claims")
)

// ErrInvalidOptions is wrapped by New's errors.
var ErrInvalidOptions = errors.New("jwtauth: invalid options")

// refusal is what the client learns about a refusal.
type refusal struct {
	err     error
	code    string
	message string
}

// refusals is consulted in order: a Keyfunc's error may wrap a sentinel
// inside another one of jwt's, and the first match is the most specific.
var refusals = [...]refusal{
	{ErrNoToken, "token_missing", "authentication required"},
	{ErrMalformed, "token_malformed", "invalid token: malformed"},
	{ErrAlgorithm, "token_algorithm_refused", "invalid token: algorithm refused"},
	{ErrSignature, "token_signature_invalid", "invalid token: invalid signature"},
	{ErrIssuer, "token_issuer_invalid", "invalid token: invalid issuer"},
	{ErrAudience, "token_audience_invalid", "invalid token: invalid audience"},
	{ErrExpired, "token_expired", "invalid token: expired"},
	{ErrNotYetValid, "token_not_yet_valid", "invalid token: not valid yet"},
	{ErrClaims, "token_claims_invalid", "invalid token: invalid claims"},
}

func lookup(err error) (refusal, bool) {
	for _, r := range refusals {
		if errors.Is(err, r.err) {
			return r, true
		}
	}
	return refusal{}, false
}

// Code returns the machine code of a refusal: "token_expired" for an error
// wrapping ErrExpired, and so on (see the package documentation). It also
// reads the code of the *socketio.ConnectError that Middleware returns. It
// returns "" for any other error.
func Code(err error) string {
	if r, ok := lookup(err); ok {
		return r.code
	}
	var ce *socketio.ConnectError
	if errors.As(err, &ce) {
		if data, ok := ce.Data.(map[string]any); ok {
			if code, ok := data["code"].(string); ok {
				return code
			}
		}
	}
	return ""
}

// connectError is the refusal the client receives: fixed texts, never
// jwt's details, which are for the server's logs.
func connectError(err error) *socketio.ConnectError {
	r, ok := lookup(err)
	if !ok { // not one of ours: a bug, but refuse all the same
		r = refusal{ErrClaims, "token_claims_invalid", "invalid token"}
	}
	return &socketio.ConnectError{Message: r.message, Data: map[string]any{"code": r.code}}
}

// classify maps an error of jwt.Parser.ParseWithClaims to a sentinel.
// tok and claims are what the parser got as far as it went.
func (a *Auth) classify(err error, tok *jwt.Token, claims jwt.Claims) error {
	if _, ok := lookup(err); ok {
		return err // a Keyfunc's own verdict
	}
	var reason error
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		reason = ErrMalformed
	case tok != nil && !a.allowed(tok):
		// jwt reports a refused alg as an invalid signature; it is not
		// one, and saying so helps whoever configures the issuer.
		reason = ErrAlgorithm
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		// Unverifiable: the Keyfunc found no key for the token.
		reason = ErrSignature
	case errors.Is(err, jwt.ErrTokenInvalidIssuer), a.issuer != "" && missing(claims.GetIssuer):
		reason = ErrIssuer
	case errors.Is(err, jwt.ErrTokenInvalidAudience), a.audience != "" && missingAudience(claims):
		reason = ErrAudience
	case errors.Is(err, jwt.ErrTokenExpired):
		reason = ErrExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		reason = ErrNotYetValid
	case errors.Is(err, jwt.ErrTokenInvalidClaims):
		reason = ErrClaims
	default:
		reason = ErrMalformed
	}
	return fmt.Errorf("%w: %w", reason, err)
}

// allowed reports whether the token's header names an accepted algorithm.
func (a *Auth) allowed(tok *jwt.Token) bool {
	alg, _ := tok.Header["alg"].(string)
	return a.algs[alg]
}

// missing and missingAudience tell jwt's "required claim missing" apart:
// it does not say which claim.
func missing(get func() (string, error)) bool {
	v, err := get()
	return err == nil && v == ""
}

func missingAudience(claims jwt.Claims) bool {
	aud, err := claims.GetAudience()
	return err == nil && (len(aud) == 0 || len(aud) == 1 && aud[0] == "")
}
