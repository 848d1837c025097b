// Socket.IO v5 on the wire: the scenarios of the official socket.io-protocol
// test suite, with raw packets over a raw WebSocket and raw polling (fetch),
// against the "socketio-protocol" fixtures (Node: socket.io Server; Go:
// compat-tests/fixture/socketio.go). Ping interval 300 ms / timeout 200 ms, as
// in the official suite.
import { describe, it, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { startFixture, targets } from "../lib/fixture.mjs";
import { openSio, nextText, nextBinary } from "../lib/sio-raw.mjs";

const PING_INTERVAL = 300;
const PING_TIMEOUT = 200;

/** Parse `4<type>[nsp,]<json>` text; returns [prefix, json]. */
function splitJSON(packet) {
  const i = packet.search(/[{[]/);
  assert.ok(i > 0, `no JSON in ${JSON.stringify(packet)}`);
  return [packet.slice(0, i), JSON.parse(packet.slice(i))];
}

/** Asserts a CONNECT reply `40[nsp,]{"sid":"..."}` with exactly the key sid; returns the sid. */
function assertConnect(packet, prefix, engineSid) {
  const [head, payload] = splitJSON(packet);
  assert.equal(head, prefix, `CONNECT reply ${JSON.stringify(packet)}`);
  assert.deepEqual(Object.keys(payload), ["sid"], `CONNECT reply keys in ${packet}`);
  assert.equal(typeof payload.sid, "string");
  assert.ok(payload.sid.length > 0);
  assert.notEqual(payload.sid, engineSid, "the Socket.IO id must not be the Engine.IO sid");
  return payload.sid;
}

/**
 * The server ends the connection as Node does: a WebSocket closed without a
 * status code (1005), a polling session whose GET carries the close packet.
 */
async function assertClosed(c, ms) {
  const got = await c.closed(ms);
  if (c.transport === "websocket") assert.deepEqual(got, { code: 1005, reason: "" });
  else assert.deepEqual(got, { closePacket: true, skipped: [] });
}

const PH0 = '{"_placeholder":true,"num":0}';
const PH1 = '{"_placeholder":true,"num":1}';

for (const target of targets()) {
  describe(`${target}: socket.io protocol (raw wire)`, () => {
    let fx;
    const conns = [];
    const open = async (transport) => {
      const c = await openSio(fx.url, transport);
      conns.push(c);
      return c;
    };
    const engineSid = (c) => c.open.sid;
    before(async () => {
      fx = await startFixture({ target, mode: "socketio-protocol", pingInterval: PING_INTERVAL, pingTimeout: PING_TIMEOUT });
    });
    afterEach(() => {
      for (const c of conns.splice(0)) c.close();
    });
    after(async () => {
      await fx?.stop();
    });

    for (const transport of ["websocket", "polling"]) {
      describe(transport, () => {
        it("handshake: Engine.IO open packet keys, pingInterval 300, pingTimeout 200", async () => {
          const c = await open(transport);
          assert.deepEqual(Object.keys(c.open), ["sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"]);
          assert.deepEqual(c.open.upgrades, transport === "polling" ? ["websocket"] : []);
          assert.equal(c.open.pingInterval, PING_INTERVAL);
          assert.equal(c.open.pingTimeout, PING_TIMEOUT);
        });

        it('40 → 40{"sid":...} (keys exactly sid), then 42["auth",{}]', async () => {
          const c = await open(transport);
          await c.send("40");
          assertConnect(await nextText(c), "40", engineSid(c));
          assert.equal(await nextText(c), '42["auth",{}]');
        });

        it('40{"token":"123"} → CONNECT, then 42["auth",{"token":"123"}]', async () => {
          const c = await open(transport);
          await c.send('40{"token":"123"}');
          assertConnect(await nextText(c), "40", engineSid(c));
          assert.equal(await nextText(c), '42["auth",{"token":"123"}]');
        });

        it('40/custom, → 40/custom,{"sid":...} and 42/custom,["auth",{}]', async () => {
          const c = await open(transport);
          await c.send("40/custom,");
          assertConnect(await nextText(c), "40/custom,", engineSid(c));
          assert.equal(await nextText(c), '42/custom,["auth",{}]');
        });

        it("40/custom (no comma) is accepted too; the reply carries the comma", async () => {
          const c = await open(transport);
          await c.send("40/custom");
          assertConnect(await nextText(c), "40/custom,", engineSid(c));
          assert.equal(await nextText(c), '42/custom,["auth",{}]');
        });

        it('40/random → 44/random,{"message":"Invalid namespace"}', async () => {
          const c = await open(transport);
          await c.send("40/random");
          assert.equal(await nextText(c), '44/random,{"message":"Invalid namespace"}');
        });

        it("4abc (invalid packet type) closes the connection", async () => {
          const c = await open(transport);
          await c.send("40");
          await nextText(c);
          await nextText(c);
          await c.send("4abc");
          await assertClosed(c);
        });

        it('42["message",1,"2",{"3":[true]}] → 42["message-back",1,"2",{"3":[true]}] byte-exact', async () => {
          const c = await open(transport);
          await c.send("40");
          await nextText(c);
          await nextText(c);
          await c.send('42["message",1,"2",{"3":[true]}]');
          assert.equal(await nextText(c), '42["message-back",1,"2",{"3":[true]}]');
        });

        it("452-[message, 2 placeholders] + 2 binary → 452-[message-back, ...] + the same 2 binary", async () => {
          const c = await open(transport);
          await c.send("40");
          await nextText(c);
          await nextText(c);
          await c.send(`452-["message",${PH0},${PH1}]`, Buffer.from([1, 2, 3]), Buffer.from([4, 5, 6]));
          assert.equal(await nextText(c), `452-["message-back",${PH0},${PH1}]`);
          assert.deepEqual([...(await nextBinary(c))], [1, 2, 3]);
          assert.deepEqual([...(await nextBinary(c))], [4, 5, 6]);
        });

        it('42456["message-with-ack",1,"2",{"3":[false]}] → 43456[1,"2",{"3":[false]}]', async () => {
          const c = await open(transport);
          await c.send("40");
          await nextText(c);
          await nextText(c);
          await c.send('42456["message-with-ack",1,"2",{"3":[false]}]');
          assert.equal(await nextText(c), '43456[1,"2",{"3":[false]}]');
        });

        it("binary ack: 452-789[message-with-ack, ...] + 2 binary → 462-789[...] + 2 binary", async () => {
          const c = await open(transport);
          await c.send("40");
          await nextText(c);
          await nextText(c);
          await c.send(`452-789["message-with-ack",${PH0},${PH1}]`, Buffer.from([1, 2, 3]), Buffer.from([4, 5, 6]));
          assert.equal(await nextText(c), `462-789[${PH0},${PH1}]`);
          assert.deepEqual([...(await nextBinary(c))], [1, 2, 3]);
          assert.deepEqual([...(await nextBinary(c))], [4, 5, 6]);
        });

        it("42{} (event payload not an array) closes the connection", async () => {
          const c = await open(transport);
          await c.send("40");
          await nextText(c);
          await nextText(c);
          await c.send("42{}");
          await assertClosed(c);
        });

        it('42abc["message-with-ack",...] (invalid ack id) closes the connection', async () => {
          const c = await open(transport);
          await c.send("40");
          await nextText(c);
          await nextText(c);
          await c.send('42abc["message-with-ack",1,"2",{"3":[false]}]');
          await assertClosed(c);
        });

        it("41/custom (no reply) then a message on / still works", async () => {
          const c = await open(transport);
          await c.send("40");
          await nextText(c);
          await nextText(c);
          await c.send("40/custom,");
          assertConnect(await nextText(c), "40/custom,", engineSid(c));
          assert.equal(await nextText(c), '42/custom,["auth",{}]');
          await c.send("41/custom,");
          await c.send('42["message","after"]');
          assert.equal(await nextText(c), '42["message-back","after"]');
        });

        it("41 (leave /): no reply, only pings follow; without pongs the server closes on ping timeout", async () => {
          const c = await open(transport);
          await c.send("40");
          await nextText(c);
          await nextText(c);
          c.autoPong = false;
          await c.send("41");
          const t0 = Date.now();
          assert.equal(await nextText(c, PING_INTERVAL + 1000), "2");
          await assertClosed(c, PING_INTERVAL + PING_TIMEOUT + 1500);
          const took = Date.now() - t0;
          assert.ok(took >= PING_TIMEOUT - 50, `closed ${took} ms after the leave: before the ping timeout`);
        });
      });
    }
  });
}
