// Command siogo runs the siogo demo server: a chat in the browser at /,
// Socket.IO at /socket.io/, Prometheus metrics at /metrics and health
// checks at /healthz and /readyz.
//
// It is also the shape of a production deployment: users authenticate at
// the Socket.IO handshake with a JWT (the demo issues short-lived tokens at
// POST /api/token for any name), rooms are entered only as the token
// allows, each socket's events are rate limited, and with -redis several
// nodes behind a load balancer serve one cluster. SIGTERM drains: the node
// stops taking new users, closes the connections it has so that clients
// reconnect to another node, and exits within -drain-timeout.
//
// Every flag has an environment fallback; run "siogo -h" for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	cfg, err := parseConfig(os.Args[1:], os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "siogo:", err)
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: parseLevel(cfg.LogLevel)}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		log.Error("listen", "err", err)
		os.Exit(1)
	}
	a, err := newApp(cfg, log, ln.Addr().String())
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	if cfg.DebugAddr != "" {
		go serveDebug(cfg.DebugAddr, log)
	}
	if err := a.serve(ctx, ln); err != nil {
		log.Error("serve", "err", err)
		os.Exit(1)
	}
}

func parseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
		return slog.LevelInfo
	}
	return l
}
