package redisadapter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/siogo/siogo/socketio"
)

// request is a cluster request waiting for one response per server.
// Its fields are guarded by the adapter's mu.
type request struct {
	typ      int
	expected int // responses that complete it
	count    int // responses so far (FetchSockets and AllRooms count this server)
	sockets  []*socketio.RemoteSocket
	rooms    map[string]struct{}
	answers  []*socketio.Args
	done     chan struct{} // closed once count reaches expected
	finished bool
}

func newRequest(typ, expected int) *request {
	return &request{typ: typ, expected: expected, done: make(chan struct{})}
}

// receive counts one response and completes r on the last. mu held.
func (r *request) receive() {
	r.count++
	if r.count >= r.expected && !r.finished {
		r.finished = true
		close(r.done)
	}
}

// Node's texts for requests that time out.
const (
	fetchTimeoutText    = "timeout reached while waiting for fetchSockets response"
	allRoomsTimeoutText = "timeout reached while waiting for allRooms response"
)

// requestContext bounds ctx by the RequestsTimeout.
func (a *Adapter) requestContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, a.node.opts.RequestsTimeout)
}

// serverCount is NUMSUB for a request: while Redis is away it tries again
// until ctx ends, then fails as a timeout, as Node's adapter does when its
// commands wait in the client's offline queue.
func (a *Adapter) serverCount(ctx context.Context, timeoutText string) (int, error) {
	n, err := retryCount(ctx, a.closing, timeoutText, func(ctx context.Context) (int, error) {
		return a.node.numSub(ctx, a.ch.request)
	})
	a.node.reportError(OpRequest, err)
	return n, err
}

// retryCount calls count until it succeeds, backing off while Redis is
// away, until ctx ends (a timeout error with timeoutText) or closing closes.
func retryCount(ctx context.Context, closing <-chan struct{}, timeoutText string, count func(context.Context) (int, error)) (int, error) {
	delay := minBackoff
	var t *time.Timer
	for {
		n, err := count(ctx)
		if err == nil {
			if t != nil {
				t.Stop()
			}
			return n, nil
		}
		if t == nil {
			t = time.NewTimer(delay)
		} else {
			t.Reset(delay)
		}
		select {
		case <-ctx.Done():
			t.Stop()
			return 0, expired(ctx, timeoutText, err)
		case <-closing:
			t.Stop()
			return 0, ErrClosed
		case <-t.C:
		}
		delay = min(2*delay, 500*time.Millisecond)
	}
}

// roundTrip registers r, publishes the request msg(id) and waits until r
// is complete, ctx ends or the adapter closes.
func (a *Adapter) roundTrip(ctx context.Context, r *request, timeoutText string, msg func(id string) []byte) error {
	err := a.doRoundTrip(ctx, r, timeoutText, msg)
	a.node.reportError(OpRequest, err)
	return err
}

func (a *Adapter) doRoundTrip(ctx context.Context, r *request, timeoutText string, msg func(id string) []byte) error {
	id := newUID()
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return ErrClosed
	}
	a.requests[id] = r
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		delete(a.requests, id)
		a.mu.Unlock()
	}()

	a.node.pub.publish(a.ch.request, msg(id))
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return expired(ctx, timeoutText, nil)
	case <-a.closing:
		return ErrClosed
	}
}

// expired is the error of a request whose ctx ended: ErrTimeout with
// Node's text for a deadline, the context's error for a cancellation.
// cause is the last Redis error, if Redis could not be reached.
func expired(ctx context.Context, text string, cause error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return fmt.Errorf("redisadapter: request canceled: %w", ctx.Err())
	}
	if cause != nil {
		return fmt.Errorf("%w: %s (redis: %w)", ErrTimeout, text, cause)
	}
	return fmt.Errorf("%w: %s", ErrTimeout, text)
}

func wrapRedis(op string, err error) error {
	return fmt.Errorf("redisadapter: %s: %w", op, err)
}

// FetchSockets returns the selected sockets of every server: the local
// ones as they are, the remote ones as their servers describe them (their
// Data is the json.RawMessage received). It waits for every server's
// answer, at most RequestsTimeout (and ctx).
func (a *Adapter) FetchSockets(ctx context.Context, opts *socketio.BroadcastOptions) ([]*socketio.RemoteSocket, error) {
	local, err := a.local.FetchSockets(ctx, opts)
	if err != nil || opts.Flags.Local {
		return local, err
	}
	ctx, cancel := a.requestContext(ctx)
	defer cancel()
	numSub, err := a.serverCount(ctx, fetchTimeoutText)
	if err != nil {
		return nil, err
	}
	if numSub <= 1 {
		return local, nil
	}
	r := newRequest(typeRemoteFetch, numSub)
	r.count = 1 // this server
	r.sockets = local
	err = a.roundTrip(ctx, r, fetchTimeoutText, func(id string) []byte {
		return marshal(fetchRequest{UID: a.uid, RequestID: id, Type: typeRemoteFetch, Opts: optsOf(opts)})
	})
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return r.sockets, nil
}

// AllRooms returns every room of the namespace that has a socket on some
// server of the cluster.
func (a *Adapter) AllRooms(ctx context.Context) ([]socketio.Room, error) {
	local := a.local.Rooms()
	ctx, cancel := a.requestContext(ctx)
	defer cancel()
	numSub, err := a.serverCount(ctx, allRoomsTimeoutText)
	if err != nil {
		return nil, err
	}
	if numSub <= 1 {
		return local, nil
	}
	r := newRequest(typeAllRooms, numSub)
	r.count = 1
	r.rooms = make(map[string]struct{}, len(local))
	for _, room := range local {
		r.rooms[room] = struct{}{}
	}
	err = a.roundTrip(ctx, r, allRoomsTimeoutText, func(id string) []byte {
		return marshal(allRoomsRequest{UID: a.uid, RequestID: id, Type: typeAllRooms})
	})
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]socketio.Room, 0, len(r.rooms))
	for room := range r.rooms {
		out = append(out, room)
	}
	return out, nil
}

// ServerSideEmit sends an event to the namespace on the other servers.
// With ack, it waits for an answer from each of them, at most
// RequestsTimeout (and ctx), and calls ack with each answer before it
// returns; on timeout it returns ErrTimeout with Node's text after acking
// the answers that came.
func (a *Adapter) ServerSideEmit(ctx context.Context, event string, args []any, ack func(*socketio.Args)) error {
	data, err := jsonArray(append([]any{event}, args...)...)
	if err != nil {
		return fmt.Errorf("redisadapter: encoding %q: %w", event, err)
	}
	if ack == nil {
		a.node.pub.publish(a.ch.request, marshal(sseRequest{UID: a.uid, Type: typeServerSideEmit, Data: data}))
		return nil
	}
	ctx, cancel := a.requestContext(ctx)
	defer cancel()
	numSub, err := a.serverCount(ctx, "timeout reached while waiting for the server count")
	if err != nil {
		return err
	}
	expected := numSub - 1
	if expected <= 0 {
		return nil
	}
	r := newRequest(typeServerSideEmit, expected)
	err = a.roundTrip(ctx, r, "", func(id string) []byte {
		return marshal(sseRequest{UID: a.uid, RequestID: id, Type: typeServerSideEmit, Data: data})
	})
	a.mu.Lock()
	answers := r.answers
	a.mu.Unlock()
	for _, ans := range answers {
		ack(ans)
	}
	if errors.Is(err, ErrTimeout) {
		return fmt.Errorf("%w: timeout reached: only %d responses received out of %d", ErrTimeout, len(answers), expected)
	}
	return err
}

// remoteSockets decodes the sockets of a fetchSockets response.
func (a *Adapter) remoteSockets(raw json.RawMessage) []*socketio.RemoteSocket {
	var in []inSocket
	if json.Unmarshal(raw, &in) != nil {
		return nil
	}
	out := make([]*socketio.RemoteSocket, 0, len(in))
	for _, s := range in {
		var data any
		if len(s.Data) > 0 && string(s.Data) != "null" {
			data = s.Data
		}
		out = append(out, socketio.NewRemoteSocket(a.nsp, s.ID, s.Handshake, roomList(s.Rooms), data))
	}
	return out
}
