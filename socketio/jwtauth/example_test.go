package jwtauth_test

import (
	"crypto/rsa"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/siogo/siogo/socketio"
	"github.com/siogo/siogo/socketio/jwtauth"
)

// Every socket of the main namespace must bring a token; the connection
// handler reads its claims.
func Example() {
	auth, err := jwtauth.New(jwtauth.Options{
		Key:                []byte("a secret of at least 32 random bytes"),
		Issuer:             "https://id.example.com",
		Audience:           "chat",
		DisconnectOnExpiry: true, // the client reconnects with a fresh token
		OnRefused: func(s *socketio.Socket, err error) {
			log.Printf("refused %s: %v", s.Handshake().Address, err)
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	io := socketio.NewServer(socketio.Options{})
	defer io.Close()
	io.Use(auth.Middleware)
	io.OnConnection(func(s *socketio.Socket) {
		claims := jwtauth.Claims(s).(jwt.MapClaims)
		sub, _ := claims.GetSubject()
		s.Join(socketio.Room("user:" + sub))
		s.Emit("welcome", sub)
	})

	// In the browser:
	//
	//	const socket = io({ auth: { token } });
	//	socket.on("connect_error", (err) => {
	//	  if (err.data?.code === "token_expired") refreshAndRetry();
	//	});
	http.Handle("/socket.io/", io)
	// http.ListenAndServe(":3000", nil)
}

// Code turns a refusal into the code the client receives.
func ExampleCode() {
	secret := []byte("a secret of at least 32 random bytes")
	auth, err := jwtauth.New(jwtauth.Options{Key: secret})
	if err != nil {
		log.Fatal(err)
	}
	stale, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
		Subject:   "alice",
		ExpiresAt: jwt.NewNumericDate(time.Now().Add(-time.Minute)),
	}).SignedString(secret)

	_, err = auth.Verify(stale)
	fmt.Println(jwtauth.Code(err))
	_, err = auth.Verify("")
	fmt.Println(jwtauth.Code(err))
	// Output:
	// token_expired
	// token_malformed
}

// A Keyfunc picks the key by the token's kid, as with a JWKS; Algorithms
// must then say which algorithms to accept.
func ExampleOptions_keyfunc() {
	var keys map[string]*rsa.PublicKey // kid -> key, loaded elsewhere
	auth, err := jwtauth.New(jwtauth.Options{
		Algorithms: []string{"RS256"},
		Keyfunc: func(t *jwt.Token) (any, error) {
			kid, _ := t.Header["kid"].(string)
			if key, ok := keys[kid]; ok {
				return key, nil
			}
			return nil, fmt.Errorf("%w: unknown kid %q", jwtauth.ErrSignature, kid)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	io := socketio.NewServer(socketio.Options{})
	defer io.Close()
	io.Of("/admin").Use(auth.Middleware)
}
