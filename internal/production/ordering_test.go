package production_test

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/siogo/siogo/internal/redistest"
	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/socketio"
)

// orderCount is how many numbered events each ordering test sends.
const orderCount = 1000

// sendNumbered sends events `2["name",0]` to `2["name",count-1]`: over
// polling in POSTs of 1 to 16 packets (so that order within a payload and
// across payloads both count), over WebSocket one frame each.
func sendNumbered(c *siotest.Conn, name string, count int) error {
	var batch []siotest.Packet
	size := 1
	for i := range count {
		batch = append(batch, siotest.Packet{Text: fmt.Sprintf(`2[%q,%d]`, name, i)})
		if len(batch) == size || i == count-1 {
			if err := c.SendBatch(batch); err != nil {
				return fmt.Errorf("sending %s %d: %w", name, i, err)
			}
			batch, size = batch[:0], size%16+1
		}
	}
	return nil
}

// TestEventOrder: the handlers of one client's events run in the order the
// client sent them, over either transport.
func TestEventOrder(t *testing.T) {
	for _, transport := range []string{"websocket", "polling"} {
		t.Run(transport, func(t *testing.T) {
			handled := make(chan int64, orderCount)
			n := startNode(t, nodeOptions{Setup: func(io *socketio.Server) {
				io.OnConnection(func(s *socketio.Socket) {
					s.On("n", func(i int64) { handled <- i })
				})
			}})
			c := n.dial(t, transport, auth{})
			if err := sendNumbered(c, "n", orderCount); err != nil {
				t.Fatal(err)
			}
			timeout := time.NewTimer(wait)
			defer timeout.Stop()
			for want := range int64(orderCount) {
				select {
				case got := <-handled:
					if got != want {
						t.Fatalf("handler #%d got event %d", want, got)
					}
				case <-timeout.C:
					t.Fatalf("only %d of %d events handled", want, orderCount)
				}
			}
		})
	}
}

// relayNumbered makes the client named k (auth name) a relay: its "relay"
// event i becomes the broadcast `2["seq",k,i]` to room "r".
func relayNumbered(io *socketio.Server) {
	io.OnConnection(func(s *socketio.Socket) {
		var a auth
		s.Handshake().DecodeAuth(&a)
		s.Join(a.Rooms...)
		if k, err := strconv.Atoi(a.Name); err == nil {
			s.On("relay", func(i int64) { s.To("r").Emit("seq", k, i) })
		}
	})
}

// collectNumbered reads the broadcasts of emitters relays until it has
// every one's 0..count-1, failing at the first out of order or missing.
func collectNumbered(c *siotest.Conn, emitters, count int) error {
	next := make([]int64, emitters)
	for range emitters * count {
		text, err := c.ReadText(wait)
		if err != nil {
			return fmt.Errorf("next expected %v: %w", next, err)
		}
		e, ok := parseEvent(text)
		if !ok || e.name != "seq" || len(e.ints) != 2 || e.ints[0] < 0 || e.ints[0] >= int64(emitters) {
			return fmt.Errorf("unexpected packet %q", text)
		}
		k, i := e.ints[0], e.ints[1]
		if i != next[k] {
			return fmt.Errorf("from emitter %d: broadcast %d where %d was next", k, i, next[k])
		}
		next[k]++
	}
	return nil
}

// checkBroadcastOrder runs the emitters at once, each sending count relay
// events, and checks that every receiver gets each emitter's broadcasts
// complete and in order.
func checkBroadcastOrder(t *testing.T, emitters []*siotest.Conn, receivers map[string]*siotest.Conn, count int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(emitters)+len(receivers))
	for name, c := range receivers {
		wg.Go(func() {
			if err := collectNumbered(c, len(emitters), count); err != nil {
				errs <- fmt.Errorf("receiver %s: %w", name, err)
			}
		})
	}
	for _, c := range emitters {
		wg.Go(func() {
			if err := sendNumbered(c, "relay", count); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestBroadcastOrder: broadcasts from one emitter arrive in order at every
// receiver, whatever its transport, with two emitters interleaving.
func TestBroadcastOrder(t *testing.T) {
	n := startNode(t, nodeOptions{Setup: relayNumbered})
	receivers := map[string]*siotest.Conn{}
	for i, transport := range []string{"websocket", "websocket", "websocket", "polling", "polling"} {
		receivers[fmt.Sprintf("%d (%s)", i, transport)] = n.dial(t, transport, auth{Rooms: []string{"r"}})
	}
	emitters := []*siotest.Conn{n.dial(t, "websocket", auth{Name: "0"}), n.dial(t, "polling", auth{Name: "1"})}
	checkBroadcastOrder(t, emitters, receivers, orderCount)
}

// TestBroadcastOrderAcrossNodes: the same through Redis, with receivers
// and an emitter on each of two nodes.
func TestBroadcastOrderAcrossNodes(t *testing.T) {
	rs := redistest.Start(t)
	nodes := []*node{
		startNode(t, nodeOptions{Redis: rs, Setup: relayNumbered}),
		startNode(t, nodeOptions{Redis: rs, Setup: relayNumbered}),
	}
	receivers := map[string]*siotest.Conn{}
	var emitters []*siotest.Conn
	for i, n := range nodes {
		n.waitServers(t, len(nodes))
		for j, transport := range []string{"websocket", "websocket", "polling"} {
			receivers[fmt.Sprintf("%d on node %d (%s)", j, i, transport)] = n.dial(t, transport, auth{Rooms: []string{"r"}})
		}
		emitters = append(emitters, n.dial(t, "websocket", auth{Name: strconv.Itoa(i)}))
	}
	checkBroadcastOrder(t, emitters, receivers, orderCount)
}
