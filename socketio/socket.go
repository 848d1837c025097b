package socketio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/siogo/siogo/engineio"
)

// Errors returned to callers.
var (
	// ErrReservedEvent is returned when emitting an event name Socket.IO
	// keeps for itself ("connect", "disconnect", ...).
	ErrReservedEvent = errors.New("socketio: reserved event name")
	// ErrTimeout is returned when acks did not arrive in time; Node's
	// message is "operation has timed out".
	ErrTimeout = errors.New("socketio: operation has timed out")
	// ErrDisconnected is returned for an ack the socket can no longer get.
	ErrDisconnected = errors.New("socketio: socket disconnected")
)

// AckFunc answers an event the client sent with an ack. Only the first call
// sends anything.
type AckFunc func(args ...any) error

// Socket is one client's connection to one namespace.
type Socket struct {
	id        SocketID
	pid       string
	nsp       *Namespace
	client    *client
	auth      json.RawMessage           // the CONNECT payload, for Handshake
	handshake atomic.Pointer[Handshake] // made on first use: 128 bytes, often never asked for

	mu        sync.Mutex
	connected bool
	recovered bool
	announced bool // the CONNECT reply is on its way to the client
	closed    bool // disconnected or refused, for good
	data      any
	handlers  []eventHandler // in the order of registration
	acks      map[uint64]func(*Args)
	lst       *listeners      // made on first use: most sockets register none
	ctx       context.Context // made on first use: most sockets never ask
	cancel    context.CancelFunc
}

// eventHandler is a handler registered with On. A socket keeps them in one
// slice: it has a handful, which a scan finds as fast as a map lookup, and
// a slice costs far less memory per socket than a map of slices.
type eventHandler struct {
	event string
	handler
}

// listeners are the socket's other callbacks, out of line: most sockets
// register none, and these slices would make every Socket twice as big.
type listeners struct {
	anyIn      []*anyListener
	anyOut     []*anyOutListener
	middleware []func(event string, args *Args) error
	onDisc     []func(reason string)
	onDiscing  []func(reason string)
	onErr      []func(error)
}

// listenersLocked returns the socket's listeners, made if need be, to add
// one. s.mu must be held.
func (s *Socket) listenersLocked() *listeners {
	if s.lst == nil {
		s.lst = new(listeners)
	}
	return s.lst
}

// ID returns the socket's id: 20 URL-safe characters, not the Engine.IO id.
func (s *Socket) ID() SocketID { return s.id }

// Namespace returns the socket's namespace.
func (s *Socket) Namespace() *Namespace { return s.nsp }

// Handshake returns the connection details and auth payload.
func (s *Socket) Handshake() *Handshake {
	if h := s.handshake.Load(); h != nil {
		return h
	}
	h := newHandshake(s.client.conn.Handshake(), s.auth)
	if !s.handshake.CompareAndSwap(nil, h) {
		return s.handshake.Load()
	}
	return h
}

// Recovered reports whether connection state recovery restored this socket.
func (s *Socket) Recovered() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recovered
}

// Connected reports whether the socket is connected.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Not before the CONNECT reply is queued: a Disconnect in between (an
	// expiry timer, say) would reach the client before its CONNECT.
	return s.connected && s.announced
}

// Data returns the application data attached to the socket (Node's
// socket.data); it travels with FetchSockets and connection recovery.
func (s *Socket) Data() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data
}

// SetData attaches application data to the socket.
func (s *Socket) SetData(v any) {
	s.mu.Lock()
	s.data = v
	s.mu.Unlock()
}

// Context returns a context that is done once the socket has disconnected.
// Middleware attaches values to it with SetContext, e.g. the claims of a
// verified token, for handlers to read with Context().Value.
func (s *Socket) Context() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.contextLocked()
}

func (s *Socket) contextLocked() context.Context {
	if s.ctx == nil {
		s.ctx, s.cancel = context.WithCancel(context.Background())
		if s.closed {
			s.cancel()
		}
	}
	return s.ctx
}

// SetContext replaces the socket's context. ctx must derive from Context()
// so that it is still done when the socket disconnects.
func (s *Socket) SetContext(ctx context.Context) {
	s.mu.Lock()
	s.contextLocked()
	s.ctx = ctx
	s.mu.Unlock()
}

// Transport returns the name of the transport the connection uses now.
func (s *Socket) Transport() string { return s.client.conn.Transport() }

// Join adds the socket to rooms.
func (s *Socket) Join(rooms ...Room) { s.nsp.adapter.AddAll(s.id, rooms) }

// Leave removes the socket from a room.
func (s *Socket) Leave(room Room) { s.nsp.adapter.Del(s.id, room) }

// Rooms returns the rooms the socket is in, its own id room included.
func (s *Socket) Rooms() []Room { return s.nsp.adapter.SocketRooms(s.id) }

// On registers a handler for an event. The handler is a func whose
// parameters receive the event's arguments, decoded into their types
// ([]byte for binary, Raw to keep one as it is, ...T for the rest), with an
// optional last parameter of type AckFunc (or func(...any) error) when the
// client asked for an ack. func(*Args) and func(*Args, AckFunc) get the
// arguments undecoded. An argument that does not decode is reported to the
// OnError handlers and the handler is not called.
//
// As in Node, On("disconnect", func(reason string)), On("disconnecting", ...)
// and On("error", func(error)) register the lifecycle handlers.
func (s *Socket) On(event string, fn any) error {
	switch f := fn.(type) {
	case func(string):
		switch event {
		case "disconnect":
			s.OnDisconnect(f)
			return nil
		case "disconnecting":
			s.OnDisconnecting(f)
			return nil
		}
	case func(error):
		if event == "error" {
			s.OnError(f)
			return nil
		}
	}
	if isReserved(event) || event == "error" {
		return fmt.Errorf("%w: %q takes func(string) (func(error) for \"error\")", ErrReservedEvent, event)
	}
	h, err := newHandler(fn)
	if err != nil {
		return fmt.Errorf("socketio: On(%q): %w", event, err)
	}
	s.mu.Lock()
	s.handlers = append(s.handlers, eventHandler{event, h})
	s.mu.Unlock()
	return nil
}

// Off removes every handler of an event.
func (s *Socket) Off(event string) {
	s.mu.Lock()
	// A new slice: an event being dispatched still runs the old one,
	// unlocked, as it was when the event arrived.
	s.handlers = slices.DeleteFunc(slices.Clone(s.handlers), func(h eventHandler) bool { return h.event == event })
	s.mu.Unlock()
}

type anyListener struct {
	fn func(event string, args *Args)
}
type anyOutListener struct {
	fn func(event string, args []any)
}

// OnAny registers a handler called for every incoming event, before the
// event's own handlers.
func (s *Socket) OnAny(fn func(event string, args *Args)) {
	s.mu.Lock()
	l := s.listenersLocked()
	l.anyIn = append(l.anyIn, &anyListener{fn})
	s.mu.Unlock()
}

// PrependAny registers a catch-all handler that runs before the others.
func (s *Socket) PrependAny(fn func(event string, args *Args)) {
	s.mu.Lock()
	l := s.listenersLocked()
	l.anyIn = append([]*anyListener{{fn}}, l.anyIn...)
	s.mu.Unlock()
}

// OffAny removes every catch-all handler.
func (s *Socket) OffAny() {
	s.mu.Lock()
	if s.lst != nil {
		s.lst.anyIn = nil
	}
	s.mu.Unlock()
}

// OnAnyOutgoing registers a handler called for every event the server
// sends to this socket.
func (s *Socket) OnAnyOutgoing(fn func(event string, args []any)) {
	s.mu.Lock()
	l := s.listenersLocked()
	l.anyOut = append(l.anyOut, &anyOutListener{fn})
	s.mu.Unlock()
}

// Use adds a middleware run for every incoming event; an error stops the
// event and goes to the OnError handlers.
func (s *Socket) Use(fn func(event string, args *Args) error) {
	s.mu.Lock()
	l := s.listenersLocked()
	l.middleware = append(l.middleware, fn)
	s.mu.Unlock()
}

// OnDisconnecting registers a handler called when the socket is about to
// disconnect, while it is still in its rooms.
func (s *Socket) OnDisconnecting(fn func(reason string)) {
	s.mu.Lock()
	l := s.listenersLocked()
	l.onDiscing = append(l.onDiscing, fn)
	s.mu.Unlock()
}

// OnDisconnect registers a handler called once the socket has disconnected,
// with one of the Reason constants.
func (s *Socket) OnDisconnect(fn func(reason string)) {
	s.mu.Lock()
	l := s.listenersLocked()
	l.onDisc = append(l.onDisc, fn)
	s.mu.Unlock()
}

// OnError registers a handler for errors: arguments that do not decode,
// middleware refusals, handler panics.
func (s *Socket) OnError(fn func(error)) {
	s.mu.Lock()
	l := s.listenersLocked()
	l.onErr = append(l.onErr, fn)
	s.mu.Unlock()
}

// Emit sends an event to this socket.
func (s *Socket) Emit(event string, args ...any) error {
	return s.emit(event, args, nil, BroadcastFlags{})
}

// EmitWithAck sends an event and waits for the client's ack until ctx ends
// (ErrTimeout when its deadline passes).
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) (*Args, error) {
	return s.emitWithAck(ctx, event, args, BroadcastFlags{})
}

// Timeout returns an emitter whose EmitWithAck gives up after d.
func (s *Socket) Timeout(d time.Duration) *Emitter { return &Emitter{s: s, timeout: d} }

// Volatile returns an emitter whose events may be dropped when the client
// cannot take them now.
func (s *Socket) Volatile() *Emitter { return &Emitter{s: s, flags: BroadcastFlags{Volatile: true}} }

// Compress returns an emitter with compression on or off.
func (s *Socket) Compress(on bool) *Emitter {
	return &Emitter{s: s, flags: BroadcastFlags{NoCompress: !on}}
}

// Emitter sends events to one socket with modifiers.
type Emitter struct {
	s       *Socket
	timeout time.Duration
	flags   BroadcastFlags
}

// Timeout sets how long EmitWithAck waits.
func (e *Emitter) Timeout(d time.Duration) *Emitter { c := *e; c.timeout = d; return &c }

// Volatile lets the event be dropped when the client cannot take it now.
func (e *Emitter) Volatile() *Emitter { c := *e; c.flags.Volatile = true; return &c }

// Emit sends an event.
func (e *Emitter) Emit(event string, args ...any) error {
	return e.s.emit(event, args, nil, e.flags)
}

// EmitWithAck sends an event and waits for its ack.
func (e *Emitter) EmitWithAck(ctx context.Context, event string, args ...any) (*Args, error) {
	if e.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.timeout)
		defer cancel()
	}
	return e.s.emitWithAck(ctx, event, args, e.flags)
}

// emitWithAck sends an event and waits for its ack. A wait that ends first
// forgets the ack, as Node does on timeout: a client that never answers
// must not make the socket hold one callback per event for good.
func (s *Socket) emitWithAck(ctx context.Context, event string, args []any, flags BroadcastFlags) (*Args, error) {
	ch := make(chan *Args, 1)
	id, err := s.emitAck(event, args, func(a *Args) { ch <- a }, flags)
	if err != nil {
		return nil, err
	}
	a, err := s.waitAck(ctx, ch)
	if err != nil {
		s.mu.Lock()
		delete(s.acks, id)
		s.mu.Unlock()
	}
	return a, err
}

func (s *Socket) waitAck(ctx context.Context, ch chan *Args) (*Args, error) {
	s.client.park()
	defer s.client.unpark()
	select {
	case a := <-ch:
		if a == nil {
			return nil, ErrDisconnected
		}
		return a, nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			s.nsp.srv.ackTimeout(s.nsp.name)
			return nil, fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
		}
		return nil, ctx.Err()
	}
}

func (s *Socket) emit(event string, args []any, ack func(*Args), flags BroadcastFlags) error {
	_, err := s.emitAck(event, args, ack, flags)
	return err
}

// emitAck sends an event; with ack, it returns the ack id ack waits on.
func (s *Socket) emitAck(event string, args []any, ack func(*Args), flags BroadcastFlags) (uint64, error) {
	if isReserved(event) {
		return 0, fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	data, atts, err := eventData(&s.nsp.srv.codec, event, args)
	if err != nil {
		return 0, err
	}
	p := &Packet{Type: PacketEvent, Namespace: s.nsp.name, Data: data, Attachments: atts}
	s.mu.Lock()
	if !s.connected {
		s.mu.Unlock()
		return 0, ErrDisconnected
	}
	if ack != nil {
		p.ID, p.HasID = s.nsp.nextAckID(), true
		if s.acks == nil {
			s.acks = make(map[uint64]func(*Args))
		}
		s.acks[p.ID] = ack
	}
	var out []*anyOutListener
	if s.lst != nil {
		out = s.lst.anyOut
	}
	s.mu.Unlock()
	for _, l := range out {
		l.fn(event, args)
	}
	if s.nsp.srv.opts.ConnectionStateRecovery != nil {
		// Through the adapter, so the packet gets an offset and is kept
		// for a recovery.
		s.nsp.adapter.Broadcast(p, &BroadcastOptions{Rooms: []Room{s.id}, Flags: flags})
	} else {
		s.client.writeMessages(s.nsp.srv.encodeFor(p, flags), flags.Volatile)
		s.nsp.srv.eventOut(s.nsp.name, p, 1)
	}
	if ack != nil {
		s.client.release() // a connection handler may wait for this ack
	}
	return p.ID, nil
}

// Disconnect ends the socket's connection to its namespace and tells the
// client; with close, it ends the whole underlying connection.
func (s *Socket) Disconnect(close bool) {
	if !s.Connected() {
		return
	}
	if close {
		for _, o := range s.client.socketList() {
			o.Disconnect(false)
		}
		s.client.close(ReasonForcedServerClose)
		return
	}
	s.client.writePacket(&Packet{Type: PacketDisconnect, Namespace: s.nsp.name}, false)
	s.onClose(ReasonServerNamespaceDisconnect)
}

// onPacket handles a packet for this socket, on the client's worker.
func (s *Socket) onPacket(p *Packet) {
	switch p.Type {
	case PacketEvent, PacketBinaryEvent:
		s.onEvent(p)
	case PacketDisconnect:
		if s.Connected() {
			s.onClose(ReasonClientNamespaceDisconnect)
		}
	}
}

func (s *Socket) onEvent(p *Packet) {
	s.mu.Lock()
	if !s.connected || !s.announced { // as Connected
		s.mu.Unlock()
		return
	}
	hs := s.handlers
	var anyIn []*anyListener
	var mws []func(event string, args *Args) error
	if l := s.lst; l != nil {
		anyIn, mws = l.anyIn, l.middleware
	}
	s.mu.Unlock()
	if fn := s.nsp.srv.hooks.EventIn; fn != nil {
		fn(s.nsp.name, eventSize(p))
	}
	args := &Args{raw: p.args, attachments: p.Attachments, codec: &s.nsp.srv.codec}
	var ack AckFunc
	if p.HasID {
		ack = s.ackFunc(p.ID)
		args.ack = ack
	}
	defer func() {
		if r := recover(); r != nil {
			s.reportError(fmt.Errorf("socketio: handler for %q panicked: %v", p.event, r))
		}
	}()
	for _, l := range anyIn {
		l.fn(p.event, args)
	}
	for _, mw := range mws {
		if err := mw(p.event, args); err != nil {
			s.reportError(err)
			return
		}
	}
	for i := range hs {
		h := &hs[i]
		if h.event != p.event {
			continue
		}
		if err := h.call(args, ack); err != nil {
			s.reportError(fmt.Errorf("socketio: event %q: %w", p.event, err))
		}
	}
}

// ackFunc returns the function that answers the client's ack id; it sends
// an ACK (a BINARY_ACK when the arguments hold binary) once.
func (s *Socket) ackFunc(id uint64) AckFunc {
	var sent atomic.Bool
	return func(args ...any) error {
		if sent.Swap(true) {
			return nil
		}
		return s.sendAck(id, args)
	}
}

// sendAck sends the ACK of id with args. Without binary, the common case,
// the packet is written straight into the buffer the message keeps.
func (s *Socket) sendAck(id uint64, args []any) error {
	p := Packet{Type: PacketAck, Namespace: s.nsp.name, ID: id, HasID: true}
	buf := appendPacket(make([]byte, 0, 24+len(p.Namespace)+sizeHint(args)), &p)
	start := len(buf)
	buf, atts, err := appendAckData(&s.nsp.srv.codec, buf, args)
	if err != nil {
		return err
	}
	if len(atts) > 0 || s.nsp.srv.opts.Parser != DefaultParser {
		// A BINARY_ACK, whose header counts the attachments, or a parser
		// of its own.
		p.Data, p.Attachments = buf[start:], atts
		s.client.writePacket(&p, false)
		return nil
	}
	s.client.writeMessages([]*engineio.Message{engineio.NewMessage(buf, false)}, false)
	return nil
}

func (s *Socket) onAck(p *Packet) {
	s.mu.Lock()
	fn := s.acks[p.ID]
	delete(s.acks, p.ID)
	s.mu.Unlock()
	if fn != nil {
		fn(&Args{raw: p.args, attachments: p.Attachments, codec: &s.nsp.srv.codec})
	}
}

// failAcks ends every pending EmitWithAck of this socket.
func (s *Socket) failAcks() {
	s.mu.Lock()
	acks := s.acks
	s.acks = nil
	s.mu.Unlock()
	for _, fn := range acks {
		fn(nil)
	}
}

func (s *Socket) reportError(err error) {
	s.mu.Lock()
	var hs []func(error)
	if s.lst != nil {
		hs = s.lst.onErr
	}
	s.mu.Unlock()
	for _, h := range hs {
		h(err)
	}
}

// onClose disconnects the socket from its namespace for reason.
func (s *Socket) onClose(reason string) {
	s.mu.Lock()
	if !s.connected {
		s.mu.Unlock()
		return
	}
	var discing []func(reason string)
	if s.lst != nil {
		discing = s.lst.onDiscing
	}
	s.mu.Unlock()
	for _, fn := range discing {
		fn(reason)
	}
	if s.nsp.srv.opts.ConnectionStateRecovery != nil && recoverableReasons[reason] {
		s.nsp.adapter.PersistSession(&SessionToPersist{SID: s.id, PID: s.pid, Rooms: s.Rooms(), Data: s.Data()})
	}
	s.nsp.adapter.DelAll(s.id)
	s.nsp.remove(s)
	s.client.detach(s)
	s.mu.Lock()
	s.connected = false
	var disc []func(reason string)
	if s.lst != nil {
		disc = s.lst.onDisc
	}
	s.mu.Unlock()
	s.end()
	s.failAcks()
	if fn := s.nsp.srv.hooks.Disconnected; fn != nil {
		fn(s.nsp.name, reason)
	}
	for _, fn := range disc {
		fn(reason)
	}
}

// end marks the socket as gone for good and cancels its context.
func (s *Socket) end() {
	s.mu.Lock()
	s.closed = true
	cancel := s.cancel
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// connectPayload is the CONNECT reply: the socket id, and the private
// session id when recovery is on (absent otherwise, never null).
func (s *Socket) connectPayload() json.RawMessage {
	b := make([]byte, 0, 64)
	b = append(b, `{"sid":"`...)
	b = append(b, s.id...)
	if s.pid != "" {
		b = append(b, `","pid":"`...)
		b = append(b, s.pid...)
	}
	return append(b, `"}`...)
}
