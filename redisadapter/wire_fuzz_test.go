package redisadapter

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/siogo/siogo/internal/binjson"
	"github.com/siogo/siogo/internal/notepack"
	"github.com/siogo/siogo/socketio"
)

// The fuzz targets of this file feed what another server (or anyone who can
// publish on the cluster's Redis) may put on the adapter's channels to the
// decoders the subscriber runs: the classic broadcast (msgpack), the
// classic requests and responses (JSON or msgpack) and the sharded
// envelope. Each decoder must refuse rather than panic, allocate in
// proportion to its input rather than to a length field it read, and agree
// with the encoder of the same message.

// allocSlack is what any decode may allocate whatever its input: maps,
// the json.Decoder state, a few small slices.
const allocSlack = 256 << 10

// decodeAllocsPerByte bounds what decoding may allocate per byte of
// input. Nesting is the costly shape: a level of arrays, one byte of
// msgpack, costs a few hundred bytes of decoder stacks (notepack's and
// encoding/json's), and notepack stops at 10,000 levels.
const decodeAllocsPerByte = 512

// checkAllocs fails when fn allocated more than perByte bytes per byte of
// input beyond allocSlack: a length prefix taken at its word is the bug
// this catches (a 5-byte msgpack header can announce 4 Gi elements).
// The count is the process's: over the limit, fn runs again, and only a
// second excess fails (another goroutine may have allocated meanwhile;
// decoding allocates the same each time).
func checkAllocs(t *testing.T, in []byte, perByte uint64, fn func()) {
	t.Helper()
	limit := allocSlack + perByte*uint64(len(in))
	measure := func() uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		fn()
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	if got := measure(); got > limit {
		if got = measure(); got > limit {
			t.Fatalf("decoding %d bytes allocated %d bytes (limit %d): % x", len(in), got, limit, clip(in))
		}
	}
}

func clip(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}

// jsonFuzzSeeds are messages of the classic and sharded protocols as Node
// and siogo write them (REDIS-WIRE.md), in JSON; each is also seeded in its
// msgpack form.
var jsonFuzzSeeds = []string{
	// classic requests
	`{"uid":"ZG-vEY","requestId":"a1","type":0,"rooms":["r1",2]}`,
	`{"uid":"ZG-vEY","requestId":"a1","type":1}`,
	`{"uid":"ZG-vEY","type":2,"opts":{"rooms":["a"],"except":[]},"rooms":["b",3]}`,
	`{"type":3,"opts":{"rooms":[],"except":["x"],"flags":{"volatile":true}},"rooms":["b"]}`,
	`{"uid":"U","requestId":"r","type":2,"sid":"s1","room":"lobby"}`,
	`{"uid":"U","requestId":"r","type":4,"sid":"s1","close":true}`,
	`{"uid":"U","type":4,"opts":{"rooms":["a"],"except":[]},"close":false}`,
	`{"uid":"U","requestId":"r","type":5,"opts":{"rooms":[],"except":[]}}`,
	`{"uid":"U","requestId":"r","type":6,"data":["ev",1,{"a":[true,null]}]}`,
	`{"uid":"U","requestId":"r","type":7,"packet":{"type":2,"data":["ev",{"_placeholder":true,"num":0}],"nsp":"/"},"opts":{"rooms":[],"except":[],"flags":{"timeout":5000}}}`,
	// classic responses
	`{"requestId":"r","sockets":["s1","s2"]}`,
	`{"requestId":"r","rooms":["a",1,"b"]}`,
	`{"requestId":"r","sockets":[{"id":"s1","handshake":{"headers":{"host":"x","X-A":"1"},"time":"t","address":"::1","xdomain":false,"secure":false,"issued":1700000000000,"url":"/socket.io/?EIO=4","query":{"EIO":"4"},"auth":{"token":"t"}},"rooms":["s1","lobby",5],"data":{"name":"alice"}}]}`,
	`{"type":6,"requestId":"r","data":"pong"}`,
	`{"type":8,"requestId":"r","clientCount":3}`,
	`{"type":9,"requestId":"r","packet":{"_placeholder":true,"num":0}}`,
	// sharded envelopes
	`{"type":1,"uid":"0123456789abcdef","nsp":"/"}`,
	`{"type":3,"data":{"packet":{"type":2,"data":["ev","x"]},"opts":{"rooms":["r"],"except":[],"flags":{"volatile":true,"compress":false}}},"uid":"0123456789abcdef","nsp":"/"}`,
	`{"type":3,"data":{"packet":{"type":2,"data":["ev",{"_placeholder":true,"num":0}]},"requestId":"0011","opts":{"rooms":[],"except":[],"flags":{"timeout":1000}}},"uid":"u","nsp":"/chat"}`,
	`{"type":4,"data":{"opts":{"rooms":["a"],"except":[],"flags":{}},"rooms":["b"]},"uid":"u","nsp":"/"}`,
	`{"type":6,"data":{"opts":{"rooms":[],"except":[],"flags":{}},"close":true},"uid":"u","nsp":"/"}`,
	`{"type":7,"data":{"opts":{"rooms":[],"except":[],"flags":{}},"requestId":"r"},"uid":"u","nsp":"/"}`,
	`{"type":8,"data":{"requestId":"r","sockets":[{"id":"s","handshake":{"headers":{},"query":{}},"rooms":["s"],"data":{}}]},"uid":"u","nsp":"/"}`,
	`{"type":9,"data":{"packet":["ev",1],"requestId":"r"},"uid":"u","nsp":"/"}`,
	`{"type":11,"data":{"requestId":"r","clientCount":2},"uid":"u","nsp":"/"}`,
	`{"type":12,"data":{"requestId":"r","packet":"ok"},"uid":"u","nsp":"/"}`,
	// oddities
	`{}`, `{"type":null}`, `{"type":"2"}`, `{"uid":7,"type":0}`, `{"Type":0,"UID":"x"}`,
	`{"type":0,"type":1,"__proto__":{"type":2}}`, `{"rooms":[[]],"type":0}`,
}

// broadcastFuzzSeeds are classic broadcasts [uid, packet, opts] in JSON.
var broadcastFuzzSeeds = []string{
	`["ZG-vEY",{"type":2,"data":["ev2","x"],"nsp":"/"},{"rooms":["room1"],"except":[],"flags":{}}]`,
	`["emitter",{"type":2,"data":["e",{"_placeholder":true,"num":0}],"nsp":"/c"},{"rooms":[],"flags":{"volatile":true,"compress":false},"except":["x","y"]}]`,
	`["U",{"type":2,"data":["e"],"id":3}]`,
	`["U",{"type":2,"data":["e"],"nsp":"/"},{"rooms":[123,"b",1.5],"except":[],"flags":{"timeout":5}}]`,
	`[7,{"type":2,"data":["e"],"nsp":"/"},{"rooms":[],"except":[],"flags":{}}]`,
	`["U",{"type":2,"data":["e"],"nsp":"/"},{"rooms":[],"except":[],"flags":{}},"extra",{"x":1}]`,
	`["U",{"type":2,"data":["e",{"_placeholder":true,"num":0}],"nsp":"/"},{"rooms":[{"_placeholder":true,"num":1}],"except":[],"flags":{}}]`,
	`["U",{"data":{"a":1},"nsp":"/"},{}]`,
	`["U"]`, `[]`, `{}`,
}

// fuzzAtts are the binary attachments seeds' placeholders index.
var fuzzAtts = [][]byte{{1, 2, 3}, {}}

func addMsgpackSeeds(f *testing.F, seeds []string) {
	for _, s := range seeds {
		f.Add([]byte(s))
		if mp, err := notepack.AppendJSON(nil, []byte(s), fuzzAtts); err == nil {
			f.Add(mp)
		}
	}
}

// hugeRoomsHeader is a broadcast whose rooms array announces 2^32-1
// elements in its 5-byte header and holds none.
var hugeRoomsHeader = []byte("\x93\xa1U\x82\xa4data\x91\xa1e\xa3nsp\xa1/\x81\xa5rooms\xdd\xff\xff\xff\xff")

func FuzzDecodeBroadcast(f *testing.F) {
	addMsgpackSeeds(f, broadcastFuzzSeeds)
	f.Add(hugeRoomsHeader)
	f.Fuzz(func(t *testing.T, msg []byte) {
		orig := bytes.Clone(msg)
		var m *broadcastMsg
		var err error
		checkAllocs(t, msg, decodeAllocsPerByte, func() { m, err = decodeBroadcast(msg) })
		if !bytes.Equal(msg, orig) {
			t.Fatalf("decodeBroadcast modified its input")
		}
		fast, ferr := fastDecodeBroadcast(msg)
		slow, serr := slowDecodeBroadcast(msg)
		if (err == nil) != (ferr == nil || serr == nil) {
			t.Fatalf("decodeBroadcast error %v, fast %v, slow %v", err, ferr, serr)
		}
		if err != nil {
			return
		}
		checkBroadcastMsg(t, m)
		if ferr == nil && !caseVariantKeys(msg) {
			// The fast reader is an optimisation: whatever it accepts, the
			// generic path accepts and reads the same way.
			checkBroadcastMsg(t, fast)
			if serr != nil {
				t.Fatalf("fast path accepts % x, generic path refuses it: %v", msg, serr)
			}
			sameBroadcast(t, "fast and generic paths", fast, slow)
		}

		// Re-encoded as siogo publishes it, the message decodes to the same
		// (when its data is an event's, as only those are re-published).
		if !isEventData(m.data) || notepack.BeyondExact(m.data) || len(m.atts) != placeholders(m.data) ||
			binjson.CheckPlaceholders(m.data, len(m.atts)) != nil {
			return
		}
		nsp := "/"
		if m.nsp != nil {
			nsp = *m.nsp
		}
		p := &socketio.Packet{Type: socketio.PacketEvent, Data: m.data, Attachments: m.atts}
		enc, err := encodeBroadcast(m.uid, nsp, p, m.opts)
		if err != nil {
			t.Fatalf("re-encoding %s: %v", m.data, err)
		}
		again, err := fastDecodeBroadcast(enc)
		if err != nil {
			t.Fatalf("the fast path refuses siogo's own encoding % x: %v", enc, err)
		}
		if again.nsp == nil || *again.nsp != nsp {
			t.Fatalf("nsp %v after a round trip, want %q", again.nsp, nsp)
		}
		again.nsp = m.nsp
		sameBroadcast(t, "a round trip", m, again)
	})
}

// wireKeys are the keys the generic path reads with encoding/json.
var wireKeys = []string{"type", "data", "nsp", "rooms", "except", "flags", "volatile", "compress"}

// caseVariantKeys reports whether the msgpack message has a map key that
// encoding/json takes for one of wireKeys although it differs ("Data",
// "nſp"): its matching ignores case, the fast reader's and Node's do not.
// Only a crafted message has one; the paths may read it differently.
func caseVariantKeys(msg []byte) bool {
	js, _, err := fromMsgpack(msg)
	var v any
	if err != nil || json.Unmarshal(js, &v) != nil {
		return false
	}
	var walk func(v any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case []any:
			return slices.ContainsFunc(v, walk)
		case map[string]any:
			for k, e := range v {
				for _, w := range wireKeys {
					if k != w && strings.EqualFold(k, w) {
						return true
					}
				}
				if walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}

func checkBroadcastMsg(t *testing.T, m *broadcastMsg) {
	t.Helper()
	if m.opts == nil {
		t.Fatal("no options")
	}
	// A map shaped like a placeholder may come as it is, in Node too:
	// placeholders are not checked here.
	if len(m.data) > 0 && !json.Valid(m.data) {
		t.Fatalf("data %q is not JSON", m.data)
	}
	if m.opts.Flags.Timeout != 0 {
		t.Fatalf("a received broadcast carries a timeout: %v", m.opts.Flags.Timeout)
	}
}

// sameBroadcast compares two decodings of a broadcast. The data is
// compared with its placeholders resolved: the generic path numbers the
// bin values of the whole message, the fast one those of the data, so a
// bin value ahead of the data (in the packet's "type", say) shifts the
// numbers of one and not the other.
func sameBroadcast(t *testing.T, what string, a, b *broadcastMsg) {
	t.Helper()
	if a.uid != b.uid || !reflect.DeepEqual(a.nsp, b.nsp) ||
		!slices.Equal(a.opts.Rooms, b.opts.Rooms) || !slices.Equal(a.opts.Except, b.opts.Except) ||
		a.opts.Flags != b.opts.Flags {
		t.Fatalf("%s differ:\n%q %v %+v\n%q %v %+v", what, a.uid, deref(a.nsp), *a.opts, b.uid, deref(b.nsp), *b.opts)
	}
	if (a.data == nil) != (b.data == nil) {
		t.Fatalf("%s: data %s and %s", what, a.data, b.data)
	}
	if a.data == nil {
		return
	}
	var va, vb any
	ea, eb := binjson.Unmarshal(a.data, a.atts, &va), binjson.Unmarshal(b.data, b.atts, &vb)
	if (ea == nil) != (eb == nil) || ea == nil && !reflect.DeepEqual(va, vb) {
		t.Fatalf("%s: data %s (%d attachments, %v) and %s (%d attachments, %v)", what, a.data, len(a.atts), ea, b.data, len(b.atts), eb)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// placeholders counts the placeholders notepack.ToJSON wrote for bin values.
func placeholders(js []byte) int {
	return bytes.Count(js, []byte(`{"_placeholder":true,"num":`))
}

// beyondInt64 reports whether a decoded JSON value holds an integral
// number of magnitude 2^63 or more, which notepack.io (and so notepack)
// writes as a 64-bit integer modulo 2^64: 1e300 arrives as 0, in Node too.
func beyondInt64(v any) bool {
	switch v := v.(type) {
	case float64:
		return math.Abs(v) >= 1<<63 && v == math.Trunc(v)
	case []any:
		return slices.ContainsFunc(v, beyondInt64)
	case map[string]any:
		for _, e := range v {
			if beyondInt64(e) {
				return true
			}
		}
	}
	return false
}

// hasProtoKey reports whether a decoded JSON value has a key __proto__,
// which does not survive notepack, in Node either: its decoder assigns
// the key, which sets the object's prototype instead.
func hasProtoKey(v any) bool {
	switch v := v.(type) {
	case []any:
		return slices.ContainsFunc(v, hasProtoKey)
	case map[string]any:
		for k, e := range v {
			if k == "__proto__" || hasProtoKey(e) {
				return true
			}
		}
	}
	return false
}

func FuzzDecodeRequest(f *testing.F) {
	addMsgpackSeeds(f, jsonFuzzSeeds)
	f.Fuzz(func(t *testing.T, msg []byte) {
		orig := bytes.Clone(msg)
		var js json.RawMessage
		var atts [][]byte
		var err error
		var req inRequest
		var res inResponse
		reqErr, resErr := error(nil), error(nil)
		checkAllocs(t, msg, decodeAllocsPerByte, func() {
			if js, atts, err = decodeMessage(msg); err == nil {
				reqErr = json.Unmarshal(js, &req)
				resErr = json.Unmarshal(js, &res)
			}
		})
		if !bytes.Equal(msg, orig) {
			t.Fatalf("decodeMessage modified its input")
		}
		if err != nil {
			if len(msg) > 0 && msg[0] == '{' {
				t.Fatalf("JSON message refused: %v", err)
			}
			return
		}
		if len(msg) > 0 && msg[0] == '{' {
			if !bytes.Equal(js, msg) || atts != nil {
				t.Fatalf("a JSON message is not passed through")
			}
		} else {
			if !json.Valid(js) {
				t.Fatalf("msgpack % x decoded to invalid JSON %q", clip(msg), js)
			}
			// One placeholder per bin value; a map that looks like one
			// is not a bin value and adds to the count.
			if placeholders(js) < len(atts) {
				t.Fatalf("%d placeholders for %d bin values in %s", placeholders(js), len(atts), js)
			}
		}
		if reqErr == nil {
			o := req.Opts.broadcastOptions()
			checkRooms(t, req.Rooms, roomList(req.Rooms))
			if req.Opts != nil {
				checkRooms(t, req.Opts.Rooms, o.Rooms)
				checkRooms(t, req.Opts.Except, o.Except)
			}
			if req.Data != nil {
				_, _ = binjson.SplitArray(nil, req.Data)
			}
		}
		if resErr == nil && len(res.Sockets) > 0 {
			checkSockets(t, res.Sockets)
		}

		// The same message in msgpack, as a Node server with binary sends
		// it, reads as the JSON one.
		// Only valid UTF-8: encoding/json replaces each invalid byte with
		// U+FFFD, notepack (as Node's UTF-8 decoder) each maximal invalid
		// sequence, so "\xe6\xbd" reads as two and one. Node's peers write
		// JSON.stringify's output, which is valid UTF-8.
		var v1, v2 any
		if msg[0] != '{' || !utf8.Valid(msg) || json.Unmarshal(msg, &v1) != nil || beyondInt64(v1) || hasProtoKey(v1) {
			return
		}
		mp, err := toMsgpack(nil, msg, nil)
		if err != nil {
			return // placeholders without attachments
		}
		js2, _, err := decodeMessage(mp)
		if err != nil {
			t.Fatalf("decoding the msgpack form % x of %s: %v", clip(mp), msg, err)
		}
		if err := json.Unmarshal(js2, &v2); err != nil {
			t.Fatalf("msgpack form of %s decodes to %s: %v", msg, js2, err)
		}
		if !reflect.DeepEqual(v1, v2) {
			t.Fatalf("JSON %s and its msgpack form %s differ", msg, js2)
		}
	})
}

// checkRooms checks roomList: numbers keep their text, strings are decoded,
// anything else is dropped.
func checkRooms(t *testing.T, raw []json.RawMessage, rooms []string) {
	t.Helper()
	var want []string
	for _, r := range raw {
		r = bytes.TrimSpace(r)
		var s string
		var n json.Number
		switch {
		case len(r) == 0 || string(r) == "null": // null decodes into anything
		case r[0] == '"' && json.Unmarshal(r, &s) == nil:
			want = append(want, s)
		case json.Unmarshal(r, &n) == nil:
			want = append(want, string(r))
		}
	}
	if !slices.Equal(rooms, want) {
		t.Fatalf("roomList(%q) = %q, want %q", raw, rooms, want)
	}
}

// checkSockets decodes a fetchSockets answer as Adapter.remoteSockets does,
// and checks that the handshakes re-encode stably.
func checkSockets(t *testing.T, raw json.RawMessage) {
	t.Helper()
	var in []inSocket
	if json.Unmarshal(raw, &in) != nil {
		return
	}
	for _, s := range in {
		checkRooms(t, s.Rooms, roomList(s.Rooms))
		if s.Handshake == nil {
			continue
		}
		b1, err := s.Handshake.MarshalJSON()
		if err != nil {
			t.Fatalf("re-encoding handshake: %v", err)
		}
		var h socketio.Handshake
		if err := h.UnmarshalJSON(b1); err != nil {
			t.Fatalf("decoding re-encoded handshake %s: %v", b1, err)
		}
		b2, err := h.MarshalJSON()
		if err != nil || !bytes.Equal(b1, b2) {
			t.Fatalf("handshake re-encoding not stable:\n%s\n%s (%v)", b1, b2, err)
		}
	}
}

func FuzzDecodeSharded(f *testing.F) {
	addMsgpackSeeds(f, jsonFuzzSeeds)
	f.Fuzz(func(t *testing.T, msg []byte) {
		orig := bytes.Clone(msg)
		var m *shardedMessage
		var atts [][]byte
		var ok bool
		checkAllocs(t, msg, decodeAllocsPerByte, func() { m, atts, ok = decodeSharded(msg) })
		if !bytes.Equal(msg, orig) {
			t.Fatalf("decodeSharded modified its input")
		}
		if !ok {
			if m != nil || atts != nil {
				t.Fatal("a refused message with results")
			}
			return
		}
		if m.Data == nil && m.Type != 1 && m.Type != 2 && m.Type != 13 {
			t.Fatalf("type %d without data accepted", m.Type)
		}
		if len(msg) > 0 && msg[0] == '{' && atts != nil {
			t.Fatal("attachments from a JSON message")
		}
		d := m.Data
		if d == nil {
			return
		}
		o := d.Opts.broadcastOptions()
		checkRooms(t, d.Rooms, roomList(d.Rooms))
		if d.Opts != nil {
			checkRooms(t, d.Opts.Rooms, o.Rooms)
			checkRooms(t, d.Opts.Except, o.Except)
		}
		if len(d.Sockets) > 0 {
			checkSockets(t, d.Sockets)
		}
		if js, _, err := decodeMessage(msg); err != nil || placeholders(js) < len(atts) {
			t.Fatalf("%d bin values, and the message decodes to %s, %v", len(atts), js, err)
		}
	})
}

// FuzzShardedRoundTrip builds a BROADCAST as ShardedAdapter publishes it
// and checks that the receiving side reads back what was sent.
func FuzzShardedRoundTrip(f *testing.F) {
	f.Add("0123456789abcdef", false, "room", "", false, false, "", []byte(`["ev","x"]`), []byte(nil))
	f.Add("u", true, "", "s1", true, true, "00ff", []byte(`["ev",{"_placeholder":true,"num":0}]`), []byte{1, 2})
	f.Add("u\u2028", true, "\"", "\\", true, false, "r", []byte(`[1,{"a":[null,1.5e300]}]`), []byte{})
	io := socketio.NewServer(socketio.Options{})
	f.Cleanup(func() { io.Close() })
	// Two fixed namespaces: the name is written as the uid is, and a
	// namespace per input would grow the server for the whole run.
	root, odd := io.Of("/"), io.Of("/é,\u2028\"")
	f.Fuzz(func(t *testing.T, uid string, oddNsp bool, room, except string, volatile, noCompress bool, requestID string, data, bin []byte) {
		if !isEventData(data) || !json.Valid(data) {
			return
		}
		// Names come from Go strings holding UTF-8 (JSON decoding replaces
		// what is not); JavaScript strings cannot hold invalid UTF-8 either.
		// Event data is valid UTF-8 too: Engine.IO makes it so (U+FFFD over
		// polling, close 1007 over WebSocket). Invalid bytes would read
		// differently here only: encoding/json makes each one a U+FFFD,
		// notepack (as Node) each maximal invalid sequence.
		for _, s := range []string{uid, room, except, requestID, string(data)} {
			if !utf8.ValidString(s) {
				return
			}
		}
		nsp := root
		if oddNsp {
			nsp = odd
		}
		var atts [][]byte
		if bin != nil {
			atts = [][]byte{bin}
		}
		if binjson.CheckPlaceholders(data, len(atts)) != nil {
			return
		}
		var compact bytes.Buffer
		if json.Compact(&compact, data) != nil {
			return
		}
		data = compact.Bytes()
		opts := &socketio.BroadcastOptions{Flags: socketio.BroadcastFlags{Volatile: volatile, NoCompress: noCompress}}
		if room != "" {
			opts.Rooms = []string{room}
		}
		if except != "" {
			opts.Except = []string{except}
		}
		a := &ShardedAdapter{uid: uid, nsp: nsp}
		p := &socketio.Packet{Type: socketio.PacketEvent, Data: data, Attachments: atts}
		enc, err := a.encode(ctBroadcast, broadcastData(p, requestID, opts, requestID != ""), atts)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		m, gotAtts, ok := decodeSharded(enc)
		if !ok {
			t.Fatalf("own message refused: %q", enc)
		}
		if m.Type != ctBroadcast || m.UID != uid || m.Nsp == nil || *m.Nsp != nsp.Name() || m.Data == nil || m.Data.Opts == nil {
			t.Fatalf("envelope %+v of %q", m, enc)
		}
		if requestID != "" && (m.Data.RequestID == nil || *m.Data.RequestID != requestID) || requestID == "" && m.Data.RequestID != nil {
			t.Fatalf("request id %v, want %q", m.Data.RequestID, requestID)
		}
		var pk inPacket
		if err := json.Unmarshal(m.Data.Packet, &pk); err != nil {
			t.Fatalf("packet %s: %v", m.Data.Packet, err)
		}
		var want, got any
		if binjson.Unmarshal(data, atts, &want) != nil || beyondInt64(want) || hasProtoKey(want) {
			return
		}
		if err := binjson.Unmarshal(pk.Data, gotAtts, &got); err != nil {
			t.Fatalf("received data %s: %v", pk.Data, err)
		}
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("sent %s, received %s", data, pk.Data)
		}
		o := m.Data.Opts.broadcastOptions()
		if !slices.Equal(o.Rooms, opts.Rooms) || !slices.Equal(o.Except, opts.Except) ||
			o.Flags.Volatile != volatile || o.Flags.NoCompress != noCompress {
			t.Fatalf("options %+v, sent %+v", *o, *opts)
		}
	})
}
