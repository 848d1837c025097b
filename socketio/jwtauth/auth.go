package jwtauth

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/siogo/siogo/socketio"
)

// Auth verifies tokens for sockets. It is safe for concurrent use, and one
// Auth may serve several namespaces.
type Auth struct {
	parser     *jwt.Parser
	keyfunc    jwt.Keyfunc
	algs       map[string]bool // the accepted algorithms, read-only
	issuer     string
	audience   string
	leeway     time.Duration
	queryParam string
	newClaims  func() jwt.Claims
	onExpiry   bool
	onRefused  func(*socketio.Socket, error)

	armed atomic.Int64 // expiry timers not yet stopped or done, for tests
}

// claimsKey is the socket context key of the verified claims.
type claimsKey struct{}

// Claims returns the claims of the token the socket connected with, nil if
// no Auth's middleware verified one (a recovered socket whose middlewares
// were skipped, for one). With the default Options.NewClaims they are a
// jwt.MapClaims.
func Claims(s *socketio.Socket) jwt.Claims {
	c, _ := s.Context().Value(claimsKey{}).(jwt.Claims)
	return c
}

// Verify parses and verifies a token as Middleware does, for uses outside
// Socket.IO (an HTTP endpoint of the same application, say). Its errors
// wrap one of the sentinels and, when there is one, jwt's error.
func (a *Auth) Verify(token string) (jwt.Claims, error) {
	claims := a.newClaims()
	tok, err := a.parser.ParseWithClaims(token, claims, a.keyfunc)
	if err != nil {
		return nil, a.classify(err, tok, claims)
	}
	return tok.Claims, nil
}

// Middleware verifies the token of a connecting socket (see the package
// documentation for where it is looked for) and stores its claims for
// Claims. It refuses the socket with a *socketio.ConnectError whose Data
// is {"code": Code(err)}. Use it with Server.Use or Namespace.Use.
func (a *Auth) Middleware(s *socketio.Socket) error {
	claims, err := a.verifySocket(s)
	if err != nil {
		if a.onRefused != nil {
			a.onRefused(s, err)
		}
		return connectError(err)
	}
	s.SetContext(context.WithValue(s.Context(), claimsKey{}, claims))
	if a.onExpiry {
		if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
			a.expireAt(s, exp.Add(a.leeway))
		}
	}
	return nil
}

func (a *Auth) verifySocket(s *socketio.Socket) (jwt.Claims, error) {
	token, err := a.token(s.Handshake())
	if err != nil {
		return nil, err
	}
	return a.Verify(token)
}
