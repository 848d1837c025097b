// Command siogo runs the siogo demo server: a Socket.IO chat relay at
// /socket.io/ that any socket.io-client can join.
//
// Events: "join" (room) joins a room; "chat" (room, message) sends the
// message to everyone else in the room and acks with "ok"; "echo" (any
// arguments) answers with the same arguments. The full demo app (JWT,
// Redis, metrics, web page) replaces this as those parts land.
package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/socketio"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address (port 0 picks a free port)")
	flag.Parse()

	io := socketio.NewServer(socketio.Options{
		Engine: engineio.Options{CORS: &engineio.CORS{}},
	})
	io.OnConnection(func(s *socketio.Socket) {
		slog.Info("connected", "id", s.ID(), "transport", s.Transport())
		s.On("join", func(room string) { s.Join(room) })
		s.On("chat", func(room, msg string, ack socketio.AckFunc) {
			s.To(room).Emit("chat", s.ID(), msg)
			ack("ok")
		})
		s.On("echo", func(args *socketio.Args) { s.Emit("echo", args.Values()...) })
		s.OnDisconnect(func(reason string) { slog.Info("disconnected", "id", s.ID(), "reason", reason) })
	})
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		slog.Error("listen", "err", err)
		os.Exit(1)
	}
	slog.Info("siogo listening", "url", "http://"+ln.Addr().String()+"/socket.io/")
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("serve", "err", err)
			os.Exit(1)
		}
	}()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	io.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	hs.Shutdown(sctx)
}
