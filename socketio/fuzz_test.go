package socketio

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzDecode feeds a sequence of Engine.IO messages to a fresh decoder. The
// input is split on 0x1e, as a polling payload: a message starting with 'b'
// is binary (the rest of it), any other is text. The decoder must never
// panic, and every complete packet it returns must survive a round trip
// through appendPacket and a fresh decoder unchanged.
func FuzzDecode(f *testing.F) {
	seeds := []string{
		`0`, `0{"token":"a"}`, `0/custom`, `0/custom,{"token":"a"}`, `1`, `1/custom`, `1/admin,`,
		`2["hello"]`, `2456["e",1]`, `2/admin,12["e",null]`, `2[1]`, `2["connect"]`, `2[]`, `2{}`, `2[null]`,
		`3456[]`, `3456["a",{"b":2}]`, `3/x,1[1]`, `3456{}`,
		`4{"message":"nope","data":{"a":1}}`, `4"x"`, `4[1]`,
		"52-[\"m\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]\x1eb\x01\x02\x1eb\x03",
		"62-789[{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]\x1ebA\x1ebB",
		"51-/nsp,3[\"m\",{\"a\":[{\"_placeholder\":true,\"num\":0}]}]\x1eb\x00\x1e2[\"after\"]",
		"51-[\"m\",{\"_placeholder\":true,\"num\":1}]\x1ebx",
		"52-[\"m\"]\x1ebx\x1e2[\"e\"]",
		"bx", `5-["m"]`, `5x-["m"]`, `511-["m"]`, `7`, ``, "2[\"e\"]\x1e3/a,0[]\x1e1/a,",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var d decoder
		for _, m := range bytes.Split(in, []byte{0x1e}) {
			binary := len(m) > 0 && m[0] == 'b'
			if binary {
				m = m[1:]
			}
			// The decoder keeps slices of its input, as the transports
			// give it fresh buffers: copy, so the check below is fair.
			m = bytes.Clone(m)
			p, err := d.add(m, binary)
			if err != nil {
				// Node closes the connection on any error; a fresh
				// decoder starts the next one.
				d = decoder{}
				continue
			}
			if p == nil {
				continue
			}
			checkDecoded(t, p)
			got := reencode(t, p)
			compareDecoded(t, p, got)
			if got.event != p.event || len(got.args) != len(p.args) {
				t.Fatalf("event %q/%d args after round trip, want %q/%d", got.event, len(got.args), p.event, len(p.args))
			}
		}
	})
}

// checkDecoded checks the invariants of a packet the decoder returned.
func checkDecoded(t *testing.T, p *Packet) {
	t.Helper()
	if p.Type > PacketBinaryAck {
		t.Fatalf("type %d", p.Type)
	}
	if p.Namespace == "" || p.Namespace[0] != '/' || bytes.ContainsRune([]byte(p.Namespace), ',') {
		t.Fatalf("namespace %q", p.Namespace)
	}
	if len(p.Attachments) > maxAttachments {
		t.Fatalf("%d attachments", len(p.Attachments))
	}
	if (p.Type == PacketEvent || p.Type == PacketAck) && len(p.Attachments) > 0 {
		t.Fatalf("text type %d with attachments", p.Type)
	}
	if err := checkPayload(p); err != nil {
		t.Fatalf("decoded packet fails checkPayload: %v", err)
	}
}

// FuzzEventName checks the event name of EVENT packets whose name is a
// string against encoding/json's reading of it: the fast path for names
// without escapes must agree, and reserved names stay refused however
// they are spelled.
func FuzzEventName(f *testing.F) {
	for _, s := range []string{`"echo"`, `"a\"b"`, `"\u0063onnect"`, `"connect"`, `"héllo"`, "\"\xff\"", `"disconnecting"`, `""`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, name []byte) {
		var d decoder
		p, err := d.add(append(append([]byte(`2[`), name...), `,1]`...), false)
		var want string
		if json.Unmarshal(name, &want) != nil || len(bytes.TrimSpace(name)) == 0 || bytes.TrimSpace(name)[0] != '"' {
			return // not a string: other rules apply
		}
		if isReserved(want) {
			if err == nil {
				t.Fatalf("reserved name %q (%q) accepted", want, name)
			}
			return
		}
		if err != nil {
			t.Fatalf("name %q: %v", name, err)
		}
		if p.event != want {
			t.Fatalf("name %q decoded as %q, encoding/json gives %q", name, p.event, want)
		}
	})
}
