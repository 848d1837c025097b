// Command gorilla is the bare-protocol peer for cmd/siobench (a floor for
// idle memory, echo and connect, not for fan-out: see bench/README.md): bare
// gorilla/websocket speaking just enough Engine.IO 4 / Socket.IO 5 for the
// generator's scenarios, with nothing a real server needs (no polling, no
// heartbeat, no namespaces but "/", no validation, no binary).
//
// Like the other peers: "echo" acks its arguments, "join" joins a room and
// acks, "fanout" broadcasts its arguments as "msg" to room "fan" with one
// PreparedMessage per broadcast. Connections use 1 KB read buffers, a
// shared write-buffer pool, and the HTTP handler returns right after the
// upgrade, leaving one reader goroutine per connection.
//
//	go run ./bench/peers/gorilla --addr 127.0.0.1:0
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
	"github.com/siogo/siogo/internal/benchpeer"
)

type conn struct {
	ws  *websocket.Conn
	sid string
	mu  sync.Mutex // one writer at a time
}

func (c *conn) write(data []byte) {
	c.mu.Lock()
	c.ws.WriteMessage(websocket.TextMessage, data)
	c.mu.Unlock()
}

func (c *conn) writePrepared(pm *websocket.PreparedMessage) {
	c.mu.Lock()
	c.ws.WritePreparedMessage(pm)
	c.mu.Unlock()
}

type server struct {
	up    websocket.Upgrader
	next  atomic.Uint64
	mu    sync.RWMutex
	rooms map[string]map[*conn]struct{}
}

func newServer() *server {
	return &server{
		up: websocket.Upgrader{
			ReadBufferSize:  1024,
			WriteBufferSize: 1024,
			WriteBufferPool: &sync.Pool{},
			CheckOrigin:     func(*http.Request) bool { return true },
		},
		rooms: map[string]map[*conn]struct{}{},
	}
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("transport") != "websocket" {
		http.Error(w, "websocket only", http.StatusBadRequest)
		return
	}
	ws, err := s.up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &conn{ws: ws, sid: "g" + strconv.FormatUint(s.next.Add(1), 36)}
	c.write([]byte(`0{"sid":"` + c.sid + `","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`))
	go s.read(c)
}

func (s *server) read(c *conn) {
	defer s.leaveAll(c)
	defer c.ws.Close()
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		switch {
		case bytes.HasPrefix(data, []byte("40")):
			c.write([]byte(`40{"sid":"` + c.sid + `"}`))
		case bytes.HasPrefix(data, []byte("42")):
			s.event(c, data[2:])
		case bytes.HasPrefix(data, []byte("41")), bytes.Equal(data, []byte("1")):
			return
		}
	}
}

// event handles `<ackId>["name",args...]`.
func (s *server) event(c *conn, p []byte) {
	i := 0
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		i++
	}
	ackID, p := p[:i], p[i:]
	if !bytes.HasPrefix(p, []byte(`["`)) {
		return
	}
	end := bytes.IndexByte(p[2:], '"')
	if end < 0 {
		return
	}
	name, rest := string(p[2:2+end]), p[3+end:] // rest: `,args...]` or `]`
	args := []byte("]")
	if len(rest) > 0 && rest[0] == ',' {
		args = rest[1:]
	}
	switch name {
	case "echo":
		if len(ackID) > 0 {
			c.write(append(append(append([]byte("43"), ackID...), '['), args...))
		}
	case "join":
		room := string(bytes.Trim(bytes.TrimSuffix(args, []byte("]")), `"`))
		s.mu.Lock()
		if s.rooms[room] == nil {
			s.rooms[room] = map[*conn]struct{}{}
		}
		s.rooms[room][c] = struct{}{}
		s.mu.Unlock()
		if len(ackID) > 0 {
			c.write(append(append([]byte("43"), ackID...), "[]"...))
		}
	case "fanout":
		msg := append([]byte(`42["msg"`), rest...)
		pm, err := websocket.NewPreparedMessage(websocket.TextMessage, msg)
		if err != nil {
			return
		}
		s.mu.RLock()
		for m := range s.rooms[benchpeer.FanRoom] {
			m.writePrepared(pm)
		}
		s.mu.RUnlock()
	}
}

func (s *server) leaveAll(c *conn) {
	s.mu.Lock()
	for _, m := range s.rooms {
		delete(m, c)
	}
	s.mu.Unlock()
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", newServer())
	mux.HandleFunc("/stats", benchpeer.Stats)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("gorilla peer: %v", err)
	}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	os.Stdout.Sync()
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	hs.Shutdown(sctx)
}
