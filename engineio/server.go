package engineio

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/siogo/siogo/internal/netpoll"
	"github.com/siogo/siogo/internal/sid"
	"github.com/siogo/siogo/internal/workpool"
)

// Server is an Engine.IO v4 server. It is an http.Handler: mount it under its
// Path (by default "/engine.io/") on any mux.
type Server struct {
	opts     Options
	hooks    Hooks // a copy of *opts.Hooks: one load and a nil check per call
	upgrader websocket.Upgrader

	writeBuffers sync.Pool // WebSocket write buffers, shared by idle connections
	wsBatches    sync.Pool // *wsBatch: the frames of one WebSocket flush
	buffers      sync.Pool // polling payload buffers
	readBufs     sync.Pool // *[]byte: what a WebSocket reader reads into
	compressors  compressors

	// Control packets are shared by every session, like broadcast messages.
	pingMsg, noopMsg, closeMsg *Message

	workers  *workpool.Pool // runs WebSocket reads and flushes
	pollOnce sync.Once
	poller   *netpoll.Poller // nil where there is none: a goroutine reads each WebSocket

	mu       sync.RWMutex
	sessions map[string]*Socket
	closed   bool
}

// NewServer returns a server configured by opts.
func NewServer(opts Options) *Server {
	srv := &Server{
		opts:     opts.withDefaults(),
		pingMsg:  controlMessage(packetPing, ""),
		noopMsg:  controlMessage(packetNoop, ""),
		closeMsg: controlMessage(packetClose, ""),
		sessions: make(map[string]*Socket),
		workers:  workpool.New(maxIdleWorkers, time.Second),
	}
	if opts.Hooks != nil {
		srv.hooks = *opts.Hooks
	}
	srv.buffers.New = func() any { b := make([]byte, 0, 512); return &b }
	srv.upgrader = srv.newUpgrader()
	return srv
}

// ClientsCount returns the number of open sessions.
func (srv *Server) ClientsCount() int {
	srv.mu.RLock()
	defer srv.mu.RUnlock()
	return len(srv.sessions)
}

// Session returns the open session with the given id, or nil.
func (srv *Server) Session(id string) *Socket {
	srv.mu.RLock()
	defer srv.mu.RUnlock()
	return srv.sessions[id]
}

// Close ends every session with reason "server shutting down" and refuses
// new ones. It does not wait for clients.
func (srv *Server) Close() error {
	srv.mu.Lock()
	srv.closed = true
	all := make([]*Socket, 0, len(srv.sessions))
	for _, s := range srv.sessions {
		all = append(all, s)
	}
	srv.mu.Unlock()
	for _, s := range all {
		s.close(ReasonServerShuttingDown, nil)
	}
	srv.pollOnce.Do(func() {}) // none starts from now on
	if srv.poller != nil {
		srv.poller.Close()
	}
	srv.workers.Close()
	return nil
}

// netpoller returns the server's Poller, started on first use; nil where
// there is none.
func (srv *Server) netpoller() *netpoll.Poller {
	srv.pollOnce.Do(func() {
		srv.mu.RLock()
		closed := srv.closed
		srv.mu.RUnlock()
		if !closed {
			srv.poller, _ = netpoll.New()
		}
	})
	return srv.poller
}

// maxIdleWorkers bounds the goroutines kept for WebSocket reads and
// flushes between bursts (each for a second at most).
const maxIdleWorkers = 1024

// readBufSize is what a WebSocket reader reads at most per system call.
const readBufSize = 16 << 10

func (srv *Server) getReadBuf() *[]byte {
	if b, ok := srv.readBufs.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, readBufSize)
	return &b
}

func (srv *Server) putReadBuf(b *[]byte) { srv.readBufs.Put(b) }

// ServeHTTP answers Engine.IO requests under the server's path.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	done := srv.hooks.RequestDone
	if done == nil {
		srv.serve(w, r)
		return
	}
	start := time.Now()
	transport := srv.serve(w, r)
	done(transport, r.Method, time.Since(start))
}

// serve answers one request; it returns the transport the request named if
// the server knows it, for Hooks.RequestDone.
func (srv *Server) serve(w http.ResponseWriter, r *http.Request) (transport string) {
	if !strings.HasPrefix(r.URL.Path, srv.opts.Path) {
		http.NotFound(w, r)
		return ""
	}
	query := r.URL.Query()
	switch t := query.Get("transport"); t {
	case Polling, WebSocket:
		transport = t
	}
	if c := srv.opts.CORS; c != nil {
		if c.Apply(w, r) {
			return transport // preflight answered
		}
	}
	srv.bodyDeadline(w, r)
	upgrade := websocket.IsWebSocketUpgrade(r)
	s, rerr := srv.verify(r, query, upgrade)
	if rerr == nil && s != nil && !s.checkPong() {
		rerr = &requestError{code: codeUnknownSID}
	}
	if rerr != nil {
		srv.refuse(w, r, rerr, upgrade)
		return transport
	}
	switch {
	case s == nil && query.Get("EIO") != "4":
		// Node takes anything but "4" for v3, which it refuses.
		srv.refuse(w, r, &requestError{code: codeUnsupportedProtocolVersion}, upgrade)
	case s == nil && upgrade:
		srv.serveDirectWebSocket(w, r)
	case s == nil:
		srv.handshakePolling(w, r)
	case upgrade:
		s.serveUpgrade(w, r)
	case r.Method == http.MethodGet:
		s.servePoll(w, r)
	case r.Method == http.MethodPost:
		s.servePost(w, r)
	default:
		srv.refused(RefusedBadRequest)
		w.WriteHeader(http.StatusInternalServerError)
	}
	return transport
}

// refuse answers a refused request the way Node does for its kind: JSON for
// polling and handshakes, plain text before a WebSocket upgrade.
func (srv *Server) refuse(w http.ResponseWriter, r *http.Request, e *requestError, upgrade bool) {
	srv.refused(refusedNames[e.code])
	if fn := srv.opts.OnConnectionError; fn != nil {
		fn(&ConnectionError{Request: r, Code: int(e.code), Message: errorMessages[e.code], Context: e.message})
	}
	if upgrade {
		e.writeUpgrade(w)
	} else {
		e.writeHTTP(w)
	}
}

// verify applies Node's checks, in Node's order: transport, origin, then the
// session's existence and transport, or for a handshake the method, the
// WebSocket upgrade and AllowRequest. It returns the session addressed, if any.
func (srv *Server) verify(r *http.Request, q url.Values, upgrade bool) (*Socket, *requestError) {
	transport := q.Get("transport")
	if !slices.Contains(srv.opts.Transports, transport) {
		return nil, &requestError{code: codeUnknownTransport}
	}
	if !validHeaderValue(r.Header.Get("Origin")) {
		return nil, &requestError{code: codeBadRequest}
	}
	if id := q.Get("sid"); id != "" {
		s := srv.Session(id)
		if s == nil {
			return nil, &requestError{code: codeUnknownSID}
		}
		if upgrade {
			// One WebSocket per session: refuse, before the 101, a second
			// probe or a WebSocket for a session that already has one.
			if transport != WebSocket || !s.upgradable() || srv.opts.DisableUpgrades {
				return nil, &requestError{code: codeBadRequest}
			}
		} else if transport != s.Transport() {
			return nil, &requestError{code: codeBadRequest}
		}
		return s, nil
	}
	if r.Method != http.MethodGet {
		return nil, &requestError{code: codeBadHandshakeMethod}
	}
	if transport == WebSocket && !upgrade {
		return nil, &requestError{code: codeBadRequest}
	}
	if srv.opts.AllowRequest != nil {
		if err := srv.opts.AllowRequest(r); err != nil {
			return nil, &requestError{code: codeForbidden, message: err.Error()}
		}
	}
	return nil, nil
}

// validHeaderValue reports whether v has only characters allowed in a header
// value (Node's checkInvalidHeaderChar).
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// newSocket makes the session a handshake opens; nil when GenerateID gave
// an id that cannot be used: invalid, or an open session's.
func (srv *Server) newSocket(r *http.Request, transport string) *Socket {
	id := ""
	if fn := srv.opts.GenerateID; fn != nil {
		if id = fn(r); !urlSafeID(id) {
			return nil
		}
		// Refused before a WebSocket's 101; register catches a duplicate
		// made meanwhile by a concurrent handshake.
		srv.mu.RLock()
		_, dup := srv.sessions[id]
		srv.mu.RUnlock()
		if dup {
			return nil
		}
	} else {
		id = sid.New()
	}
	return &Socket{
		srv:       srv,
		id:        id,
		transport: transport,
		handshake: newHandshakeData(r),
	}
}

func (srv *Server) isClosed() bool {
	srv.mu.RLock()
	defer srv.mu.RUnlock()
	return srv.closed
}

// urlSafeID reports whether id can travel in URLs and JSON as it is.
func urlSafeID(id string) bool {
	if id == "" {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
		default:
			return false
		}
	}
	return true
}

// customHeaders lets the application add to a transport response's
// headers (InitialHeaders for a request without a sid, then Headers).
func (srv *Server) customHeaders(h http.Header, r *http.Request) {
	initial, every := srv.opts.InitialHeaders, srv.opts.Headers
	if initial == nil && every == nil {
		return
	}
	if initial != nil && !r.URL.Query().Has("sid") {
		initial(h, r)
	}
	if every != nil {
		every(h, r)
	}
}

// register adds a new session, tells the application, and queues the open
// packet; false if the server is closed.
func (srv *Server) register(s *Socket) bool {
	// Reported before the session can be reached, so that nothing (a
	// Server.Close, a request) can report its close first.
	if fn := srv.hooks.SessionOpened; fn != nil {
		fn(s.transport)
	}
	srv.mu.Lock()
	_, dup := srv.sessions[s.id] // only a GenerateID can make one
	if srv.closed || dup {
		srv.mu.Unlock()
		if fn := srv.hooks.SessionClosed; fn != nil {
			reason := ReasonServerShuttingDown
			if dup {
				reason = ReasonTransportError
			}
			fn(s.transport, reason)
		}
		return false
	}
	srv.sessions[s.id] = s
	srv.mu.Unlock()
	if fn := srv.opts.OnConnection; fn != nil {
		fn(s)
	}
	initial := []*Message{controlMessage(packetOpen, srv.openPayload(s))}
	if p := srv.opts.InitialPacket; p != nil {
		initial = append(initial, NewMessage(p, false))
	}
	s.open(initial)
	return true
}

func (srv *Server) remove(s *Socket) {
	srv.mu.Lock()
	if srv.sessions[s.id] == s {
		delete(srv.sessions, s.id)
	}
	srv.mu.Unlock()
}

// handshakePolling opens a polling session; the handshake GET is the
// session's first poll and carries the open packet.
func (srv *Server) handshakePolling(w http.ResponseWriter, r *http.Request) {
	s := srv.newSocket(r, Polling)
	if s == nil {
		http.Error(w, "engineio: GenerateID made an invalid or duplicate session id", http.StatusInternalServerError)
		return
	}
	s.wake = make(chan struct{}, 1) // only polling sessions wait for a GET
	if !srv.register(s) {
		if srv.isClosed() {
			srv.refuse(w, r, &requestError{code: codeBadRequest}, false)
		} else {
			http.Error(w, "engineio: GenerateID made the id of an open session", http.StatusInternalServerError)
		}
		return
	}
	if c := srv.sessionCookie(s.id); c != "" {
		w.Header().Add("Set-Cookie", c)
	}
	s.servePoll(w, r)
}

// openPayload is the handshake JSON, with Node's keys in Node's order.
func (srv *Server) openPayload(s *Socket) string {
	b := make([]byte, 0, 128)
	b = append(b, `{"sid":"`...)
	b = append(b, s.id...)
	b = append(b, `","upgrades":[`...)
	if s.transport == Polling && !srv.opts.DisableUpgrades && slices.Contains(srv.opts.Transports, WebSocket) {
		b = append(b, `"websocket"`...)
	}
	b = append(b, `],"pingInterval":`...)
	b = strconv.AppendInt(b, srv.opts.PingInterval.Milliseconds(), 10)
	b = append(b, `,"pingTimeout":`...)
	b = strconv.AppendInt(b, srv.opts.PingTimeout.Milliseconds(), 10)
	b = append(b, `,"maxPayload":`...)
	b = strconv.AppendInt(b, srv.opts.MaxHTTPBufferSize, 10)
	b = append(b, '}')
	return string(b)
}

// sessionCookie returns the Set-Cookie value for a new session, or "".
func (srv *Server) sessionCookie(id string) string {
	tmpl := srv.opts.Cookie
	if tmpl == nil {
		return ""
	}
	c := *tmpl
	c.Value = id
	if c.Name == "" {
		c.Name = "io"
	}
	if c.Path == "" {
		c.Path = "/"
	}
	if c.SameSite == 0 {
		c.SameSite = http.SameSiteLaxMode
	}
	return c.String()
}
