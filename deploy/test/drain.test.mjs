// A node behind nginx is drained with SIGTERM, as in a rolling deploy: it
// stops being ready and refuses new handshakes, closes its sessions as lost
// transports, and exits. Its clients see one disconnect (a lost transport)
// and no connect_error, and reconnect through nginx to the other node,
// where they go on chatting. Reconnection times are printed for
// deploy/README.md.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";

import { until, withDeadline } from "../../compat-tests/lib/wait.mjs";
import {
  ChatUser, addressesByNode, elapsed, exchange, ms, skipReason, startCluster,
} from "../testlib/cluster.mjs";
import { httpStatus } from "../testlib/nginx.mjs";

const skip = skipReason();
const DRAIN_TIMEOUT_MS = 5000;

/** The status of GET `url` on the node itself, or the connection error's code. */
async function probe(url) {
  try {
    return await httpStatus(url);
  } catch (err) {
    return err.code ?? err.message;
  }
}

describe("nginx and a draining node", { skip: skip || false, timeout: 60_000 }, () => {
  let c;
  const users = [];

  before(async () => {
    c = await startCluster({ count: 2, nodeArgs: ["--drain-timeout", `${DRAIN_TIMEOUT_MS}ms`] });
  });
  after(async () => {
    for (const u of users.splice(0)) u.close();
    await c?.stop();
  });

  test("SIGTERM moves the node's clients to the other node without an error", async (t) => {
    const addrs = await addressesByNode(c, 2);
    const wsVictim = await ChatUser.connect(c.lb.url, "wendy", addrs["node-1"][0]);
    const pollVictim = await ChatUser.connect(c.lb.url, "paul", addrs["node-1"][1], { transports: ["polling"] });
    const observer = await ChatUser.connect(c.lb.url, "olga", addrs["node-2"][0]);
    users.push(wsVictim, pollVictim, observer);
    const victims = [wsVictim, pollVictim];
    for (const v of victims) assert.equal(v.node, "node-1");
    await until(() => wsVictim.events.some((e) => e.type === "upgrade"), 5000, "wendy upgraded to WebSocket");
    await exchange(observer, victims, "before");

    const node = c.node("node-1");
    let exitedAt;
    node.proc.once("exit", () => { exitedAt = performance.now(); });
    const t0 = performance.now();
    process.kill(node.proc.pid, "SIGTERM");

    // Once the node says it drains, it takes no one: /readyz is 503 and a
    // handshake 403 while it still listens, and the connection is refused
    // once it has closed its listener (a few milliseconds later).
    await until(() => /msg=draining/.test(node.log()), 5000, "node-1 logging msg=draining");
    const [ready, handshake] = await Promise.all([
      probe(`${node.url}readyz`),
      probe(`${node.url}socket.io/?EIO=4&transport=polling`),
    ]);
    t.diagnostic(`node-1 while draining: /readyz ${ready}, new handshake ${handshake}`);
    assert.ok([503, "ECONNREFUSED"].includes(ready), `/readyz on a draining node: ${ready}`);
    assert.ok([403, "ECONNREFUSED"].includes(handshake), `handshake on a draining node: ${handshake}`);

    await Promise.all(victims.map((v) => v.ready(2, 15_000)));
    for (const v of victims) {
      assert.equal(v.node, "node-2", `${v.name} reconnected to ${v.node}; ${c.explain(v, t0)}`);
      // One disconnect, as a lost transport (a Socket.IO-level disconnect,
      // "io server disconnect", would stop the client from reconnecting).
      // A WebSocket gets a close frame: "transport close". A polling client
      // gets the close packet if it has a GET waiting; if the drain comes
      // between two of its GETs, the next one finds no session ("transport
      // error"), as with Node's server.close(). Either way no connect_error.
      assert.equal(v.disconnects.length, 1, c.explain(v, t0));
      const reason = v.disconnects[0].reason;
      if (v === wsVictim) assert.equal(reason, "transport close", c.explain(v, t0));
      else assert.match(reason, /^transport (close|error)$/, c.explain(v, t0));
      assert.deepEqual(v.connectErrors, [], c.explain(v, t0));
      const down = elapsed(v, t0, "disconnect");
      const back = elapsed(v, t0, "connect");
      t.diagnostic(`SIGTERM, ${v.name} (${v.transports}): disconnect "${reason}" after ${ms(down)}, ` +
        `connected to node-2 after ${ms(back)} (${ms(back - down)} of backoff and handshake), lobby re-joined after ${ms(elapsed(v, t0, "ready"))}`);
      assert.ok(back < 5000, `${v.name} took ${ms(back)} to reconnect`);
    }

    // The node exits by itself, cleanly, within its drain deadline.
    const exit = await withDeadline(node.exited, DRAIN_TIMEOUT_MS + 2000, "node-1 exiting after SIGTERM");
    assert.deepEqual(exit, { code: 0, signal: null }, node.log().slice(-2000));
    assert.match(node.log(), /msg=drained/);
    t.diagnostic(`node-1 exited ${ms(exitedAt - t0)} after SIGTERM`);

    assert.deepEqual(observer.disconnects, [], c.explain(observer, t0));
    assert.deepEqual(observer.connectErrors, [], c.explain(observer, t0));
    await exchange(observer, victims, "after");
  });
});
