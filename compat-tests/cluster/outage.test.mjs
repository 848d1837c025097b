// Redis restarted under a running cluster: once it is back (same port, empty:
// no persistence), every node resubscribes and broadcasts, acks and requests
// cross the cluster again. Node-only first, then 2 Go nodes + 1 Node node,
// for the classic and the sharded adapter.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { clusterPlans, startCluster, clientGroup, received } from "../lib/cluster.mjs";
import { startRedis } from "../lib/redis.mjs";
import { ask, closeSockets } from "../lib/sio.mjs";
import { until } from "../lib/wait.mjs";

const plans = await clusterPlans(["classic", "sharded"]);
const RECOVERY_MS = 20_000;

for (const plan of plans) {
  describe(`redis restart under cluster ${plan.mode} ${plan.name} (${plan.layout.join("+")})`, { skip: plan.skip }, () => {
    let redis, cluster;
    const track = [];

    before(async () => {
      redis = await startRedis();
      cluster = await startCluster({ layout: plan.layout, redisUrl: redis.url, redisMode: plan.mode });
    });
    after(async () => {
      closeSockets(track);
      await cluster?.stop();
      await redis?.stop();
    });

    // Broadcast from node f to the whole group until every client of the
    // other nodes got one (the first tries may be lost while a node is still
    // resubscribing); returns the number of tries.
    async function broadcastUntilReceived(g, f, ms) {
      const others = g.clients.filter((c) => c.__index !== f);
      const deadline = Date.now() + ms;
      for (let i = 1; ; i++) {
        const r = await ask(g.trig(f), "op", { to: [g.tag], action: "emit", event: "news", args: [g.tag, { f, i }] });
        assert.equal(r, true);
        const ok = await until(
          async () => others.every((c) => received(c, "news", g.tag).some(([, , p]) => p.f === f)),
          250,
          "delivery",
        ).then(() => true, () => false);
        if (ok) return i;
        if (Date.now() > deadline) {
          const missing = others.filter((c) => !received(c, "news", g.tag).some(([, , p]) => p.f === f)).map((c) => c.__user);
          assert.fail(`broadcasts from node ${f + 1} not received within ${ms} ms after ${i} tries by ${missing.join(", ")}`);
        }
      }
    }

    test("broadcasts, acks and requests work again after Redis restarts", async (t) => {
      const g = await clientGroup(track, cluster.nodes, `r${plan.mode}`, { sharded: plan.mode === "sharded" ? redis : undefined });
      for (let f = 0; f < plan.layout.length; f++) assert.equal(await broadcastUntilReceived(g, f, 2000), 1);

      await redis.stop({ kill: true });
      await redis.start();

      const tries = [];
      for (let f = 0; f < plan.layout.length; f++) {
        for (const c of g.clients) c.__events.length = 0;
        tries.push(await broadcastUntilReceived(g, f, RECOVERY_MS));
      }
      // Every node counts every server again (request channels resubscribed).
      for (let f = 0; f < plan.layout.length; f++) {
        await until(
          async () => (await ask(g.trig(f), "server-count")).count === plan.layout.length,
          RECOVERY_MS,
          `server count ${plan.layout.length} on node ${f + 1}`,
        );
      }
      // Requests and their responses cross the cluster again.
      for (let f = 0; f < plan.layout.length; f++) {
        const acks = await ask(g.trig(f), "op", { to: [g.tag], timeout: 3000, action: "emitWithAck", event: "question", args: [{}] });
        assert.deepEqual(acks, { responses: g.users(g.clients) }, `emitWithAck from node ${f + 1}`);
        const sse = await ask(g.trig(f), "server-side-emit", { event: "ping-node", args: [{ tag: "none" }], ack: true });
        const names = cluster.nodes.map((n) => n.name);
        assert.deepEqual(sse, { responses: names.filter((_, i) => i !== f).sort() }, `serverSideEmitWithAck from node ${f + 1}`);
      }
      for (const c of g.clients) assert.ok(c.connected, `${c.__user} still connected`);
      t.diagnostic(`broadcast tries after restart per node: ${tries.join(", ")}`);
    });
  });
}
