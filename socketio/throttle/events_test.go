package throttle_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/socketio"
	"github.com/siogo/siogo/socketio/throttle"
)

// never refills within a test: what passes is exactly the burst.
var never = rate.Every(time.Hour)

// events returns n EVENT packets "e" with arguments and ack ids from first.
func events(first, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(`2%d["e",%d]`, first+i, first+i)
	}
	return out
}

// echoServer starts a server whose sockets are limited by opts and answer
// "e" with its argument. The handlers' calls go to called.
func echoServer(t *testing.T, opts throttle.EventOptions, called chan<- int) *testServer {
	return startServer(t, socketio.Options{}, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			throttle.Events(s, opts)
			s.On("e", func(i int, ack socketio.AckFunc) {
				if called != nil {
					called <- i
				}
				if ack != nil {
					ack(i)
				}
			})
		})
	})
}

// The zero options allow a burst of 20.
func TestEventsUnderRate(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			limited := make(chan string, 64)
			called := make(chan int, 64)
			srv := echoServer(t, throttle.EventOptions{
				OnLimited: func(s *socketio.Socket, event string) { limited <- event },
			}, called)
			c, _ := srv.connect(tr)
			sendAll(t, c, events(0, 20)...)
			for i := range 20 {
				expect(t, c, fmt.Sprintf(`3%d[%d]`, i, i))
				if got := recv(t, called); got != i {
					t.Fatalf("handler got %d, want %d", got, i)
				}
			}
			nothing(t, limited, 20*time.Millisecond)
		})
	}
}

func TestEventsBeyondBurst(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			limited := make(chan string, 64)
			errs := make(chan error, 64)
			called := make(chan int, 64)
			srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
				io.OnConnection(func(s *socketio.Socket) {
					s.OnError(func(err error) { errs <- err })
					throttle.Events(s, throttle.EventOptions{
						Rate: never, Burst: 3,
						OnLimited: func(_ *socketio.Socket, event string) { limited <- event },
					})
					s.On("e", func(i int, ack socketio.AckFunc) { called <- i; ack(i) })
					s.On("other", func(ack socketio.AckFunc) { called <- -1; ack() })
				})
			})
			c, _ := srv.connect(tr)
			sendAll(t, c, append(events(0, 5), `25["other"]`)...)
			for i := range 3 {
				expect(t, c, fmt.Sprintf(`3%d[%d]`, i, i))
			}
			// The extra events, whatever their name, share the bucket: each
			// gets the Reply, OnLimited and OnError, not its handler.
			for i := 3; i < 6; i++ {
				got := read(t, c)
				if siotest.AckID(got) != int64(i) || !isLimited(t, got) {
					t.Errorf("refused event %d answered %q, want ack %d%s", i, got, i, limitedAck)
				}
			}
			for _, want := range []string{"e", "e", "other"} {
				if got := recv(t, limited); got != want {
					t.Errorf("OnLimited(%q), want %q", got, want)
				}
				if err := recv(t, errs); !errors.Is(err, throttle.ErrRateLimited) {
					t.Errorf("OnError(%v), want ErrRateLimited", err)
				}
			}
			for i := range 3 {
				if got := recv(t, called); got != i {
					t.Errorf("handler got %d, want %d", got, i)
				}
			}
			nothing(t, called, 20*time.Millisecond)
		})
	}
}

func TestEventsReply(t *testing.T) {
	for _, tt := range []struct {
		reply []any
		want  string
	}{
		{[]any{"slow down", 42}, `31["slow down",42]`},
		{[]any{}, `31[]`}, // empty, not nil: an ack without arguments
	} {
		srv := echoServer(t, throttle.EventOptions{Rate: never, Burst: 1, Reply: tt.reply}, nil)
		c, _ := srv.connect("websocket")
		sendAll(t, c, events(0, 2)...)
		expect(t, c, `30[0]`)
		expect(t, c, tt.want)
	}
}

// A refused event without an ack is dropped without a word to the client.
func TestEventsWithoutAckDropped(t *testing.T) {
	limited := make(chan string, 8)
	called := make(chan int, 8)
	srv := echoServer(t, throttle.EventOptions{
		Rate: never, Burst: 1,
		OnLimited: func(_ *socketio.Socket, event string) { limited <- event },
	}, called)
	c, _ := srv.connect("websocket")
	sendAll(t, c, `2["e",1]`, `2["e",2]`, `2["e",3]`, `25["e",4]`)
	// The first passes, without an ack to send; the two next are dropped
	// silently, so the first packet the client gets is the Reply to the
	// last.
	if got := read(t, c); siotest.AckID(got) != 5 || !isLimited(t, got) {
		t.Fatalf("got %q, want the Reply to ack 5", got)
	}
	if got := recv(t, called); got != 1 {
		t.Errorf("handler got %d, want 1", got)
	}
	for range 3 {
		recv(t, limited)
	}
	nothing(t, called, 20*time.Millisecond)
}

// Once refused, a socket is allowed again when its bucket has refilled.
func TestEventsRefill(t *testing.T) {
	srv := echoServer(t, throttle.EventOptions{Rate: 20, Burst: 1, MaxRefused: -1}, nil)
	c, _ := srv.connect("websocket")
	id := 0
	// ask sends events at once and reports whether any was refused.
	ask := func(n int) (refused bool) {
		sendAll(t, c, events(id, n)...)
		for range n {
			got := read(t, c)
			if isLimited(t, got) {
				refused = true
			} else if got != fmt.Sprintf(`3%d[%d]`, id, id) {
				t.Fatalf("got %q for event %d", got, id)
			}
			id++
		}
		return refused
	}
	// Three events sent at once arrive much faster than one per 50ms,
	// unless the machine stalls: try again until one is refused.
	deadline := time.Now().Add(wait)
	for !ask(3) {
		if time.Now().After(deadline) {
			t.Fatal("no event refused at 3 times the rate")
		}
	}
	// Now wait for a token: 50ms, give or take the scheduler.
	for ask(1) {
		if time.Now().After(deadline) {
			t.Fatal("still refused: the bucket does not refill")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A client that keeps sending while refused is disconnected.
func TestEventsAbuse(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			abused := make(chan bool, 4)
			reasons := make(chan string, 4)
			limited := make(chan string, 16)
			srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
				io.OnConnection(func(s *socketio.Socket) {
					throttle.Events(s, throttle.EventOptions{
						Rate: never, Burst: 2, MaxRefused: 3,
						OnLimited: func(_ *socketio.Socket, event string) { limited <- event },
						OnAbuse:   func(s *socketio.Socket) { abused <- s.Connected() },
					})
					s.OnDisconnect(func(reason string) { reasons <- reason })
					s.On("e", func(i int, ack socketio.AckFunc) { ack(i) })
				})
			})
			c, _ := srv.connect(tr)
			// Over polling, the server may end the session while this very
			// POST is in flight: the answer does not matter.
			c.SendBatch(packets(events(0, 7)...))
			got, err := c.Closed(wait)
			if err != nil {
				t.Fatalf("still connected: %v (received %v)", err, got)
			}
			// Two allowed, three refused (answered), then the DISCONNECT;
			// the events after it are not even looked at.
			if len(got) != 6 {
				t.Fatalf("received %v, want 2 acks, 3 Replies and a DISCONNECT", got)
			}
			for i, p := range got[:5] {
				if i < 2 && p.Text != fmt.Sprintf(`3%d[%d]`, i, i) || i >= 2 && !isLimited(t, p.Text) {
					t.Errorf("packet %d: %q", i, p.Text)
				}
			}
			if got[5].Text != "1" {
				t.Errorf("last packet %q, want the DISCONNECT 1", got[5].Text)
			}
			if connected := recv(t, abused); !connected {
				t.Error("OnAbuse called after the disconnect")
			}
			if r := recv(t, reasons); r != socketio.ReasonServerNamespaceDisconnect {
				t.Errorf("disconnect reason %q, want %q", r, socketio.ReasonServerNamespaceDisconnect)
			}
			for range 3 {
				recv(t, limited)
			}
			nothing(t, abused, 20*time.Millisecond)
			nothing(t, limited, 0)
		})
	}
}

func packets(texts ...string) []siotest.Packet {
	out := make([]siotest.Packet, len(texts))
	for i, s := range texts {
		out[i].Text = s
	}
	return out
}

// With a negative MaxRefused, refusals never disconnect.
func TestEventsNeverDisconnect(t *testing.T) {
	socks := make(chan *socketio.Socket, 1)
	srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			throttle.Events(s, throttle.EventOptions{Rate: never, Burst: 1, MaxRefused: -1})
			s.On("e", func(i int, ack socketio.AckFunc) { ack(i) })
			socks <- s
		})
	})
	c, _ := srv.connect("websocket")
	s := recv(t, socks)
	sendAll(t, c, events(0, 200)...)
	expect(t, c, `30[0]`)
	for i := 1; i < 200; i++ {
		if got := read(t, c); !isLimited(t, got) {
			t.Fatalf("event %d: %q", i, got)
		}
	}
	if err := s.Emit("still", "here"); err != nil {
		t.Fatal(err)
	}
	expect(t, c, `2["still","here"]`)
}

// Each socket has its own bucket: a client refused, even disconnected, does
// not use the tokens of another.
func TestEventsOtherClientUnaffected(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			srv := echoServer(t, throttle.EventOptions{Rate: never, Burst: 2, MaxRefused: 3}, nil)
			abuser, _ := srv.connect(tr)
			good, _ := srv.connect(tr)
			sendAll(t, good, events(0, 1)...)
			expect(t, good, `30[0]`)
			abuser.SendBatch(packets(events(0, 10)...))
			if got, err := abuser.Closed(wait); err != nil {
				t.Fatalf("abuser still connected: %v (received %v)", err, got)
			}
			sendAll(t, good, events(1, 2)...)
			expect(t, good, `31[1]`)
			got := read(t, good)
			if !isLimited(t, got) {
				t.Errorf("third event of the good client: %q, want refused (its burst is 2)", got)
			}
		})
	}
}
