// nginx (deploy/nginx/) in front of two siogo nodes on one Redis, driven by
// the official socket.io-client: a session starts on long-polling and
// upgrades to WebSocket through the balancer, every request of a polling
// session reaches the node that holds it (and without the sticky hash it
// does not), and users on different nodes chat with each other.
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";

import { once, until } from "../../compat-tests/lib/wait.mjs";
import { ChatUser, addressesByNode, fetchToken, skipReason, startCluster } from "../testlib/cluster.mjs";
import { startNginx } from "../testlib/nginx.mjs";

const skip = skipReason();

/** The access log lines of Engine.IO session `sid`: [{request, status, upstream}]. */
function sessionRequests(accessLog, sid) {
  return accessLog.split("\n").filter((l) => l.includes(`sid=${sid}`)).map((l) => {
    const m = /"(\S+ \S+) [^"]*" (\d{3}) \d+ upstream=(\S+(?:, \S+)*) upstream_status=/.exec(l);
    assert.ok(m, `unexpected access log line: ${l}`);
    return { request: m[1], status: Number(m[2]), upstream: m[3] };
  });
}

describe("nginx in front of two siogo nodes", { skip: skip || false, timeout: 60_000 }, () => {
  let c;
  let addrs;
  const users = [];

  before(async () => {
    c = await startCluster({ count: 2 });
    addrs = await addressesByNode(c, 2);
  });
  afterEach(() => {
    for (const u of users.splice(0)) u.close();
  });
  after(async () => {
    await c?.stop();
  });

  test("a session starts on polling and upgrades to WebSocket through nginx", async (t) => {
    const u = await ChatUser.connect(c.lb.url, "ursula", addrs["node-1"][0]);
    users.push(u);
    const engine = u.socket.io.engine;
    const sid = engine.id;
    assert.equal(u.events.find((e) => e.type === "open").transport, "polling");
    if (!u.events.some((e) => e.type === "upgrade")) {
      await once(engine, "upgrade", 5000, { failOn: ["upgradeError", "close"] });
    }
    assert.equal(engine.transport.name, "websocket");
    assert.equal(u.node, "node-1");

    // The session works on the WebSocket: a message to a user on the other node.
    const v = await ChatUser.connect(c.lb.url, "victor", addrs["node-2"][0], { transports: ["websocket"] });
    users.push(v);
    const { id } = await u.say("over the upgraded transport");
    await v.received(id);
    assert.deepEqual(u.connectErrors, []);
    assert.deepEqual(u.disconnects, []);

    // nginx logs a WebSocket when it ends: every request of the session,
    // the upgrade (101) included, went through nginx to node-1.
    u.close();
    const port = c.node("node-1").port;
    const reqs = await until(() => {
      const r = sessionRequests(c.lb.accessLog(), sid);
      return r.some((x) => x.status === 101) && r;
    }, 5000, "the WebSocket upgrade of the session in nginx's access log");
    t.diagnostic(`session ${sid}: ${reqs.map((r) => `${r.request.split("?")[0].split(" ")[0]} ${/transport=(\w+)/.exec(r.request)[1]} ${r.status}`).join(", ")}`);
    for (const r of reqs) assert.equal(r.upstream, `127.0.0.1:${port}`, `a request of the session went elsewhere: ${JSON.stringify(r)}`);
    assert.ok(reqs.some((r) => r.request.startsWith("POST ") && r.status === 200), "no polling POST in the session");
  });

  test("a polling-only session stays on its node for its whole life", async (t) => {
    const p = await ChatUser.connect(c.lb.url, "polly", addrs["node-2"][1], { transports: ["polling"] });
    users.push(p);
    const w = await ChatUser.connect(c.lb.url, "walter", addrs["node-1"][1], { transports: ["websocket"] });
    users.push(w);
    assert.equal(p.node, "node-2");
    // Both ways, several times: each is a POST and a GET of the session.
    for (let i = 0; i < 5; i++) {
      const a = await p.say(`poll ${i}`);
      await w.received(a.id);
      const b = await w.say(`push ${i}`);
      await p.received(b.id);
    }
    assert.equal(p.socket.io.engine.transport.name, "polling");
    assert.deepEqual(p.connectErrors, []);
    assert.deepEqual(p.disconnects, []);
    const reqs = sessionRequests(c.lb.accessLog(), p.socket.io.engine.id);
    assert.ok(reqs.length >= 10, `only ${reqs.length} requests of the polling session logged`);
    const port = c.node("node-2").port;
    for (const r of reqs) assert.equal(r.upstream, `127.0.0.1:${port}`, `a request of the session went elsewhere: ${JSON.stringify(r)}`);
    t.diagnostic(`${reqs.length} polling requests of session ${p.socket.io.engine.id}, all to node-2`);
  });

  test("without the sticky hash (round robin), polling sessions break", async () => {
    // The control for the two tests above: the same configuration without
    // its hash line must fail them, or they prove nothing.
    const rr = await startNginx({ nodes: c.nodes.map((n) => `127.0.0.1:${n.port}`), sticky: false });
    try {
      const token = await fetchToken(rr.url, "rob", "127.0.0.1");
      const u = new ChatUser(rr.url, "rob", "127.0.0.1", token, { transports: ["polling"], reconnection: false });
      users.push(u);
      await until(() => u.connectErrors.length + u.disconnects.length > 0, 5000,
        "a polling session through a round-robin balancer failing");
      assert.match(rr.accessLog(), /sid=[^"]*" 400 /, "no 400 (Session ID unknown) from the other node");
    } finally {
      await rr.stop();
    }
  });

  test("users on different nodes exchange messages", async () => {
    const alice = await ChatUser.connect(c.lb.url, "alice", addrs["node-1"][0]);
    const bob = await ChatUser.connect(c.lb.url, "bob", addrs["node-2"][0]);
    users.push(alice, bob);
    assert.equal(alice.node, "node-1");
    assert.equal(bob.node, "node-2");

    const m1 = await alice.say("hello from node-1");
    assert.equal((await bob.received(m1.id)).from, "alice");
    // bob's ack crossed back through Redis to alice's node.
    assert.ok((await alice.receipt(m1.id)).count >= 1);

    const m2 = await bob.say("hello from node-2");
    assert.equal((await alice.received(m2.id)).text, "hello from node-2");
    assert.ok((await bob.receipt(m2.id)).count >= 1);

    for (const u of [alice, bob]) {
      assert.deepEqual(u.connectErrors, [], u.describe());
      assert.deepEqual(u.disconnects, [], u.describe());
    }
  });
});
