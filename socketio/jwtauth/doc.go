// Package jwtauth authenticates Socket.IO connections with a JSON Web
// Token checked once, when a socket connects to a namespace.
//
//	auth, err := jwtauth.New(jwtauth.Options{Key: secret, Issuer: "https://id.example.com"})
//	if err != nil {
//		log.Fatal(err)
//	}
//	io.Use(auth.Middleware) // or io.Of("/admin").Use(auth.Middleware)
//	io.OnConnection(func(s *socketio.Socket) {
//		sub, _ := jwtauth.Claims(s).GetSubject()
//		s.Join(socketio.Room("user:" + sub))
//	})
//
// # Model
//
// Socket.IO authenticates a socket, not a request: the middleware runs when
// the client's CONNECT for a namespace arrives, and a token that does not
// verify refuses that socket only. The Engine.IO connection stays open, as
// in Node, so the client may try again with a fresh token. The token is
// looked for in this order, the first one found being the only one checked:
//
//  1. the CONNECT auth payload, {"token": "..."}: io(url, {auth: {token}})
//     in socket.io-client, the only place a browser WebSocket can carry it;
//  2. the Authorization: Bearer header of the Engine.IO handshake request
//     (extraHeaders in Node clients, or polling from a browser);
//  3. the query parameter Options.QueryParam ("token") of that request,
//     which ends up in access logs: prefer the other two.
//
// Verification is github.com/golang-jwt/jwt/v5's, restricted to the
// algorithms that fit the key: an HMAC secret accepts HS256/384/512 only,
// an RSA key RS* and PS*, an ECDSA key the ES* of its curve, an Ed25519 key
// EdDSA. "none" is never accepted, and a token whose header names another
// family (the classic attack: HS256 signed with the bytes of the server's
// RSA public key) is refused before any key is used. exp, nbf and iat are
// checked when present, with Options.Leeway; exp is optional unless
// Options.RequireExpiration is set, so by default a token without exp is
// accepted whatever its age.
//
// # Refusals
//
// A refused socket gets a CONNECT_ERROR whose payload socket.io-client
// turns into the connect_error event's Error:
//
//	{"message": "invalid token: expired", "data": {"code": "token_expired"}}
//
// err.data.code is stable and meant for programs (refresh the token on
// token_expired, send the user to a login page on token_missing, ...);
// err.message is for people. The codes, which Code returns, are:
//
//	token_missing            no token anywhere (message "authentication required")
//	token_malformed          not a JWT, or a "token" that is not a string
//	token_signature_invalid  the signature does not verify (wrong key, unknown kid)
//	token_algorithm_refused  the header's alg is not one of Options.Algorithms
//	token_expired            exp has passed
//	token_not_yet_valid      nbf (or iat) is in the future
//	token_issuer_invalid     iss is not Options.Issuer
//	token_audience_invalid   aud does not contain Options.Audience
//	token_claims_invalid     any other claim problem (types, RequireExpiration,
//	                         the claims' own Validate method)
//
// The detailed error, with jwt's explanation, goes to Options.OnRefused and
// never to the client. Each code has a sentinel error (ErrExpired, ...) for
// errors.Is.
//
// # After the connection
//
// The verified claims are stored in the socket's context (see
// socketio.Socket.Context) and read with Claims. A socket outlives its
// token unless Options.DisconnectOnExpiry is set: then the server
// disconnects it when exp (plus Leeway) passes, and the client sees
// "io server disconnect" and does not reconnect by itself; the
// application reconnects it with a new token.
//
// With connection state recovery, a recovered socket skips the middlewares
// unless socketio.RecoveryOptions.RunMiddlewares is set, and then it has no
// claims and no expiry: set RunMiddlewares when you use this package.
package jwtauth
