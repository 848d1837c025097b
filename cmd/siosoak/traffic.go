package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// traffic describes what every simulated user does: connect, join its
// rooms, then, after a random pause (exponential, mean Think), one action
// among chat messages with acks, typing notices, joining or leaving the
// second room, and reconnecting.
type traffic struct {
	Base        string        // server URL, "http://host:port"
	Clients     int           // simulated users
	Polling     float64       // share of connections over long-polling, the rest WebSocket
	Think       time.Duration // mean pause between a user's actions
	Ramp        time.Duration // how long the first connections are spread over
	AckTimeout  time.Duration // an ack later than this is a failure
	Reconnect   float64       // share of actions that are a reconnect
	Typing      float64       // share of actions that are a typing notice
	RoomChange  float64       // share of actions that join or leave the second room
	MessageSize int           // characters of a chat message
}

// counters are the soak's totals, read by the sampler while users run.
type counters struct {
	start       time.Time    // when the first user started, for the notes
	connected   atomic.Int64 // connections open now
	connects    atomic.Int64 // successful connects, first ones and reconnects
	reconnects  atomic.Int64
	connectFail atomic.Int64
	emits       atomic.Int64 // events sent
	acksOK      atomic.Int64 // acks received with ok:true
	acksFailed  atomic.Int64 // acks missing after AckTimeout, refused, or lost to a drop the server caused
	received    atomic.Int64 // events received
	dropped     atomic.Int64 // connections the server ended although we did not ask
	errMu       sync.Mutex
	firstErrors []string
}

// note records a failure, keeping the first few texts for the report.
func (c *counters) note(format string, args ...any) {
	c.errMu.Lock()
	defer c.errMu.Unlock()
	if len(c.firstErrors) < 20 {
		c.firstErrors = append(c.firstErrors, fmt.Sprintf("%v: ", time.Since(c.start).Round(time.Second))+fmt.Sprintf(format, args...))
	}
}

// user is one simulated person: a name, a token, rooms, a connection at a
// time.
type user struct {
	t     *traffic
	n     int
	d     *dialer
	cnt   *counters
	rng   *rand.Rand
	token string
	// home is the room the user is always in; other ("lobby" or
	// "random", whichever home is not) the one joined and left. The
	// membership starts as it stays on average (in it half of the time),
	// so that the load does not drift during the run.
	home, other string
	inOther     bool
	msgs        int
}

// run drives all users until ctx is done, then disconnects them all and
// returns once every one has.
func (t *traffic) run(ctx context.Context, cnt *counters) {
	d := newDialer(t.Clients)
	defer d.close()
	var wg sync.WaitGroup
	for i := range t.Clients {
		u := &user{t: t, n: i, d: d, cnt: cnt, rng: rand.New(rand.NewPCG(uint64(i), 7)), home: "lobby", other: "random"}
		if i%2 == 1 {
			u.home, u.other = u.other, u.home
		}
		u.inOther = u.rng.IntN(2) == 0
		start := time.Duration(0)
		if t.Clients > 1 {
			start = t.Ramp * time.Duration(i) / time.Duration(t.Clients)
		}
		wg.Go(func() { u.live(ctx, start) })
	}
	wg.Wait()
}

func (u *user) live(ctx context.Context, start time.Duration) {
	if !sleep(ctx, start) {
		return
	}
	name := fmt.Sprintf("soak-%d", u.n)
	for u.token == "" {
		tok, err := fetchToken(ctx, u.d.hc, u.t.Base, name)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			u.cnt.connectFail.Add(1)
			u.cnt.note("token for %s: %v", name, err)
			if !sleep(ctx, time.Second) {
				return
			}
			continue
		}
		u.token = tok
	}
	for first := true; ctx.Err() == nil; first = false {
		c := u.connect(ctx)
		if c == nil {
			return
		}
		if !first {
			u.cnt.reconnects.Add(1)
		}
		u.session(ctx, c)
	}
}

// connect dials until it succeeds or ctx is done; nil then.
func (u *user) connect(ctx context.Context) *conn {
	transport := "websocket"
	if u.rng.Float64() < u.t.Polling {
		transport = "polling"
	}
	for backoff := 500 * time.Millisecond; ; backoff = min(2*backoff, 10*time.Second) {
		dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		c, err := dial(dctx, u.d, u.t.Base, transport, u.token, u.onEvent)
		cancel()
		if err == nil {
			u.cnt.connects.Add(1)
			u.cnt.connected.Add(1)
			return c
		}
		if ctx.Err() != nil {
			return nil
		}
		u.cnt.connectFail.Add(1)
		u.cnt.note("connect %s: %v", transport, err)
		// The client's reconnection backoff, with jitter.
		if !sleep(ctx, backoff/2+time.Duration(u.rng.Int64N(int64(backoff)))) {
			return nil
		}
	}
}

func (u *user) onEvent(event, payload string) {
	u.cnt.received.Add(1)
}

// session runs actions on one connection until a reconnect, a drop or the
// end; the connection is closed when it returns.
func (u *user) session(ctx context.Context, c *conn) {
	graceful := true
	defer func() {
		c.close(graceful || ctx.Err() != nil)
		u.cnt.connected.Add(-1)
	}()
	// The rooms of the last connection, as the demo page restores them.
	for _, r := range u.joined() {
		if !u.join(ctx, c, r) {
			return
		}
	}
	for {
		if !sleep(ctx, time.Duration(u.rng.ExpFloat64()*float64(u.t.Think))) {
			return
		}
		select {
		case <-c.done:
			u.cnt.dropped.Add(1)
			u.cnt.note("%s dropped: %v", c.transportName(), c.stopped())
			return
		default:
		}
		switch r := u.rng.Float64(); {
		case r < u.t.Reconnect:
			// Half the time as a user closing the tab, half as a lost network.
			graceful = u.rng.IntN(2) == 0
			return
		case r < u.t.Reconnect+u.t.Typing:
			u.cnt.emits.Add(1)
			c.emit("typing", map[string]any{"room": u.someRoom(), "typing": u.rng.IntN(2) == 0})
		case r < u.t.Reconnect+u.t.Typing+u.t.RoomChange:
			if u.inOther {
				u.inOther = !u.leave(ctx, c, u.other)
			} else {
				u.inOther = u.join(ctx, c, u.other)
			}
		default:
			u.message(ctx, c)
		}
	}
}

// joined lists the rooms the user is in.
func (u *user) joined() []string {
	if u.inOther {
		return []string{u.home, u.other}
	}
	return []string{u.home}
}

// someRoom picks one of the user's rooms to talk in.
func (u *user) someRoom() string {
	rooms := u.joined()
	return rooms[u.rng.IntN(len(rooms))]
}

// ack sends an event with an ack and checks the answer is {ok:true}.
func (u *user) ack(ctx context.Context, c *conn, event string, arg any) bool {
	u.cnt.emits.Add(1)
	actx, cancel := context.WithTimeout(ctx, u.t.AckTimeout)
	defer cancel()
	data, err := c.emitWithAck(actx, event, arg)
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		u.cnt.acksFailed.Add(1)
		u.cnt.note("%s ack over %s: %v", event, c.transportName(), err)
		return false
	}
	var res []struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if json.Unmarshal([]byte(data), &res) != nil || len(res) != 1 || !res[0].OK {
		u.cnt.acksFailed.Add(1)
		u.cnt.note("%s ack: %s", event, data)
		return false
	}
	u.cnt.acksOK.Add(1)
	return true
}

func (u *user) join(ctx context.Context, c *conn, room string) bool {
	return u.ack(ctx, c, "join", room)
}

func (u *user) leave(ctx context.Context, c *conn, room string) bool {
	return u.ack(ctx, c, "leave", room)
}

func (u *user) message(ctx context.Context, c *conn) {
	u.msgs++
	text := strings.Repeat("x", max(1, u.t.MessageSize-12)) + fmt.Sprintf(" %d", u.msgs)
	u.ack(ctx, c, "message", map[string]any{"room": u.someRoom(), "id": fmt.Sprintf("m%d-%d", u.n, u.msgs), "text": text})
}

// transportName says which transport a connection uses, for error notes.
func (c *conn) transportName() string {
	if _, ok := c.s.(*wsSession); ok {
		return "websocket"
	}
	return "polling"
}

// fetchToken logs in at POST /api/token.
func fetchToken(ctx context.Context, hc *http.Client, base, name string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	b, _ := json.Marshal(map[string]string{"name": name})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/token", strings.NewReader(string(b)))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK || out.Token == "" {
		return "", fmt.Errorf("HTTP %d: %s", resp.StatusCode, out.Error)
	}
	return out.Token, nil
}

// sleep waits d or until ctx is done; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
