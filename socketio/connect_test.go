package socketio_test

import (
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/siogo/siogo/socketio"
)

func TestConnectMain(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			var auth chan json.RawMessage = make(chan json.RawMessage, 4)
			srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
				io.OnConnection(func(s *socketio.Socket) {
					auth <- s.Handshake().Auth
					s.Emit("auth", s.Handshake().Auth)
				})
			})
			c, r := srv.connect(tr, "/", "")
			if got := keysOf(t, r.JSON); !slices.Equal(got, []string{"sid"}) {
				t.Errorf("CONNECT reply %q has keys %v, want exactly [sid]", r.Raw, got)
			}
			if len(r.SID) != 20 || r.SID == c.SID {
				t.Errorf("socket id %q (engine id %q): want 20 chars, not the engine id", r.SID, c.SID)
			}
			if a := recv(t, auth); string(a) != "{}" {
				t.Errorf("Handshake().Auth = %q, want {}", a)
			}
			expect(t, c, `2["auth",{}]`)

			c2, _ := srv.connect(tr, "/", `{"token":"a","n":[1,2]}`)
			if a := recv(t, auth); string(a) != `{"token":"a","n":[1,2]}` {
				t.Errorf("Handshake().Auth = %q", a)
			}
			expect(t, c2, `2["auth",{"token":"a","n":[1,2]}]`)
		})
	}
}

func TestConnectReplyWithRecovery(t *testing.T) {
	srv := startServer(t, socketio.Options{ConnectionStateRecovery: &socketio.RecoveryOptions{}}, nil)
	c, r := srv.connect("websocket", "/", "")
	if got := keysOf(t, r.JSON); !slices.Equal(got, []string{"sid", "pid"}) {
		t.Errorf("CONNECT reply %q has keys %v, want [sid pid]", r.Raw, got)
	}
	if len(r.SID) != 20 || r.SID == c.SID || r.PID == "" || r.PID == r.SID {
		t.Errorf("sid %q pid %q engine %q", r.SID, r.PID, c.SID)
	}
}

func TestConnectCustomNamespace(t *testing.T) {
	srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
		io.Of("/custom").OnConnection(func(s *socketio.Socket) { s.Emit("hi", s.Namespace().Name()) })
	})
	// Both forms of the namespace: with and without the trailing comma.
	for _, pkt := range []string{`0/custom`, `0/custom,`, `0/custom,{"token":"a"}`} {
		c := srv.dial("websocket")
		send(t, c, pkt)
		got := expectPrefix(t, c, `0/custom,{"sid":"`)
		if keys := keysOf(t, strings.TrimPrefix(got, "0/custom,")); !slices.Equal(keys, []string{"sid"}) {
			t.Errorf("reply %q", got)
		}
		expect(t, c, `2/custom,["hi","/custom"]`)
		// DISCONNECT without the comma too.
		send(t, c, `1/custom`)
		send(t, c, `0/custom`)
		expectPrefix(t, c, `0/custom,{"sid":"`)
	}
}

func TestConnectMiddlewareRefusal(t *testing.T) {
	srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
		io.Use(func(s *socketio.Socket) error {
			var a struct{ Token string }
			s.Handshake().DecodeAuth(&a)
			switch a.Token {
			case "data":
				return &socketio.ConnectError{Message: "not authorized", Data: map[string]any{"code": 42, "why": "<bad>"}}
			case "plain":
				return errors.New("plain refusal")
			case "nodata":
				return &socketio.ConnectError{Message: "no data"}
			}
			return nil
		})
		io.Of("/admin").Use(func(s *socketio.Socket) error { return errors.New("admins only") })
	})
	for _, tr := range transports {
		c := srv.dial(tr)
		send(t, c, `0{"token":"data"}`)
		expect(t, c, `4{"message":"not authorized","data":{"code":42,"why":"<bad>"}}`)
		send(t, c, `0{"token":"plain"}`)
		expect(t, c, `4{"message":"plain refusal"}`)
		send(t, c, `0{"token":"nodata"}`)
		expect(t, c, `4{"message":"no data"}`)
		send(t, c, `0/admin,`)
		expect(t, c, `4/admin,{"message":"admins only"}`)
		// The connection stays usable after refusals.
		if _, err := c.Connect("/", `{"token":"ok"}`, wait); err != nil {
			t.Fatalf("%s: connect after refusals: %v", tr, err)
		}
	}
}

func TestConnectInvalidNamespace(t *testing.T) {
	srv := startServer(t, socketio.Options{}, nil)
	for _, tr := range transports {
		c := srv.dial(tr)
		send(t, c, `0/nope`)
		expect(t, c, `4/nope,{"message":"Invalid namespace"}`)
		send(t, c, `0/nope,{"a":1}`)
		expect(t, c, `4/nope,{"message":"Invalid namespace"}`)
		if _, err := c.Connect("/", "", wait); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDynamicNamespaces(t *testing.T) {
	var parentRE, parentFn *socketio.ParentNamespace
	conns := make(chan string, 8)
	srv := startServer(t, socketio.Options{}, func(io *socketio.Server) {
		parentRE = io.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`))
		parentRE.Use(func(s *socketio.Socket) error {
			var a struct{ Token string }
			s.Handshake().DecodeAuth(&a)
			if a.Token != "t" {
				return &socketio.ConnectError{Message: "bad token", Data: s.Namespace().Name()}
			}
			s.SetData("checked")
			return nil
		})
		parentRE.OnConnection(func(s *socketio.Socket) {
			conns <- s.Namespace().Name() + " " + s.Data().(string)
			s.On("ping", func(ack socketio.AckFunc) { ack("pong " + s.Namespace().Name()) })
		})
		parentFn = io.OfFunc(func(name string, auth json.RawMessage) bool {
			var a struct{ Tenant string }
			json.Unmarshal(auth, &a)
			return strings.HasPrefix(name, "/tenant-") && a.Tenant == name[len("/tenant-"):]
		})
		parentFn.OnConnection(func(s *socketio.Socket) { conns <- "fn " + s.Namespace().Name() })
	})

	c := srv.dial("websocket")
	send(t, c, `0/dyn-1,{"token":"x"}`)
	expect(t, c, `4/dyn-1,{"message":"bad token","data":"/dyn-1"}`)
	send(t, c, `0/dyn-1,{"token":"t"}`)
	expectPrefix(t, c, `0/dyn-1,{"sid":"`)
	if got := recv(t, conns); got != "/dyn-1 checked" {
		t.Errorf("connection handler saw %q", got)
	}
	send(t, c, `2/dyn-1,5["ping"]`)
	expect(t, c, `3/dyn-1,5["pong /dyn-1"]`)
	send(t, c, `0/dyn-x,{"token":"t"}`)
	expect(t, c, `4/dyn-x,{"message":"Invalid namespace"}`)

	// A second child, and a middleware added to the parent later reaches
	// the existing children too.
	send(t, c, `0/dyn-22,{"token":"t"}`)
	expectPrefix(t, c, `0/dyn-22,{"sid":"`)
	recv(t, conns)
	if n := len(parentRE.Children()); n != 2 {
		t.Errorf("%d children, want 2", n)
	}
	parentRE.Use(func(*socketio.Socket) error { return errors.New("closed for today") })
	c2 := srv.dial("websocket")
	send(t, c2, `0/dyn-1,{"token":"t"}`)
	expect(t, c2, `4/dyn-1,{"message":"closed for today"}`)

	// Broadcast to every child.
	if err := parentRE.Emit("all", 1); err != nil {
		t.Fatal(err)
	}
	got := []string{expectPrefix(t, c, "2/dyn-"), expectPrefix(t, c, "2/dyn-")}
	slices.Sort(got)
	if !slices.Equal(got, []string{`2/dyn-1,["all",1]`, `2/dyn-22,["all",1]`}) {
		t.Errorf("parent emit: %q", got)
	}

	// OfFunc decides with the auth payload.
	send(t, c, `0/tenant-a,{"tenant":"b"}`)
	expect(t, c, `4/tenant-a,{"message":"Invalid namespace"}`)
	send(t, c, `0/tenant-a,{"tenant":"a"}`)
	expectPrefix(t, c, `0/tenant-a,{"sid":"`)
	if got := recv(t, conns); got != "fn /tenant-a" {
		t.Errorf("got %q", got)
	}
	if len(parentFn.Children()) != 1 {
		t.Errorf("OfFunc children: %d", len(parentFn.Children()))
	}
}

func TestCleanupEmptyChildNamespaces(t *testing.T) {
	var parent *socketio.ParentNamespace
	srv := startServer(t, socketio.Options{CleanupEmptyChildNamespaces: true}, func(io *socketio.Server) {
		parent = io.OfRegexp(regexp.MustCompile(`^/room-`))
	})
	leaving := make(chan string, 1)
	parent.OnConnection(func(s *socketio.Socket) { s.OnDisconnect(func(r string) { leaving <- r }) })
	c, _ := srv.connect("websocket", "/", "")
	if _, err := c.Connect("/room-1", "", wait); err != nil {
		t.Fatal(err)
	}
	if len(parent.Children()) != 1 {
		t.Fatal("no child")
	}
	send(t, c, `1/room-1,`)
	recv(t, leaving)
	if n := len(parent.Children()); n != 0 {
		t.Errorf("%d children left after the last socket left", n)
	}
}
