// Command siogo runs the siogo demo server.
//
// For now it serves Engine.IO at /engine.io/ and echoes every message; the
// Socket.IO demo app replaces this as the upper layers land.
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
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address (port 0 picks a free port)")
	flag.Parse()

	eio := engineio.NewServer(engineio.Options{
		OnConnection: func(s *engineio.Socket) {
			slog.Info("connected", "sid", s.ID(), "transport", s.Transport())
			s.OnMessage(func(data []byte, binary bool) { s.Send(engineio.NewMessage(data, binary)) })
			s.OnClose(func(reason string, _ error) { slog.Info("closed", "sid", s.ID(), "reason", reason) })
		},
	})
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", eio)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		slog.Error("listen", "err", err)
		os.Exit(1)
	}
	slog.Info("siogo listening", "url", "http://"+ln.Addr().String()+"/engine.io/")
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
	eio.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	hs.Shutdown(sctx)
}
