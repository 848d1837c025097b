package attack_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/siogo/siogo/engineio"
	"github.com/siogo/siogo/internal/attack"
	"github.com/siogo/siogo/socketio"
)

var transports = []string{attack.WebSocketTransport, attack.Polling}

// connected opens a session over transport and joins "/".
func connected(t *testing.T, s *server, transport string) *attack.Session {
	t.Helper()
	sess, err := s.target.OpenSession(ctx(t), transport)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sess.Close)
	reply, err := sess.Connect(ctx(t), "/", "")
	if err != nil || !strings.HasPrefix(reply, `0{"sid":"`) {
		t.Fatalf("CONNECT: %q %v", reply, err)
	}
	return sess
}

// roundTrip requires the session to answer an echo with an ack: it is
// still open and served.
func roundTrip(t *testing.T, sess *attack.Session, id int) {
	t.Helper()
	if err := sess.SendMessages(ctx(t), fmt.Sprintf(`2%d["echo",%d]`, id, id)); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`3%d[%d]`, id, id)
	if got := nextText(t, sess); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func nextText(t *testing.T, sess *attack.Session) string {
	t.Helper()
	m, err := sess.Next(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if m.Binary {
		t.Fatalf("got an attachment %x, want a packet", m.Data)
	}
	return string(m.Data)
}

// expectClosedBy requires the server to end the session as Node closes a
// Socket.IO connection (socket.io's conn.close()): an empty close frame
// over WebSocket; over polling, the session is gone at the next poll.
func expectClosedBy(t *testing.T, sess *attack.Session) {
	t.Helper()
	end, err := sess.AwaitClose(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(end.Messages) > 0 {
		t.Errorf("the server answered %v before closing", end.Messages)
	}
	switch {
	case sess.Transport == attack.WebSocketTransport && end.CloseCode != 1005:
		t.Fatalf("closed with code %d, want an empty close frame (1005)", end.CloseCode)
	case sess.Transport == attack.Polling && !end.ClosePacket && end.Refused == nil:
		t.Fatalf("session ended by %+v", end)
	}
}

// Packets the Socket.IO parser refuses: the connection is closed as Node
// closes it ("forced close" for its sockets), and the error is counted.
func TestSocketIOParseErrors(t *testing.T) {
	s := startServer(t, serverOptions{})
	good := s.startGoodClients(t)
	type msg struct {
		text   string
		binary []byte
	}
	packets := func(texts ...string) []msg {
		out := make([]msg, len(texts))
		for i, t := range texts {
			out[i] = msg{text: t}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		msgs []msg
	}{
		{"unknown type 9", packets(`9`)},
		{"unknown type 7 with data", packets(`7["echo"]`)},
		{"letter type", packets(`x["echo"]`)},
		{"unparsable JSON", packets(`2["echo"`)},
		{"trailing garbage", packets(`2["echo"]]`)},
		{"event data is an object", packets(`2{"echo":1}`)},
		{"event data is a string", packets(`2"echo"`)},
		{"event data is empty", packets(`2[]`)},
		{"event name is null", packets(`2[null,1]`)},
		{"reserved event name", packets(`2["disconnect","x"]`)},
		{"CONNECT payload is an array", packets(`0/admin,[1]`)},
		{"DISCONNECT with a payload", packets(`1{}`)},
		{"ack id beyond 19 digits", packets(`212345678901234567890["echo",1]`)},
		{"ack id of 400 digits", packets(`2` + strings.Repeat("9", 400) + `["echo",1]`)},
		{"negative ack id", packets(`2-1["echo",1]`)},
		{"non-numeric ack id", packets(`2abc["echo",1]`)},
		{"100k unclosed brackets", packets(`2["echo",` + attack.Unclosed(100_000))},
		{"nested 100k deep", packets(`2["echo",` + attack.Nested(100_000) + `]`)},
		{"nested 100k deep in CONNECT auth", packets(`0/admin,{"a":` + attack.Nested(100_000) + `}`)},
		{"11 attachments", packets(attack.BinaryEvent("echo", 11, attack.Seq(11)...))},
		{"attachment count not a number", packets(`5x-["echo"]`)},
		{"attachment count without dash", packets(`51["echo",` + attack.Placeholder(0) + `]`)},
		{"attachment without a packet", []msg{{binary: []byte{1, 2, 3}}}},
		{"attachment after a complete packet", []msg{{text: `2["echo",1]`}, {binary: []byte{1}}}},
		{"packet instead of an attachment", []msg{{text: attack.BinaryEvent("echo", 2, 0, 1)}, {binary: []byte{1}}, {text: `2["echo",1]`}}},
		{"placeholder beyond the attachments", []msg{{text: attack.BinaryEvent("echo", 1, 1)}, {binary: []byte{1}}}},
		{"placeholder num not a number", []msg{{text: `51-["echo",{"_placeholder":true,"num":"0"}]`}, {binary: []byte{1}}}},
		{"placeholder with no attachment announced", packets(attack.BinaryEvent("echo", 0, 0))},
	} {
		for _, tr := range transports {
			t.Run(tc.name+"/"+tr, func(t *testing.T) {
				sess := connected(t, s, tr)
				before := s.counters()
				for _, m := range tc.msgs {
					var err error
					if m.binary != nil {
						err = sess.SendBinary(ctx(t), m.binary)
					} else {
						err = sess.SendMessages(ctx(t), m.text)
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				expectClosedBy(t, sess)
				s.waitMoved(t, before,
					counted(parseErrors),
					counted(sessionsClosed, "transport", tr, "reason", engineio.ReasonForcedClose),
					counted(disconnects, "namespace", "/", "reason", socketio.ReasonForcedClose))
				good.check(t)
			})
		}
	}
}

// Packets that parse but make no sense in the connection's state: Node
// closes the connection ("forced server close"), with no parse error.
func TestSocketIOUnjoinedNamespaces(t *testing.T) {
	s := startServer(t, serverOptions{})
	good := s.startGoodClients(t)
	for _, tc := range []struct{ name, packet string }{
		{"event for a namespace not joined", `2/admin,["echo",1]`},
		{"event for a namespace that does not exist", `2/nope,["echo",1]`},
		{"ack for a namespace not joined", `3/admin,1[]`},
		{"DISCONNECT for a namespace not joined", `1/admin,`},
		{"second CONNECT", `0`},
		{"CONNECT_ERROR from the client", `4{"message":"x"}`},
		{"namespace without a comma", `2/admin["echo"]`},
	} {
		for _, tr := range transports {
			t.Run(tc.name+"/"+tr, func(t *testing.T) {
				sess := connected(t, s, tr)
				before := s.counters()
				if err := sess.SendMessages(ctx(t), tc.packet); err != nil {
					t.Fatal(err)
				}
				expectClosedBy(t, sess)
				s.waitMoved(t, before,
					counted(sessionsClosed, "transport", tr, "reason", engineio.ReasonForcedClose),
					counted(disconnects, "namespace", "/", "reason", socketio.ReasonForcedServerClose))
				if d := s.counters()[parseErrors] - before[parseErrors]; d != 0 {
					t.Errorf("counted as %v parse errors, want none", d)
				}
				good.check(t)
			})
		}
	}
}

// Hostile packets the server answers as Node does without closing.
func TestSocketIOAnswered(t *testing.T) {
	s := startServer(t, serverOptions{})
	good := s.startGoodClients(t)
	deep := attack.Nested(5_000)
	for _, tc := range []struct {
		name   string
		send   []string
		binary [][]byte
		want   []string // packets, then attachments as "<hex>"
	}{
		// Node answers an unknown namespace with CONNECT_ERROR and
		// keeps the connection.
		{"CONNECT to an unknown namespace", []string{`0/nope,`}, nil, []string{`4/nope,{"message":"Invalid namespace"}`}},
		{"CONNECT to a namespace made of junk", []string{"0/\u202e\u0000<script>,"}, nil, []string{"4/\u202e\u0000<script>,{\"message\":\"Invalid namespace\"}"}},
		// An ack for an id the server never used is ignored.
		{"ack for an unknown id", []string{`3999[1]`, `21["echo",1]`}, nil, []string{`31[1]`}},
		// The largest ids: Node reads ack ids as doubles (so it
		// answers 2^53+1 as 9007199254740992); siogo keeps the 19
		// digits it accepts exact.
		{"ack id 2^53+1", []string{`29007199254740993["echo",1]`}, nil, []string{`39007199254740993[1]`}},
		{"ack id of 19 nines", []string{`29999999999999999999["echo",1]`}, nil, []string{`39999999999999999999[1]`}},
		// Deep but within the JSON decoder's limits: relayed whole.
		{"nested 5,000 deep", []string{`21["echo",` + deep + `]`}, nil, []string{`31[` + deep + `]`}},
		// As Node: attachments past the placeholders are accepted.
		{"more attachments than placeholders", []string{`52-1["echo",` + attack.Placeholder(0) + `]`}, [][]byte{{1}, {2}}, []string{`61-1[` + attack.Placeholder(0) + `]`, "<01>"}},
		{"attachment with no placeholder", []string{`51-1["echo",2]`}, [][]byte{{1}}, []string{`31[2]`}},
	} {
		for _, tr := range transports {
			t.Run(tc.name+"/"+tr, func(t *testing.T) {
				sess := connected(t, s, tr)
				if err := sess.SendMessages(ctx(t), tc.send...); err != nil {
					t.Fatal(err)
				}
				for _, b := range tc.binary {
					if err := sess.SendBinary(ctx(t), b); err != nil {
						t.Fatal(err)
					}
				}
				for _, want := range tc.want {
					m, err := sess.Next(ctx(t))
					if err != nil {
						t.Fatal(err)
					}
					got := string(m.Data)
					if m.Binary {
						got = fmt.Sprintf("<%x>", m.Data)
					}
					if got != want {
						t.Fatalf("got %.200q, want %.200q", got, want)
					}
				}
				roundTrip(t, sess, 77)
				good.check(t)
			})
		}
	}
}

// Invalid UTF-8: a WebSocket text frame that is not UTF-8 fails the
// connection (1007, "transport error"), as Node's ws; a polling body is
// read as Node reads it, each bad sequence becoming U+FFFD. Either way
// nothing but UTF-8 reaches the other clients, whose WebSocket would fail
// on anything else.
func TestInvalidUTF8(t *testing.T) {
	s := startServer(t, serverOptions{})
	good := s.startGoodClients(t)
	bad := "a" + attack.InvalidByte + attack.TruncatedSequence + attack.OverlongSlash + attack.Surrogate + "b"
	const r = "\uFFFD"
	fixed := "a" + r + r + r + r + r + r + r + "b" // as Node's Buffer.toString gives it

	t.Run("websocket", func(t *testing.T) {
		sess := connected(t, s, attack.WebSocketTransport)
		before := s.counters()
		if err := sess.SendMessages(ctx(t), `2["relay","`+bad+`"]`); err != nil {
			t.Fatal(err)
		}
		end, err := sess.AwaitClose(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if end.CloseCode != 1007 {
			t.Fatalf("closed with %d, want 1007", end.CloseCode)
		}
		s.waitMoved(t, before, counted(sessionsClosed, "transport", "websocket", "reason", engineio.ReasonTransportError))
		good.check(t)
	})

	t.Run("polling", func(t *testing.T) {
		sess := connected(t, s, attack.Polling)
		// Relayed to every other client, the well-behaved ones included
		// (the official client's WebSocket would fail on invalid UTF-8).
		listener := connected(t, s, attack.WebSocketTransport)
		if err := sess.SendMessages(ctx(t), `2["relay","`+bad+`"]`); err != nil {
			t.Fatal(err)
		}
		if got, want := nextText(t, listener), `2["relay","`+fixed+`"]`; got != want {
			t.Errorf("relay %q, want %q", got, want)
		}
		good.check(t)
		if err := sess.SendMessages(ctx(t), `21["echo","`+bad+`"]`); err != nil {
			t.Fatal(err)
		}
		if got, want := nextText(t, sess), `31["`+fixed+`"]`; got != want {
			t.Fatalf("ack %q, want %q", got, want)
		}
		good.check(t)
	})

	t.Run("polling, binary event", func(t *testing.T) {
		// The text part of a binary packet is text too.
		sess := connected(t, s, attack.Polling)
		if err := sess.SendMessages(ctx(t), `51-3["echo","`+bad+`",`+attack.Placeholder(0)+`]`); err != nil {
			t.Fatal(err)
		}
		if err := sess.SendBinary(ctx(t), []byte(bad)); err != nil { // binary stays binary
			t.Fatal(err)
		}
		if got, want := nextText(t, sess), `61-3["`+fixed+`",`+attack.Placeholder(0)+`]`; got != want {
			t.Fatalf("ack %q, want %q", got, want)
		}
		m, err := sess.Next(ctx(t))
		if err != nil || !m.Binary || string(m.Data) != bad {
			t.Fatalf("attachment %v %v, want the bytes sent", m, err)
		}
		good.check(t)
	})
}
