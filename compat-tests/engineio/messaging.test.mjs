// Scenario 2 (upgrade without loss or reordering) and 3 (text / binary echo).
import { describe, it, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { Socket } from "engine.io-client";
import { startFixture, targets } from "../lib/fixture.mjs";
import { openClient, closeAll, TRANSPORT_MODES } from "../lib/client.mjs";
import { once, collect } from "../lib/wait.mjs";
import { handshake, pollUrl, request, openWs, eio, wsClosed } from "../lib/raw.mjs";

const TEXTS = [
  "hello",
  "émoji 😀👍🏽 ✓ 中文 ÿ \u0000 nul",
  "4", // looks like a packet type
  "b", // looks like a base64 binary marker
  "bAQID", // looks like base64 binary on the wire
  '{"json":[1,2,3]}',
  "line\nbreak\r\n",
  "x".repeat(20000),
];

function binaries() {
  return [
    ["Uint8Array", new Uint8Array([0, 1, 2, 3, 254, 255])],
    ["ArrayBuffer", new Uint8Array([9, 8, 7]).buffer],
    ["Buffer", Buffer.from("héllo\x1e", "utf8")],
    ["empty Uint8Array", new Uint8Array(0)],
    ["large Buffer", Buffer.alloc(30000, 0xab)],
  ];
}

function bytesOf(v) {
  if (v instanceof ArrayBuffer) return Buffer.from(new Uint8Array(v));
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

async function upgraded(s) {
  if (s.transport.name !== "websocket") await once(s, "upgrade", 5000, { failOn: ["close", "upgradeError"] });
  assert.equal(s.transport.name, "websocket");
}

for (const target of targets()) {
  describe(`${target}: engine.io messaging`, () => {
    let fx;
    const sockets = [];
    before(async () => {
      fx = await startFixture({ target });
    });
    after(async () => {
      closeAll(sockets);
      await fx?.stop();
    });
    afterEach(() => closeAll(sockets));

    it("upgrade: ends on websocket, 100 messages sent before/during/after the upgrade come back in order", async () => {
      const N = 100;
      const s = new Socket(fx.url);
      sockets.push(s);
      const events = [];
      let i = 0;
      const send = (k) => {
        for (let j = 0; j < k && i < N; j++) s.send(`m${i++}`);
      };
      const all = collect(s, "message", N, 10000, { failOn: ["close"] });
      send(5); // before open: buffered by the client
      s.on("open", () => {
        events.push(`open:${s.transport.name}`);
        send(25); // on polling
      });
      s.on("upgrading", (t) => {
        events.push(`upgrading:${t.name}`);
        send(30); // while polling is paused
      });
      s.on("upgrade", (t) => {
        events.push(`upgrade:${t.name}`);
        send(20); // on websocket, right after the upgrade packet
        setImmediate(() => send(N)); // and the rest a bit later
      });
      const got = (await all).map(([m]) => m);
      assert.deepEqual(got, Array.from({ length: N }, (_, k) => `m${k}`));
      assert.deepEqual(events, ["open:polling", "upgrading:websocket", "upgrade:websocket"]);
      assert.equal(s.transport.name, "websocket");
      assert.deepEqual(s.__closes ?? [], []);
    });

    it("upgrade: echoes received while upgrading are not lost (server busy echoing during the probe)", async () => {
      const s = new Socket(fx.url);
      sockets.push(s);
      // Keep one message in flight at all times until 40 round trips after the upgrade.
      let sent = 0;
      let upgradedAt = -1;
      const got = [];
      const done = new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timeout: ${got.length} echoes, upgradedAt=${upgradedAt}`)), 10000);
        s.on("close", (r) => { clearTimeout(t); reject(new Error(`closed: ${r}`)); });
        s.on("message", (m) => {
          got.push(m);
          if (upgradedAt >= 0 && got.length >= upgradedAt + 40) { clearTimeout(t); resolve(); return; }
          s.send(`p${sent++}`);
        });
      });
      s.on("open", () => s.send(`p${sent++}`));
      s.on("upgrade", () => (upgradedAt = got.length));
      await done;
      assert.deepEqual(got, Array.from({ length: got.length }, (_, k) => `p${k}`));
      assert.equal(s.transport.name, "websocket");
    });

    for (const [mode, opts] of Object.entries(TRANSPORT_MODES)) {
      it(`text echo (${mode})`, async () => {
        const s = await openClient(fx.url, opts, { track: sockets });
        if (mode === "upgrade") await upgraded(s);
        const p = collect(s, "message", TEXTS.length, 5000, { failOn: ["close"] });
        for (const t of TEXTS) s.send(t); // one flush: a single polling payload
        const got = (await p).map(([m]) => m);
        assert.deepEqual(got, TEXTS);
        // One at a time as well.
        for (const t of TEXTS) {
          const q = once(s, "message", 5000, { failOn: ["close"] });
          s.send(t);
          assert.equal((await q)[0], t);
        }
      });

      it(`empty string echo arrives as undefined (packet "4" has no data) (${mode})`, async () => {
        const s = await openClient(fx.url, opts, { track: sockets });
        if (mode === "upgrade") await upgraded(s);
        const p = collect(s, "message", 3, 5000, { failOn: ["close"] });
        s.send("before");
        s.send("");
        s.send("after");
        assert.deepEqual((await p).map(([m]) => m), ["before", undefined, "after"]);
      });

      it(`binary echo (${mode})`, async () => {
        const s = await openClient(fx.url, opts, { track: sockets });
        if (mode === "upgrade") await upgraded(s);
        const bins = binaries();
        const p = collect(s, "message", bins.length + 2, 5000, { failOn: ["close"] });
        s.send("text-first");
        for (const [, b] of bins) s.send(b);
        s.send("text-last");
        const got = (await p).map(([m]) => m);
        assert.equal(got[0], "text-first");
        assert.equal(got[got.length - 1], "text-last");
        bins.forEach(([name, b], k) => {
          const m = got[k + 1];
          assert.ok(Buffer.isBuffer(m), `${name}: expected a Buffer, got ${typeof m}`);
          assert.deepEqual(m, bytesOf(b), name);
        });
      });
    }

    for (const [mode, opts] of Object.entries(TRANSPORT_MODES)) {
      if (mode === "polling") continue;
      it(`text containing the polling separator \\x1e is echoed intact on websocket (${mode})`, async () => {
        const s = await openClient(fx.url, opts, { track: sockets });
        if (mode === "upgrade") await upgraded(s);
        const texts = ["a\x1eb\x1e", "\x1e", "\x1e4z", "q\x1e9"];
        const p = collect(s, "message", texts.length, 5000, { failOn: ["close"] });
        for (const t of texts) s.send(t);
        assert.deepEqual((await p).map(([m]) => m), texts);
      });
    }

    // Over polling, engine.io-client does not escape \x1e: the server splits
    // the payload there (Node behaviour, asserted as is).
    for (const [text, expected] of [
      ["x\x1e4y", ["x", "y"]],
      ["a\x1eb", ["a", Buffer.alloc(0)]], // "b" = binary with empty base64
      ["\x1e4z", [undefined, "z"]], // "4" = message without data
    ]) {
      it(`polling: text ${JSON.stringify(text)} is split by the server at \\x1e`, async () => {
        const s = await openClient(fx.url, TRANSPORT_MODES.polling, { track: sockets });
        const p = collect(s, "message", expected.length + 1, 5000, { failOn: ["close"] });
        s.send(text);
        s.send("end");
        assert.deepEqual((await p).map(([m]) => m), [...expected, "end"]);
        assert.equal(s.readyState, "open");
      });
    }

    it('polling: text "a\\x1e" makes an empty packet: the server closes the session (parse error)', async () => {
      const s = await openClient(fx.url, TRANSPORT_MODES.polling, { track: sockets });
      const msgs = [];
      s.on("message", (m) => msgs.push(m));
      const closed = once(s, "close", 5000);
      s.send("a\x1e");
      await closed;
      // Whether the client learns it from a "1" on its pending GET or from a
      // 400 on its next GET depends on request timing.
      const c = s.__closes[0];
      assert.ok(
        (c.reason === "transport error" && c.error?.message === "xhr poll error" && c.error?.description === 400) ||
          (c.reason === "transport close" && c.description === "transport closed by the server"),
        JSON.stringify(c),
      );
      assert.ok(msgs.length <= 1 && (msgs.length === 0 || msgs[0] === "a"), JSON.stringify(msgs));
    });

    for (const [mode, opts] of [
      ["websocket", { transports: ["websocket"], forceBase64: true }],
      ["upgrade", { forceBase64: true }],
    ]) {
      it(`binary echo with forceBase64 (b64=1) (${mode})`, async () => {
        const s = await openClient(fx.url, opts, { track: sockets });
        if (mode === "upgrade") await upgraded(s);
        const p = collect(s, "message", 2, 5000, { failOn: ["close"] });
        s.send(new Uint8Array([1, 2, 3]));
        s.send("t");
        const got = (await p).map(([m]) => m);
        assert.deepEqual(got[0], Buffer.from([1, 2, 3]));
        assert.equal(got[1], "t");
      });
    }

    // Raw wire checks.
    it("raw polling: POST answers 200 ok text/html; one GET carries every echo of a batched POST", async () => {
      const { sid } = await handshake(fx.url);
      const post = await request(pollUrl(fx.url, sid), {
        method: "POST",
        body: "4a\x1e4héllo 😀\x1ebAQID\x1e4\x1e4\x1eb",
        headers: { "content-type": "text/plain;charset=UTF-8" },
      });
      assert.equal(post.status, 200);
      assert.equal(post.body, "ok");
      assert.equal(post.headers.get("content-type"), "text/html");
      const get = await request(pollUrl(fx.url, sid));
      assert.equal(get.status, 200);
      assert.equal(get.headers.get("content-type"), "text/plain; charset=UTF-8");
      assert.equal(get.headers.get("cache-control"), "no-store");
      assert.equal(get.body, "4a\x1e4héllo 😀\x1ebAQID\x1e4\x1e4\x1eb");
      await request(pollUrl(fx.url, sid), { method: "POST", body: "1" });
    });

    it("raw websocket: binary frame echoed as a binary frame; text as text; b64=1 gets base64 text", async () => {
      const h = await openWs(fx.url, "EIO=4&transport=websocket");
      try {
        await h.next(); // open
        h.ws.send(Buffer.from([1, 2, 3]));
        h.ws.send("4hi");
        h.ws.send(Buffer.alloc(0));
        let m = await h.next();
        assert.equal(m.isBinary, true);
        assert.deepEqual(m.data, Buffer.from([1, 2, 3]));
        m = await h.next();
        assert.deepEqual(m, { data: "4hi", isBinary: false });
        m = await h.next();
        assert.equal(m.isBinary, true);
        assert.equal(m.data.length, 0);
      } finally {
        h.ws.terminate();
      }
      const b = await openWs(fx.url, "EIO=4&transport=websocket&b64=1");
      try {
        await b.next();
        b.ws.send(Buffer.from([1, 2, 3]));
        const m = await b.next();
        assert.deepEqual(m, { data: "bAQID", isBinary: false });
      } finally {
        b.ws.terminate();
      }
    });

    it("raw upgrade: 2probe -> 3probe, pending GET gets 6, upgrade 5, then polling gets 400 code 3", async () => {
      const { sid } = await handshake(fx.url);
      // A GET held open by the server while nothing is queued.
      const pending = request(pollUrl(fx.url, sid));
      const h = await openWs(fx.url, `EIO=4&transport=websocket&sid=${sid}`);
      try {
        h.ws.send("2probe");
        assert.deepEqual(await h.next(), { data: "3probe", isBinary: false });
        const g = await pending;
        assert.equal(g.status, 200);
        assert.equal(g.body, "6");
        h.ws.send("5");
        h.ws.send("4after");
        assert.deepEqual(await h.next(), { data: "4after", isBinary: false });
        const late = await request(pollUrl(fx.url, sid));
        assert.equal(late.status, 400);
        assert.equal(late.body, '{"code":3,"message":"Bad request"}');
        // A second websocket for the same sid never becomes a transport: Node
        // accepts it (101) and closes it at once (1005); a refusal would do too.
        const second = await openWs(fx.url, `EIO=4&transport=websocket&sid=${sid}`).then(
          async (h2) => {
            const c = await wsClosed(h2);
            return { opened: true, code: c.code, messages: h2.queue.length };
          },
          (e) => ({ opened: false, status: e.response?.status, error: e.message }),
        );
        if (second.opened) assert.deepEqual(second, { opened: true, code: 1005, messages: 0 });
        else assert.equal(second.status, 400, second.error);
        h.ws.send("4still");
        assert.deepEqual(await h.next(), { data: "4still", isBinary: false });
      } finally {
        h.ws.terminate();
      }
    });

    it("raw upgrade: GET during probe with a message queued gets the message, the upgrade still completes", async () => {
      const { sid } = await handshake(fx.url);
      await request(pollUrl(fx.url, sid), { method: "POST", body: "4queued" });
      const h = await openWs(fx.url, `EIO=4&transport=websocket&sid=${sid}`);
      try {
        h.ws.send("2probe");
        assert.deepEqual(await h.next(), { data: "3probe", isBinary: false });
        const g1 = await request(pollUrl(fx.url, sid));
        assert.equal(g1.status, 200);
        assert.equal(g1.body, "4queued");
        const g2 = await request(pollUrl(fx.url, sid));
        assert.equal(g2.status, 200);
        assert.equal(g2.body, "6");
        h.ws.send("5");
        h.ws.send("4x");
        assert.deepEqual(await h.next(), { data: "4x", isBinary: false });
      } finally {
        h.ws.terminate();
      }
    });
  });
}
