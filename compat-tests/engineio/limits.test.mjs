// Scenario 4: messages near and over --max-payload.
import { describe, it, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { startFixture, targets } from "../lib/fixture.mjs";
import { openClient, closeAll, closeInfo, TRANSPORT_MODES } from "../lib/client.mjs";
import { once, collect } from "../lib/wait.mjs";
import { handshake, pollUrl, request, openWs, wsClosed } from "../lib/raw.mjs";

const MAX = 1000;

// What engine.io-client reports when the server refuses an oversize message.
const POLLING_413 = {
  reason: "transport error",
  error: { name: "Error", type: "TransportError", message: "xhr post error", description: 413 },
};
const WS_1009 = {
  reason: "transport close",
  description: "websocket connection closed",
  context: { code: 1009, reason: "", wasClean: true },
};

/** Send `msg`; resolve {echo} or {close: closeInfo}. */
async function sendAndSee(s, msg) {
  const echo = once(s, "message", 5000).then(([m]) => ({ echo: m }));
  const close = once(s, "close", 5000).then(([r, d]) => ({ close: closeInfo(r, d) }));
  echo.catch(() => {});
  close.catch(() => {});
  s.send(msg);
  return Promise.race([echo, close]);
}

for (const target of targets()) {
  describe(`${target}: engine.io max payload`, () => {
    let fx;
    const sockets = [];
    before(async () => {
      fx = await startFixture({ target, maxPayload: MAX });
    });
    after(async () => {
      closeAll(sockets);
      await fx?.stop();
    });
    afterEach(() => closeAll(sockets));

    // [label, payload, fits on polling, fits on websocket]
    // Polling counts the encoded payload: "4" + text, or "b" + base64(bytes).
    // WebSocket counts the frame: "4" + text, or the raw bytes.
    const cases = [
      ["text 999 chars (1000 bytes with type)", "x".repeat(MAX - 1), true, true],
      ["text 1000 chars", "x".repeat(MAX), false, false],
      ["text 499 two-byte chars (998 bytes)", "é".repeat(499), true, true],
      ["text 500 two-byte chars (1000 bytes + type)", "é".repeat(500), false, false],
      ["binary 747 bytes (b + 996 base64)", new Uint8Array(747).fill(7), true, true],
      ["binary 748 bytes (b + 1000 base64)", new Uint8Array(748).fill(7), false, true],
      ["binary 1000 bytes", new Uint8Array(1000).fill(7), false, true],
      ["binary 1001 bytes", new Uint8Array(1001).fill(7), false, false],
    ];

    for (const [mode, opts] of Object.entries(TRANSPORT_MODES)) {
      for (const [label, payload, fitsPolling, fitsWs] of cases) {
        const fits = mode === "polling" ? fitsPolling : fitsWs;
        it(`${mode}: ${label} ${fits ? "is echoed" : "closes the client"}`, async () => {
          const s = await openClient(fx.url, opts, { track: sockets });
          assert.equal(s.__handshake.maxPayload, MAX);
          if (mode === "upgrade") await once(s, "upgrade", 5000, { failOn: ["close"] });
          const res = await sendAndSee(s, payload);
          if (fits) {
            assert.ok("echo" in res, `expected an echo, got ${JSON.stringify(res)}`);
            if (typeof payload === "string") assert.equal(res.echo, payload);
            else assert.deepEqual(res.echo, Buffer.from(payload));
          } else {
            assert.deepEqual(res, { close: mode === "polling" ? POLLING_413 : WS_1009 });
          }
        });
      }
    }

    it("polling: the client splits writes over maxPayload into several POSTs, all echoed in order", async () => {
      const s = await openClient(fx.url, TRANSPORT_MODES.polling, { track: sockets });
      const msgs = Array.from({ length: 7 }, (_, k) => `${k}`.repeat(400));
      const p = collect(s, "message", msgs.length, 5000, { failOn: ["close"] });
      for (const m of msgs) s.send(m);
      assert.deepEqual((await p).map(([m]) => m), msgs);
    });

    it("raw polling: POST of exactly maxPayload bytes is accepted, one byte more gets 413 with an empty body", async () => {
      const { sid } = await handshake(fx.url);
      const ok = await request(pollUrl(fx.url, sid), { method: "POST", body: "4" + "y".repeat(MAX - 1) });
      assert.equal(ok.status, 200);
      assert.equal(ok.body, "ok");
      const get = await request(pollUrl(fx.url, sid));
      assert.equal(get.body, "4" + "y".repeat(MAX - 1));
      const big = await request(pollUrl(fx.url, sid), { method: "POST", body: "4" + "y".repeat(MAX) });
      assert.equal(big.status, 413);
      assert.equal(big.body, "");
    });

    it("raw websocket: a frame of maxPayload+1 bytes closes with 1009 and an empty reason", async () => {
      const h = await openWs(fx.url, "EIO=4&transport=websocket");
      try {
        await h.next();
        h.ws.send("4" + "z".repeat(MAX - 1));
        assert.deepEqual(await h.next(), { data: "4" + "z".repeat(MAX - 1), isBinary: false });
        h.ws.send("4" + "z".repeat(MAX));
        assert.deepEqual(await wsClosed(h), { code: 1009, reason: "" });
      } finally {
        h.ws.terminate();
      }
    });
  });
}
