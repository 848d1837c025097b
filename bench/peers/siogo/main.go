// Command siogo is the siogo benchmark peer for cmd/siobench: the handlers
// of internal/benchpeer on a plain net/http server.
//
//	go run ./bench/peers/siogo --addr 127.0.0.1:0
//
// It prints "listening on http://HOST:PORT" as its first line of stdout and
// runs until SIGINT or SIGTERM. With --redis URL the server is a node of a
// cluster on the redisadapter package (siobench's cluster scenario), with
// the same handlers. With --debug-addr it also serves
// net/http/pprof there, for profiling a scenario:
//
//	go run ./bench/peers/siogo --addr 127.0.0.1:3000 --debug-addr 127.0.0.1:6060 &
//	go run ./cmd/siobench scenario --url http://127.0.0.1:3000 --scenario echo --duration 20s &
//	go tool pprof http://127.0.0.1:6060/debug/pprof/profile?seconds=10
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/siogo/siogo/internal/benchpeer"
	"github.com/siogo/siogo/redisadapter"
	"github.com/siogo/siogo/socketio"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	debugAddr := flag.String("debug-addr", "", "serve net/http/pprof on this address")
	redisURL := flag.String("redis", "", "be a node of a cluster on this Redis (redis://HOST:PORT)")
	flag.Parse()

	if *debugAddr != "" {
		dbg := http.NewServeMux()
		dbg.HandleFunc("/debug/pprof/", pprof.Index)
		dbg.HandleFunc("/debug/pprof/profile", pprof.Profile)
		dbg.HandleFunc("/debug/pprof/trace", pprof.Trace)
		go func() { log.Println(http.ListenAndServe(*debugAddr, dbg)) }()
	}

	var io *socketio.Server
	var handler http.Handler
	if *redisURL != "" {
		io, handler = newClusterNode(*redisURL)
	} else {
		io, handler = benchpeer.NewSiogo(socketio.Options{})
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("siogo peer: %v", err)
	}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	os.Stdout.Sync()
	hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	io.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	hs.Shutdown(sctx)
}

// newClusterNode is benchpeer.NewSiogo on the Redis adapter.
func newClusterNode(url string) (*socketio.Server, http.Handler) {
	ropts, err := redis.ParseURL(url)
	if err != nil {
		log.Fatalf("siogo peer: --redis %q: %v", url, err)
	}
	node, err := redisadapter.NewNode(redis.NewClient(ropts), redisadapter.Options{})
	if err != nil {
		log.Fatalf("siogo peer: redis adapter: %v", err)
	}
	return benchpeer.NewSiogo(socketio.Options{Adapter: node.NewAdapter})
}
