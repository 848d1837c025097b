package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// config is everything the server can be told. Each flag falls back to an
// environment variable, so the same binary runs from a shell or a
// container spec without a wrapper script.
type config struct {
	Addr         string
	RedisURL     string
	NodeName     string
	JWTSecret    string
	TokenTTL     time.Duration
	Staff        []string
	CORSOrigins  []string
	EventRate    float64
	EventBurst   int
	ConnRate     float64
	DrainTimeout time.Duration
	PingInterval time.Duration
	PingTimeout  time.Duration
	LogLevel     string
	DebugAddr    string
}

// parseConfig reads args (without the program name), using getenv for the
// fallbacks.
func parseConfig(args []string, getenv func(string) string) (config, error) {
	var c config
	fs := flag.NewFlagSet("siogo", flag.ContinueOnError)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var staff, origins, ttl, drain, pingInterval, pingTimeout, eventRate, eventBurst, connRate string
	fs.StringVar(&c.Addr, "addr", env("SIOGO_ADDR", "127.0.0.1:3000"), "listen address; port 0 picks a free port (SIOGO_ADDR)")
	fs.StringVar(&c.RedisURL, "redis", env("SIOGO_REDIS_URL", ""), "Redis URL (redis://host:port/0): join the cluster of every node on this Redis; empty runs in memory (SIOGO_REDIS_URL)")
	fs.StringVar(&c.NodeName, "node-name", env("SIOGO_NODE_NAME", ""), "name of this node, shown to users; default host:port (SIOGO_NODE_NAME)")
	fs.StringVar(&c.JWTSecret, "jwt-secret", env("SIOGO_JWT_SECRET", ""), "HMAC secret for the demo's tokens, the same on every node; empty picks a random one per process (SIOGO_JWT_SECRET)")
	fs.StringVar(&ttl, "token-ttl", env("SIOGO_TOKEN_TTL", "10m"), "lifetime of the tokens the demo issues (SIOGO_TOKEN_TTL)")
	fs.StringVar(&staff, "staff", env("SIOGO_STAFF", "alice"), "comma-separated names allowed into the restricted room \"staff\" (SIOGO_STAFF)")
	fs.StringVar(&origins, "cors-origins", env("SIOGO_CORS_ORIGINS", ""), "comma-separated origins allowed cross-origin, or *; empty allows same-origin only (SIOGO_CORS_ORIGINS)")
	fs.StringVar(&eventRate, "event-rate", env("SIOGO_EVENT_RATE", "10"), "events per second a socket may send (SIOGO_EVENT_RATE)")
	fs.StringVar(&eventBurst, "event-burst", env("SIOGO_EVENT_BURST", "20"), "burst of events a socket may send at once (SIOGO_EVENT_BURST)")
	fs.StringVar(&connRate, "conn-rate", env("SIOGO_CONN_RATE", "200"), "new connections per second, server-wide (SIOGO_CONN_RATE)")
	fs.StringVar(&drain, "drain-timeout", env("SIOGO_DRAIN_TIMEOUT", "10s"), "on SIGTERM, how long to drain before exiting (SIOGO_DRAIN_TIMEOUT)")
	fs.StringVar(&pingInterval, "ping-interval", env("SIOGO_PING_INTERVAL", "25s"), "Engine.IO ping interval (SIOGO_PING_INTERVAL)")
	fs.StringVar(&pingTimeout, "ping-timeout", env("SIOGO_PING_TIMEOUT", "20s"), "Engine.IO ping timeout (SIOGO_PING_TIMEOUT)")
	fs.StringVar(&c.DebugAddr, "debug-addr", env("SIOGO_DEBUG_ADDR", ""), "address of a separate listener for net/http/pprof, e.g. 127.0.0.1:6060; empty turns it off (SIOGO_DEBUG_ADDR)")
	fs.StringVar(&c.LogLevel, "log-level", env("SIOGO_LOG_LEVEL", "info"), "debug, info, warn or error (SIOGO_LOG_LEVEL)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	durations := []struct {
		name string
		s    string
		dst  *time.Duration
	}{{"token-ttl", ttl, &c.TokenTTL}, {"drain-timeout", drain, &c.DrainTimeout}, {"ping-interval", pingInterval, &c.PingInterval}, {"ping-timeout", pingTimeout, &c.PingTimeout}}
	for _, d := range durations {
		if *d.dst, err = time.ParseDuration(d.s); err != nil || *d.dst <= 0 {
			return c, fmt.Errorf("-%s: want a positive duration like 10s, got %q", d.name, d.s)
		}
	}
	if c.EventRate, err = strconv.ParseFloat(eventRate, 64); err != nil || c.EventRate <= 0 {
		return c, fmt.Errorf("-event-rate: want a positive number, got %q", eventRate)
	}
	if c.EventBurst, err = strconv.Atoi(eventBurst); err != nil || c.EventBurst <= 0 {
		return c, fmt.Errorf("-event-burst: want a positive integer, got %q", eventBurst)
	}
	if c.ConnRate, err = strconv.ParseFloat(connRate, 64); err != nil || c.ConnRate <= 0 {
		return c, fmt.Errorf("-conn-rate: want a positive number, got %q", connRate)
	}
	c.Staff = splitList(staff)
	c.CORSOrigins = splitList(origins)
	return c, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
