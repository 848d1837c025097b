// Command zishang520 is the benchmark peer for cmd/siobench built on the
// zishang520 Go port of socket.io (github.com/zishang520/socket.io/v2),
// with the same handlers as the other peers: "echo" acks its arguments,
// "join" joins a room and acks, "fanout" broadcasts its arguments as "msg"
// to room "fan". GET /stats answers {"goroutines":N}.
//
// It is a module of its own so that the main module never depends on the
// port:
//
//	cd bench/peers/zishang520 && go run . --addr 127.0.0.1:0
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/zishang520/socket.io/v2/socket"
)

// ackOf splits a trailing ack off the handler arguments.
func ackOf(args []any) ([]any, socket.Ack) {
	if n := len(args); n > 0 {
		if ack, ok := args[n-1].(socket.Ack); ok {
			return args[:n-1], ack
		}
	}
	return args, nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()

	io := socket.NewServer(nil, nil)
	io.On("connection", func(clients ...any) {
		s := clients[0].(*socket.Socket)
		s.On("echo", func(args ...any) {
			if args, ack := ackOf(args); ack != nil {
				ack(args, nil)
			}
		})
		s.On("join", func(args ...any) {
			args, ack := ackOf(args)
			if len(args) > 0 {
				if room, ok := args[0].(string); ok {
					s.Join(socket.Room(room))
				}
			}
			if ack != nil {
				ack(nil, nil)
			}
		})
		s.On("fanout", func(args ...any) {
			args, _ = ackOf(args)
			io.To("fan").Emit("msg", args...)
		})
	})

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io.ServeHandler(nil))
	mux.HandleFunc("/stats", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"goroutines":%d}`, runtime.NumGoroutine())
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("zishang520 peer: %v", err)
	}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	os.Stdout.Sync()
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	io.Close(nil)
}
