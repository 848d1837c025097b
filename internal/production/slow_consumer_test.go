//go:build linux

package production_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/gorilla/websocket"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/socketio"
)

// stalledClient is a WebSocket client that stopped reading after its
// Socket.IO CONNECT, on a TCP socket with a small receive buffer: what the
// server writes piles up in the kernel until its writes block.
type stalledClient struct {
	ws  *websocket.Conn
	tcp *net.TCPConn
	sid socketio.SocketID
}

// rcvBuf is the stalled client's SO_RCVBUF (the kernel doubles it).
const rcvBuf = 4096

func dialStalled(t *testing.T, n *node, a auth) *stalledClient {
	t.Helper()
	setRcvBuf := func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvBuf)
		})
		return errors.Join(err, serr)
	}
	sc := &stalledClient{}
	d := websocket.Dialer{
		HandshakeTimeout: wait,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			// Set before connect, so the window is small from the SYN on.
			c, err := (&net.Dialer{Control: setRcvBuf}).DialContext(ctx, network, addr)
			if err == nil {
				sc.tcp = c.(*net.TCPConn)
			}
			return c, err
		},
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	ws, _, err := d.DialContext(ctx, "ws"+strings.TrimPrefix(n.url, "http")+"?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatalf("stalled client: dial: %v", err)
	}
	sc.ws = ws
	t.Cleanup(func() { ws.Close() })
	ws.SetReadDeadline(time.Now().Add(wait))
	if _, open, err := ws.ReadMessage(); err != nil || !strings.HasPrefix(string(open), "0{") {
		t.Fatalf("stalled client: open packet %q: %v", open, err)
	}
	if err := ws.WriteMessage(websocket.TextMessage, []byte("40"+a.String())); err != nil {
		t.Fatalf("stalled client: CONNECT: %v", err)
	}
	_, reply, err := ws.ReadMessage()
	if err != nil || !strings.HasPrefix(string(reply), `40{"sid":"`) {
		t.Fatalf("stalled client: CONNECT reply %q: %v", reply, err)
	}
	sc.sid = socketio.SocketID(strings.SplitN(string(reply), `"`, 5)[3])
	return sc // and it never reads again
}

// unread returns the bytes waiting in the client's socket receive buffer.
func (sc *stalledClient) unread(t *testing.T) int {
	t.Helper()
	raw, err := sc.tcp.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int32
	var errno syscall.Errno
	if err := raw.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	}); err != nil || errno != 0 {
		t.Fatalf("TIOCINQ: %v %v", err, errno)
	}
	return int(n)
}

// TestSlowConsumer broadcasts at a steady rate to normal WebSocket clients
// and to one that stopped reading. The documented policy: volatile packets
// for the stalled client are dropped while it cannot take them; the others
// queue up to MaxBufferedPackets, and the next one closes the session as a
// "transport error" (counted as a queue overflow). A stalled client that
// gets nothing more is closed by the WebSocket write deadline. The other
// clients' latency must not suffer, and memory must come back.
func TestSlowConsumer(t *testing.T) {
	const (
		maxQueue     = 512
		every        = 2 * time.Millisecond
		ticksAlone   = 600 // broadcasts before any client stalls
		ticksAfter   = 300 // broadcasts after the stalled client is gone
		normal       = 4   // normal clients
		fillSize     = 8 << 20
		probeEvery   = 10               // a volatile probe to the stalled client every so many ticks
		writeTimeout = 10 * time.Second // engineio's, unexported
	)
	stalls := startStallMeter(t)
	var overflows atomic.Int64
	reasons := make(chan string, 4) // disconnect reasons of the stalled clients
	n := startNode(t, nodeOptions{
		Socket: socketio.Options{Engine: engineio.Options{
			MaxBufferedPackets: maxQueue,
			Hooks:              &engineio.Hooks{QueueOverflow: func(string) { overflows.Add(1) }},
		}},
		Setup: func(io *socketio.Server) {
			io.OnConnection(func(s *socketio.Socket) {
				joinFromAuth(s)
				var a auth
				s.Handshake().DecodeAuth(&a)
				if strings.HasPrefix(a.Name, "stalled") {
					s.OnDisconnect(func(reason string) { reasons <- a.Name + ": " + reason })
				}
			})
		},
	})
	var recs []*recorder
	for range normal {
		recs = append(recs, record(n.dial(t, "websocket", auth{Rooms: []string{"r"}}), "b"))
	}
	payload := strings.Repeat("x", 1024)
	seq := int64(0)
	var emitAlone, emitStalled time.Duration // the longest Emit call of each phase
	emitMax := &emitAlone
	broadcast := func() {
		start := time.Now()
		n.io.To("r").Emit("b", seq, start.UnixNano(), payload)
		*emitMax = max(*emitMax, time.Since(start))
		seq++
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	waitAll := func(what string) {
		for _, r := range recs {
			r.waitSeq(t, what, seq-1)
		}
	}

	// Phase 1: nobody stalls.
	for range ticksAlone {
		<-tick.C
		broadcast()
	}
	waitAll("the last broadcast before the stall")
	endAlone := seq
	before := measure()

	// Two clients stop reading. Each gets a message bigger than every
	// buffer between the server and it, so the server's write blocks.
	stalled := dialStalled(t, n, auth{Name: "stalled", Rooms: []string{"r"}})
	idle := dialStalled(t, n, auth{Name: "stalled-idle"})
	n.io.To(stalled.sid, idle.sid).Emit("fill", strings.Repeat("f", fillSize))
	// Once bytes of the fill reach a client, the server's writer has taken
	// it off the queue: the queue is empty and the writer blocked.
	for _, sc := range []*stalledClient{stalled, idle} {
		eventually(t, wait, "the fill reaching a stalled client", func() bool { return sc.unread(t) > 0 })
	}
	filled := time.Now()
	during := measure()
	emitMax = &emitStalled

	// Phase 2: broadcast on, with volatile probes to the stalled client.
	probes, queued := 0, 0
	dropsBefore := n.metric("siogo_engine_volatile_dropped_total", "transport", "websocket")
	for overflows.Load() == 0 {
		if queued > maxQueue+1 {
			t.Fatalf("%d broadcasts for the stalled client in %v and no queue overflow (MaxBufferedPackets %d; write deadline %v)",
				queued, time.Since(filled), maxQueue, writeTimeout)
		}
		<-tick.C
		if queued%probeEvery == 0 {
			n.io.To(stalled.sid).Volatile().Emit("v", queued)
			probes++
		}
		broadcast()
		queued++
	}
	overflowAt := time.Now()
	if queued != maxQueue+1 {
		t.Errorf("the session closed at broadcast %d after the stall, want %d (MaxBufferedPackets %d, then one more)", queued, maxQueue+1, maxQueue)
	}
	if drops := n.metric("siogo_engine_volatile_dropped_total", "transport", "websocket") - dropsBefore; drops != float64(probes) {
		t.Errorf("%v volatile packets dropped, want the %d probes sent while the client was stalled", drops, probes)
	}
	for range ticksAfter {
		<-tick.C
		broadcast()
	}
	waitAll("the last broadcast")

	select {
	case r := <-reasons:
		if r != "stalled: transport error" {
			t.Errorf("first stalled client to go: %q, want the overflowed one with \"transport error\"", r)
		}
	case <-time.After(wait):
		t.Fatal("the overflowed client was not disconnected")
	}
	if got := n.metric("siogo_engine_queue_overflows_total", "transport", "websocket"); got != 1 {
		t.Errorf("queue overflows counted: %v, want 1", got)
	}
	// The idle one is closed by the write deadline, writeTimeout after its
	// writer blocked.
	select {
	case r := <-reasons:
		closedAfter := time.Since(filled)
		if r != "stalled-idle: transport error" {
			t.Errorf("idle stalled client: %q, want \"transport error\"", r)
		}
		if closedAfter > writeTimeout+2*time.Second+stalls.worst(filled, time.Now()) {
			t.Errorf("idle stalled client closed %v after its writer blocked, want about %v", closedAfter, writeTimeout)
		}
		t.Logf("idle stalled client closed (write deadline) %v after its writer blocked", closedAfter.Round(time.Millisecond))
	case <-time.After(writeTimeout + wait):
		t.Fatal("a stalled client that gets nothing more was never closed: its writer is blocked for good")
	}
	if c := n.io.Engine().ClientsCount(); c != normal {
		t.Errorf("%d sessions left, want the %d normal clients", c, normal)
	}

	// Latency of the normal clients, from the broadcast to their read.
	var alone, withStalled []time.Duration
	for _, r := range recs {
		arr := r.arrivals()
		if len(arr) != int(seq) {
			t.Fatalf("a normal client got %d broadcasts, want %d", len(arr), seq)
		}
		for i, x := range arr {
			if x.seq != int64(i) {
				t.Fatalf("a normal client got broadcast %d at #%d", x.seq, i)
			}
			lat := x.at.Sub(x.sent)
			if x.seq < endAlone {
				alone = append(alone, lat)
			} else {
				withStalled = append(withStalled, lat)
			}
		}
	}
	p := func(ds []time.Duration) string {
		return fmt.Sprintf("p50 %v, p99 %v, max %v", percentile(ds, 50).Round(time.Microsecond),
			percentile(ds, 99).Round(time.Microsecond), percentile(ds, 100).Round(time.Microsecond))
	}
	t.Logf("latency of %d normal clients, %d broadcasts of 1 KiB every %v without a stalled client: %s", normal, endAlone, every, p(alone))
	t.Logf("latency with a stalled client (queue overflow after %v): %s", overflowAt.Sub(filled).Round(time.Millisecond), p(withStalled))
	t.Logf("longest Emit call: %v without a stalled client, %v with", emitAlone.Round(time.Microsecond), emitStalled.Round(time.Microsecond))
	stall := stalls.worst(filled, time.Now())
	if p99, base := percentile(withStalled, 99), percentile(alone, 99); p99 > 4*base+50*time.Millisecond+stall {
		t.Errorf("p99 latency %v with a stalled client, %v without (process stalls up to %v)", p99, base, stall)
	}
	if emitStalled > 200*time.Millisecond+stall {
		t.Errorf("an Emit took %v while a client stalled (process stalls up to %v): the broadcast waited for the stalled client", emitStalled, stall)
	}
	if worst := percentile(withStalled, 100); worst > 500*time.Millisecond+stall {
		t.Errorf("a normal client waited %v for a broadcast while another client stalled (process stalls up to %v)", worst, stall)
	}

	after := settle(t, before, 3, 1<<20)
	t.Logf("before the stall: %v; stalled (an 8 MiB message held): %v; after: %v", before, during, after)
}
