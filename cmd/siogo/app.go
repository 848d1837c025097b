package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/metrics"
	"github.com/siogo/siogo/redisadapter"
	"github.com/siogo/siogo/socketio"
	"github.com/siogo/siogo/socketio/jwtauth"
	"github.com/siogo/siogo/socketio/roomauth"
	"github.com/siogo/siogo/socketio/throttle"
	webdemo "github.com/siogo/siogo/web-demo"
)

// errDraining refuses new handshakes once the node is draining: the
// client's backoff takes it to another node.
var errDraining = errors.New("server is draining, try another node")

// app is one siogo node: its Socket.IO server and everything around it.
type app struct {
	cfg      config
	log      *slog.Logger
	io       *socketio.Server
	tokens   *tokenIssuer
	metrics  *metrics.Metrics
	redis    *redis.Client // nil when running in memory
	webFiles fs.FS
	draining atomic.Bool
}

func newApp(cfg config, log *slog.Logger, addr string) (*app, error) {
	a := &app{cfg: cfg, log: log, webFiles: webdemo.Files()}
	if cfg.NodeName == "" {
		cfg.NodeName = addr
		a.cfg.NodeName = addr
	}
	secret := []byte(cfg.JWTSecret)
	if len(secret) == 0 {
		secret = []byte(rand.Text())
		if cfg.RedisURL != "" {
			log.Warn("no -jwt-secret: tokens issued here are refused by the other nodes")
		}
	}
	a.tokens = &tokenIssuer{secret: secret, ttl: cfg.TokenTTL, issuer: "siogo", staff: cfg.Staff, now: time.Now}
	a.metrics = metrics.New(metrics.Options{})

	opts := socketio.Options{
		Engine: engineio.Options{
			PingInterval: cfg.PingInterval,
			PingTimeout:  cfg.PingTimeout,
		},
	}
	if len(cfg.CORSOrigins) > 0 {
		opts.Engine.CORS = &engineio.CORS{Origins: cfg.CORSOrigins, Credentials: true}
	}
	conns := throttle.NewConnections(throttle.ConnectionOptions{
		Rate:      rate.Limit(cfg.ConnRate),
		OnLimited: func(*http.Request) { a.metrics.RateLimited("", "connection") },
	})
	opts.Engine.AllowRequest = func(r *http.Request) error {
		if a.draining.Load() {
			return errDraining
		}
		return conns.AllowRequest(r)
	}
	if cfg.RedisURL != "" {
		ropts, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("-redis: %w", err)
		}
		a.redis = redis.NewClient(ropts)
		node, err := redisadapter.NewNode(a.redis, redisadapter.Options{OnError: a.metrics.AdapterErrorHook()})
		if err != nil {
			a.redis.Close()
			return nil, fmt.Errorf("redis adapter: %w", err)
		}
		opts.Adapter = node.NewAdapter
	}
	a.metrics.Instrument(&opts)
	a.io = socketio.NewServer(opts)

	auth, err := jwtauth.New(jwtauth.Options{
		Key:                secret,
		Algorithms:         []string{jwt.SigningMethodHS256.Alg()},
		Issuer:             "siogo",
		Audience:           tokenAudience,
		Leeway:             5 * time.Second,
		NewClaims:          func() jwt.Claims { return &userClaims{} },
		DisconnectOnExpiry: true,
		OnRefused: func(s *socketio.Socket, err error) {
			a.metrics.AuthRefused(s.Namespace().Name(), jwtauth.Code(err))
		},
	})
	if err != nil {
		return nil, err
	}
	c := &chat{
		io:   a.io,
		node: cfg.NodeName,
		policy: roomauth.Policy{Allowed: func(s *socketio.Socket) []string {
			if cl := claimsOf(s); cl != nil {
				return cl.Rooms
			}
			return nil
		}},
		events: throttle.EventOptions{
			Rate:      rate.Limit(cfg.EventRate),
			Burst:     cfg.EventBurst,
			OnLimited: func(s *socketio.Socket, _ string) { a.metrics.RateLimited(s.Namespace().Name(), "event") },
			OnAbuse:   func(s *socketio.Socket) { log.Warn("disconnecting a socket for sustained abuse", "id", s.ID()) },
		},
		metrics: a.metrics,
		log:     log,
	}
	a.io.Use(auth.Middleware)
	a.io.OnConnection(c.onConnection)
	return a, nil
}

// serve serves on ln until ctx is done, then drains.
func (a *app) serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           a.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		// Idle keep-alive connections would otherwise be held forever. No
		// ReadTimeout: it would cut long-polling GETs; engineio bounds
		// request bodies itself.
		IdleTimeout: time.Minute,
		ErrorLog:    slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	mode := "memory"
	if a.redis != nil {
		mode = "redis"
	}
	a.log.Info("listening", "url", "http://"+ln.Addr().String()+"/", "node", a.cfg.NodeName, "adapter", mode)

	select {
	case err := <-errc:
		a.io.Close()
		return err
	case <-ctx.Done():
	}
	return a.drain(hs)
}

// drain stops taking new users, tells connected ones to reconnect
// (elsewhere, behind a load balancer) and returns by the drain deadline.
func (a *app) drain(hs *http.Server) error {
	deadline := time.Now().Add(a.cfg.DrainTimeout)
	a.draining.Store(true)
	a.log.Info("draining", "sessions", a.io.Engine().ClientsCount(), "timeout", a.cfg.DrainTimeout)

	// Closing the Engine.IO sessions (not a Socket.IO disconnect) makes the
	// official client treat it as a lost transport and reconnect by itself.
	closed := make(chan struct{})
	go func() { a.io.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(time.Until(deadline)):
		a.log.Warn("drain deadline reached before every session closed")
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	err := hs.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		hs.Close()
		err = nil
	}
	if a.redis != nil {
		a.redis.Close()
	}
	a.log.Info("drained")
	return err
}
