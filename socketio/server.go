package socketio

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/internal/binjson"
	"github.com/siogo/siogo/internal/workpool"
)

// maxIdleWorkers bounds the goroutines kept, for a second, to run the next
// client's inbox (see client.work).
const maxIdleWorkers = 1024

// Server is a Socket.IO v5 server. It is an http.Handler: mount it under
// its Path (by default "/socket.io/").
type Server struct {
	opts    Options
	hooks   Hooks // a copy of *opts.Hooks: one load and a nil check per call
	engine  *engineio.Server
	codec   binjson.Codec  // JSON with binary placeholders; caches type info
	workers *workpool.Pool // run the clients' inboxes

	mu      sync.RWMutex
	nsps    map[string]*Namespace
	parents []*ParentNamespace
	clients map[*client]struct{}
	closed  bool
}

// NewServer returns a server configured by opts.
func NewServer(opts Options) *Server {
	srv := &Server{
		opts:    opts.withDefaults(),
		workers: workpool.New(maxIdleWorkers, time.Second),
		nsps:    make(map[string]*Namespace),
		clients: make(map[*client]struct{}),
	}
	if opts.Hooks != nil {
		srv.hooks = *opts.Hooks
	}
	eo := srv.opts.Engine
	eo.Path = srv.opts.Path
	eo.OnConnection = srv.onEngineConnection
	srv.engine = engineio.NewServer(eo)
	srv.Of("/")
	return srv
}

// ServeHTTP serves the Engine.IO transports that carry Socket.IO.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !srv.opts.NoServeClient && srv.serveClient(w, r) {
		return
	}
	srv.engine.ServeHTTP(w, r)
}

// Engine returns the underlying Engine.IO server.
func (srv *Server) Engine() *engineio.Server { return srv.engine }

// Of returns the namespace with the given name, creating it if needed. A
// name without a leading slash gets one, as in Node.
func (srv *Server) Of(name string) *Namespace {
	if !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if n, ok := srv.nsps[name]; ok {
		return n
	}
	n := newNamespace(srv, name)
	srv.nsps[name] = n
	return n
}

// OfRegexp declares dynamic namespaces: a client connecting to a name that
// matches re gets a child namespace created on the fly.
func (srv *Server) OfRegexp(re *regexp.Regexp) *ParentNamespace {
	return srv.OfFunc(func(name string, _ json.RawMessage) bool { return re.MatchString(name) })
}

// OfFunc declares dynamic namespaces decided by allow, which sees the name
// and the client's auth payload.
func (srv *Server) OfFunc(allow func(name string, auth json.RawMessage) bool) *ParentNamespace {
	p := &ParentNamespace{srv: srv, allow: allow, children: make(map[string]*Namespace)}
	srv.mu.Lock()
	srv.parents = append(srv.parents, p)
	srv.mu.Unlock()
	return p
}

// namespaceFor finds the namespace a client asks for: an existing one, or
// a new child of the first parent that allows the name.
func (srv *Server) namespaceFor(name string, auth json.RawMessage) *Namespace {
	srv.mu.RLock()
	n := srv.nsps[name]
	parents := srv.parents
	srv.mu.RUnlock()
	if n != nil {
		return n
	}
	for _, p := range parents {
		if p.allow(name, auth) {
			return p.child(name)
		}
	}
	return nil
}

// Sockets returns the main namespace ("/"), as Node's io.sockets.
func (srv *Server) Sockets() *Namespace { return srv.Of("/") }

// OnConnection registers a handler for sockets connecting to "/".
func (srv *Server) OnConnection(fn func(*Socket)) { srv.Of("/").OnConnection(fn) }

// Use adds a connect middleware to "/".
func (srv *Server) Use(fn func(*Socket) error) { srv.Of("/").Use(fn) }

// To selects the sockets of "/" in rooms.
func (srv *Server) To(rooms ...Room) *BroadcastOperator { return srv.Of("/").To(rooms...) }

// In is To.
func (srv *Server) In(rooms ...Room) *BroadcastOperator { return srv.Of("/").To(rooms...) }

// Except leaves out the sockets of "/" in rooms.
func (srv *Server) Except(rooms ...Room) *BroadcastOperator { return srv.Of("/").Except(rooms...) }

// Local restricts a broadcast on "/" to this server.
func (srv *Server) Local() *BroadcastOperator { return srv.Of("/").Local() }

// Volatile lets a broadcast on "/" skip clients that cannot take it now.
func (srv *Server) Volatile() *BroadcastOperator { return srv.Of("/").Volatile() }

// Compress sets compression of a broadcast on "/".
func (srv *Server) Compress(on bool) *BroadcastOperator { return srv.Of("/").Compress(on) }

// Timeout sets how long a broadcast's EmitWithAck waits.
func (srv *Server) Timeout(d time.Duration) *BroadcastOperator { return srv.Of("/").Timeout(d) }

// Emit sends an event to every socket of "/".
func (srv *Server) Emit(event string, args ...any) error { return srv.Of("/").Emit(event, args...) }

// EmitWithAck sends an event to every socket of "/" and collects the acks.
func (srv *Server) EmitWithAck(ctx context.Context, event string, args ...any) ([]*Args, error) {
	return srv.Of("/").EmitWithAck(ctx, event, args...)
}

// FetchSockets returns the sockets of "/" across the cluster.
func (srv *Server) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return srv.Of("/").FetchSockets(ctx)
}

// SocketsJoin makes the sockets of "/" join rooms.
func (srv *Server) SocketsJoin(rooms ...Room) { srv.Of("/").SocketsJoin(rooms...) }

// SocketsLeave makes the sockets of "/" leave rooms.
func (srv *Server) SocketsLeave(rooms ...Room) { srv.Of("/").SocketsLeave(rooms...) }

// DisconnectSockets disconnects the sockets of "/".
func (srv *Server) DisconnectSockets(close bool) { srv.Of("/").DisconnectSockets(close) }

// ServerSideEmit sends an event to the other servers of the cluster.
func (srv *Server) ServerSideEmit(event string, args ...any) error {
	return srv.Of("/").ServerSideEmit(event, args...)
}

// ServerSideEmitWithAck sends an event to the other servers and collects
// their answers.
func (srv *Server) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]*Args, error) {
	return srv.Of("/").ServerSideEmitWithAck(ctx, event, args...)
}

// Close disconnects every socket ("server shutting down"), closes every
// connection and the adapters.
func (srv *Server) Close() error {
	srv.mu.Lock()
	srv.closed = true
	clients := make([]*client, 0, len(srv.clients))
	for c := range srv.clients {
		clients = append(clients, c)
	}
	nsps := make([]*Namespace, 0, len(srv.nsps))
	for _, n := range srv.nsps {
		nsps = append(nsps, n)
	}
	srv.mu.Unlock()
	for _, c := range clients {
		c.beginClose(ReasonServerShuttingDown)
	}
	srv.engine.Close()
	for _, c := range clients {
		c.waitIdle()
	}
	srv.workers.Close()
	for _, n := range nsps {
		n.adapter.Close()
	}
	return nil
}

func (srv *Server) addClient(c *client) {
	srv.mu.Lock()
	srv.clients[c] = struct{}{}
	srv.mu.Unlock()
}

func (srv *Server) removeClient(c *client) {
	srv.mu.Lock()
	delete(srv.clients, c)
	srv.mu.Unlock()
}

// ParentNamespace holds dynamic namespaces: its middlewares and connection
// handlers apply to every child, and its broadcasts reach all of them.
type ParentNamespace struct {
	srv   *Server
	allow func(name string, auth json.RawMessage) bool

	mu           sync.Mutex
	children     map[string]*Namespace
	middlewares  []func(*Socket) error
	onConnection []func(*Socket)
}

// Use adds a middleware for every child namespace.
func (p *ParentNamespace) Use(fn func(*Socket) error) {
	p.mu.Lock()
	p.middlewares = append(p.middlewares, fn)
	children := p.childList()
	p.mu.Unlock()
	for _, c := range children {
		c.Use(fn)
	}
}

// OnConnection registers a connection handler for every child namespace.
func (p *ParentNamespace) OnConnection(fn func(*Socket)) {
	p.mu.Lock()
	p.onConnection = append(p.onConnection, fn)
	children := p.childList()
	p.mu.Unlock()
	for _, c := range children {
		c.OnConnection(fn)
	}
}

// Emit sends an event to every socket of every child namespace.
func (p *ParentNamespace) Emit(event string, args ...any) error {
	p.mu.Lock()
	children := p.childList()
	p.mu.Unlock()
	for _, c := range children {
		if err := c.Emit(event, args...); err != nil {
			return err
		}
	}
	return nil
}

// Children returns the child namespaces created so far.
func (p *ParentNamespace) Children() []*Namespace {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.childList()
}

func (p *ParentNamespace) childList() []*Namespace {
	out := make([]*Namespace, 0, len(p.children))
	for _, c := range p.children {
		out = append(out, c)
	}
	return out
}

// child returns the child namespace called name, creating it with the
// parent's middlewares and handlers.
func (p *ParentNamespace) child(name string) *Namespace {
	srv := p.srv
	srv.mu.Lock()
	if n, ok := srv.nsps[name]; ok {
		srv.mu.Unlock()
		return n
	}
	n := newNamespace(srv, name)
	n.parent = p
	srv.nsps[name] = n
	srv.mu.Unlock()
	p.mu.Lock()
	n.middlewares = append(n.middlewares, p.middlewares...)
	n.onConnection = append(n.onConnection, p.onConnection...)
	p.children[name] = n
	p.mu.Unlock()
	return n
}

func (p *ParentNamespace) removeChild(n *Namespace) {
	p.mu.Lock()
	if p.children[n.name] == n {
		delete(p.children, n.name)
	}
	p.mu.Unlock()
	srv := p.srv
	srv.mu.Lock()
	if srv.nsps[n.name] == n {
		delete(srv.nsps, n.name)
	}
	srv.mu.Unlock()
	n.adapter.Close()
}
