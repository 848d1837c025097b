package engineio

import "time"

// Hooks observe a Server for monitoring: each field, when set, is called
// at one point of a session's life. They are the only instrumentation the
// package has, so it depends on no metrics library; a nil field costs a
// nil check.
//
// Hooks run on the server's goroutines, often while a client waits for
// an answer, some of them once per packet: they must be quick, must not
// block, and must not call back into the Server or its sessions. They are
// read once, by NewServer.
//
// Every string a hook receives but the HTTP method of RequestDone comes
// from a small fixed set (transport names, Reason constants, packet types,
// Refused constants): it may be used as a metric label as it is. The
// method is the client's to choose.
type Hooks struct {
	// SessionOpened is called when a session opens, with its first
	// transport, before Options.OnConnection sees it.
	SessionOpened func(transport string)

	// SessionClosed is called once when a session ends, with the
	// transport that carried it last and the close reason (a Reason
	// constant). Every SessionOpened is followed by one SessionClosed.
	SessionClosed func(transport, reason string)

	// Upgraded is called when a session has moved from polling to
	// WebSocket: from then on, SessionClosed reports it as WebSocket.
	Upgraded func()

	// PacketIn is called for every packet a client sends, once it is
	// decoded and before it is handled: the transport that carried it,
	// its type ("open", "close", "ping", "pong", "message", "upgrade",
	// "noop") and the size of its data in bytes, without the type; binary
	// data counts its raw bytes, whether it came raw or as base64.
	// Packets that do not decode are not reported: their session closes
	// with ReasonParseError.
	PacketIn func(transport, typ string, size int)

	// PacketOut is PacketIn for the packets written to a client, called
	// once each is written. A Message sent to N sessions is N packets.
	// Nothing is reported for the messages a session still had queued
	// when it closed.
	PacketOut func(transport, typ string, size int)

	// QueueOverflow is called when a session is closed because its queue
	// would have exceeded Options.MaxBufferedPackets, with its transport.
	// SessionClosed follows (ReasonTransportError).
	QueueOverflow func(transport string)

	// VolatileDropped is called when SendVolatile drops messages because
	// the session could not take them at once, with the number dropped.
	VolatileDropped func(transport string, messages int)

	// RequestRefused is called for every HTTP request the server refuses:
	// refused is one of the Refused constants.
	RequestRefused func(refused string)

	// RequestDone is called when the server has handled an HTTP request:
	// the request's transport (Polling, WebSocket, or "" when the query
	// names neither), its method, and how long ServeHTTP took. A polling
	// GET waits for data, up to the ping interval; a WebSocket request
	// ends with its upgrade, not with its connection.
	RequestDone func(transport, method string, d time.Duration)
}

// The refusals reported to Hooks.RequestRefused. The first six are Node's
// error codes 0 to 5, answered with {"code":N,"message":"…"}.
const (
	RefusedUnknownTransport           = "unknown transport"
	RefusedUnknownSID                 = "unknown sid"
	RefusedBadHandshakeMethod         = "bad handshake method"
	RefusedBadRequest                 = "bad request"
	RefusedForbidden                  = "forbidden"
	RefusedUnsupportedProtocolVersion = "unsupported protocol version"
	// RefusedPayloadTooLarge: a POST body over MaxHTTPBufferSize (413).
	RefusedPayloadTooLarge = "payload too large"
)

var refusedNames = [...]string{
	codeUnknownTransport:           RefusedUnknownTransport,
	codeUnknownSID:                 RefusedUnknownSID,
	codeBadHandshakeMethod:         RefusedBadHandshakeMethod,
	codeBadRequest:                 RefusedBadRequest,
	codeForbidden:                  RefusedForbidden,
	codeUnsupportedProtocolVersion: RefusedUnsupportedProtocolVersion,
}

// String returns the name of a packet type, as Hooks report it.
func (t packetType) String() string {
	switch t {
	case packetOpen:
		return "open"
	case packetClose:
		return "close"
	case packetPing:
		return "ping"
	case packetPong:
		return "pong"
	case packetMessage:
		return "message"
	case packetUpgrade:
		return "upgrade"
	case packetNoop:
		return "noop"
	}
	return "unknown"
}

// The hook calls, each a nil check when the hook is unset.

func (srv *Server) refused(name string) {
	if fn := srv.hooks.RequestRefused; fn != nil {
		fn(name)
	}
}

func (srv *Server) packetIn(transport string, p packet) {
	if fn := srv.hooks.PacketIn; fn != nil {
		fn(transport, p.typ.String(), len(p.data))
	}
}

// packetsOut reports msgs written to one session.
func (srv *Server) packetsOut(transport string, msgs []*Message) {
	if fn := srv.hooks.PacketOut; fn != nil {
		for _, m := range msgs {
			fn(transport, m.typ.String(), len(m.data))
		}
	}
}
