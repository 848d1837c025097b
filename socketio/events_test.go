package socketio_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/socketio"
)

type point struct {
	X    int    `json:"x"`
	Y    int    `json:"y"`
	Name string `json:"name,omitempty"`
}

func TestTypedHandlers(t *testing.T) {
	got := make(chan string, 32)
	errs := make(chan error, 8)
	srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			s.OnError(func(err error) { errs <- err })
			must(t, s.On("struct", func(p point) { got <- fmt.Sprintf("struct %+v", p) }))
			must(t, s.On("ptr", func(p *point) { got <- fmt.Sprintf("ptr %+v", *p) }))
			must(t, s.On("map", func(m map[string]any) { got <- fmt.Sprintf("map %v", m) }))
			must(t, s.On("slice", func(xs []int) { got <- fmt.Sprintf("slice %v", xs) }))
			must(t, s.On("bytes", func(b []byte, name string) { got <- fmt.Sprintf("bytes %q %s", b, name) }))
			must(t, s.On("raw", func(r socketio.Raw) {
				got <- fmt.Sprintf("raw %s %d", r.JSON, len(r.Attachments))
				s.Emit("raw", r)
			}))
			must(t, s.On("variadic", func(first string, rest ...int) { got <- fmt.Sprintf("variadic %s %v", first, rest) }))
			must(t, s.On("ack", func(n int, ack socketio.AckFunc) { ack(n*2, "done") }))
			must(t, s.On("ackfunc", func(ack func(...any) error) { ack() }))
			must(t, s.On("binack", func(ack socketio.AckFunc) { ack([]byte{1, 2}, map[string]any{"b": []byte{3}}) }))
			must(t, s.On("args", func(a *socketio.Args) {
				var n int
				a.Decode(1, &n)
				got <- fmt.Sprintf("args %d %d", a.Len(), n)
			}))
			must(t, s.On("argsack", func(a *socketio.Args, ack socketio.AckFunc) { ack(a.Values()...) }))
			must(t, s.On("none", func() { got <- "none" }))
			must(t, s.On("missing", func(a string, b int, c *point) { got <- fmt.Sprintf("missing %q %d %v", a, b, c) }))
			must(t, s.On("reterr", func() error { return errors.New("handler said no") }))
			must(t, s.On("twice", func() { got <- "first" }))
			must(t, s.On("twice", func() { got <- "second" }))
			must(t, s.On("42", func(v string) { got <- "numeric " + v }))
		})
	})
	c, _ := srv.connect("websocket", "/", "")

	for _, tt := range []struct {
		pkt  string
		atts [][]byte
		want []string
	}{
		{`2["struct",{"x":1,"y":2,"name":"p","extra":true}]`, nil, []string{"struct {X:1 Y:2 Name:p}"}},
		{`2["ptr",{"x":3}]`, nil, []string{"ptr {X:3 Y:0 Name:}"}},
		{`2["map",{"b":1,"a":[true]}]`, nil, []string{"map map[a:[true] b:1]"}},
		{`2["slice",[1,2,3]]`, nil, []string{"slice [1 2 3]"}},
		{`51-["bytes",{"_placeholder":true,"num":0},"n"]`, [][]byte{[]byte("\x00bin")}, []string{`bytes "\x00bin" n`}},
		{`2["variadic","a",1,2,3]`, nil, []string{"variadic a [1 2 3]"}},
		{`2["variadic","a"]`, nil, []string{"variadic a []"}},
		{`2["args","x",7]`, nil, []string{"args 2 7"}},
		{`2["none",1,2]`, nil, []string{"none"}},
		{`2["missing","a"]`, nil, []string{`missing "a" 0 <nil>`}},
		{`2["twice"]`, nil, []string{"first", "second"}},
		{`2[42,"n"]`, nil, []string{"numeric n"}},
	} {
		send(t, c, tt.pkt, tt.atts...)
		for _, w := range tt.want {
			if g := recv(t, got); g != w {
				t.Errorf("%s: handler got %q, want %q", tt.pkt, g, w)
			}
		}
	}

	// Raw keeps the argument as received, and emitting it sends it back
	// byte for byte, its binary renumbered.
	send(t, c, `2["raw",{"z":1,"a":[2, 3]}]`)
	if g := recv(t, got); g != `raw {"z":1,"a":[2, 3]} 0` {
		t.Errorf("raw: %q", g)
	}
	expect(t, c, `2["raw",{"z":1,"a":[2, 3]}]`)
	send(t, c, `51-["raw",{"f":{"_placeholder":true,"num":0}}]`, []byte("xyz"))
	recv(t, got)
	p, err := c.Read(wait)
	if err != nil || p.Text != `51-["raw",{"f":{"_placeholder":true,"num":0}}]` || len(p.Attachments) != 1 || string(p.Attachments[0]) != "xyz" {
		t.Errorf("raw binary echo: %v %v", p, err)
	}

	// Acks, text and binary.
	send(t, c, `21["ack",21]`)
	expect(t, c, `31[42,"done"]`)
	send(t, c, `22["ackfunc"]`)
	expect(t, c, `32[]`)
	send(t, c, `2789["binack"]`)
	p, err = c.Read(wait)
	if err != nil || p.Text != `62-789[{"_placeholder":true,"num":0},{"b":{"_placeholder":true,"num":1}}]` ||
		len(p.Attachments) != 2 || string(p.Attachments[0]) != "\x01\x02" || string(p.Attachments[1]) != "\x03" {
		t.Errorf("binary ack: %v %v", p, err)
	}
	send(t, c, `27["argsack",{"k":"v"},[1]]`)
	expect(t, c, `37[{"k":"v"},[1]]`)

	// A handler returning an error reaches OnError.
	send(t, c, `2["reterr"]`)
	if err := recv(t, errs); !strings.Contains(err.Error(), "handler said no") {
		t.Errorf("OnError got %v", err)
	}
	nothing(t, errs, 20*time.Millisecond)
}

func must(t *testing.T, err error) {
	if err != nil {
		t.Error(err)
	}
}

func TestOnRejectsBadHandlers(t *testing.T) {
	done := make(chan []error, 1)
	srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			done <- []error{
				s.On("a", 42),
				s.On("b", func() int { return 1 }),
				s.On("c", func() (error, error) { return nil, nil }),
			}
		})
	})
	srv.connect("websocket", "/", "")
	for i, err := range recv(t, done) {
		if err == nil {
			t.Errorf("bad handler %d accepted", i)
		}
	}
}

func TestHandlerErrors(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			called := make(chan string, 8)
			errs := make(chan error, 8)
			srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
				io.OnConnection(func(s *socketio.Socket) {
					s.OnError(func(err error) { errs <- err })
					s.On("num", func(n int) { called <- fmt.Sprint("num ", n) })
					s.On("pt", func(p point, ack socketio.AckFunc) { called <- "pt"; ack() })
					s.On("bin", func(b []byte) { called <- "bin" })
					s.On("panic", func(msg string) { panic(msg) })
				})
			})
			c, _ := srv.connect(tr, "/", "")

			// Arguments that do not decode: OnError, no call.
			send(t, c, `2["num","not a number"]`)
			if err := recv(t, errs); !strings.Contains(err.Error(), "num") {
				t.Errorf("decode error %v does not name the event", err)
			}
			send(t, c, `21["pt",[1,2]]`)
			recv(t, errs)
			send(t, c, `2["bin",{"x":1}]`)
			recv(t, errs)
			nothing(t, called, 20*time.Millisecond)

			// A panicking handler: OnError, and the connection goes on.
			send(t, c, `2["panic","boom"]`)
			if err := recv(t, errs); !strings.Contains(err.Error(), "boom") {
				t.Errorf("panic reported as %v", err)
			}
			send(t, c, `2["num",5]`)
			if g := recv(t, called); g != "num 5" {
				t.Errorf("after errors: %q", g)
			}
			send(t, c, `23["pt",{"x":1}]`)
			recv(t, called)
			expect(t, c, `33[]`)
		})
	}
}

func TestSocketMiddlewareAndAny(t *testing.T) {
	seen := make(chan string, 16)
	errs := make(chan error, 4)
	srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			s.OnError(func(err error) { errs <- err })
			s.OnAny(func(event string, a *socketio.Args) { seen <- "any " + event })
			s.Use(func(event string, a *socketio.Args) error {
				if event == "forbidden" {
					return errors.New("not allowed")
				}
				return nil
			})
			s.On("ok", func() { seen <- "ok" })
			s.On("forbidden", func() { seen <- "forbidden handler" })
			s.OnAnyOutgoing(func(event string, args []any) { seen <- fmt.Sprintf("out %s %v", event, args) })
			s.Emit("hello", 1)
		})
	})
	c, _ := srv.connect("websocket", "/", "")
	expect(t, c, `2["hello",1]`)
	if g := recv(t, seen); g != "out hello [1]" {
		t.Errorf("outgoing listener: %q", g)
	}
	send(t, c, `2["ok"]`)
	if a, b := recv(t, seen), recv(t, seen); a != "any ok" || b != "ok" {
		t.Errorf("got %q %q", a, b)
	}
	send(t, c, `2["forbidden"]`)
	if a := recv(t, seen); a != "any forbidden" {
		t.Errorf("got %q", a)
	}
	if err := recv(t, errs); err.Error() != "not allowed" {
		t.Errorf("middleware error %v", err)
	}
	nothing(t, seen, 20*time.Millisecond)
}

func TestAcks(t *testing.T) {
	socks := make(chan *socketio.Socket, 4)
	srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) { socks <- s })
	})
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			c, _ := srv.connect(tr, "/", "")
			s := recv(t, socks)

			// Server asks, the client answers.
			type result struct {
				a   *socketio.Args
				err error
			}
			res := make(chan result, 1)
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), wait)
				defer cancel()
				a, err := s.EmitWithAck(ctx, "question", 1)
				res <- result{a, err}
			}()
			q := expectPrefix(t, c, "2")
			id := siotest.AckID(q)
			if id < 0 || siotest.Payload(q) != `["question",1]` {
				t.Fatalf("question %q", q)
			}
			send(t, c, fmt.Sprintf(`3%d["answer",{"n":2}]`, id))
			r := recv(t, res)
			if r.err != nil {
				t.Fatal(r.err)
			}
			var answer string
			var obj struct{ N int }
			if r.a.Len() != 2 || r.a.Decode(0, &answer) != nil || r.a.Decode(1, &obj) != nil || answer != "answer" || obj.N != 2 {
				t.Errorf("ack args: %d %q %+v", r.a.Len(), answer, obj)
			}
			// A second ACK for the same id is ignored.
			send(t, c, fmt.Sprintf(`3%d["again"]`, id))

			// Binary ack from the client.
			go func() {
				a, err := s.Timeout(wait).EmitWithAck(context.Background(), "file")
				res <- result{a, err}
			}()
			q = expectPrefix(t, c, "2")
			send(t, c, fmt.Sprintf(`61-%d[{"_placeholder":true,"num":0}]`, siotest.AckID(q)), []byte("data"))
			r = recv(t, res)
			var b []byte
			if r.err != nil || r.a.Decode(0, &b) != nil || string(b) != "data" {
				t.Errorf("binary ack: %v %q", r.err, b)
			}

			// Timeout: the client never answers.
			start := time.Now()
			_, err := s.Timeout(100*time.Millisecond).EmitWithAck(context.Background(), "ignored")
			if !errors.Is(err, socketio.ErrTimeout) {
				t.Errorf("EmitWithAck without answer: %v, want ErrTimeout", err)
			}
			if d := time.Since(start); d < 90*time.Millisecond || d > 2*time.Second {
				t.Errorf("timed out after %v", d)
			}
			late := siotest.AckID(expectPrefix(t, c, "2"))
			// The socket forgets the ack it gave up on, as Node does: a
			// client that never answers must not pile them up.
			if n := socketio.PendingAcks(s); n != 0 {
				t.Errorf("%d acks still pending after the timeout", n)
			}
			// A late answer does no harm.
			send(t, c, fmt.Sprintf(`3%d["late"]`, late))

			// Ack ids increase per namespace.
			go s.EmitWithAck(context.Background(), "a")
			go s.EmitWithAck(context.Background(), "b")
			id1, id2 := siotest.AckID(expectPrefix(t, c, "2")), siotest.AckID(expectPrefix(t, c, "2"))
			if id1 == id2 || id1 < 0 || id2 < 0 {
				t.Errorf("ack ids %d %d", id1, id2)
			}
			// Disconnect releases the waiting EmitWithAck calls.
			c.Close()
		})
	}
}

// A handler that waits for its own client's ack must not block the packet
// carrying that ack.
func TestEmitWithAckInsideHandler(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
				io.OnConnection(func(s *socketio.Socket) {
					s.On("ask", func(q string, ack socketio.AckFunc) {
						ctx, cancel := context.WithTimeout(context.Background(), wait)
						defer cancel()
						a, err := s.EmitWithAck(ctx, "question", q)
						if err != nil {
							ack("error: " + err.Error())
							return
						}
						var answer string
						a.Decode(0, &answer)
						ack("client said " + answer)
					})
					s.On("after", func(ack socketio.AckFunc) { ack("after") })
				})
			})
			c, _ := srv.connect(tr, "/", "")
			for i := range 3 {
				send(t, c, fmt.Sprintf(`2%d["ask","q%d"]`, 10+i, i))
				q := expectPrefix(t, c, "2")
				if siotest.Payload(q) != fmt.Sprintf(`["question","q%d"]`, i) {
					t.Fatalf("question %q", q)
				}
				send(t, c, fmt.Sprintf(`3%d["yes %d"]`, siotest.AckID(q), i))
				expect(t, c, fmt.Sprintf(`3%d["client said yes %d"]`, 10+i, i))
			}
			send(t, c, `299["after"]`)
			expect(t, c, `399["after"]`)
		})
	}
}

func TestEventOrder(t *testing.T) {
	const n = 1000
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			var mu sync.Mutex
			var got []int
			done := make(chan struct{})
			srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
				io.OnConnection(func(s *socketio.Socket) {
					s.On("n", func(i int) {
						mu.Lock()
						got = append(got, i)
						if len(got) == n {
							close(done)
						}
						mu.Unlock()
						s.Emit("echo", i)
					})
				})
			})
			c, _ := srv.connect(tr, "/", "")
			var batch []siotest.Packet
			for i := range n {
				batch = append(batch, siotest.Packet{Text: fmt.Sprintf(`2["n",%d]`, i)})
				if tr == "polling" && len(batch) == 100 || tr == "websocket" {
					if err := c.SendBatch(batch); err != nil {
						t.Fatal(err)
					}
					batch = nil
				}
			}
			recv(t, done)
			mu.Lock()
			for i, v := range got {
				if v != i {
					t.Fatalf("event %d handled as %d-th", v, i)
				}
			}
			mu.Unlock()
			for i := range n {
				expect(t, c, fmt.Sprintf(`2["echo",%d]`, i))
			}
		})
	}
}

func TestEmitErrors(t *testing.T) {
	socks := make(chan *socketio.Socket, 1)
	srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) { socks <- s })
	})
	c, _ := srv.connect("websocket", "/", "")
	s := recv(t, socks)
	for _, ev := range []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"} {
		if err := s.Emit(ev); !errors.Is(err, socketio.ErrReservedEvent) {
			t.Errorf("Emit(%q) = %v", ev, err)
		}
		if err := srv.io.Emit(ev); !errors.Is(err, socketio.ErrReservedEvent) {
			t.Errorf("io.Emit(%q) = %v", ev, err)
		}
	}
	if err := s.Emit("f", func() {}); err == nil {
		t.Error("Emit of a func succeeded")
	}
	send(t, c, `1`)
	deadline := time.Now().Add(wait)
	for s.Connected() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if err := s.Emit("late"); !errors.Is(err, socketio.ErrDisconnected) {
		t.Errorf("Emit after disconnect = %v", err)
	}
	if _, err := s.EmitWithAck(context.Background(), "late"); !errors.Is(err, socketio.ErrDisconnected) {
		t.Errorf("EmitWithAck after disconnect = %v", err)
	}
}
