package socketio

import (
	"time"

	"github.com/siogo/siogo/engineio"
)

// Options configures a Server. The zero value gives Node socket.io's defaults.
type Options struct {
	// Path the server answers under. Default "/socket.io/".
	Path string

	// Engine configures the Engine.IO layer (heartbeat, transports, limits,
	// CORS...). Its Path and OnConnection are set by the Server.
	Engine engineio.Options

	// ConnectTimeout closes a connection that has joined no namespace this
	// long after its handshake (default 45s).
	ConnectTimeout time.Duration

	// Adapter makes the adapter of each namespace; nil means in memory.
	Adapter AdapterFactory

	// ConnectionStateRecovery, when set, lets a client that lost its
	// connection come back with the same id, rooms and data, and receive the
	// packets it missed.
	ConnectionStateRecovery *RecoveryOptions

	// CleanupEmptyChildNamespaces removes a dynamic namespace once its last
	// socket leaves.
	CleanupEmptyChildNamespaces bool

	// Hooks, when set, observe the server for monitoring (see Hooks).
	Hooks *Hooks

	// Parser is the wire format of packets (Node's parser option):
	// DefaultParser, or MsgpackParser for clients made with
	// socket.io-msgpack-parser.
	Parser Parser

	// NoServeClient stops the server from serving the official client
	// bundle under Path (socket.io.js, socket.io.min.js,
	// socket.io.esm.min.js, socket.io.msgpack.min.js and their source
	// maps), as Node's serveClient: false.
	NoServeClient bool
}

// RecoveryOptions configures connection state recovery.
type RecoveryOptions struct {
	// MaxDisconnectionDuration is how long a session is kept (default 2 min).
	MaxDisconnectionDuration time.Duration
	// RunMiddlewares runs the middlewares again for a recovered socket.
	// Node skips them by default (skipMiddlewares: true), and so do we.
	RunMiddlewares bool
}

func (o Options) withDefaults() Options {
	if o.Path == "" {
		o.Path = "/socket.io/"
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 45 * time.Second
	}
	if o.Adapter == nil {
		o.Adapter = func(n *Namespace) Adapter { return NewInMemoryAdapter(n) }
	}
	if r := o.ConnectionStateRecovery; r != nil {
		rc := *r
		if rc.MaxDisconnectionDuration <= 0 {
			rc.MaxDisconnectionDuration = 2 * time.Minute
		}
		o.ConnectionStateRecovery = &rc
	}
	return o
}
