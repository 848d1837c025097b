package redisadapter

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/siogo/siogo/internal/binjson"
	"github.com/siogo/siogo/internal/notepack"
	"github.com/siogo/siogo/socketio"
)

// emitterUID is the uid @socket.io/redis-emitter puts in its messages.
const emitterUID = "emitter"

// emitterReserved are the event names Emit and ServerSideEmit refuse, as
// socket.io reserves them.
var emitterReserved = map[string]bool{
	"connect": true, "connect_error": true, "disconnect": true,
	"disconnecting": true, "newListener": true, "removeListener": true,
}

// EmitterOptions configures an Emitter. The zero value gives Node's
// defaults.
type EmitterOptions struct {
	// Key is the prefix of every channel name; it must be the servers'
	// Options.Key. Default "socket.io".
	Key string
}

// Emitter sends events and commands to the sockets of a cluster of
// servers that use the classic redis adapter (siogo's redisadapter or
// Node's @socket.io/redis-adapter), from a process that is not one of the
// servers. It publishes exactly what @socket.io/redis-emitter 5.1 publishes:
// broadcasts as msgpack ["emitter", packet, {rooms, flags, except}] and
// the other operations as JSON requests. Like the Node emitter it never
// subscribes, so it receives nothing: no acks, and servers do not count it.
//
//	em := redisadapter.NewEmitter(rdb, redisadapter.EmitterOptions{})
//	err := em.To("news").Emit(ctx, "headline", "hello")
//
// An Emitter targets one namespace ("/" for NewEmitter, see Of). It and the
// EmitterOperator values its methods return are immutable and safe for
// concurrent use. Each operation is one PUBLISH, done with ctx; its error
// wraps the Redis client's.
type Emitter struct {
	client redis.UniversalClient
	key    string
	nsp    string
	ch     channels
}

// NewEmitter returns an emitter for the namespace "/" that publishes with
// client, which stays the caller's to close.
func NewEmitter(client redis.UniversalClient, opts EmitterOptions) *Emitter {
	if opts.Key == "" {
		opts.Key = "socket.io"
	}
	return newEmitter(client, opts.Key, "/")
}

func newEmitter(client redis.UniversalClient, key, nsp string) *Emitter {
	return &Emitter{client: client, key: key, nsp: nsp, ch: newChannels(key, nsp, emitterUID)}
}

// Of returns an emitter for namespace nsp; as in Node, a missing leading
// "/" is added ("chat" is "/chat", "" is "/").
func (e *Emitter) Of(nsp string) *Emitter {
	if !strings.HasPrefix(nsp, "/") {
		nsp = "/" + nsp
	}
	return newEmitter(e.client, e.key, nsp)
}

// Namespace returns the emitter's namespace.
func (e *Emitter) Namespace() string { return e.nsp }

func (e *Emitter) operator() *EmitterOperator { return &EmitterOperator{e: e} }

// To selects the sockets in any of rooms.
func (e *Emitter) To(rooms ...string) *EmitterOperator { return e.operator().To(rooms...) }

// In is To.
func (e *Emitter) In(rooms ...string) *EmitterOperator { return e.operator().To(rooms...) }

// Except leaves out the sockets in any of rooms.
func (e *Emitter) Except(rooms ...string) *EmitterOperator { return e.operator().Except(rooms...) }

// Volatile marks the event as one the servers may drop for a client that
// is not ready to receive it.
func (e *Emitter) Volatile() *EmitterOperator { return e.operator().Volatile() }

// Compress sets the compress flag of the event.
func (e *Emitter) Compress(compress bool) *EmitterOperator { return e.operator().Compress(compress) }

// Emit sends an event to every socket of the namespace. See
// EmitterOperator.Emit.
func (e *Emitter) Emit(ctx context.Context, event string, args ...any) error {
	return e.operator().Emit(ctx, event, args...)
}

// SocketsJoin makes every socket of the namespace join rooms.
func (e *Emitter) SocketsJoin(ctx context.Context, rooms ...string) error {
	return e.operator().SocketsJoin(ctx, rooms...)
}

// SocketsLeave makes every socket of the namespace leave rooms.
func (e *Emitter) SocketsLeave(ctx context.Context, rooms ...string) error {
	return e.operator().SocketsLeave(ctx, rooms...)
}

// DisconnectSockets disconnects every socket of the namespace; with close,
// their underlying connections are closed too.
func (e *Emitter) DisconnectSockets(ctx context.Context, close bool) error {
	return e.operator().DisconnectSockets(ctx, close)
}

// ServerSideEmit sends an event to the namespace on every server, where
// the handlers registered with OnServerSideEmit (Node: io.on) get it. As
// with the Node emitter, there are no acknowledgements. Unlike it, reserved
// event names are refused, as Node servers refuse them. Binary values
// travel in Node's JSON Buffer form {"type":"Buffer","data":[...]}, as they
// do between servers.
func (e *Emitter) ServerSideEmit(ctx context.Context, event string, args ...any) error {
	if emitterReserved[event] {
		return fmt.Errorf("redisadapter: emitter: %w: %q", socketio.ErrReservedEvent, event)
	}
	data, err := jsonArray(append([]any{event}, args...)...)
	if err != nil {
		return fmt.Errorf("redisadapter: emitter: encoding %q: %w", event, err)
	}
	return e.publish(ctx, e.ch.request, marshal(sseRequest{UID: emitterUID, Type: typeServerSideEmit, Data: data}))
}

func (e *Emitter) publish(ctx context.Context, channel string, msg []byte) error {
	if err := e.client.Publish(ctx, channel, msg).Err(); err != nil {
		return fmt.Errorf("redisadapter: emitter: publishing to %q: %w", channel, err)
	}
	return nil
}

// EmitterOperator is an Emitter with a selection of sockets (To, Except)
// and flags (Volatile, Compress). Each method returns a new operator,
// leaving the receiver unchanged.
type EmitterOperator struct {
	e      *Emitter
	rooms  []string // a set in insertion order, as Node's Set
	except []string
	flags  []emitterFlag // in the order Object.assign gives them
}

type emitterFlag struct {
	name  string
	value bool
}

func (o *EmitterOperator) clone() *EmitterOperator {
	c := *o
	return &c
}

// addSet appends the rooms of add that set lacks to a copy of set.
func addSet(set, add []string) []string {
	out := slices.Clip(set)
	for _, r := range add {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// To adds rooms to the selection: the sockets in any of them.
func (o *EmitterOperator) To(rooms ...string) *EmitterOperator {
	c := o.clone()
	c.rooms = addSet(o.rooms, rooms)
	return c
}

// In is To.
func (o *EmitterOperator) In(rooms ...string) *EmitterOperator { return o.To(rooms...) }

// Except leaves out the sockets in any of rooms.
func (o *EmitterOperator) Except(rooms ...string) *EmitterOperator {
	c := o.clone()
	c.except = addSet(o.except, rooms)
	return c
}

// Volatile marks the event as one the servers may drop for a client that
// is not ready to receive it.
func (o *EmitterOperator) Volatile() *EmitterOperator { return o.withFlag("volatile", true) }

// Compress sets the compress flag of the event.
func (o *EmitterOperator) Compress(compress bool) *EmitterOperator {
	return o.withFlag("compress", compress)
}

// withFlag sets a flag as Object.assign({}, flags, {name: value}) does: an
// existing key keeps its place.
func (o *EmitterOperator) withFlag(name string, value bool) *EmitterOperator {
	c := o.clone()
	c.flags = slices.Clone(o.flags)
	for i := range c.flags {
		if c.flags[i].name == name {
			c.flags[i].value = value
			return c
		}
	}
	c.flags = append(c.flags, emitterFlag{name, value})
	return c
}

// Emit sends an event to the selected sockets. Arguments are encoded as
// socketio encodes them for clients, []byte values becoming msgpack bin
// (binary attachments for the clients); Go maps are written with their keys
// sorted, as encoding/json does. A reserved event name (connect,
// connect_error, disconnect, disconnecting, newListener, removeListener)
// is refused with an error wrapping socketio.ErrReservedEvent.
func (o *EmitterOperator) Emit(ctx context.Context, event string, args ...any) error {
	if emitterReserved[event] {
		return fmt.Errorf("redisadapter: emitter: %w: %q", socketio.ErrReservedEvent, event)
	}
	msg, err := o.encodeBroadcast(event, args)
	if err != nil {
		return fmt.Errorf("redisadapter: emitter: encoding %q: %w", event, err)
	}
	return o.e.publish(ctx, o.e.ch.publishChannel(o.rooms), msg)
}

// encodeBroadcast returns the msgpack ["emitter", {type:2, data, nsp},
// {rooms, flags, except}], the Node emitter's key order.
func (o *EmitterOperator) encodeBroadcast(event string, args []any) ([]byte, error) {
	var atts [][]byte
	data, err := binjson.AppendArray(nil, &atts, append([]any{event}, args...)...)
	if err != nil {
		return nil, err
	}
	p := &socketio.Packet{Data: data, Attachments: atts}
	b := make([]byte, 0, encodedSize(p))
	b = notepack.AppendArrayHeader(b, 3)
	b = notepack.AppendString(b, emitterUID)
	if b, err = appendPacketMsgpack(b, p, o.e.nsp); err != nil {
		return nil, err
	}
	b = notepack.AppendMapHeader(b, 3)
	b = notepack.AppendString(b, "rooms")
	b = appendStringsMsgpack(b, o.rooms)
	b = notepack.AppendString(b, "flags")
	b = notepack.AppendMapHeader(b, len(o.flags))
	for _, f := range o.flags {
		b = notepack.AppendBool(notepack.AppendString(b, f.name), f.value)
	}
	b = notepack.AppendString(b, "except")
	return appendStringsMsgpack(b, o.except), nil
}

// emitterRoomsRequest is the emitter's REMOTE_JOIN and REMOTE_LEAVE: no
// uid, no request id.
type emitterRoomsRequest struct {
	Type  int      `json:"type"`
	Opts  wireOpts `json:"opts"`
	Rooms []string `json:"rooms"`
}

// emitterDisconnectRequest is the emitter's REMOTE_DISCONNECT.
type emitterDisconnectRequest struct {
	Type  int      `json:"type"`
	Opts  wireOpts `json:"opts"`
	Close bool     `json:"close"`
}

func (o *EmitterOperator) wireOpts() wireOpts {
	return optsOf(&socketio.BroadcastOptions{Rooms: o.rooms, Except: o.except})
}

// SocketsJoin makes the selected sockets join rooms. Flags do not apply.
func (o *EmitterOperator) SocketsJoin(ctx context.Context, rooms ...string) error {
	return o.e.publish(ctx, o.e.ch.request, marshal(emitterRoomsRequest{
		Type: typeRemoteJoin, Opts: o.wireOpts(), Rooms: nonNil(rooms)}))
}

// SocketsLeave makes the selected sockets leave rooms. Flags do not apply.
func (o *EmitterOperator) SocketsLeave(ctx context.Context, rooms ...string) error {
	return o.e.publish(ctx, o.e.ch.request, marshal(emitterRoomsRequest{
		Type: typeRemoteLeave, Opts: o.wireOpts(), Rooms: nonNil(rooms)}))
}

// DisconnectSockets disconnects the selected sockets; with close, their
// underlying connections are closed too. Flags do not apply.
func (o *EmitterOperator) DisconnectSockets(ctx context.Context, close bool) error {
	return o.e.publish(ctx, o.e.ch.request, marshal(emitterDisconnectRequest{
		Type: typeRemoteDisconnect, Opts: o.wireOpts(), Close: close}))
}
