package engineio

import (
	"net/http"
	"time"
)

// Transport names, as they appear in the "transport" query parameter.
const (
	Polling   = "polling"
	WebSocket = "websocket"
)

// Options configures a Server. The zero value gives Node engine.io's defaults.
type Options struct {
	// Path is the prefix the server answers under. Default "/engine.io/".
	Path string

	// PingInterval is how often the server pings (default 25s); the client
	// must answer each ping within PingTimeout (default 20s).
	PingInterval time.Duration
	PingTimeout  time.Duration

	// UpgradeTimeout bounds the polling to WebSocket upgrade (default 10s).
	UpgradeTimeout time.Duration

	// MaxHTTPBufferSize is the largest POST body or WebSocket message a
	// client may send, in bytes (default 1e6). It is announced as maxPayload.
	MaxHTTPBufferSize int64

	// Transports lists the enabled transports (default both, Polling and
	// WebSocket).
	Transports []string

	// DisableUpgrades turns off the upgrade from polling to WebSocket (Node:
	// allowUpgrades: false).
	DisableUpgrades bool

	// AllowRequest, when set, vets every handshake request. A non-nil error
	// refuses it with 403 Forbidden and the error's text as the message.
	AllowRequest func(r *http.Request) error

	// OnConnectionError, when set, is told of every request refused with
	// one of Node's error codes (Node's "connection_error" event), to log
	// it, say. It runs before the answer is written and must not block.
	OnConnectionError func(*ConnectionError)

	// CORS, when set, adds CORS headers and answers preflight requests.
	CORS *CORS

	// Cookie, when set, is the template of a cookie carrying the session id
	// set on the handshake response. Name defaults to "io", Path to "/" and
	// SameSite to Lax, as in Node.
	Cookie *http.Cookie

	// InitialPacket, when set, is sent as a text message right after the
	// open packet.
	InitialPacket []byte

	// InitialHeaders, when set, may add headers to the response that opens
	// a session: the polling handshake, or a direct WebSocket's 101 (Node's
	// "initial_headers" event). The cookie of Cookie is already there.
	InitialHeaders func(h http.Header, r *http.Request)

	// Headers, when set, may add headers to every response of the
	// transports: polls, posts and 101s, the first one included, after
	// InitialHeaders (Node's "headers" event). Error responses do not see
	// it, as in Node.
	Headers func(h http.Header, r *http.Request)

	// GenerateID, when set, makes the id of each new session (Node's
	// engine.generateId) in place of a random 20-character one. Ids must be
	// unique among open sessions and made of URL-safe characters
	// (A-Z a-z 0-9 - _ . ~); a handshake that gets a duplicate or an
	// invalid one is refused with 500.
	GenerateID func(r *http.Request) string

	// PerMessageDeflate enables WebSocket compression (off by default, as in
	// Node). Messages under 1024 bytes are never compressed.
	PerMessageDeflate bool

	// HTTPCompression controls gzip/deflate of polling responses (on by
	// default for responses of 1024 bytes or more, as in Node).
	HTTPCompression HTTPCompression

	// MaxBufferedPackets bounds the outgoing queue of one session (default
	// 4096). A session whose queue overflows is closed with "transport error"
	// rather than slowing down the senders.
	MaxBufferedPackets int

	// OnConnection is called for every new session, before any of its
	// messages is delivered: register the session's callbacks here.
	OnConnection func(*Socket)

	// Hooks, when set, observe the server for monitoring (see Hooks).
	Hooks *Hooks
}

// HTTPCompression configures compression of polling responses.
type HTTPCompression struct {
	Disabled  bool
	Threshold int // bytes; default 1024
}

// CORS configures cross-origin access. The zero value allows every origin
// with "Access-Control-Allow-Origin: *", like Node's cors: {origin: "*"}.
type CORS struct {
	// Origins lists the allowed origins; "*" or an empty list (with no
	// AllowOrigin) allows all. An allowed origin is echoed back.
	Origins []string
	// AllowOrigin, when set, decides instead of Origins.
	AllowOrigin func(origin string) bool
	// Credentials sets Access-Control-Allow-Credentials: true.
	Credentials bool
	// Methods for preflight responses (default GET,HEAD,PUT,PATCH,POST,DELETE).
	Methods []string
	// AllowedHeaders for preflight responses (default: echo the request's
	// Access-Control-Request-Headers).
	AllowedHeaders []string
	// ExposedHeaders, if any, are listed in Access-Control-Expose-Headers.
	ExposedHeaders []string
	// MaxAge of a preflight result; zero omits the header.
	MaxAge time.Duration
}

func (o Options) withDefaults() Options {
	if o.Path == "" {
		o.Path = "/engine.io/"
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 25 * time.Second
	}
	if o.PingTimeout <= 0 {
		o.PingTimeout = 20 * time.Second
	}
	if o.UpgradeTimeout <= 0 {
		o.UpgradeTimeout = 10 * time.Second
	}
	if o.MaxHTTPBufferSize <= 0 {
		o.MaxHTTPBufferSize = 1e6
	}
	if len(o.Transports) == 0 {
		o.Transports = []string{Polling, WebSocket}
	}
	if o.HTTPCompression.Threshold <= 0 {
		o.HTTPCompression.Threshold = 1024
	}
	if o.MaxBufferedPackets <= 0 {
		o.MaxBufferedPackets = 4096
	}
	return o
}
