// Scenario 6 (close from each side) and protocol violations that end a session.
import { describe, it, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { startFixture, targets } from "../lib/fixture.mjs";
import { openClient, closeAll, closeInfo, TRANSPORT_MODES } from "../lib/client.mjs";
import { once, until } from "../lib/wait.mjs";
import { handshake, pollUrl, request, openWs, wsClosed, SESSION_UNKNOWN } from "../lib/raw.mjs";

/** Poll the server (with a deadline) until `sid` is unknown. */
async function sessionGone(url, sid, ms = 5000) {
  const seen = [];
  await until(
    async () => {
      const r = await request(pollUrl(url, sid), { timeoutMs: 1000 }).catch((e) => ({ status: e.name, body: "" }));
      seen.push(`${r.status} ${r.body}`);
      return r.status === 400 && r.body === SESSION_UNKNOWN;
    },
    ms,
    `sid ${sid} unknown (responses: ${seen.join(" | ")})`,
  );
}

for (const target of targets()) {
  describe(`${target}: engine.io close`, () => {
    let shared;
    const fixtures = [];
    const sockets = [];
    const sharedFixture = async () => (shared ??= await startFixture({ target }));
    afterEach(async () => {
      closeAll(sockets);
      await Promise.all(fixtures.splice(0).map((f) => f.stop()));
    });
    after(async () => shared?.stop());

    for (const [mode, opts] of Object.entries(TRANSPORT_MODES)) {
      it(`client close(): reason "forced close", then the sid is unknown (${mode})`, async () => {
        const fx = await sharedFixture();
        const s = await openClient(fx.url, opts, { track: sockets });
        if (mode === "upgrade") await once(s, "upgrade", 5000, { failOn: ["close"] });
        const sid = s.id;
        const closed = once(s, "close", 5000);
        s.close();
        const [reason, desc] = await closed;
        assert.deepEqual(closeInfo(reason, desc), { reason: "forced close" });
        await sessionGone(fx.url, sid);
      });

      it(`server process stops (SIGTERM): client close reason (${mode})`, async () => {
        const fx = await startFixture({ target });
        fixtures.push(fx);
        const s = await openClient(fx.url, opts, { track: sockets });
        if (mode === "upgrade") await once(s, "upgrade", 5000, { failOn: ["close"] });
        const closed = once(s, "close", 5000);
        await fx.stop();
        const [reason, desc] = await closed;
        if (mode === "polling") {
          assert.deepEqual(closeInfo(reason, desc), {
            reason: "transport error",
            error: { name: "Error", type: "TransportError", message: "xhr poll error", description: 0 },
          });
        } else {
          assert.deepEqual(closeInfo(reason, desc), {
            reason: "transport close",
            description: "websocket connection closed",
            context: { code: 1006, reason: "", wasClean: false },
          });
        }
      });
    }

    it("raw polling: POST 1 closes the session; the pending GET gets 6", async () => {
      const fx = await sharedFixture();
      const { sid } = await handshake(fx.url);
      const pending = request(pollUrl(fx.url, sid));
      // One full unrelated round trip, so the server has taken the GET first.
      await handshake(fx.url);
      const post = await request(pollUrl(fx.url, sid), { method: "POST", body: "1" });
      assert.equal(post.status, 200);
      assert.equal(post.body, "ok");
      const g = await pending;
      assert.equal(g.status, 200);
      assert.equal(g.body, "6");
      const after = await request(pollUrl(fx.url, sid));
      assert.equal(after.status, 400);
      assert.equal(after.body, SESSION_UNKNOWN);
    });

    it("raw polling: a second concurrent GET gets 400 (empty body), the first gets 1, the session is gone", async () => {
      const fx = await sharedFixture();
      const { sid } = await handshake(fx.url);
      const first = request(pollUrl(fx.url, sid));
      // One full unrelated round trip, so the server has taken the first GET.
      await handshake(fx.url);
      const second = await request(pollUrl(fx.url, sid));
      assert.equal(second.status, 400);
      assert.equal(second.body, "");
      assert.equal(second.headers.get("content-type"), null);
      const f = await first;
      assert.equal(f.status, 200);
      assert.equal(f.body, "1");
      await sessionGone(fx.url, sid);
    });

    const pollingViolations = [
      ["POST with Content-Type application/octet-stream", { body: "4a", headers: { "content-type": "application/octet-stream" } }, 400, ""],
      ["client ping 2 (wrong heartbeat direction)", { body: "2" }, 200, "ok"],
      ["2probe over polling", { body: "2probe" }, 200, "ok"],
      ["unknown packet type 9", { body: "9x" }, 200, "ok"],
      ["empty body", { body: "" }, 200, "ok"],
      ["payload with an empty packet", { body: "4a\x1e\x1e4b" }, 200, "ok"],
    ];
    for (const [label, init, status, body] of pollingViolations) {
      it(`raw polling: ${label} -> POST ${status}, session closed`, async () => {
        const fx = await sharedFixture();
        const { sid } = await handshake(fx.url);
        const p = await request(pollUrl(fx.url, sid), { method: "POST", ...init });
        assert.equal(p.status, status);
        assert.equal(p.body, body);
        const g = await request(pollUrl(fx.url, sid));
        assert.equal(g.status, 400);
        assert.equal(g.body, SESSION_UNKNOWN);
      });
    }

    for (const pkt of ["3", "5", "6"]) {
      it(`raw polling: stray packet ${pkt} is ignored, the session lives on`, async () => {
        const fx = await sharedFixture();
        const { sid } = await handshake(fx.url);
        const p = await request(pollUrl(fx.url, sid), { method: "POST", body: `${pkt}\x1e4after` });
        assert.equal(p.body, "ok");
        const g = await request(pollUrl(fx.url, sid));
        assert.equal(g.status, 200);
        assert.equal(g.body, "4after");
        await request(pollUrl(fx.url, sid), { method: "POST", body: "1" });
      });
    }

    for (const [label, frame] of [
      ["client ping 2", "2"],
      ["2probe on an established websocket", "2probe"],
      ["unknown packet type 9", "9"],
      ["empty frame", ""],
    ]) {
      it(`raw websocket: ${label} closes the connection (1005)`, async () => {
        const fx = await sharedFixture();
        const h = await openWs(fx.url, "EIO=4&transport=websocket");
        try {
          const sid = JSON.parse((await h.next()).data.slice(1)).sid;
          h.ws.send(frame);
          h.ws.send("4after");
          assert.deepEqual(await wsClosed(h), { code: 1005, reason: "" });
          assert.deepEqual(h.queue, []);
          await sessionGone(fx.url, sid);
        } finally {
          h.ws.terminate();
        }
      });
    }

    for (const pkt of ["3", "5", "6"]) {
      it(`raw websocket: stray packet ${pkt} is ignored`, async () => {
        const fx = await sharedFixture();
        const h = await openWs(fx.url, "EIO=4&transport=websocket");
        try {
          await h.next();
          h.ws.send(pkt);
          h.ws.send("4after");
          assert.deepEqual(await h.next(), { data: "4after", isBinary: false });
        } finally {
          h.ws.terminate();
        }
      });
    }

    it("raw websocket: closing the websocket ends the session", async () => {
      const fx = await sharedFixture();
      const h = await openWs(fx.url, "EIO=4&transport=websocket");
      const sid = JSON.parse((await h.next()).data.slice(1)).sid;
      h.ws.close();
      await wsClosed(h);
      await sessionGone(fx.url, sid);
    });
  });
}
