package socketio_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/siogo/siogo/socketio"
)

// A chat server: typed handlers, rooms, and a broadcast to a room.
func ExampleNewServer() {
	io := socketio.NewServer(socketio.Options{})
	defer io.Close()

	type message struct {
		Room string `json:"room"`
		Text string `json:"text"`
	}
	io.OnConnection(func(s *socketio.Socket) {
		s.Join("lobby")
		// Arguments are decoded into the handler's parameter types; the
		// optional last AckFunc answers a client that asked for an ack.
		s.On("chat", func(m message, ack socketio.AckFunc) {
			io.To(m.Room).Except(s.ID()).Emit("chat", s.ID(), m.Text)
			ack("delivered")
		})
		s.On("join", func(room string) { s.Join(room) })
		s.OnDisconnect(func(reason string) { log.Printf("%s left: %s", s.ID(), reason) })
	})

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	ts := httptest.NewServer(mux) // or http.ListenAndServe(":3000", mux)
	defer ts.Close()
	fmt.Println("listening")
	// Output: listening
}

// Asking a client and waiting for its answer, with a timeout.
func ExampleSocket_EmitWithAck() {
	io := socketio.NewServer(socketio.Options{})
	defer io.Close()
	io.OnConnection(func(s *socketio.Socket) {
		// EmitWithAck may be called from inside a handler of the same
		// socket: the client's ack does not queue behind the handler.
		s.On("login", func(user string, ack socketio.AckFunc) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			answer, err := s.EmitWithAck(ctx, "confirm", "are you "+user+"?")
			if errors.Is(err, socketio.ErrTimeout) {
				ack("no answer")
				return
			}
			if err != nil {
				return
			}
			var ok bool
			answer.Decode(0, &ok)
			ack(ok)
		})
	})
}

// Collecting the answers of every client of a room.
func ExampleBroadcastOperator_EmitWithAck() {
	io := socketio.NewServer(socketio.Options{})
	defer io.Close()
	answers, err := io.To("voters").Timeout(2*time.Second).EmitWithAck(context.Background(), "vote", "pizza?")
	if errors.Is(err, socketio.ErrTimeout) {
		fmt.Println("some voters did not answer")
	}
	yes := 0
	for _, a := range answers {
		var v bool
		if a.Decode(0, &v) == nil && v {
			yes++
		}
	}
	fmt.Println(len(answers), "answers,", yes, "yes")
	// Output: 0 answers, 0 yes
}

// A namespace with a middleware that refuses connections with a reason the
// client receives in its connect_error event.
func ExampleNamespace_Use() {
	io := socketio.NewServer(socketio.Options{})
	defer io.Close()
	admin := io.Of("/admin")
	admin.Use(func(s *socketio.Socket) error {
		var auth struct {
			Token string `json:"token"`
		}
		if err := s.Handshake().DecodeAuth(&auth); err != nil || auth.Token != "secret" {
			// The client gets 44/admin,{"message":"not authorized","data":{"retry":false}}
			return &socketio.ConnectError{Message: "not authorized", Data: map[string]bool{"retry": false}}
		}
		s.SetData(map[string]string{"role": "admin"})
		return nil
	})
	admin.OnConnection(func(s *socketio.Socket) {
		s.Emit("welcome", s.Data())
	})
}
