// A node behind nginx dies (SIGKILL): its clients reconnect by themselves
// with the client's default backoff, nginx sends them to the surviving node
// (the consistent hash moves only the dead node's clients), and they go on
// chatting; the surviving node's clients notice nothing. nginx learns that
// the node is dead in one of two ways, one scenario each: a polling GET
// waiting on it is cut, or (WebSocket clients only) the first reconnection
// handshake is refused and nginx passes it on. Reconnection times are
// printed for deploy/README.md.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";

import { until } from "../../compat-tests/lib/wait.mjs";
import {
  ChatUser, addressesByNode, elapsed, exchange, ms, skipReason, startCluster,
} from "../testlib/cluster.mjs";

const skip = skipReason();

/**
 * Kill node-1 and check that `victims` (on node-1) reconnect to node-2
 * without a connect_error, that `bystanders` (on node-2) keep their
 * connections, and that everyone chats afterwards. Returns the node's port.
 */
async function killAndCheck(t, c, victims, bystanders) {
  for (const v of victims) assert.equal(v.node, "node-1");
  for (const b of bystanders) assert.equal(b.node, "node-2");
  const [speaker, ...rest] = bystanders;
  await exchange(speaker, [...victims, ...rest], "before");

  const t0 = performance.now();
  await c.node("node-1").stop({ kill: true });

  await Promise.all(victims.map((v) => v.ready(2, 15_000)));
  for (const v of victims) {
    assert.equal(v.node, "node-2", `${v.name} reconnected to ${v.node}; ${c.explain(v, t0)}`);
    assert.equal(v.disconnects.length, 1, c.explain(v, t0));
    // A WebSocket (or a waiting poll) is cut: "transport close"; a polling
    // client whose next request finds no session: "transport error".
    assert.match(v.disconnects[0].reason, /^transport (close|error)$/, c.explain(v, t0));
    // nginx passes the reconnection handshake to the live node: the client
    // never sees a failed attempt.
    assert.deepEqual(v.connectErrors, [], c.explain(v, t0));
    const down = elapsed(v, t0, "disconnect");
    const back = elapsed(v, t0, "connect");
    t.diagnostic(`SIGKILL, ${v.name} (${v.transports}): disconnect "${v.disconnects[0].reason}" after ${ms(down)}, ` +
      `connected to node-2 after ${ms(back)} (${ms(back - down)} of backoff and handshake), lobby re-joined after ${ms(elapsed(v, t0, "ready"))}`);
    // The default backoff waits at most 1.5 s before the first attempt,
    // which must succeed.
    assert.ok(back < 5000, `${v.name} took ${ms(back)} to reconnect`);
  }
  for (const b of bystanders) {
    assert.deepEqual(b.disconnects, [], c.explain(b, t0));
    assert.deepEqual(b.connectErrors, [], c.explain(b, t0));
  }
  await exchange(speaker, [...victims, ...rest], "after");
  await exchange(victims[0], victims.slice(1), "among the moved");
  return c.node("node-1").port;
}

/** nginx's error and warning lines about the upstream on `port`. */
function upstreamTrouble(c, port) {
  return c.lb.errorLog().split("\n").filter((l) => l.includes(`127.0.0.1:${port}`) && /\[(error|warn)\]/.test(l));
}

function what(lines) {
  return [...new Set(lines.map((l) => /\] \d+#\d+: \*\d+ (.*?) while/.exec(l)?.[1]))].join("; ");
}

describe("nginx fails over when a node with polling clients is killed", { skip: skip || false, timeout: 60_000 }, () => {
  let c;
  const users = [];

  before(async () => {
    c = await startCluster({ count: 2 });
  });
  after(async () => {
    for (const u of users.splice(0)) u.close();
    await c?.stop();
  });

  test("its clients reconnect to the other node and keep chatting", async (t) => {
    const addrs = await addressesByNode(c, 2);
    // Default options (polling, then WebSocket; reconnectionDelay 1 s ± 50 %),
    // so the times printed are what an application sees.
    const wendy = await ChatUser.connect(c.lb.url, "wendy", addrs["node-1"][0]);
    const paul = await ChatUser.connect(c.lb.url, "paul", addrs["node-1"][1], { transports: ["polling"] });
    const olga = await ChatUser.connect(c.lb.url, "olga", addrs["node-2"][0]);
    const peter = await ChatUser.connect(c.lb.url, "peter", addrs["node-2"][1], { transports: ["polling"] });
    users.push(wendy, paul, olga, peter);
    await until(() => wendy.events.some((e) => e.type === "upgrade"), 5000, "wendy upgraded to WebSocket");

    const port = await killAndCheck(t, c, [wendy, paul], [olga, peter]);
    await until(() => wendy.socket.io.engine.transport.name === "websocket", 5000, "wendy on WebSocket again");

    // paul's waiting poll was cut: nginx took the node out for fail_timeout
    // (max_fails=1), so the reconnections went straight to node-2.
    const trouble = upstreamTrouble(c, port);
    assert.ok(trouble.some((l) => l.includes("upstream server temporarily disabled")),
      `nginx did not take the dead node out:\n${trouble.join("\n")}`);
    t.diagnostic(`nginx about the dead node: ${what(trouble)}`);
  });
});

describe("nginx fails over when a node with WebSocket clients only is killed", { skip: skip || false, timeout: 60_000 }, () => {
  let c;
  const users = [];

  before(async () => {
    c = await startCluster({ count: 2 });
  });
  after(async () => {
    for (const u of users.splice(0)) u.close();
    await c?.stop();
  });

  test("the first reconnection handshake is refused by the dead node and passed on", async (t) => {
    const addrs = await addressesByNode(c, 2);
    // Nothing waits on node-1 through nginx but WebSocket tunnels, whose
    // end nginx does not count as a failure: the reconnection handshake
    // meets the closed port.
    const wendy = await ChatUser.connect(c.lb.url, "wendy", addrs["node-1"][0]);
    const will = await ChatUser.connect(c.lb.url, "will", addrs["node-1"][1], { transports: ["websocket"] });
    const olga = await ChatUser.connect(c.lb.url, "olga", addrs["node-2"][0], { transports: ["websocket"] });
    users.push(wendy, will, olga);
    await until(() => wendy.events.some((e) => e.type === "upgrade"), 5000, "wendy upgraded to WebSocket");

    const port = await killAndCheck(t, c, [wendy, will], [olga]);

    const trouble = upstreamTrouble(c, port);
    assert.ok(trouble.some((l) => l.includes("connect() failed (111: Connection refused)")),
      `nginx was never refused by the dead node:\n${trouble.join("\n")}`);
    // nginx logs a WebSocket when it ends.
    for (const u of users.splice(0)) u.close();
    const passedOn = new RegExp(`GET /socket\\.io/[^"]*" (101|200) \\d+ upstream=127\\.0\\.0\\.1:${port}, 127\\.0\\.0\\.1:\\d+ upstream_status=502, (101|200) `);
    await until(() => passedOn.test(c.lb.accessLog()), 5000, "a handshake tried on the dead node and answered by the other, in the access log");
    t.diagnostic(`nginx about the dead node: ${what(trouble)}`);
  });
});
