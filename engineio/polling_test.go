package engineio_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/internal/eiotest"
)

func TestPollingPostOK(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, true)
	h := e.handshake()
	r := e.post(h.SID, "4hello")
	if r.Status != http.StatusOK || string(r.Body) != "ok" || r.Header.Get("Content-Type") != "text/html" {
		t.Fatalf("POST: %s, want 200 text/html ok", r)
	}
	r = e.get(h.SID)
	if r.Status != http.StatusOK || string(r.Body) != "4hello" {
		t.Fatalf("GET: %s, want 4hello", r)
	}
	if r.Header.Get("Content-Type") != "text/plain; charset=UTF-8" || r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("GET headers %v", r.Header)
	}
}

func TestPollingEchoTextAndBinary(t *testing.T) {
	leakCheck(t)
	got := make(chan string, 8)
	e := startServer(t, engineio.Options{OnConnection: func(s *engineio.Socket) {
		s.OnMessage(func(data []byte, binary bool) {
			if binary {
				got <- "binary " + string(data)
			} else {
				got <- "text " + string(data)
			}
			s.Send(engineio.NewMessage(data, binary))
		})
	}}, false)
	h := e.handshake()
	// Text, UTF-8, and binary as b + base64; the empty message too.
	e.postOK(h.SID, "4héllo ☃", "bAQIDBA==", "4", "b")
	want := []string{"text héllo ☃", "binary \x01\x02\x03\x04", "text ", "binary "}
	for i, w := range want {
		select {
		case g := <-got:
			if g != w {
				t.Errorf("message %d: %q, want %q", i, g, w)
			}
		default:
			t.Fatalf("message %d not delivered before the POST was answered", i)
		}
	}
	r := e.get(h.SID)
	if p := r.Packets(); !slices.Equal(p, []string{"4héllo ☃", "bAQIDBA==", "4", "b"}) {
		t.Fatalf("echo payload %q", p)
	}
}

// TestPollingPostsThenOneGet: a client that posts several times and then
// polls once must find every reply in that one poll.
func TestPollingPostsThenOneGet(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, true)
	h := e.handshake()
	var want []string
	for i := range 5 {
		p := "4m" + itoa(int64(i))
		e.postOK(h.SID, p)
		want = append(want, p)
	}
	e.postOK(h.SID, "4x", "4y", "4z")
	want = append(want, "4x", "4y", "4z")
	if got := e.get(h.SID).Packets(); !slices.Equal(got, want) {
		t.Fatalf("one GET after the POSTs: %q, want %q", got, want)
	}
}

func TestPollingConcurrentGet(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, false)
	h := e.handshake()
	// A second GET while the first is held gets 400 and closes the
	// session; the held one receives the close packet.
	a := e.getPending(e.session())
	rb := e.get(h.SID)
	ra := e.waitPoll(a)
	if ra.Status != http.StatusOK || string(ra.Body) != "1" {
		t.Errorf("pending GET: %s, want 200 1", ra)
	}
	if rb.Status != http.StatusBadRequest {
		t.Errorf("overlapping GET: %s, want 400", rb)
	}
	e.waitClose(h.SID, engineio.ReasonTransportError)
	wantError(t, e.get(h.SID), http.StatusBadRequest, 1, "Session ID unknown")
}

func TestPollingConcurrentPost(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, false)
	h := e.handshake()
	// Two POSTs whose bodies are held half-sent: whichever reaches the server
	// second gets 400 while the first is still reading its body. The
	// declared length is over net/http's 256 KiB discard limit, so the 400
	// is written at once rather than after draining the body.
	type result struct {
		i   int
		r   *eiotest.Response
		err error
	}
	results := make(chan result, 2)
	headers := []string{"Content-Type: text/plain;charset=UTF-8", "Content-Length: 300000"}
	for i := range 2 {
		req, err := e.c.StartRequest(ctx(t), http.MethodPost, eiotest.PollQuery(h.SID), headers, []byte("4abc"))
		if err != nil {
			t.Fatal(err)
		}
		defer req.Close()
		go func() {
			r, err := req.ReadResponse(deadline())
			results <- result{i, r, err}
		}()
	}
	var first result
	select {
	case first = <-results:
	case <-time.After(waitTimeout):
		t.Fatal("neither POST answered")
	}
	if first.err != nil {
		t.Fatal(first.err)
	}
	if first.r.Status != http.StatusBadRequest {
		t.Fatalf("overlapping POST: %s, want 400", first.r)
	}
	e.waitClose(h.SID, engineio.ReasonTransportError)
	wantError(t, e.get(h.SID), http.StatusBadRequest, 1, "Session ID unknown")
	select {
	case second := <-results:
		t.Fatalf("the held POST was answered before its body ended: %v %v", second.r, second.err)
	default:
	}
}

func TestPollingBinaryContentType(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, false)
	h := e.handshake()
	r := e.do(http.MethodPost, eiotest.PollQuery(h.SID),
		http.Header{"Content-Type": {"application/octet-stream"}}, "4hello")
	if r.Status != http.StatusBadRequest {
		t.Fatalf("octet-stream POST: %s, want 400", r)
	}
	e.waitClose(h.SID, engineio.ReasonTransportError)
}

func TestPollingPostTooLarge(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{MaxHTTPBufferSize: 100}, true)
	h := e.handshake()
	if h.MaxPayload != 100 {
		t.Fatalf("maxPayload %d", h.MaxPayload)
	}
	r := e.post(h.SID, "4"+strings.Repeat("x", 100))
	if r.Status != http.StatusRequestEntityTooLarge || len(r.Body) != 0 {
		t.Fatalf("oversize POST: %s, want 413 with an empty body", r)
	}
	// Exactly at the limit is fine, and the session lives on.
	e.postOK(h.SID, "4"+strings.Repeat("y", 99))
	if got := e.get(h.SID); string(got.Body) != "4"+strings.Repeat("y", 99) {
		t.Fatalf("GET: %s", got)
	}
	e.noClose()
}

func TestPollingParseError(t *testing.T) {
	for name, body := range map[string]string{
		"empty body":          "",
		"unknown packet type": "9hello",
		"empty packet":        "4a\x1e\x1e4b",
		"bad base64":          "b!!!",
	} {
		t.Run(name, func(t *testing.T) {
			leakCheck(t)
			e := startServer(t, engineio.Options{}, false)
			h := e.handshake()
			r, err := e.c.Post(ctx(t), h.SID, body)
			if err != nil {
				t.Fatal(err)
			}
			// Node answers ok: the payload was taken, the session closed.
			if r.Status != http.StatusOK || string(r.Body) != "ok" {
				t.Errorf("POST %q: %s, want 200 ok", body, r)
			}
			e.waitClose(h.SID, engineio.ReasonParseError)
			wantError(t, e.get(h.SID), http.StatusBadRequest, 1, "Session ID unknown")
		})
	}
}

// TestPollingClientClose: a client "1" ends the session with "transport
// close" and its pending GET is released with a noop (Node's
// Polling.onClose; PROTOCOL.md 2.1), not a close packet.
func TestPollingClientClose(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, false)
	h := e.handshake()
	pending := e.getPending(e.session())
	e.postOK(h.SID, "1")
	e.waitClose(h.SID, engineio.ReasonTransportClose)
	if r := e.waitPoll(pending); r.Status != http.StatusOK || string(r.Body) != "6" {
		t.Errorf("pending GET: %s, want 200 6", r)
	}
	wantError(t, e.get(h.SID), http.StatusBadRequest, 1, "Session ID unknown")
	wantError(t, e.post(h.SID, "4x"), http.StatusBadRequest, 1, "Session ID unknown")
}

// TestPollingClientCloseAfterMessages: messages before the "1" in the same
// payload are delivered, then the session ends.
func TestPollingClientCloseAfterMessages(t *testing.T) {
	leakCheck(t)
	got := make(chan string, 1)
	e := startServer(t, engineio.Options{OnConnection: func(s *engineio.Socket) {
		s.OnMessage(func(data []byte, _ bool) { got <- string(data) })
	}}, false)
	h := e.handshake()
	e.postOK(h.SID, "4a", "1")
	select {
	case m := <-got:
		if m != "a" {
			t.Errorf("message %q", m)
		}
	default:
		t.Errorf("message before the close not delivered")
	}
	e.waitClose(h.SID, engineio.ReasonTransportClose)
	wantError(t, e.get(h.SID), http.StatusBadRequest, 1, "Session ID unknown")
}

func TestPollingCompression(t *testing.T) {
	big := strings.Repeat("abcdefgh", 200) // 1600 bytes
	small := strings.Repeat("a", 1000)     // "4" + 1000 < 1024
	cases := []struct {
		name     string
		opts     engineio.Options
		accept   string
		msg      string
		encoding string // "" for none
	}{
		{"gzip", engineio.Options{}, "gzip, deflate, br", big, "gzip"},
		{"deflate", engineio.Options{}, "deflate", big, "deflate"},
		{"no Accept-Encoding", engineio.Options{}, "", big, ""},
		{"identity", engineio.Options{}, "identity", big, ""},
		{"below threshold", engineio.Options{}, "gzip", small, ""},
		{"at threshold", engineio.Options{}, "gzip", strings.Repeat("a", 1023), "gzip"},
		{"custom threshold", engineio.Options{HTTPCompression: engineio.HTTPCompression{Threshold: 10}}, "gzip", "0123456789", "gzip"},
		{"disabled", engineio.Options{HTTPCompression: engineio.HTTPCompression{Disabled: true}}, "gzip", big, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			leakCheck(t)
			e := startServer(t, tc.opts, false)
			h := e.handshake()
			s := e.session()
			s.SendText(tc.msg)
			var hdr http.Header
			if tc.accept != "" {
				hdr = http.Header{"Accept-Encoding": {tc.accept}}
			}
			r := e.do(http.MethodGet, eiotest.PollQuery(h.SID), hdr, "")
			if r.Status != http.StatusOK {
				t.Fatalf("GET: %s", r)
			}
			if got := r.Header.Get("Content-Encoding"); got != tc.encoding {
				t.Fatalf("Content-Encoding %q, want %q", got, tc.encoding)
			}
			body := r.Body
			var zr io.Reader
			var err error
			switch tc.encoding {
			case "gzip":
				zr, err = gzip.NewReader(bytes.NewReader(body))
			case "deflate":
				zr, err = zlib.NewReader(bytes.NewReader(body))
			}
			if err != nil {
				t.Fatal(err)
			}
			if zr != nil {
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			if string(body) != "4"+tc.msg {
				t.Fatalf("payload %d bytes %.40q…, want 4%.40q…", len(body), body, tc.msg)
			}
			if r.Header.Get("Content-Type") != "text/plain; charset=UTF-8" {
				t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
			}
		})
	}
}

// TestPollingGetAborted: a client dropping its held GET closes the session
// with "transport error" (Node: "poll connection closed prematurely").
func TestPollingGetAborted(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{}, false)
	h := e.handshake()
	s := e.session()
	c, cancel := context.WithCancel(ctx(t))
	done := make(chan error, 1)
	go func() {
		_, err := e.c.Get(c, h.SID)
		done <- err
	}()
	waitFor(t, "the server holds the GET", func() bool { return engineio.PollPending(s) })
	cancel()
	if err := <-done; err == nil {
		t.Fatal("cancelled GET succeeded")
	}
	e.waitClose(h.SID, engineio.ReasonTransportError)
}

// TestPollingQueueOverflow: a session whose queue overflows is closed with
// "transport error" instead of blocking its sender.
func TestPollingQueueOverflow(t *testing.T) {
	leakCheck(t)
	e := startServer(t, engineio.Options{MaxBufferedPackets: 3}, false)
	h := e.handshake()
	s := e.session()
	for i := range 3 {
		if err := s.SendText("m"); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if err := s.SendText("one too many"); !errors.Is(err, engineio.ErrQueueFull) {
		t.Fatalf("overflowing send: %v, want ErrQueueFull", err)
	}
	e.waitClose(h.SID, engineio.ReasonTransportError)
	if err := s.SendText("after"); !errors.Is(err, engineio.ErrClosed) {
		t.Fatalf("send after the close: %v, want ErrClosed", err)
	}
}
