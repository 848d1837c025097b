package socketio_test

import (
	"testing"
	"time"

	"github.com/siogo/siogo/socketio"
)

func TestServerDisconnect(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			socks := make(chan *socketio.Socket, 4)
			reasonCh := make(chan string, 4)
			srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
				for _, n := range []*socketio.Namespace{io.Sockets(), io.Of("/nsp")} {
					n.OnConnection(func(s *socketio.Socket) {
						var disconnecting string
						s.OnDisconnecting(func(r string) { disconnecting = r + " " + s.Rooms()[0] })
						s.OnDisconnect(func(r string) {
							if disconnecting == "" {
								r += " (no disconnecting)"
							}
							reasonCh <- r
						})
						socks <- s
					})
				}
			})
			c, _ := srv.connect(tr, "/", "")
			main := recv(t, socks)
			if _, err := c.Connect("/nsp", "", wait); err != nil {
				t.Fatal(err)
			}
			nsp := recv(t, socks)

			// Disconnect(false): "1/nsp," and the rest stays.
			nsp.Disconnect(false)
			expect(t, c, "1/nsp,")
			if r := recv(t, reasonCh); r != socketio.ReasonServerNamespaceDisconnect {
				t.Errorf("reason %q", r)
			}
			if nsp.Connected() || !main.Connected() {
				t.Error("wrong socket disconnected")
			}
			main.Emit("still")
			expect(t, c, `2["still"]`)
			if _, err := c.Connect("/nsp", "", wait); err != nil {
				t.Fatal(err)
			}
			nsp = recv(t, socks)

			// Disconnect(true): every namespace gets its DISCONNECT, then the
			// whole connection ends.
			main.Disconnect(true)
			got := expectClosed(t, c)
			texts := map[string]bool{}
			for _, p := range got {
				texts[p.Text] = true
			}
			if len(got) != 2 || !texts["1"] || !texts["1/nsp,"] {
				t.Errorf("before close: %v", got)
			}
			for range 2 {
				if r := recv(t, reasonCh); r != socketio.ReasonServerNamespaceDisconnect {
					t.Errorf("reason %q", r)
				}
			}
			if srv.io.Engine().ClientsCount() != 0 {
				t.Errorf("%d engine sessions left", srv.io.Engine().ClientsCount())
			}
		})
	}
}

func TestClientNamespaceDisconnect(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			var io *socketio.Server
			reasonCh := make(chan string, 4)
			srv := startServer(t, socketio.Options{}, func(s *socketio.Server) {
				io = s
				io.OnConnection(func(s *socketio.Socket) { s.OnDisconnect(func(r string) { reasonCh <- r }) })
				io.Of("/a").OnConnection(func(s *socketio.Socket) { s.OnDisconnect(func(r string) { reasonCh <- "a: " + r }) })
			})
			c, first := srv.connect(tr, "/", "")
			send(t, c, "1")
			if r := recv(t, reasonCh); r != socketio.ReasonClientNamespaceDisconnect {
				t.Errorf("reason %q", r)
			}
			// No reply; the connection stays open with no namespace, and the
			// client can come back (with a new socket id).
			io.Emit("nobody")
			second, err := c.Connect("/", "", wait)
			if err != nil {
				t.Fatal(err)
			}
			if second.SID == first.SID {
				t.Error("same socket id after a namespace disconnect")
			}
			if _, err := c.Connect("/a", "", wait); err != nil {
				t.Fatal(err)
			}
			send(t, c, "1/a")
			if r := recv(t, reasonCh); r != "a: "+socketio.ReasonClientNamespaceDisconnect {
				t.Errorf("reason %q", r)
			}
			io.Emit("still")
			expect(t, c, `2["still"]`)
			if io.Engine().ClientsCount() != 1 {
				t.Error("engine session closed")
			}
		})
	}
}

// Packets that make no sense in the connection's state close it, as Node
// does.
func TestInvalidStateClosesConnection(t *testing.T) {
	for _, tt := range []struct {
		name, pkt string
		connect   bool
	}{
		{"event for a namespace not joined", `2/other,["e"]`, true},
		{"event before any CONNECT", `2["e"]`, false},
		{"ack for a namespace not joined", `3/other,1[]`, true},
		{"disconnect for a namespace not joined", `1/other,`, true},
		{"second CONNECT", `0`, true},
		{"CONNECT_ERROR from the client", `4{"message":"x"}`, true},
		{"parse error", `2["connect"]`, true},
		{"unknown type", `9`, true},
		{"orphan binary", "", true},
	} {
		for _, tr := range transports {
			t.Run(tt.name+"/"+tr, func(t *testing.T) {
				reasonCh := make(chan string, 2)
				srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
					io.OnConnection(func(s *socketio.Socket) { s.OnDisconnect(func(r string) { reasonCh <- r }) })
					io.Of("/other")
				})
				c := srv.dial(tr)
				if tt.connect {
					if _, err := c.Connect("/", "", wait); err != nil {
						t.Fatal(err)
					}
				}
				if tt.pkt == "" {
					if tr == "websocket" {
						c.SendBinaryFrame(t, []byte{1})
					} else {
						c.SendEngine(t.Context(), "bAQ==")
					}
				} else {
					send(t, c, tt.pkt)
				}
				expectClosed(t, c)
				if tt.connect {
					r := recv(t, reasonCh)
					t.Logf("OnDisconnect reason: %q", r)
				}
			})
		}
	}
}

func TestConnectTimeout(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			srv := startServer(t, socketio.Options{ConnectTimeout: 150 * time.Millisecond}, nil)
			idle := srv.dial(tr)
			joined, _ := srv.connect(tr, "/", "")
			start := time.Now()
			expectClosed(t, idle)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("closed after %v", d)
			}
			// The connection that joined stays.
			time.Sleep(200 * time.Millisecond)
			send(t, joined, `1`)
			if _, err := joined.Connect("/", "", wait); err != nil {
				t.Errorf("joined connection: %v", err)
			}
		})
	}
}

func TestServerClose(t *testing.T) {
	reasonCh := make(chan string, 8)
	srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) { s.OnDisconnect(func(r string) { reasonCh <- r }) })
		io.Of("/chat").OnConnection(func(s *socketio.Socket) { s.OnDisconnect(func(r string) { reasonCh <- r }) })
	})
	ws, _ := srv.connect("websocket", "/", "")
	if _, err := ws.Connect("/chat", "", wait); err != nil {
		t.Fatal(err)
	}
	poll, _ := srv.connect("polling", "/", "")
	srv.dial("websocket") // never joins
	srv.io.Close()
	for range 3 {
		if r := recv(t, reasonCh); r != socketio.ReasonServerShuttingDown {
			t.Errorf("reason %q, want %q", r, socketio.ReasonServerShuttingDown)
		}
	}
	expectClosed(t, ws)
	expectClosed(t, poll)
	if n := srv.io.Engine().ClientsCount(); n != 0 {
		t.Errorf("%d sessions after Close", n)
	}
}
