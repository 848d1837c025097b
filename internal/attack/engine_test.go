package attack_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/internal/attack"
)

const (
	badRequests    = "siogo_engine_bad_requests_total"
	sessionsClosed = "siogo_engine_sessions_closed_total"
	parseErrors    = "siogo_parse_errors_total"
	disconnects    = "siogo_disconnects_total"
)

// Requests refused before any session exists get Node's status and error
// JSON, and each is counted by its refusal.
func TestEngineRefusals(t *testing.T) {
	s := startServer(t, serverOptions{})
	good := s.startGoodClients(t)
	for _, tc := range []struct {
		name, method, query string
		header              http.Header
		status, code        int
		message, refused    string
	}{
		{"unknown transport", "GET", "EIO=4&transport=carrier-pigeon", nil, 400, 0, "Transport unknown", engineio.RefusedUnknownTransport},
		{"no query", "GET", "", nil, 400, 0, "Transport unknown", engineio.RefusedUnknownTransport},
		{"unknown sid", "GET", "EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA", nil, 400, 1, "Session ID unknown", engineio.RefusedUnknownSID},
		{"unknown sid, POST", "POST", "EIO=4&transport=polling&sid=nope", nil, 400, 1, "Session ID unknown", engineio.RefusedUnknownSID},
		{"10 KB sid", "GET", "EIO=4&transport=polling&sid=" + strings.Repeat("A", 10<<10), nil, 400, 1, "Session ID unknown", engineio.RefusedUnknownSID},
		{"handshake by POST", "POST", "EIO=4&transport=polling", nil, 400, 2, "Bad handshake method", engineio.RefusedBadHandshakeMethod},
		{"handshake by PUT", "PUT", "EIO=4&transport=polling", nil, 400, 2, "Bad handshake method", engineio.RefusedBadHandshakeMethod},
		{"websocket without upgrade", "GET", "EIO=4&transport=websocket", nil, 400, 3, "Bad request", engineio.RefusedBadRequest},
		{"EIO=3", "GET", "EIO=3&transport=polling", nil, 400, 5, "Unsupported protocol version", engineio.RefusedUnsupportedProtocolVersion},
		{"EIO=banana", "GET", "EIO=banana&transport=polling", nil, 400, 5, "Unsupported protocol version", engineio.RefusedUnsupportedProtocolVersion},
		{"no EIO", "GET", "transport=polling", nil, 400, 5, "Unsupported protocol version", engineio.RefusedUnsupportedProtocolVersion},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.counters()
			resp, err := s.target.Do(ctx(t), tc.method, tc.query, tc.header, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkEngineError(t, resp, tc.status, tc.code, tc.message)
			s.waitMoved(t, before, counted(badRequests, "code", tc.refused))
			good.check(t)
		})
	}

	// Header bytes no HTTP client library would send, on a raw
	// connection: net/http refuses them before any handler runs (the
	// engine's own check, Node's checkInvalidHeaderChar, is a second
	// line), so no session opens.
	t.Run("control character in Origin", func(t *testing.T) {
		before := s.counters()
		c, err := s.target.Dial(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write([]byte("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nOrigin: http://a\x01b\r\n\r\n"))
		resp, err := c.ReadResponse(time.Now().Add(wait))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != 400 {
			t.Fatalf("answer %s, want 400", resp)
		}
		if d := s.counters()[metricKey("siogo_engine_sessions_opened_total", "transport", "polling")] -
			before[metricKey("siogo_engine_sessions_opened_total", "transport", "polling")]; d != 0 {
			t.Fatalf("%v sessions opened", d)
		}
		good.check(t)
	})
}

func checkEngineError(t *testing.T, resp *attack.Response, status, code int, message string) {
	t.Helper()
	if resp.Status != status {
		t.Fatalf("answer %s, want status %d", resp, status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	e, err := resp.EngineError()
	if err != nil {
		t.Fatal(err)
	}
	if e.Code != code || e.Message != message {
		t.Fatalf("error %+v, want {%d %q}", e, code, message)
	}
}

// Malformed polling payloads: the POST is answered 200 "ok" as in Node
// (what decoded before the bad packet is delivered), the session is
// closed with "parse error", and a later poll finds it gone.
func TestPollingMalformedPayloads(t *testing.T) {
	s := startServer(t, serverOptions{})
	good := s.startGoodClients(t)
	for _, tc := range []struct {
		name, body string
	}{
		{"empty body", ""},
		{"type 7", "7"},
		{"type 9 with data", "9hello"},
		{"letter type", "x"},
		{"NUL type", "\x00"},
		{"negative type", "-1"},
		{"binary junk", "\xff" + string(attack.Junk(256, 1))},
		{"invalid UTF-8 type", attack.InvalidByte + "4"},
		// Node's Buffer.from(s, "base64") skips what is not base64, so
		// Node delivers these as binary messages (junk, or empty) that
		// Socket.IO then refuses; siogo refuses them at once.
		{"bad base64", "b!!!!"},
		{"bad base64 padding", "b===="},
		{"base64 with a newline", "bAAEC\nAw=="},
		{"empty record in the middle", attack.Payload("6", "", "6")},
		{"leading separator", attack.Payload("", "6")},
		{"trailing separator", attack.Payload("6", "")},
		{"separators only", "\x1e\x1e\x1e"},
		{"bad packet after good ones", attack.Payload("6", "6", "8")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sess, err := s.target.OpenSession(ctx(t), attack.Polling)
			if err != nil {
				t.Fatal(err)
			}
			before := s.counters()
			resp, err := s.target.Post(ctx(t), sess.SID, "text/plain;charset=UTF-8", []byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != 200 || string(resp.Body) != "ok" {
				t.Fatalf("POST answered %s, want 200 ok", resp)
			}
			expectGone(t, s, sess)
			s.waitMoved(t, before, counted(sessionsClosed, "transport", "polling", "reason", engineio.ReasonParseError))
			good.check(t)
		})
	}
}

// expectGone requires the server to have ended a polling session: the
// next poll gets the close packet or 400 "Session ID unknown".
func expectGone(t *testing.T, s *server, sess *attack.Session) {
	t.Helper()
	end, err := sess.AwaitClose(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if end.Refused != nil {
		checkEngineError(t, end.Refused, 400, 1, "Session ID unknown")
	} else if !end.ClosePacket && end.CloseCode == 0 {
		t.Fatalf("session ended by %+v", end)
	}
}

// Content types and methods a polling client never uses.
func TestPollingRequestShapes(t *testing.T) {
	s := startServer(t, serverOptions{})
	good := s.startGoodClients(t)

	t.Run("octet-stream", func(t *testing.T) {
		// Engine.IO 4 carries binary as base64 text: Node refuses the
		// content type with a bare 400 and closes the session.
		sess, err := s.target.OpenSession(ctx(t), attack.Polling)
		if err != nil {
			t.Fatal(err)
		}
		before := s.counters()
		resp, err := s.target.Post(ctx(t), sess.SID, "application/octet-stream", []byte{0x04, 1, 2, 3})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != 400 || len(resp.Body) != 0 {
			t.Fatalf("answer %s, want a bare 400", resp)
		}
		expectGone(t, s, sess)
		s.waitMoved(t, before,
			counted(badRequests, "code", engineio.RefusedBadRequest),
			counted(sessionsClosed, "transport", "polling", "reason", engineio.ReasonTransportError))
		good.check(t)
	})

	// Only application/octet-stream itself is refused, as in Node: other
	// types are read as text.
	for _, ct := range []string{"", "application/json", "multipart/form-data; boundary=x", "application/octet-stream; charset=binary", "text/html; charset=latin1"} {
		t.Run("content type "+ct, func(t *testing.T) {
			sess, err := s.target.OpenSession(ctx(t), attack.Polling)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := s.target.Post(ctx(t), sess.SID, ct, []byte("6"))
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != 200 || string(resp.Body) != "ok" {
				t.Fatalf("answer %s, want 200 ok", resp)
			}
			good.check(t)
		})
	}

	for _, method := range []string{"PUT", "DELETE", "PATCH", "TRACE"} {
		t.Run("method "+method, func(t *testing.T) {
			// Node answers a session request that is neither GET nor
			// POST with a bare 500 and keeps the session.
			sess, err := s.target.OpenSession(ctx(t), attack.Polling)
			if err != nil {
				t.Fatal(err)
			}
			before := s.counters()
			resp, err := s.target.Do(ctx(t), method, attack.PollQuery(sess.SID), nil, strings.NewReader("6"))
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != 500 {
				t.Fatalf("answer %s, want 500", resp)
			}
			s.waitMoved(t, before, counted(badRequests, "code", engineio.RefusedBadRequest))
			if err := sess.Send(ctx(t), "6"); err != nil {
				t.Fatalf("session after %s: %v", method, err)
			}
			good.check(t)
		})
	}
}

// Bodies and frames over MaxHTTPBufferSize.
func TestOversize(t *testing.T) {
	const limit = 100_000
	s := startServer(t, serverOptions{engine: engineio.Options{MaxHTTPBufferSize: limit}})
	good := s.startGoodClients(t)
	big := "4" + strings.Repeat("a", limit) // one byte over

	for _, chunked := range []bool{false, true} {
		name := "POST with Content-Length"
		if chunked {
			name = "chunked POST"
		}
		t.Run(name, func(t *testing.T) {
			// 413, as Node; the session survives it.
			sess, err := s.target.OpenSession(ctx(t), attack.Polling)
			if err != nil {
				t.Fatal(err)
			}
			before := s.counters()
			var body io.Reader = strings.NewReader(big)
			if chunked { // a reader of unknown length is sent chunked
				body = io.MultiReader(body)
			}
			resp, err := s.target.Do(ctx(t), "POST", attack.PollQuery(sess.SID), http.Header{"Content-Type": {"text/plain"}}, body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != http.StatusRequestEntityTooLarge {
				t.Fatalf("answer %s, want 413", resp)
			}
			s.waitMoved(t, before, counted(badRequests, "code", engineio.RefusedPayloadTooLarge))
			if err := sess.Send(ctx(t), "6"); err != nil {
				t.Fatalf("session after the 413: %v", err)
			}
			good.check(t)
		})
	}

	// WebSocket: the server closes with 1009 and "transport error", as
	// Node's ws does, before reading a byte past the limit.
	for _, tc := range []struct {
		name   string
		frames []attack.Frame
	}{
		{"one frame", []attack.Frame{{Opcode: attack.OpText, Payload: []byte(big)}}},
		{"fragments", []attack.Frame{
			{Opcode: attack.OpText, Payload: []byte(big[:limit/2]), NotFinal: true},
			{Opcode: attack.OpContinuation, Payload: []byte(big[limit/2:])},
		}},
		{"binary frame", []attack.Frame{{Opcode: attack.OpBinary, Payload: bytes.Repeat([]byte{7}, limit+1)}}},
		// The header announces 2^62 bytes that never come: the length
		// alone must be refused, not waited for.
		{"declared 2^62 bytes", []attack.Frame{{Opcode: attack.OpText, Payload: []byte("4"), Length: 1 << 62}}},
	} {
		t.Run("websocket "+tc.name, func(t *testing.T) {
			ws, _, err := s.target.OpenWebSocket(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			before := s.counters()
			for _, f := range tc.frames {
				if err := ws.WriteFrame(f); err != nil {
					t.Fatal(err)
				}
			}
			c, err := ws.ReadUntilClose(time.Now().Add(wait))
			if err != nil {
				t.Fatal(err)
			}
			if c.Code != 1009 {
				t.Fatalf("closed with %d %q, want 1009", c.Code, c.Text)
			}
			s.waitMoved(t, before, counted(sessionsClosed, "transport", "websocket", "reason", engineio.ReasonTransportError))
			good.check(t)
		})
	}
}

// WebSocket frames that break RFC 6455 or Engine.IO: the server fails the
// connection with the RFC's close code, and closes the session with
// Node's reason.
func TestWebSocketMalformedFrames(t *testing.T) {
	s := startServer(t, serverOptions{})
	good := s.startGoodClients(t)
	const (
		protocolError = 1002
		invalidData   = 1007
		emptyClose    = 1005 // a close frame without a code, as Node's ws.close()
	)
	for _, tc := range []struct {
		name   string
		frames []attack.Frame
		code   int
		reason string
	}{
		// Engine.IO packets that do not decode.
		{"type 7", text("7"), emptyClose, engineio.ReasonParseError},
		{"empty text frame", text(""), emptyClose, engineio.ReasonParseError},
		{"letter type", text("x"), emptyClose, engineio.ReasonParseError},
		{"bad base64", text("b!!!!"), emptyClose, engineio.ReasonParseError}, // Node: a junk binary message
		// RFC 6455 violations.
		{"invalid UTF-8 text", text("4" + attack.InvalidByte), invalidData, engineio.ReasonTransportError},
		{"overlong UTF-8 text", text("4" + attack.OverlongSlash), invalidData, engineio.ReasonTransportError},
		{"surrogate in text", text("4" + attack.Surrogate), invalidData, engineio.ReasonTransportError},
		{"unmasked frame", []attack.Frame{{Opcode: attack.OpText, Payload: []byte("6"), Unmasked: true}}, protocolError, engineio.ReasonTransportError},
		{"RSV2 set", []attack.Frame{{Opcode: attack.OpText, Payload: []byte("6"), RSV: 2}}, protocolError, engineio.ReasonTransportError},
		{"RSV1 without compression", []attack.Frame{{Opcode: attack.OpText, Payload: []byte("6"), RSV: 4}}, protocolError, engineio.ReasonTransportError},
		{"unknown opcode", []attack.Frame{{Opcode: 0x3, Payload: []byte("6")}}, protocolError, engineio.ReasonTransportError},
		{"continuation first", []attack.Frame{{Opcode: attack.OpContinuation, Payload: []byte("6")}}, protocolError, engineio.ReasonTransportError},
		{"text inside a fragmented message", []attack.Frame{
			{Opcode: attack.OpText, Payload: []byte("4a"), NotFinal: true},
			{Opcode: attack.OpText, Payload: []byte("6")},
		}, protocolError, engineio.ReasonTransportError},
		{"ping of 126 bytes", []attack.Frame{{Opcode: attack.OpPing, Payload: bytes.Repeat([]byte{1}, 126)}}, protocolError, engineio.ReasonTransportError},
		{"fragmented ping", []attack.Frame{{Opcode: attack.OpPing, NotFinal: true}}, protocolError, engineio.ReasonTransportError},
		{"close code 999", []attack.Frame{{Opcode: attack.OpClose, Payload: []byte{0x03, 0xe7}}}, protocolError, engineio.ReasonTransportError},
		{"close reason not UTF-8", []attack.Frame{{Opcode: attack.OpClose, Payload: []byte("\x03\xe8" + attack.InvalidByte)}}, invalidData, engineio.ReasonTransportError}, // Node's ws: 1007
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws, _, err := s.target.OpenWebSocket(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			before := s.counters()
			for _, f := range tc.frames {
				if err := ws.WriteFrame(f); err != nil {
					t.Fatal(err)
				}
			}
			c, err := ws.ReadUntilClose(time.Now().Add(wait))
			if err != nil {
				t.Fatal(err)
			}
			if c.Code != tc.code {
				t.Errorf("closed with %d %q, want %d", c.Code, c.Text, tc.code)
			}
			s.waitMoved(t, before, counted(sessionsClosed, "transport", "websocket", "reason", tc.reason))
			good.check(t)
		})
	}
}

func text(s string) []attack.Frame {
	return []attack.Frame{{Opcode: attack.OpText, Payload: []byte(s)}}
}

// With permessage-deflate, the limit is on the message, not on its
// compressed form: a small frame that inflates past MaxHTTPBufferSize is
// refused as Node's ws refuses it (1009, "transport error"), without
// inflating it all.
func TestDecompressionBomb(t *testing.T) {
	const limit = 100_000
	s := startServer(t, serverOptions{engine: engineio.Options{MaxHTTPBufferSize: limit, PerMessageDeflate: true}})
	good := s.startGoodClients(t)
	s.target.WebSocketCompression = true
	for _, tc := range []struct {
		name string
		size int
	}{
		{"one byte over", limit + 1},
		{"64 MB", 64 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bomb := attack.DeflateBomb("4", 'a', tc.size-1)
			if len(bomb.Payload) >= limit {
				t.Fatalf("the bomb is %d bytes compressed", len(bomb.Payload))
			}
			ws, _, err := s.target.OpenWebSocket(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			before := s.counters()
			if err := ws.WriteFrame(bomb); err != nil {
				t.Fatal(err)
			}
			c, err := ws.ReadUntilClose(time.Now().Add(wait))
			if err != nil {
				t.Fatal(err)
			}
			if c.Code != 1009 {
				t.Fatalf("closed with %d %q, want 1009", c.Code, c.Text)
			}
			s.waitMoved(t, before, counted(sessionsClosed, "transport", "websocket", "reason", engineio.ReasonTransportError))
			good.check(t)
		})
	}
	t.Run("within the limit", func(t *testing.T) {
		// The same frames, under the limit, are messages like any other.
		sess, err := s.target.OpenSession(ctx(t), attack.WebSocketTransport)
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		if _, err := sess.Connect(ctx(t), "/", ""); err != nil {
			t.Fatal(err)
		}
		text := strings.Repeat("a", limit-100)
		if err := sess.WebSocket().WriteFrame(attack.Deflate([]byte(`421["echo","` + text + `"]`))); err != nil {
			t.Fatal(err)
		}
		m, err := sess.Next(ctx(t))
		if err != nil || string(m.Data) != `31["`+text+`"]` {
			t.Fatalf("ack %.40q %v", m.Data, err)
		}
		good.check(t)
	})
}
