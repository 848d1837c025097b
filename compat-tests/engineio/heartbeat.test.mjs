// Scenario 5: heartbeat, seen from both sides.
import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { startFixture, targets } from "../lib/fixture.mjs";
import { openClient, closeAll, closeInfo, TRANSPORT_MODES } from "../lib/client.mjs";
import { once, collect } from "../lib/wait.mjs";
import { handshake, pollUrl, request, openWs, wsClosed, SESSION_UNKNOWN } from "../lib/raw.mjs";

// Generous values: the suite must hold on a loaded 2-core machine.
const PING_INTERVAL = 400;
const PING_TIMEOUT = 800;
const SLACK = 60; // timer granularity allowance for lower bounds.
// Lower bounds are always measured from something the test did (a request
// sent, a client created), never from when a server message was observed.

/** Make `s` drop every pong it would send. */
function stopPonging(s) {
  const orig = s._sendPacket;
  assert.equal(typeof orig, "function", "engine.io-client Socket#_sendPacket not found");
  s._sendPacket = function (type, ...rest) {
    if (type === "pong") return;
    return orig.call(this, type, ...rest);
  };
}

for (const target of targets()) {
  describe(`${target}: engine.io heartbeat`, () => {
    const fixtures = [];
    const sockets = [];
    const start = async (opts) => {
      const fx = await startFixture({ target, pingInterval: PING_INTERVAL, pingTimeout: PING_TIMEOUT, ...opts });
      fixtures.push(fx);
      return fx;
    };
    afterEach(async () => {
      closeAll(sockets);
      await Promise.all(fixtures.splice(0).map((f) => f.stop()));
    });

    for (const [mode, opts] of Object.entries(TRANSPORT_MODES)) {
      it(`server pings flow and the connection survives several of them (${mode})`, async () => {
        const fx = await start();
        const t0 = Date.now();
        const s = await openClient(fx.url, opts, { track: sockets });
        await collect(s, "ping", 3, 3 * PING_INTERVAL + 5000, { failOn: ["close"] });
        // 3 pings, each pingInterval after the previous pong.
        assert.ok(Date.now() - t0 >= 3 * PING_INTERVAL - SLACK, `3 pings after ${Date.now() - t0} ms`);
        assert.equal(s.readyState, "open");
        if (mode === "upgrade") assert.equal(s.transport.name, "websocket");
        // Still echoing.
        const e = once(s, "message", 3000, { failOn: ["close"] });
        s.send("still there");
        assert.equal((await e)[0], "still there");
      });

      it(`server closes a client that stops answering pings (${mode})`, async () => {
        const fx = await start();
        const t0 = Date.now();
        const s = await openClient(fx.url, opts, { track: sockets });
        if (mode === "upgrade") await once(s, "upgrade", 5000, { failOn: ["close"] });
        stopPonging(s);
        const [reason, desc] = await once(s, "close", PING_INTERVAL + PING_TIMEOUT + 5000);
        const elapsed = Date.now() - t0;
        if (mode === "polling") {
          assert.deepEqual(closeInfo(reason, desc), { reason: "transport close", description: "transport closed by the server" });
        } else {
          // Node closes the websocket without a status code: the client sees 1005.
          assert.deepEqual(closeInfo(reason, desc), {
            reason: "transport close",
            description: "websocket connection closed",
            context: { code: 1005, reason: "", wasClean: true },
          });
        }
        // (Had the client timed out first, the reason would be "ping timeout".)
        if (mode !== "upgrade") assert.ok(elapsed >= PING_INTERVAL + PING_TIMEOUT - SLACK, `closed after ${elapsed} ms`);
      });

      it(`client reports "ping timeout" when the server goes silent (SIGSTOP) (${mode})`, async () => {
        const fx = await start();
        const s = await openClient(fx.url, opts, { track: sockets });
        if (mode === "upgrade") await once(s, "upgrade", 5000, { failOn: ["close"] });
        await once(s, "ping", PING_INTERVAL + 5000, { failOn: ["close"] });
        process.kill(fx.proc.pid, "SIGSTOP");
        try {
          const t0 = Date.now();
          const [reason, desc] = await once(s, "close", PING_INTERVAL + PING_TIMEOUT + 5000);
          const elapsed = Date.now() - t0;
          assert.deepEqual(closeInfo(reason, desc), { reason: "ping timeout" });
          assert.ok(elapsed >= PING_INTERVAL + PING_TIMEOUT - SLACK, `closed after ${elapsed} ms`);
        } finally {
          process.kill(fx.proc.pid, "SIGCONT");
        }
      });
    }

    it("raw polling: ping after pingInterval; unanswered, the pending GET gets 1 after pingTimeout; then 400", async () => {
      const fx = await start();
      const t0 = Date.now();
      const { sid } = await handshake(fx.url);
      const g1 = await request(pollUrl(fx.url, sid));
      assert.equal(g1.status, 200);
      assert.equal(g1.body, "2");
      assert.ok(Date.now() - t0 >= PING_INTERVAL - SLACK, `ping after ${Date.now() - t0} ms`);
      const g2 = await request(pollUrl(fx.url, sid));
      assert.equal(g2.status, 200);
      assert.equal(g2.body, "1");
      assert.ok(Date.now() - t0 >= PING_INTERVAL + PING_TIMEOUT - SLACK, `close after ${Date.now() - t0} ms`);
      const g3 = await request(pollUrl(fx.url, sid));
      assert.equal(g3.status, 400);
      assert.equal(g3.body, SESSION_UNKNOWN);
    });

    it("raw polling: next ping comes pingInterval after the pong", async () => {
      const fx = await start();
      const { sid } = await handshake(fx.url);
      for (let k = 0; k < 3; k++) {
        const g = await request(pollUrl(fx.url, sid));
        assert.equal(g.body, "2");
        const t0 = Date.now();
        const p = await request(pollUrl(fx.url, sid), { method: "POST", body: "3" });
        assert.equal(p.body, "ok");
        const next = await request(pollUrl(fx.url, sid));
        assert.equal(next.body, "2");
        assert.ok(Date.now() - t0 >= PING_INTERVAL - SLACK, `next ping after ${Date.now() - t0} ms`);
        await request(pollUrl(fx.url, sid), { method: "POST", body: "3" });
      }
    });

    it("raw polling: a client that never polls is gone after pingInterval + pingTimeout", async () => {
      const fx = await start();
      const { sid } = await handshake(fx.url);
      // Let the deadline pass without any request (this wait is the scenario).
      await new Promise((r) => setTimeout(r, PING_INTERVAL + PING_TIMEOUT + 200));
      const g = await request(pollUrl(fx.url, sid));
      assert.equal(g.status, 400);
      assert.equal(g.body, SESSION_UNKNOWN);
    });

    it("raw websocket: ping frames every pingInterval; no pong -> closed (1005) after pingTimeout", async () => {
      const fx = await start();
      let t0 = Date.now();
      const h = await openWs(fx.url, "EIO=4&transport=websocket");
      try {
        await h.next();
        assert.deepEqual(await h.next(PING_INTERVAL + 3000), { data: "2", isBinary: false });
        assert.ok(Date.now() - t0 >= PING_INTERVAL - SLACK);
        t0 = Date.now();
        h.ws.send("3");
        assert.deepEqual(await h.next(PING_INTERVAL + 3000), { data: "2", isBinary: false });
        assert.ok(Date.now() - t0 >= PING_INTERVAL - SLACK, `next ping ${Date.now() - t0} ms after pong`);
        const c = await wsClosed(h, PING_TIMEOUT + 3000);
        assert.deepEqual(c, { code: 1005, reason: "" });
        assert.ok(Date.now() - t0 >= PING_INTERVAL + PING_TIMEOUT - SLACK, `closed ${Date.now() - t0} ms after pong`);
      } finally {
        h.ws.terminate();
      }
    });
  });
}
