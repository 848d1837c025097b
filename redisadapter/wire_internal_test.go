package redisadapter

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/siogo/siogo/socketio"
)

// hexOf writes a capture like REDIS-WIRE.md: hex bytes, with "text" for
// the bytes of a string.
func hexOf(t *testing.T, spec string) []byte {
	t.Helper()
	var out []byte
	for _, f := range strings.Fields(spec) {
		if strings.HasPrefix(f, `"`) {
			out = append(out, strings.Trim(f, `"`)...)
			continue
		}
		if i := strings.IndexByte(f, '"'); i > 0 { // a6"ZG-vEY"
			b, err := hex.DecodeString(f[:i])
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b...)
			out = append(out, strings.Trim(f[i:], `"`)...)
			continue
		}
		b, err := hex.DecodeString(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b...)
	}
	return out
}

func TestEncodeBroadcastMatchesNode(t *testing.T) {
	// REDIS-WIRE.md 2.3 [observed]: io.to("room1").emit("ev2","x") by ZG-vEY.
	p := &socketio.Packet{Type: socketio.PacketEvent, Data: []byte(`["ev2","x"]`)}
	got, err := encodeBroadcast("ZG-vEY", "/", p, &socketio.BroadcastOptions{Rooms: []string{"room1"}})
	if err != nil {
		t.Fatal(err)
	}
	want := hexOf(t, `93 a6"ZG-vEY" 83 a4"type" 02 a4"data" 92 a3"ev2" a1"x" a3"nsp" a1"/" 83 a5"rooms" 91 a5"room1" a6"except" 90 a5"flags" 80`)
	if string(got) != string(want) {
		t.Fatalf("got  % x\nwant % x", got, want)
	}
	ch := newChannels("socket.io", "/", "ZG-vEY")
	if c := ch.publishChannel([]string{"room1"}); c != "socket.io#/#room1#" {
		t.Errorf("channel = %q", c)
	}

	// .to([room1,room2]).except(room3).volatile.compress(false)
	got, err = encodeBroadcast("ZG-vEY", "/", p, &socketio.BroadcastOptions{
		Rooms: []string{"room1", "room2"}, Except: []string{"room3"},
		Flags: socketio.BroadcastFlags{Volatile: true, NoCompress: true}})
	if err != nil {
		t.Fatal(err)
	}
	flags := hexOf(t, `a5"flags" 82 a8"volatile" c3 a8"compress" c2`)
	if !strings.HasSuffix(string(got), string(flags)) {
		t.Errorf("flags: got % x", got)
	}
	if c := ch.publishChannel([]string{"room1", "room2"}); c != "socket.io#/#" {
		t.Errorf("channel = %q", c)
	}
}

func TestChannels(t *testing.T) {
	c := newChannels("socket.io", "/chat", "ZG-vEY")
	for got, want := range map[string]string{
		c.broadcast: "socket.io#/chat#", c.pattern: "socket.io#/chat#*",
		c.request: "socket.io-request#/chat#", c.response: "socket.io-response#/chat#",
		c.specific:                 "socket.io-response#/chat#ZG-vEY#",
		c.responseTo("abc", true):  "socket.io-response#/chat#abc#",
		c.responseTo("", true):     "socket.io-response#/chat#",
		c.responseTo("abc", false): "socket.io-response#/chat#",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	if p := newChannels("a*b", "/[x]", "u").pattern; p != `a\*b#/\[x\]#*` {
		t.Errorf("escaped pattern = %q", p)
	}
}

func TestUID(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		u := newUID()
		if len(u) != 6 || strings.Trim(u, uidAlphabet) != "" {
			t.Fatalf("uid %q", u)
		}
		seen[u] = true
	}
	if len(seen) < 99 {
		t.Fatalf("uids repeat: %d distinct of 100", len(seen))
	}
}

func TestJSONRequestShapes(t *testing.T) {
	opts := &socketio.BroadcastOptions{Rooms: []string{"a"}}
	for _, tc := range []struct {
		got  []byte
		want string
	}{
		{marshal(allRoomsRequest{UID: "U", RequestID: "R", Type: typeAllRooms}), `{"uid":"U","requestId":"R","type":1}`},
		{marshal(fetchRequest{UID: "U", RequestID: "R", Type: typeRemoteFetch, Opts: optsOf(opts)}),
			`{"uid":"U","requestId":"R","type":5,"opts":{"rooms":["a"],"except":[]}}`},
		{marshal(joinRequest{UID: "U", Type: typeRemoteJoin, Opts: optsOf(&socketio.BroadcastOptions{}), Rooms: []string{"<b>"}}),
			`{"uid":"U","type":2,"opts":{"rooms":[],"except":[]},"rooms":["<b>"]}`},
		{marshal(disconnectRequest{UID: "U", Type: typeRemoteDisconnect, Opts: optsOf(opts), Close: true}),
			`{"uid":"U","type":4,"opts":{"rooms":["a"],"except":[]},"close":true}`},
		{marshal(sseRequest{UID: "U", Type: typeServerSideEmit, Data: []byte(`["e",1]`)}), `{"uid":"U","type":6,"data":["e",1]}`},
		{marshal(sseRequest{UID: "U", RequestID: "R", Type: typeServerSideEmit, Data: []byte(`["e"]`)}), `{"uid":"U","requestId":"R","type":6,"data":["e"]}`},
		{marshal(sseResponse{Type: 6, RequestID: "R"}), `{"type":6,"requestId":"R"}`},
		{marshal(clientCountResponse{Type: 8, RequestID: "R", ClientCount: 0}), `{"type":8,"requestId":"R","clientCount":0}`},
	} {
		if string(tc.got) != tc.want {
			t.Errorf("got  %s\nwant %s", tc.got, tc.want)
		}
	}
	v, err := jsonArray("e", []byte{1, 2}, map[string]any{"k": []byte{3}})
	if err != nil || string(v) != `["e",{"type":"Buffer","data":[1,2]},{"k":{"type":"Buffer","data":[3]}}]` {
		t.Errorf("jsonArray with binary = %s, %v", v, err)
	}
}

func TestBroadcastRequestRoundTrip(t *testing.T) {
	p := &socketio.Packet{Type: socketio.PacketEvent, Data: []byte(`["q",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1, 2}}}
	msg, err := encodeBroadcastRequest("U", "R", "/", p, &socketio.BroadcastOptions{Flags: socketio.BroadcastFlags{Timeout: 1500 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	js, atts, err := decodeMessage(msg)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"uid":"U","requestId":"R","type":7,"packet":{"type":2,"data":["q",{"_placeholder":true,"num":0}],"nsp":"/"},"opts":{"rooms":[],"except":[],"flags":{"timeout":1500}}}`
	if string(js) != want || len(atts) != 1 || string(atts[0]) != "\x01\x02" {
		t.Fatalf("got %s %q\nwant %s", js, atts, want)
	}
}
