// @socket.io/redis-emitter 5.1 driving a cluster (classic adapter only: the
// emitter PUBLISHes, the sharded adapter does not hear it): broadcasts,
// socketsJoin/Leave, disconnectSockets and serverSideEmit, observed on the
// clients of every node, Node-only first, then 2 Go nodes + 1 Node node.
import { describe, test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { Emitter } from "@socket.io/redis-emitter";
import { clusterPlans, startCluster, clientGroup, received, waitReceived } from "../lib/cluster.mjs";
import { startRedis } from "../lib/redis.mjs";
import { ask, closeSockets, once } from "../lib/sio.mjs";
import { until } from "../lib/wait.mjs";

const plans = await clusterPlans(["classic"]);
let seq = 0;

for (const plan of plans) {
  describe(`emitter on cluster ${plan.mode} ${plan.name} (${plan.layout.join("+")})`, { skip: plan.skip }, () => {
    let redis, cluster, client, emitter;
    const track = [];

    before(async () => {
      redis = await startRedis();
      cluster = await startCluster({ layout: plan.layout, redisUrl: redis.url, redisMode: plan.mode });
      client = createClient({ url: redis.url });
      client.on("error", () => {});
      await client.connect();
      emitter = new Emitter(client);
    });
    after(async () => {
      closeSockets(track);
      await client?.disconnect().catch(() => {});
      await cluster?.stop();
      await redis?.stop();
    });
    afterEach(() => closeSockets(track));

    const group = async () => {
      const g = await clientGroup(track, cluster.nodes, `e${++seq}`);
      g.efence = (list) => g.fenceWith(async () => emitter.to(g.tag).emit("fence", g.tag), list);
      return g;
    };
    const news = (c, tag) => received(c, "news", tag).map(([, , payload]) => payload);
    const rooms = async (c) => (await ask(c, "whoami")).rooms;

    test("emit to all", async () => {
      const g = await group();
      emitter.emit("news", g.tag, { e: 1 });
      await Promise.all(g.clients.map((c) => waitReceived(c, "news", g.tag)));
      await g.efence();
      for (const c of g.clients) assert.deepEqual(news(c, g.tag), [{ e: 1 }], c.__user);
    });

    test("emit to a room", async () => {
      const g = await group();
      emitter.to(`${g.tag}-a`).emit("news", g.tag, "a");
      await Promise.all(g.a.map((c) => waitReceived(c, "news", g.tag)));
      await g.efence();
      for (const c of g.clients) assert.deepEqual(news(c, g.tag), c.__kind === "a" ? ["a"] : [], c.__user);
    });

    test("emit to a room except a room, compress(false)", async () => {
      const g = await group();
      emitter.to(g.tag).except(`${g.tag}-b`).compress(false).emit("news", g.tag, "not b");
      await Promise.all(g.a.map((c) => waitReceived(c, "news", g.tag)));
      await g.efence();
      for (const c of g.clients) assert.deepEqual(news(c, g.tag), c.__kind === "a" ? ["not b"] : [], c.__user);
    });

    // A volatile packet is dropped when the transport is busy: send again
    // until every client got one.
    test("volatile emit", async () => {
      const g = await group();
      const deadline = Date.now() + 5000;
      for (let i = 0; ; i++) {
        emitter.to(g.tag).volatile.emit("news", g.tag, "volatile");
        const ok = await Promise.all(g.clients.map((c) => waitReceived(c, "news", g.tag, { ms: 300 }).then(() => true, () => false)));
        if (ok.every(Boolean)) break;
        if (Date.now() > deadline) assert.fail(`volatile emits not received by all after ${i + 1} tries`);
      }
      for (const c of g.clients) assert.ok(news(c, g.tag).every((x) => x === "volatile"), c.__user);
    });

    test("emit to two rooms except a socket id", async () => {
      const g = await group();
      const victim = g.at(0, "b");
      emitter.to([`${g.tag}-a`, `${g.tag}-b`]).except(victim.id).emit("news", g.tag, 2);
      const hit = g.clients.filter((c) => c !== victim);
      await Promise.all(hit.map((c) => waitReceived(c, "news", g.tag)));
      await g.efence();
      for (const c of g.clients) assert.deepEqual(news(c, g.tag), c === victim ? [] : [2], c.__user);
    });

    for (let f = 0; f < plan.layout.length; f++) {
      test(`emit to the socket id of a client of node ${f + 1}`, async () => {
        const g = await group();
        const target = g.at(f, "a");
        emitter.to(target.id).emit("news", g.tag, "private");
        await waitReceived(target, "news", g.tag);
        await g.efence();
        for (const c of g.clients) assert.deepEqual(news(c, g.tag), c === target ? ["private"] : [], c.__user);
      });
    }

    test("binary and Date arguments", async () => {
      const g = await group();
      emitter.to(g.tag).emit("news", g.tag, { bin: Buffer.from([1, 2, 255]), date: new Date(1700000000123), u: undefined, n: -3 });
      await Promise.all(g.clients.map((c) => waitReceived(c, "news", g.tag)));
      for (const c of g.clients) {
        const [got] = news(c, g.tag);
        assert.deepEqual(
          { ...got, bin: Buffer.from(got.bin).toString("hex") },
          { bin: "0102ff", date: "2023-11-14T22:13:20.123Z", n: -3 },
          c.__user,
        );
      }
    });

    test("socketsJoin with a room selector", async () => {
      const g = await group();
      const x = `${g.tag}-x`;
      emitter.in(`${g.tag}-a`).socketsJoin(x);
      await Promise.all(g.a.map((c) => until(async () => (await rooms(c)).includes(x), 5000, `${c.__user} in ${x}`)));
      for (const c of g.a) assert.deepEqual(await rooms(c), [c.id, g.tag, `${g.tag}-a`, x].sort(), c.__user);
      for (const c of g.b) assert.deepEqual(await rooms(c), [c.id, g.tag, `${g.tag}-b`].sort(), c.__user);
    });

    test("socketsLeave with to + except", async () => {
      const g = await group();
      emitter.in(g.tag).except(`${g.tag}-b`).socketsLeave(g.tag);
      await Promise.all(g.a.map((c) => until(async () => !(await rooms(c)).includes(g.tag), 5000, `${c.__user} out`)));
      for (const c of g.a) assert.deepEqual(await rooms(c), [c.id, `${g.tag}-a`].sort(), c.__user);
      for (const c of g.b) assert.deepEqual(await rooms(c), [c.id, g.tag, `${g.tag}-b`].sort(), c.__user);
    });

    for (const close of [false, true]) {
      test(`disconnectSockets(${close}) with a room selector`, async () => {
        const g = await group();
        const gone = g.a.map((c) => once(c, "disconnect", 5000));
        emitter.in(`${g.tag}-a`).disconnectSockets(close);
        const reasons = (await Promise.all(gone)).map(([reason]) => reason);
        assert.deepEqual(reasons, g.a.map(() => "io server disconnect"));
        for (const c of g.b) {
          assert.equal((await ask(c, "whoami")).id, c.id);
          assert.deepEqual(c.__disconnects, [], c.__user);
        }
      });
    }

    test("serverSideEmit reaches every node", async () => {
      const g = await group();
      const arg = { room: g.tag, tag: g.tag, list: [1, "two", null] };
      emitter.serverSideEmit("ping-node", arg);
      await Promise.all(g.clients.map((c) => waitReceived(c, "sse-received", g.tag)));
      await g.efence();
      for (const c of g.clients) {
        assert.deepEqual(received(c, "sse-received", g.tag).map(([, x]) => x), [{ node: c.__node, event: "ping-node", arg }], c.__user);
      }
    });

    test("the emitter is not counted as a server", async () => {
      const g = await group();
      for (let f = 0; f < plan.layout.length; f++) {
        assert.deepEqual(await ask(g.trig(f), "server-count"), { count: plan.layout.length });
      }
    });
  });
}
