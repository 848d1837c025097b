// Socket.IO events with socket.io-client 4.8 against the "socketio-scenarios"
// fixtures: every JSON type and binary shape both ways, acks both ways (with
// binary, with timeouts), and 1,000 events in order both ways.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { targets } from "../lib/fixture.mjs";
import { fixtureSuite } from "../lib/suite.mjs";
import { connectClient, call, callWithin, ask } from "../lib/sio.mjs";
import { once, collect } from "../lib/wait.mjs";

const MODE = "socketio-scenarios";

// What the fixtures' "types" handler sends.
const TYPES = [
  null, true, false, 0, 42, -17, 3.14159, -0.5, 1.5e300, -2.5e-7, 9007199254740991,
  "", "héllo wörld ✓ 中文 😀", 'quote " backslash \\ newline \n tab \t nul \u0000 <>&',
  { z: 1, a: { y: [1, 2], b: null }, m: "x" },
  [1, "two", [3, [4]], { k: false }],
  [], {},
];

function assertKeyOrder(args) {
  assert.deepEqual(Object.keys(args[14]), ["z", "a", "m"]);
  assert.deepEqual(Object.keys(args[14].a), ["y", "b"]);
}

const hex = (b) => {
  assert.ok(Buffer.isBuffer(b), `expected a Buffer, got ${Object.prototype.toString.call(b)}`);
  return b.toString("hex");
};

/** Records the Engine.IO message packets (Socket.IO packets as text) the client receives. */
function wire(socket) {
  const got = [];
  socket.io.engine.on("packet", (p) => {
    if (p.type === "message") got.push(typeof p.data === "string" ? p.data : { binary: Buffer.from(p.data).toString("hex") });
  });
  return got;
}

for (const target of targets()) {
  describe(`${target}: socket.io messages`, () => {
    const env = fixtureSuite({ target, mode: MODE });
    const { sockets } = env;

    for (const transport of ["websocket", "polling"]) {
      const opts = { transports: [transport] };

      it(`${transport}: server → client, every JSON type as an event and as an ack; exact wire text`, async () => {
        const s = await connectClient(sockets, env.url, "/", opts);
        const packets = wire(s);
        const ev = once(s, "types");
        const acked = await call(s, "types");
        const args = await ev;
        assert.deepEqual(args, TYPES);
        assertKeyOrder(args);
        assert.deepEqual(acked, TYPES);
        assertKeyOrder(acked);
        const json = JSON.stringify(TYPES).slice(1);
        assert.equal(packets[0], `2["types",${json}`);
        assert.match(packets[1], /^3\d+\[/);
        assert.equal(packets[1].replace(/^3\d+/, "3"), `3[${json}`);
      });

      it(`${transport}: client → server → client, every JSON type (echo keeps key order, server decodes the values)`, async () => {
        const s = await connectClient(sockets, env.url, "/", opts);
        const packets = wire(s);
        const ev = once(s, "echo");
        const acked = await call(s, "echo", ...TYPES);
        const args = await ev;
        assert.deepEqual(args, TYPES);
        assertKeyOrder(args);
        assert.deepEqual(acked, TYPES);
        assert.equal(packets[0], `2["echo",${JSON.stringify(TYPES).slice(1)}`);
        assert.deepEqual(await call(s, "describe", ...TYPES), TYPES);
      });

      it(`${transport}: server → client binary: Buffer, nested, Uint8Array, Uint16Array, ArrayBuffer, empty → Buffers`, async () => {
        const s = await connectClient(sockets, env.url, "/", opts);
        const packets = wire(s);
        const ev = once(s, "binary");
        const acked = await call(s, "binary");
        for (const args of [await ev, acked]) {
          assert.equal(args.length, 6);
          assert.equal(hex(args[0]), "010203");
          assert.deepEqual(Object.keys(args[1]), ["nested", "list"]);
          assert.equal(hex(args[1].nested.buf), "0405");
          assert.equal(hex(args[1].list[0]), "06");
          assert.equal(args[1].list[1], "x");
          assert.equal(hex(args[2]), "0708");
          assert.equal(hex(args[3]), "01000302");
          assert.equal(hex(args[4]), "090a0b");
          assert.equal(hex(args[5]), "");
        }
        const ph = (n) => `{"_placeholder":true,"num":${n}}`;
        const body = `${ph(0)},{"nested":{"buf":${ph(1)}},"list":[${ph(2)},"x"]},${ph(3)},${ph(4)},${ph(5)},${ph(6)}]`;
        assert.equal(packets[0], `57-["binary",${body}`);
        assert.deepEqual(packets.slice(1, 8), ["010203", "0405", "06", "0708", "01000302", "090a0b", ""].map((h) => ({ binary: h })));
        assert.match(packets[8], /^67-\d+\[/);
        assert.equal(packets[8].replace(/^67-\d+\[/, "67-["), `67-[${body}`);
      });

      it(`${transport}: client → server binary: Buffer, ArrayBuffer, Uint8Array, subarray, Uint16Array, Float32Array, nested`, async () => {
        const s = await connectClient(sockets, env.url, "/", opts);
        const sent = [
          Buffer.from([1, 2]),
          new Uint8Array([3, 4]).buffer,
          new Uint8Array([5, 6]),
          new Uint8Array([0, 1, 2, 3]).subarray(1, 3),
          new Uint16Array([0x0102]),
          new Float32Array([1.5]),
          { deep: [{ b: Buffer.from([7]) }, new Uint8Array(0)], k: "v" },
          "text",
        ];
        const described = await call(s, "describe", ...sent);
        assert.deepEqual(described, [
          { $bin: "0102" },
          { $bin: "0304" },
          { $bin: "0506" },
          { $bin: "0102" },
          { $bin: "0201" },
          { $bin: "0000c03f" },
          { deep: [{ b: { $bin: "07" } }, { $bin: "" }], k: "v" },
          "text",
        ]);
        const ev = once(s, "echo");
        const acked = await call(s, "echo", ...sent);
        for (const args of [await ev, acked]) {
          assert.deepEqual(args.slice(0, 6).map(hex), ["0102", "0304", "0506", "0102", "0201", "0000c03f"]);
          assert.equal(hex(args[6].deep[0].b), "07");
          assert.equal(hex(args[6].deep[1]), "");
          assert.equal(args[6].k, "v");
          assert.equal(args[7], "text");
        }
      });

      it(`${transport}: client → server ack (no args, several args, binary args)`, async () => {
        const s = await connectClient(sockets, env.url, "/", opts);
        assert.deepEqual(await call(s, "ack"), []);
        assert.deepEqual(await call(s, "ack", 1, "a", { b: [true] }), [1, "a", { b: [true] }]);
        const [bin, obj] = await call(s, "ack", Buffer.from([0xff, 0]), { x: new Uint8Array([1]) });
        assert.equal(hex(bin), "ff00");
        assert.equal(hex(obj.x), "01");
        assert.equal(await s.timeout(2000).emitWithAck("ack", "first", "second"), "first");
      });

      it(`${transport}: server → client emitWithAck, the client answers (binary in both directions)`, async () => {
        const s = await connectClient(sockets, env.url, "/", opts);
        const questions = [];
        s.on("question", (...args) => {
          const cb = args.pop();
          questions.push(args);
          cb({ got: args, bin: Buffer.from([9, 9]) }, "ignored second arg");
        });
        const answer = await ask(s, "ask", "q", 2, Buffer.from([1]));
        assert.equal(questions.length, 1);
        assert.equal(questions[0][0], "q");
        assert.equal(questions[0][1], 2);
        assert.equal(hex(questions[0][2]), "01");
        assert.deepEqual(Object.keys(answer), ["got", "bin"]);
        assert.equal(answer.got[0], "q");
        assert.equal(hex(answer.got[2]), "01");
        assert.equal(hex(answer.bin), "0909");
        // an answer with no argument arrives as null
        s.off("question");
        s.on("question", (cb) => cb());
        assert.deepEqual(await call(s, "ask"), [null]);
      });

      it(`${transport}: server socket.timeout(200).emitWithAck to a client that never acks → timeout error`, async () => {
        const s = await connectClient(sockets, env.url, "/", opts);
        let got = 0;
        s.on("never-answered", () => got++);
        const res = await ask(s, "ask-timeout", 200);
        assert.equal(res.timedOut, true, JSON.stringify(res));
        assert.ok(res.elapsed >= 190 && res.elapsed < 2000, `timed out after ${res.elapsed} ms`);
        assert.equal(got, 1);
      });

      it(`${transport}: client socket.timeout(200).emitWithAck to an event the server never acks → error`, async () => {
        const s = await connectClient(sockets, env.url, "/", opts);
        const t0 = Date.now();
        await assert.rejects(s.timeout(200).emitWithAck("no-ack", 1), (err) => {
          assert.equal(err.message, "operation has timed out");
          return true;
        });
        assert.ok(Date.now() - t0 >= 190);
        // the connection is still fine
        assert.deepEqual(await call(s, "ack", "ok"), ["ok"]);
      });
    }

    for (const transport of ["upgrade", "polling", "websocket"]) {
      const opts = transport === "upgrade" ? {} : { transports: [transport] };
      it(`${transport}: 1,000 events client → server → client arrive in order both ways`, async () => {
        const N = 1000;
        const s = await connectClient(sockets, env.url, "/", opts);
        const echoed = collect(s, "seq", N, 20000, { failOn: ["disconnect"] });
        for (let i = 0; i < N; i++) s.emit("seq", i);
        const got = (await echoed).map(([n]) => n);
        assert.deepEqual(got, Array.from({ length: N }, (_, i) => i));
        assert.deepEqual(await ask(s, "seq-report"), { count: N, inOrder: true });
        const burst = collect(s, "burst", N, 20000, { failOn: ["disconnect"] });
        assert.deepEqual(await callWithin(20000, s, "burst", N), [N]);
        assert.deepEqual((await burst).map(([n]) => n), Array.from({ length: N }, (_, i) => i));
      });
    }
  });
}
