package engineio_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/siogo/siogo/engineio"
)

// benchPollingRoundTrip drives one polling session in process: each
// iteration POSTs a message, which the server echoes (the receive path,
// then Send), and GETs the echo (the polling write path).
func benchPollingRoundTrip(b *testing.B, hooks *engineio.Hooks) {
	srv := engineio.NewServer(engineio.Options{
		PingInterval: time.Hour, PingTimeout: time.Hour, Hooks: hooks,
		OnConnection: func(s *engineio.Socket) {
			s.OnMessage(func(data []byte, binary bool) { s.Send(engineio.NewMessage(data, binary)) })
		},
	})
	defer srv.Close()
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/engine.io/?EIO=4&transport=polling", nil))
	body := w.Body.String()
	i := strings.Index(body, `"sid":"`)
	if i < 0 {
		b.Fatalf("handshake: %q", body)
	}
	sid := body[i+7 : i+7+strings.IndexByte(body[i+7:], '"')]
	query := "/engine.io/?EIO=4&transport=polling&sid=" + sid
	b.ReportAllocs()
	for b.Loop() {
		post := httptest.NewRequest(http.MethodPost, query, strings.NewReader(`4{"text":"hello there"}`))
		post.Header.Set("Content-Type", "text/plain;charset=UTF-8")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, post)
		if w.Code != http.StatusOK {
			b.Fatalf("POST: %d %q", w.Code, w.Body)
		}
		w = httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, query, nil))
		if w.Body.Len() == 0 {
			b.Fatal("empty poll")
		}
	}
}

func BenchmarkPollingRoundTrip(b *testing.B) {
	b.Run("no-hooks", func(b *testing.B) { benchPollingRoundTrip(b, nil) })
	b.Run("noop-hooks", func(b *testing.B) {
		benchPollingRoundTrip(b, &engineio.Hooks{
			SessionOpened:   func(string) {},
			SessionClosed:   func(string, string) {},
			Upgraded:        func() {},
			PacketIn:        func(string, string, int) {},
			PacketOut:       func(string, string, int) {},
			QueueOverflow:   func(string) {},
			VolatileDropped: func(string, int) {},
			RequestRefused:  func(string) {},
			RequestDone:     func(string, string, time.Duration) {},
		})
	})
}
