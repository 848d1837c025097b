package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// routes lays out the server's HTTP surface.
func (a *app) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(a.recoverer, a.requestLog)
	r.Handle("/socket.io/*", a.io)
	r.Post("/api/token", a.tokens.ServeHTTP)
	r.Handle("/metrics", a.metrics.Handler())
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	r.Get("/readyz", a.ready)
	r.Handle("/*", http.FileServerFS(a.webFiles))
	return r
}

// ready tells a load balancer whether to send new users here: not while
// draining, and not while the cluster's Redis is unreachable.
func (a *app) ready(w http.ResponseWriter, r *http.Request) {
	if a.draining.Load() {
		http.Error(w, "draining", http.StatusServiceUnavailable)
		return
	}
	if a.redis != nil {
		if err := a.redis.Ping(r.Context()).Err(); err != nil {
			http.Error(w, "redis: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	w.Write([]byte("ok\n"))
}

// requestLog logs every request once it is answered. Socket.IO's polling
// requests come several times a second per client, so they are logged at
// debug level.
func (a *app) requestLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		level := slog.LevelInfo
		if strings.HasPrefix(r.URL.Path, "/socket.io/") || r.URL.Path == "/metrics" || r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			level = slog.LevelDebug
		}
		a.log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path,
			"status", ww.Status(), "bytes", ww.BytesWritten(), "duration", time.Since(start), "remote", r.RemoteAddr)
	})
}

// recoverer turns a handler panic into a 500 and a logged stack instead of
// a crashed process.
func (a *app) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.log.Error("handler panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				http.Error(w, "internal server error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
