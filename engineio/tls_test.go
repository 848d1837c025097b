package engineio_test

import (
	"crypto/tls"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/siogo/siogo/engineio"
)

// TestWebSocketOverTLS: a TLS connection cannot be read from its file
// descriptor, so a goroutine reads it (the reader used where there is no
// poller): messages arrive in order, a close frame ends the session with
// "transport close", and no goroutine is left.
func TestWebSocketOverTLS(t *testing.T) {
	leakCheck(t)
	closes := make(chan string, 1)
	srv := engineio.NewServer(engineio.Options{OnConnection: func(s *engineio.Socket) {
		s.OnMessage(func(data []byte, binary bool) { s.Send(engineio.NewMessage(data, binary)) })
		s.OnClose(func(reason string, _ error) { closes <- reason })
	}})
	ts := httptest.NewTLSServer(srv)
	defer ts.Close()
	defer srv.Close()
	d := websocket.Dialer{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	ws, _, err := d.Dial("wss"+strings.TrimPrefix(ts.URL, "https")+"/engine.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetReadDeadline(deadline())
	if _, open, err := ws.ReadMessage(); err != nil || open[0] != '0' {
		t.Fatalf("open packet %q: %v", open, err)
	}
	long := "4" + strings.Repeat("x", 70000) // several TLS records and reads
	for _, m := range []string{"4one", "4two", long} {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"4one", "4two", long} {
		if _, got, err := ws.ReadMessage(); err != nil || string(got) != want {
			t.Fatalf("echo of %d bytes: %d bytes, %v", len(want), len(got), err)
		}
	}
	ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	select {
	case reason := <-closes:
		if reason != engineio.ReasonTransportClose {
			t.Errorf("closed with %q", reason)
		}
	case <-deadlineC():
		t.Fatal("session not closed")
	}
}
