package socketio

// Hooks observe a Server for monitoring: each field, when set, is called
// at one point of a socket's life. The package depends on no metrics
// library; a nil field costs a nil check. Options.Engine.Hooks observes
// the Engine.IO layer underneath (sessions, packets, HTTP requests).
//
// Hooks run on the server's goroutines, some of them once per event: they
// must be quick, must not block, and must not call back into the Server,
// its namespaces or its sockets. They are read once, by NewServer.
//
// A namespace name is a metric label of bounded cardinality as long as
// the application's namespaces are; dynamic namespaces (OfRegexp, OfFunc)
// may bring as many names as clients ask for. Reasons are the Reason
// constants.
type Hooks struct {
	// Connected is called when a socket has joined namespace, after the
	// middlewares and before the connection handlers run.
	Connected func(namespace string)

	// Disconnected is called once when a connected socket leaves
	// namespace, with a Reason constant, before its disconnect handlers.
	// Every Connected is followed by one Disconnected.
	Disconnected func(namespace, reason string)

	// ConnectRefused is called when a middleware refuses a socket's
	// connection to namespace, with the middleware's error.
	ConnectRefused func(namespace string, err error)

	// InvalidNamespace is called when a client asks for a namespace that
	// does not exist (answered "Invalid namespace"). The name is the
	// client's to choose, so it is not passed on as a label.
	InvalidNamespace func()

	// EventIn is called for every event a connected socket of namespace
	// receives, before its handlers run, with its size: the bytes of its
	// JSON data and of its binary attachments.
	EventIn func(namespace string, size int)

	// EventOut is called when an event is sent to sockets of namespace on
	// this server, with its size (as EventIn) and how many sockets it
	// was sent to: 1 for Socket.Emit, every local recipient of a
	// broadcast (the packet being encoded once for all of them). Other
	// servers of a cluster report the recipients they have.
	EventOut func(namespace string, size, sockets int)

	// AckTimeout is called when an EmitWithAck, to one socket or a
	// broadcast, gives up because its timeout or its context's deadline
	// passed.
	AckTimeout func(namespace string)

	// ParseError is called when a packet from a client does not decode;
	// the client's connection is closed. err wraps ErrParse.
	ParseError func(err error)
}

// eventSize is the size EventIn and EventOut report for p.
func eventSize(p *Packet) int {
	n := len(p.Data)
	for _, a := range p.Attachments {
		n += len(a)
	}
	return n
}

func (srv *Server) eventOut(namespace string, p *Packet, sockets int) {
	if fn := srv.hooks.EventOut; fn != nil {
		fn(namespace, eventSize(p), sockets)
	}
}

func (srv *Server) ackTimeout(namespace string) {
	if fn := srv.hooks.AckTimeout; fn != nil {
		fn(namespace)
	}
}
