package redisadapter_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/siogo/siogo/internal/redistest"
	"github.com/siogo/siogo/internal/siotest"
	"github.com/siogo/siogo/redisadapter"
	"github.com/siogo/siogo/socketio"
)

// These tests run testdata/emitter.cjs, the real @socket.io/redis-emitter
// 5.1 over node-redis. They are skipped when node or the npm packages are
// missing; make test installs them.

// emitterOp is one chain of emitter calls, publishing one message. Steps
// are [method, args...] as testdata/emitter.cjs describes; {"$bin": b64}
// stands for binary.
type emitterOp struct {
	Key   string            `json:"key,omitempty"`
	Steps []json.RawMessage `json:"steps"`
}

func op(steps ...string) emitterOp {
	o := emitterOp{}
	for _, s := range steps {
		o.Steps = append(o.Steps, json.RawMessage(s))
	}
	return o
}

func keyOp(key string, steps ...string) emitterOp {
	o := op(steps...)
	o.Key = key
	return o
}

// nodeEmitter returns the node binary and the emitter script, or skips t.
func nodeEmitter(t *testing.T) (nodeBin, script string) {
	t.Helper()
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		t.Skip("skipping comparison with @socket.io/redis-emitter: node is not installed (make test installs it)")
	}
	dir, _ := filepath.Abs(".")
	for ; ; dir = filepath.Dir(dir) {
		nm := filepath.Join(dir, "node_modules")
		_, e1 := os.Stat(filepath.Join(nm, "@socket.io", "redis-emitter", "package.json"))
		_, e2 := os.Stat(filepath.Join(nm, "redis", "package.json"))
		if e1 == nil && e2 == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			t.Skip("skipping comparison with @socket.io/redis-emitter: node_modules/@socket.io/redis-emitter or node_modules/redis is missing (run npm ci or make test)")
		}
	}
	script, _ = filepath.Abs(filepath.Join("testdata", "emitter.cjs"))
	return nodeBin, script
}

// runNodeEmitter runs ops with the Node emitter against the Redis at url
// and returns once all are published.
func runNodeEmitter(t *testing.T, url string, ops []emitterOp) {
	t.Helper()
	nodeBin, script := nodeEmitter(t)
	job, err := json.Marshal(map[string]any{"url": url, "ops": ops})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodeBin, script)
	cmd.Stdin = bytes.NewReader(job)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("node emitter: %v (stdout %q)\n%s", err, out, stderr.Bytes())
	}
}

// emitterTarget is what an Emitter and an EmitterOperator share.
type emitterTarget interface {
	To(rooms ...string) *redisadapter.EmitterOperator
	In(rooms ...string) *redisadapter.EmitterOperator
	Except(rooms ...string) *redisadapter.EmitterOperator
	Volatile() *redisadapter.EmitterOperator
	Compress(bool) *redisadapter.EmitterOperator
	Emit(ctx context.Context, event string, args ...any) error
	SocketsJoin(ctx context.Context, rooms ...string) error
	SocketsLeave(ctx context.Context, rooms ...string) error
	DisconnectSockets(ctx context.Context, close bool) error
}

// runGoEmitter does what testdata/emitter.cjs does, with the Go emitter.
func runGoEmitter(t *testing.T, client redis.UniversalClient, ops []emitterOp) {
	t.Helper()
	ctx := context.Background()
	for i, o := range ops {
		var cur emitterTarget = redisadapter.NewEmitter(client, redisadapter.EmitterOptions{Key: o.Key})
		for _, raw := range o.Steps {
			var step []any
			if err := json.Unmarshal(raw, &step); err != nil {
				t.Fatalf("op %d: %s: %v", i, raw, err)
			}
			args := revive(step[1:]).([]any)
			var err error
			switch method := step[0].(string); method {
			case "of":
				cur = cur.(*redisadapter.Emitter).Of(args[0].(string))
			case "to":
				cur = cur.To(roomArgs(args[0])...)
			case "in":
				cur = cur.In(roomArgs(args[0])...)
			case "except":
				cur = cur.Except(roomArgs(args[0])...)
			case "volatile":
				cur = cur.Volatile()
			case "compress":
				cur = cur.Compress(args[0].(bool))
			case "emit":
				err = cur.Emit(ctx, args[0].(string), args[1:]...)
			case "socketsJoin":
				err = cur.SocketsJoin(ctx, roomArgs(args[0])...)
			case "socketsLeave":
				err = cur.SocketsLeave(ctx, roomArgs(args[0])...)
			case "disconnectSockets":
				err = cur.DisconnectSockets(ctx, len(args) > 0 && args[0].(bool))
			case "serverSideEmit":
				err = cur.(*redisadapter.Emitter).ServerSideEmit(ctx, args[0].(string), args[1:]...)
			default:
				t.Fatalf("op %d: unknown step %s", i, raw)
			}
			if err != nil {
				t.Fatalf("op %d: %s: %v", i, raw, err)
			}
		}
	}
}

// revive turns {"$bin": b64} into []byte, recursively.
func revive(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = revive(e)
		}
		return out
	case map[string]any:
		if s, ok := x["$bin"].(string); ok && len(x) == 1 {
			b, _ := base64.StdEncoding.DecodeString(s)
			return b
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = revive(e)
		}
		return out
	}
	return v
}

// roomArgs reads a room argument as Node takes it: one room or an array.
func roomArgs(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	var out []string
	for _, r := range v.([]any) {
		out = append(out, r.(string))
	}
	return out
}

type published struct{ channel, payload string }

// capture subscribes to every channel of rs and returns a function that
// reads the next n messages.
func capture(t *testing.T, rs *redistest.Server) func(n int) []published {
	t.Helper()
	ctx := context.Background()
	ps := rs.Client(t).PSubscribe(ctx, "*")
	t.Cleanup(func() { ps.Close() })
	if _, err := ps.ReceiveTimeout(ctx, wait); err != nil { // confirmation
		t.Fatal(err)
	}
	return func(n int) []published {
		t.Helper()
		out := make([]published, 0, n)
		for len(out) < n {
			m, err := ps.ReceiveTimeout(ctx, wait)
			if err != nil {
				t.Fatalf("received %d of %d messages: %v", len(out), n, err)
			}
			if msg, ok := m.(*redis.Message); ok {
				out = append(out, published{msg.Channel, msg.Payload})
			}
		}
		return out
	}
}

// emitterCases covers every emitter operation, the flag and room set
// semantics, and the msgpack and JSON forms of varied arguments.
var emitterCases = []emitterOp{
	op(`["emit","hello",1,{"$bin":"AQI="}]`),
	op(`["emit","no-args"]`),
	op(`["of","chat"]`, `["emit","in-chat","x"]`),
	op(`["of",""]`, `["emit","root"]`),
	op(`["of","/admin"]`, `["to","r1"]`, `["emit","one-room",true]`),
	op(`["to",["a","b"]]`, `["except","c"]`, `["volatile"]`, `["compress",false]`, `["emit","ev",{"$bin":"AAEC/w=="}]`),
	op(`["compress",false]`, `["volatile"]`, `["emit","order"]`),
	op(`["volatile"]`, `["compress",true]`, `["compress",false]`, `["emit","reassigned"]`),
	op(`["to","a"]`, `["to","a"]`, `["emit","same-room-twice"]`),
	op(`["in","x"]`, `["to",["y","x"]]`, `["emit","set-order"]`),
	op(`["except",["e1","e2"]]`, `["except","e1"]`, `["emit","except-only"]`),
	op(`["to","salle-é ☃"]`, `["emit","unicode-room"]`),
	op(`["emit","numbers",0,-1,-33,-200,-70000,-5000000000,127,128,255,256,65535,65536,4294967295,4294967296,1099511627776,9007199254740991,1.5,-0.25,1e21,3.14159]`),
	op(`["emit","strings","","héllo ☃ 😀","` + strings.Repeat("x", 31) + `","` + strings.Repeat("y", 32) + `","` + strings.Repeat("z", 300) + `","` + strings.Repeat("w", 70000) + `"]`),
	op(`["emit","nested",{"a":1,"b":[true,false,null],"c":{"d":"e"}},[[],{}],{"0":"y","1":"x","b":2},null]`),
	op(`["emit","binary",{"x":{"$bin":"BA=="},"y":[{"$bin":""},{"$bin":"` + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 300)) + `"}]}]`),
	op(`["emit","many",1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]`),
	op(`["socketsJoin","r"]`),
	op(`["to","a"]`, `["except","b"]`, `["socketsJoin",["r1","r2"]]`),
	op(`["socketsJoin",[]]`),
	op(`["volatile"]`, `["socketsJoin","flags-ignored"]`),
	op(`["socketsLeave","r"]`),
	op(`["in",["a","b"]]`, `["socketsLeave",["r1","r1"]]`),
	op(`["disconnectSockets"]`),
	op(`["to","a"]`, `["disconnectSockets",true]`),
	op(`["except","b"]`, `["disconnectSockets",false]`),
	op(`["serverSideEmit","sse",1,"two",{"$bin":"AQI="},{"x":{"$bin":"/w=="}}]`),
	op(`["serverSideEmit","escapes","\u2028<>&\u0000\u001f\"\\\n\t é 😀"]`),
	op(`["of","chat"]`, `["serverSideEmit","no-args"]`),
	keyOp("custom", `["emit","custom-key"]`),
	keyOp("custom", `["of","/n"]`, `["to","r"]`, `["emit","custom-key-room"]`),
	keyOp("custom", `["socketsJoin","r"]`),
	keyOp("custom", `["serverSideEmit","custom"]`),
}

// TestEmitterMatchesNodeEmitter checks that the Go emitter publishes the
// same bytes, on the same channels, as @socket.io/redis-emitter 5.1.
func TestEmitterMatchesNodeEmitter(t *testing.T) {
	nodeEmitter(t) // skip early
	rs := redistest.Start(t)
	next := capture(t, rs)

	runNodeEmitter(t, rs.URL(), emitterCases)
	want := next(len(emitterCases))
	runGoEmitter(t, rs.Client(t), emitterCases)
	got := next(len(emitterCases))

	for i, o := range emitterCases {
		w, g := want[i], got[i]
		steps := fmt.Sprintf("%s", o.Steps)
		if len(steps) > 200 {
			steps = steps[:200] + "..."
		}
		if w.channel != g.channel {
			t.Errorf("op %d %s %s: channel %q, node %q", i, o.Key, steps, g.channel, w.channel)
		}
		if w.payload != g.payload {
			t.Errorf("op %d %s %s:\n  go %s\nnode %s", i, o.Key, steps, hexShort(g.payload), hexShort(w.payload))
		}
	}
}

func hexShort(s string) string {
	if len(s) > 400 {
		return fmt.Sprintf("%x... (%d bytes)", s[:400], len(s))
	}
	if strings.HasPrefix(s, "{") {
		return s
	}
	return fmt.Sprintf("%x", s)
}

// TestNodeEmitterDrivesGoCluster: the Node emitter reaches Go servers'
// clients (the JS compat suite covers more).
func TestNodeEmitterDrivesGoCluster(t *testing.T) {
	nodeEmitter(t)
	sse := make(chan string, 4)
	c := newCluster(t, 2, redisadapter.Options{}, func(i int, io *socketio.Server) {
		defaultSetup(io)
		io.Of("/").OnServerSideEmit("from-node", func(s string, b json.RawMessage) { sse <- s + " " + string(b) })
	})
	s0, s1 := c.servers[0], c.servers[1]
	a0 := s0.connect("/", testAuth{Rooms: []string{"a"}})
	b1 := s1.connect("/", testAuth{Rooms: []string{"b"}})

	runNodeEmitter(t, c.redis.URL(), []emitterOp{
		op(`["emit","all",1,{"$bin":"AQI="}]`),
		op(`["to","a"]`, `["emit","to-a"]`),
		op(`["to","b"]`, `["socketsJoin","c"]`),
		op(`["to","c"]`, `["emit","to-c"]`),
		op(`["serverSideEmit","from-node","x",{"$bin":"AwQ="}]`),
	})
	for _, cl := range []*siotest.Conn{a0, b1} {
		p, err := cl.Read(wait)
		if err != nil {
			t.Fatal(err)
		}
		if p.Text != `51-["all",1,{"_placeholder":true,"num":0}]` || len(p.Attachments) != 1 || string(p.Attachments[0]) != "\x01\x02" {
			t.Fatalf("got %s", p)
		}
	}
	expect(t, a0, `2["to-a"]`)
	expect(t, b1, `2["to-c"]`)
	for range 2 {
		select {
		case got := <-sse:
			// Node's serverSideEmit writes a Buffer as its JSON form.
			if got != `x {"type":"Buffer","data":[3,4]}` {
				t.Fatalf("server-side event %q", got)
			}
		case <-time.After(wait):
			t.Fatal("server-side event not received")
		}
	}
}
