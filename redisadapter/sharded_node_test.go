package redisadapter_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/siogo/siogo/internal/notepack"
)

// nodeShardedScript makes a Node socket.io server with createShardedAdapter
// publish one message of each kind, in the order TestShardedMatchesNode
// makes the Go server publish them.
const nodeShardedScript = `
const { createRequire } = require("module");
const req = createRequire(process.env.ROOT + "/");
const { Server } = req("socket.io");
const { createClient } = req("redis");
const { createShardedAdapter } = req("@socket.io/redis-adapter");
(async () => {
  const pub = createClient({ url: process.env.REDIS_URL });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  const io = new Server({ adapter: createShardedAdapter(pub, sub, { subscriptionMode: process.env.MODE }) });
  await new Promise((r) => setTimeout(r, 200));
  io.emit("e", 1);
  io.to("r1").except("r2").volatile.compress(false).emit("e");
  io.to("abcdefghijklmnopqrst").emit("e");
  io.to(["r1", "r2"]).emit("e");
  io.to("r1").emit("b", Buffer.from([1, 2]));
  io.timeout(200).to("r1").emit("a", () => {});
  io.in("r1").socketsJoin("r3");
  io.socketsLeave("r3");
  io.except("r1").disconnectSockets(true);
  io.serverSideEmit("hi", "x", Buffer.from([5]));
  io.serverSideEmit("hi", "x");
  await new Promise((r) => setTimeout(r, 500));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
`

// TestShardedMatchesNode compares, message by message, what a Node sharded
// adapter and a Go one publish for the same operations (uids and request
// ids aside). It is skipped without node and node_modules.
func TestShardedMatchesNode(t *testing.T) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not found")
	}
	root, _ := filepath.Abs("..")
	if _, err := os.Stat(filepath.Join(root, "node_modules/@socket.io/redis-adapter")); err != nil {
		t.Skip("node_modules/@socket.io/redis-adapter missing (npm ci at the repository root)")
	}
	script := filepath.Join(t.TempDir(), "sharded.cjs")
	if err := os.WriteFile(script, []byte(nodeShardedScript), 0o644); err != nil {
		t.Fatal(err)
	}
	ids := regexp.MustCompile(`"(uid|requestId)":"[0-9a-f]{16}"`)
	const n = 11
	for _, mode := range subscriptionModes {
		t.Run(string(mode), func(t *testing.T) {
			c := newCluster(t, 1, shardedOpts(mode), nil)
			channels := []string{"socket.io#/#", "socket.io#/#r1#", "socket.io#/#abcdefghijklmnopqrst#"}
			p := newShardPeer(t, c.redis.Client(t), channels...)
			read := func() []string {
				var out []string
				for range n {
					m, err := p.ps.ReceiveTimeout(context.Background(), wait)
					if err != nil {
						t.Fatal(err)
					}
					msg, ok := m.(*redis.Message)
					if !ok {
						continue
					}
					text := msg.Payload
					if !strings.HasPrefix(text, "{") {
						// msgpack: compared byte for byte, ids (fixstr
						// of 16 hex characters) aside.
						raw := maskMsgpackIDs([]byte(msg.Payload))
						var atts [][]byte
						js, _, err := notepack.ToJSON(nil, &atts, []byte(msg.Payload))
						if err != nil {
							t.Fatal(err)
						}
						text = string(js) + fmt.Sprintf(" %x msgpack %x", atts, raw)
					}
					out = append(out, msg.Channel+" "+ids.ReplaceAllString(text, `"$1":"ID"`))
				}
				return out
			}

			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, nodeBin, script)
			cmd.Env = append(os.Environ(), "ROOT="+root, "REDIS_URL="+c.redis.URL(), "MODE="+string(mode))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("node: %v\n%s", err, out)
			}
			fromNode := read()

			io := c.servers[0].io
			io.Emit("e", 1)
			io.To("r1").Except("r2").Volatile().Compress(false).Emit("e")
			io.To("abcdefghijklmnopqrst").Emit("e")
			io.To("r1", "r2").Emit("e")
			io.To("r1").Emit("b", []byte{1, 2})
			io.Timeout(200*time.Millisecond).To("r1").EmitWithAck(context.Background(), "a")
			io.In("r1").SocketsJoin("r3")
			io.SocketsLeave("r3")
			io.Except("r1").DisconnectSockets(true)
			io.ServerSideEmit("hi", "x", []byte{5})
			io.ServerSideEmit("hi", "x")
			fromGo := read()

			for i := range n {
				if fromNode[i] != fromGo[i] {
					t.Errorf("message %d:\n node %s\n go   %s", i, fromNode[i], fromGo[i])
				} else {
					t.Logf("same: %s", fromGo[i])
				}
			}
		})
	}
}

// maskMsgpackIDs replaces every fixstr of 16 lowercase hex characters (uids
// and request ids) with "ID".
func maskMsgpackIDs(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] == 0xb0 && i+17 <= len(b) && isHex16(b[i+1:i+17]) {
			out = append(out, 0xa2, 'I', 'D')
			i += 16
			continue
		}
		out = append(out, b[i])
	}
	return out
}

func isHex16(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
