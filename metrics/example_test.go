package metrics_test

import (
	"log"
	"net/http"

	"github.com/siogo/siogo/metrics"
	"github.com/siogo/siogo/socketio"
)

// A server whose activity is served at /metrics, with the refusals of its
// authentication middleware counted by code.
func Example() {
	m := metrics.New(metrics.Options{})
	opts := socketio.Options{}
	m.Instrument(&opts) // before NewServer, which reads the hooks once
	io := socketio.NewServer(opts)
	defer io.Close()

	io.Use(func(s *socketio.Socket) error {
		var auth struct {
			Token string `json:"token"`
		}
		if s.Handshake().DecodeAuth(&auth) != nil || auth.Token == "" {
			m.AuthRefused(s.Namespace().Name(), "missing")
			return &socketio.ConnectError{Message: "unauthorized"}
		}
		return nil
	})

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	mux.Handle("/metrics", m.Handler())
	log.Fatal(http.ListenAndServe(":8080", mux))
}
