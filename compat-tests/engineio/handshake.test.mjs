// Scenario 1 (handshake fields) and 7 (unknown sid / handshake errors).
import { describe, it, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { startFixture, targets } from "../lib/fixture.mjs";
import { openClient, closeAll, TRANSPORT_MODES } from "../lib/client.mjs";
import { eio, request, handshake, openWs, SESSION_UNKNOWN } from "../lib/raw.mjs";

const PING_INTERVAL = 4321;
const PING_TIMEOUT = 3210;
const MAX_PAYLOAD = 123456;
const HANDSHAKE_KEYS = ["sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"];
const SID_RE = /^[A-Za-z0-9_-]{20}$/;

for (const target of targets()) {
  describe(`${target}: engine.io handshake`, () => {
    let fx;
    const sockets = [];
    before(async () => {
      fx = await startFixture({ target, pingInterval: PING_INTERVAL, pingTimeout: PING_TIMEOUT, maxPayload: MAX_PAYLOAD });
    });
    after(async () => {
      closeAll(sockets);
      await fx?.stop();
    });
    afterEach(() => closeAll(sockets));

    for (const [name, opts] of Object.entries(TRANSPORT_MODES)) {
      it(`client handshake fields (${name})`, async () => {
        const s = await openClient(fx.url, opts, { track: sockets });
        assert.match(s.id, SID_RE);
        const hs = s.__handshake;
        assert.deepEqual(Object.keys(hs), HANDSHAKE_KEYS);
        assert.equal(hs.sid, s.id);
        assert.deepEqual(hs.upgrades, name === "websocket" ? [] : ["websocket"]);
        assert.equal(hs.pingInterval, PING_INTERVAL);
        assert.equal(hs.pingTimeout, PING_TIMEOUT);
        assert.equal(hs.maxPayload, MAX_PAYLOAD);
        assert.equal(s.transport.name, name === "websocket" ? "websocket" : "polling");
      });
    }

    it("two clients get different sids", async () => {
      const a = await openClient(fx.url, TRANSPORT_MODES.polling, { track: sockets });
      const b = await openClient(fx.url, TRANSPORT_MODES.websocket, { track: sockets });
      assert.notEqual(a.id, b.id);
    });

    it("raw polling handshake", async () => {
      const res = await request(eio(fx.url, "EIO=4&transport=polling"));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/plain; charset=UTF-8");
      assert.equal(res.headers.get("cache-control"), "no-store");
      assert.ok(res.body.startsWith('0{"sid":'), res.body);
      const data = JSON.parse(res.body.slice(1));
      assert.deepEqual(Object.keys(data), HANDSHAKE_KEYS);
      assert.match(data.sid, SID_RE);
      assert.equal(
        res.body,
        `0{"sid":"${data.sid}","upgrades":["websocket"],"pingInterval":${PING_INTERVAL},"pingTimeout":${PING_TIMEOUT},"maxPayload":${MAX_PAYLOAD}}`,
      );
    });

    it("raw websocket handshake: first frame is the open packet with upgrades []", async () => {
      const h = await openWs(fx.url, "EIO=4&transport=websocket");
      try {
        const m = await h.next();
        assert.equal(m.isBinary, false);
        const data = JSON.parse(m.data.slice(1));
        assert.equal(
          m.data,
          `0{"sid":"${data.sid}","upgrades":[],"pingInterval":${PING_INTERVAL},"pingTimeout":${PING_TIMEOUT},"maxPayload":${MAX_PAYLOAD}}`,
        );
        assert.match(data.sid, SID_RE);
      } finally {
        h.ws.terminate();
      }
    });

    // Scenario 7: errors.
    const errors = [
      ["GET unknown sid", "EIO=4&transport=polling&sid=nope", "GET", 1, "Session ID unknown"],
      ["POST unknown sid", "EIO=4&transport=polling&sid=nope", "POST", 1, "Session ID unknown"],
      ["no transport", "EIO=4", "GET", 0, "Transport unknown"],
      ["no query at all", "", "GET", 0, "Transport unknown"],
      ["unknown transport", "EIO=4&transport=foo", "GET", 0, "Transport unknown"],
      ["POST handshake without sid", "EIO=4&transport=polling", "POST", 2, "Bad handshake method"],
      ["PUT handshake without sid", "EIO=4&transport=polling", "PUT", 2, "Bad handshake method"],
      ["EIO=3", "EIO=3&transport=polling", "GET", 5, "Unsupported protocol version"],
      ["EIO=5", "EIO=5&transport=polling", "GET", 5, "Unsupported protocol version"],
      ["EIO missing", "transport=polling", "GET", 5, "Unsupported protocol version"],
      ["EIO=abc", "EIO=abc&transport=polling", "GET", 5, "Unsupported protocol version"],
      ["transport=websocket on a plain GET", "EIO=4&transport=websocket", "GET", 3, "Bad request"],
      ["unknown sid and no transport", "EIO=4&sid=nope", "GET", 0, "Transport unknown"],
    ];
    for (const [label, query, method, code, message] of errors) {
      it(`error: ${label} -> ${code} ${message}`, async () => {
        const res = await request(eio(fx.url, query), { method, body: method === "GET" ? undefined : "4hi" });
        assert.equal(res.status, 400);
        assert.equal(res.headers.get("content-type"), "application/json");
        assert.equal(res.body, JSON.stringify({ code, message }));
      });
    }

    it("error: polling request for a websocket session -> 3 Bad request", async () => {
      const h = await openWs(fx.url, "EIO=4&transport=websocket");
      try {
        const sid = JSON.parse((await h.next()).data.slice(1)).sid;
        const res = await request(eio(fx.url, `EIO=4&transport=polling&sid=${sid}`));
        assert.equal(res.status, 400);
        assert.equal(res.headers.get("content-type"), "application/json");
        assert.equal(res.body, '{"code":3,"message":"Bad request"}');
      } finally {
        h.ws.terminate();
      }
    });

    for (const [label, query, body] of [
      ["unknown sid", "EIO=4&transport=websocket&sid=nope", "Session ID unknown"],
      ["no transport", "EIO=4", "Transport unknown"],
    ]) {
      it(`websocket upgrade refused before 101: ${label}`, async () => {
        const err = await openWs(fx.url, query).then(
          (h) => {
            h.ws.terminate();
            return null;
          },
          (e) => e,
        );
        assert.ok(err?.response, `expected an HTTP refusal, got ${err ? err.message : "an open websocket"}`);
        assert.equal(err.response.status, 400);
        assert.equal(err.response.headers["content-type"], "text/html");
        assert.equal(err.response.body, body);
      });
    }

    it("error: near-miss sid (a live sid plus one char) -> 1 Session ID unknown", async () => {
      const { sid } = await handshake(fx.url);
      const res = await request(eio(fx.url, `EIO=4&transport=polling&sid=${sid}x`));
      assert.equal(res.status, 400);
      assert.equal(res.body, SESSION_UNKNOWN);
    });
  });
}
