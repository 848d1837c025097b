// Command siogo is the siogo benchmark peer for cmd/siobench: the handlers
// of internal/benchpeer on a plain net/http server.
//
//	go run ./bench/peers/siogo --addr 127.0.0.1:0
//
// It prints "listening on http://HOST:PORT" as its first line of stdout and
// runs until SIGINT or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/siogo/siogo/internal/benchpeer"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()

	io, handler := benchpeer.NewSiogo()
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
