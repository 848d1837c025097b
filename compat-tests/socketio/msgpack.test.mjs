// socket.io-msgpack-parser: a server made with parser: msgpackParser (Go:
// socketio.Options{Parser: socketio.MsgpackParser}) and clients made with
// the same parser. Every packet is one binary message; binary values travel
// inside it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import msgpackParser from "socket.io-msgpack-parser";
import { targets } from "../lib/fixture.mjs";
import { fixtureSuite } from "../lib/suite.mjs";
import { connectClient, sioClient, connectError, call, ask } from "../lib/sio.mjs";
import { once } from "../lib/wait.mjs";

const MODE = "socketio-scenarios";

for (const target of targets()) {
  describe(`${target}: socket.io-msgpack-parser`, () => {
    const env = fixtureSuite({ target, mode: MODE, extraArgs: ["--parser", "msgpack"] });
    const { sockets } = env;

    for (const transport of ["websocket", "polling"]) {
      const opts = { parser: msgpackParser, transports: [transport] };

      it(`${transport}: connects, with the handshake auth`, async () => {
        const s = await connectClient(sockets, env.url, "/", { ...opts, auth: { token: "a", n: [1, 2] } });
        const me = await ask(s, "whoami");
        assert.equal(me.id, s.id);
        assert.equal(me.nsp, "/");
        assert.deepEqual(me.auth, { token: "a", n: [1, 2] });
        assert.equal(me.transport, transport);
      });

      it(`${transport}: values of every kind, binary included, come back as sent`, async () => {
        const s = await connectClient(sockets, env.url, "/", opts);
        const values = [
          "héllo ✓ 😀",
          "",
          0,
          -1,
          42,
          255,
          65536,
          -2147483649,
          2 ** 53 - 1,
          1.5,
          -0.25,
          true,
          false,
          null,
          [1, [2, [3]], { a: "b" }],
          { nested: { deep: [1, { x: null }] }, "": 1 },
          Buffer.from([0, 1, 2, 255]),
          { bin: Buffer.from("bytes"), list: [Buffer.alloc(0), Buffer.from([9])] },
        ];
        const echoed = once(s, "echo", 5000);
        const acked = await call(s, "echo", ...values);
        for (const got of [acked, await echoed]) {
          assert.equal(got.length, values.length);
          values.forEach((v, i) => assert.deepEqual(got[i], v, `value ${i}`));
        }
      });

      it(`${transport}: the server asks the client and gets its answer`, async () => {
        const s = await connectClient(sockets, env.url, "/", opts);
        s.on("question", (a, b, cb) => cb({ got: [a, b], bin: Buffer.from([7]) }));
        const answer = await ask(s, "ask", "why", Buffer.from([1, 2]));
        assert.deepEqual(answer, { got: ["why", Buffer.from([1, 2])], bin: Buffer.from([7]) });
      });

      it(`${transport}: a custom namespace, broadcasts to a room`, async () => {
        const a = await connectClient(sockets, env.url, "/custom", opts);
        const b = await connectClient(sockets, env.url, "/custom", opts);
        assert.deepEqual(await ask(b, "join", "r"), [b.id, "r"].sort());
        const got = once(b, "bc", 5000);
        assert.equal(await ask(a, "op", { from: "nsp", ops: [["to", "r"]], action: "emit", event: "bc", args: [1, Buffer.from([3])] }), true);
        assert.deepEqual(await got, [1, Buffer.from([3])]);
      });

      it(`${transport}: a refused connection gets the middleware's error and data`, async () => {
        const err = await connectError(sioClient(sockets, env.url, "/guarded", { ...opts, auth: { token: "data" } }));
        assert.equal(err.message, "not authorized");
        assert.deepEqual(err.data, { code: 42, detail: ["a", { b: null }] });
        const nsp = await connectError(sioClient(sockets, env.url, "/nowhere", opts));
        assert.equal(nsp.message, "Invalid namespace");
      });

      it(`${transport}: the server disconnects the socket`, async () => {
        const s = await connectClient(sockets, env.url, "/", opts);
        const gone = once(s, "disconnect", 5000);
        s.emit("disconnect-me", false);
        assert.deepEqual((await gone)[0], "io server disconnect");
      });
    }
  });
}
