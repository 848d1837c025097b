package jwtauth

import (
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/siogo/siogo/socketio"
)

// Options configures an Auth. Key (or Keyfunc) is required; the zero
// value of everything else is a sensible default.
type Options struct {
	// Key verifies the signatures: a []byte secret for HMAC, or a public
	// key: *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey (the
	// private keys are accepted too, for their public half). A string is
	// refused, and so is a []byte holding a PEM block: an HMAC "secret"
	// that is really a public key lets anyone sign tokens. Parse PEM with
	// jwt.ParseRSAPublicKeyFromPEM and its siblings.
	Key any

	// Keyfunc, when set, chooses the key for each token, by its kid for
	// instance (a JWKS); Key is ignored. It must return a key of the
	// family of the token's algorithm, which Algorithms then lists.
	// Returning an error that wraps one of this package's sentinels picks
	// the refusal code; any other error refuses with ErrSignature.
	Keyfunc jwt.Keyfunc

	// Algorithms lists the accepted "alg" values. By default it is derived
	// from Key: HS256, HS384 and HS512 for a []byte; RS256, RS384, RS512,
	// PS256, PS384 and PS512 for RSA; the ES* of the key's curve for
	// ECDSA; EdDSA for Ed25519. With Key, every entry must suit the key.
	// Required with Keyfunc: there is no key to derive it from. Do not mix
	// HS* with public-key algorithms there unless the Keyfunc checks that
	// the key it returns was meant for token.Method. "none" is refused.
	Algorithms []string

	// Issuer, when set, must equal the token's "iss".
	Issuer string

	// Audience, when set, must be one of the token's "aud" values.
	Audience string

	// Leeway is the clock skew allowed when checking exp, nbf and iat, and
	// added to exp for DisconnectOnExpiry.
	Leeway time.Duration

	// RequireExpiration refuses tokens without "exp" (token_claims_invalid).
	// Off by default, as in jwt: such a token is then valid forever.
	RequireExpiration bool

	// QueryParam is the query parameter of the Engine.IO handshake looked
	// at last for a token (default "token").
	QueryParam string

	// NewClaims returns the value a token's claims are decoded into: a
	// jwt.MapClaims, or a pointer to a struct embedding
	// jwt.RegisteredClaims. A Validate() error method on it runs after the
	// standard checks; its errors refuse with ErrClaims, or with the
	// sentinel they wrap. Default: jwt.MapClaims.
	NewClaims func() jwt.Claims

	// DisconnectOnExpiry disconnects a connected socket once its token's
	// exp (plus Leeway) has passed. Tokens without exp never expire.
	DisconnectOnExpiry bool

	// OnRefused, when set, is called for every refused socket with the
	// detailed error (which wraps one of the sentinels and jwt's own
	// error), before the client is answered: for metrics and logs.
	OnRefused func(s *socketio.Socket, err error)
}

// New checks opts and returns the Auth they describe. Its errors wrap
// ErrInvalidOptions.
func New(opts Options) (*Auth, error) {
	a := &Auth{
		issuer:     opts.Issuer,
		audience:   opts.Audience,
		leeway:     opts.Leeway,
		queryParam: opts.QueryParam,
		newClaims:  opts.NewClaims,
		onExpiry:   opts.DisconnectOnExpiry,
		onRefused:  opts.OnRefused,
	}
	if opts.Leeway < 0 {
		return nil, fmt.Errorf("%w: negative Leeway %v", ErrInvalidOptions, opts.Leeway)
	}
	if a.queryParam == "" {
		a.queryParam = "token"
	}
	if a.newClaims == nil {
		a.newClaims = func() jwt.Claims { return jwt.MapClaims{} }
	}

	algs := opts.Algorithms
	if opts.Keyfunc != nil {
		if len(algs) == 0 {
			return nil, fmt.Errorf("%w: Algorithms is required with a Keyfunc", ErrInvalidOptions)
		}
		for _, alg := range algs {
			if family(alg) == "" {
				return nil, fmt.Errorf("%w: unknown or refused algorithm %q", ErrInvalidOptions, alg)
			}
		}
		a.keyfunc = opts.Keyfunc
	} else {
		key, err := verificationKey(opts.Key)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidOptions, err)
		}
		if len(algs) == 0 {
			algs = defaultAlgorithms(key)
		}
		for _, alg := range algs {
			if err := suits(alg, key); err != nil {
				return nil, fmt.Errorf("%w: %w", ErrInvalidOptions, err)
			}
		}
		a.keyfunc = func(*jwt.Token) (any, error) { return key, nil }
	}
	a.algs = make(map[string]bool, len(algs))
	for _, alg := range algs {
		a.algs[alg] = true
	}

	popts := []jwt.ParserOption{
		jwt.WithValidMethods(algs),
		jwt.WithLeeway(opts.Leeway),
		jwt.WithIssuedAt(),
	}
	if opts.Issuer != "" {
		popts = append(popts, jwt.WithIssuer(opts.Issuer))
	}
	if opts.Audience != "" {
		popts = append(popts, jwt.WithAudience(opts.Audience))
	}
	if opts.RequireExpiration {
		popts = append(popts, jwt.WithExpirationRequired())
	}
	a.parser = jwt.NewParser(popts...)
	return a, nil
}
