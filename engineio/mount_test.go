package engineio_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/siogo/siogo/engineio"
)

func TestMountServeMux(t *testing.T) {
	leakCheck(t)
	srv := engineio.NewServer(engineio.Options{OnConnection: func(s *engineio.Socket) {
		s.OnMessage(func(data []byte, binary bool) { s.Send(engineio.NewMessage(data, binary)) })
	}})
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", srv)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "app") })
	e := startHandler(t, srv, mux, "/engine.io/")

	h := e.handshake()
	e.postOK(h.SID, "4hi")
	if r := e.get(h.SID); string(r.Body) != "4hi" {
		t.Fatalf("echo through the mux: %s", r)
	}
	ws, o, err := e.c.DialWSOpen(ctx(t), "EIO=4&transport=websocket")
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if len(o.SID) != 20 {
		t.Fatalf("open %+v", o)
	}
	if r, err := e.c.DoURL(ctx(t), http.MethodGet, e.ts.URL+"/other", nil, nil); err != nil || string(r.Body) != "app" {
		t.Fatalf("the mux's other route: %v %v", r, err)
	}
}

func TestMountCustomPath(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{Path: "/custom/"}, true)
	h := e.handshake()
	e.session()
	e.postOK(h.SID, "4hi")
	if r := e.get(h.SID); string(r.Body) != "4hi" {
		t.Fatalf("echo under /custom/: %s", r)
	}
	ws, _, _ := e.dialDirect("EIO=4&transport=websocket")
	ws.WriteText("4ws")
	if got, err := ws.ReadText(deadline()); err != nil || got != "4ws" {
		t.Fatalf("WebSocket under /custom/: %q %v", got, err)
	}
	for _, path := range []string{"/engine.io/", "/", "/other/custom/"} {
		r, err := e.c.DoURL(ctx(t), http.MethodGet, e.ts.URL+path+"?EIO=4&transport=polling", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != http.StatusNotFound {
			t.Errorf("GET %s: %s, want 404", path, r)
		}
	}
	if n := e.srv.ClientsCount(); n != 2 {
		t.Errorf("%d sessions, want 2", n)
	}
}
