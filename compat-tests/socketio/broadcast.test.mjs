// Rooms and broadcasts with socket.io-client 4.8 against the
// "socketio-scenarios" fixtures: every broadcast operator checked with four
// clients, broadcast acks, fetchSockets / socketsJoin / socketsLeave /
// disconnectSockets, all triggered by a client event ("op") and observed by
// the clients.
//
// Who received a broadcast is read after a "fence": a broadcast to everyone
// sent after the one under test. Packets of one connection arrive in order,
// so once every client has the fence, every copy of the broadcast is in.
import { describe, it, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { targets } from "../lib/fixture.mjs";
import { fixtureSuite } from "../lib/suite.mjs";
import { connectClient, sioClient, ask, call } from "../lib/sio.mjs";
import { once, until } from "../lib/wait.mjs";

const MODE = "socketio-scenarios";
const WS = { transports: ["websocket"] };

for (const target of targets()) {
  describe(`${target}: rooms joined by the connection handler`, () => {
    const env = fixtureSuite({ target, mode: MODE });
    const { sockets } = env;

    for (const transport of ["websocket", "polling"]) {
      it(`${transport}: a broadcast sent as soon as the client is connected reaches the room its slow connection handler joined`, async () => {
        const sender = await connectClient(sockets, env.url, "/", WS);
        const room = `joined-on-connect-${transport}`;
        const s = sioClient(sockets, env.url, "/", { transports: [transport], auth: { joinOnConnect: room, slowConnect: 40 } });
        const news = once(s, "news", 5000);
        // Broadcast the moment "connect" fires: in Node the handler has
        // run by then, whatever it took.
        s.on("connect", () => sender.emit("op", { from: "nsp", ops: [["to", room]], action: "emit", event: "news", args: ["hi"] }, () => {}));
        assert.deepEqual(await news, ["hi"]);
      });
    }
  });

  describe(`${target}: the adapter's room events`, () => {
    const env = fixtureSuite({ target, mode: MODE });
    const { sockets } = env;

    it("create-room, join-room, leave-room, delete-room in Node's order; socket.rooms in join order", async () => {
      const A = await connectClient(sockets, env.url, "/", WS);
      const B = await connectClient(sockets, env.url, "/", WS);
      const [a, b] = [A.id, B.id]; // the client forgets its id once disconnected
      const room = `events-${a}`;
      const other = `other-${a}`;
      await ask(A, "join", room);
      await ask(B, "join", [other, room]);
      await ask(A, "join", room); // already in: nothing
      await ask(B, "leave", other);
      assert.deepEqual(await ask(B, "my-rooms"), [b, room]);
      A.disconnect();
      await until(async () => (await call(B, "reason-of", "/", a))[0] !== null, 5000, "A's disconnection");
      assert.deepEqual(await ask(B, "room-log", [a, b, room, other]), [
        ["create-room", a],
        ["join-room", a, a],
        ["create-room", b],
        ["join-room", b, b],
        ["create-room", room],
        ["join-room", room, a],
        ["create-room", other],
        ["join-room", other, b],
        ["join-room", room, b],
        ["leave-room", other, b],
        ["delete-room", other],
        ["leave-room", a, a],
        ["delete-room", a],
        ["leave-room", room, a],
      ]);
    });
  });

  describe(`${target}: socket.io rooms and broadcasts`, () => {
    const env = fixtureSuite({ target, mode: MODE });
    const { sockets } = env;
    let A, B, C, D, E; // A in r1; B in r1, r2; C in r2; D in none; E: A's connection on /custom, in r1
    let clients; // name -> socket, the "/" ones
    let received; // name -> [args of "bc"]
    beforeEach(async () => {
      [A, B, C, D] = await Promise.all(["A", "B", "C", "D"].map(() => connectClient(sockets, env.url, "/", WS)));
      E = A.io.socket("/custom"); // connects by itself (autoConnect), on A's engine
      sockets.push(E);
      await once(E, "connect", 5000, { failOn: ["connect_error"] });
      clients = { A, B, C, D };
      received = {};
      for (const [name, s] of Object.entries({ ...clients, E })) {
        s.__name = name;
        received[name] = [];
        s.on("bc", (...args) => received[name].push(args));
      }
      assert.deepEqual(await ask(A, "join", "r1"), [A.id, "r1"].sort());
      assert.deepEqual(await ask(B, "join", ["r1", "r2"]), [B.id, "r1", "r2"].sort());
      assert.deepEqual(await ask(C, "join", ["r2"]), [C.id, "r2"].sort());
      await ask(E, "join", "r1");
    });

    const op = (from, spec) => ask(from, "op", spec);

    /** Everyone gets a "fence" broadcast; then returns who received "bc" (name -> count). */
    async function fence() {
      const all = [A, B, C, D, E].map((s) => once(s, "fence", 5000));
      assert.equal(await op(D, { from: "nsp", action: "emit", event: "fence" }), true);
      assert.equal(await op(E, { from: "nsp", action: "emit", event: "fence" }), true);
      await Promise.all(all);
      const out = {};
      for (const [name, list] of Object.entries(received)) if (list.length) out[name] = list.length;
      return out;
    }

    const cases = [
      ["io.to(r1)", "D", { from: "nsp", ops: [["to", "r1"]] }, { A: 1, B: 1 }],
      ["io.in(r2)", "D", { from: "nsp", ops: [["in", "r2"]] }, { B: 1, C: 1 }],
      ["io.to([r1, r2]): B, in both, once", "D", { from: "nsp", ops: [["to", ["r1", "r2"]]] }, { A: 1, B: 1, C: 1 }],
      ["io.to(r1).to(r2)", "D", { from: "nsp", ops: [["to", "r1"], ["to", "r2"]] }, { A: 1, B: 1, C: 1 }],
      ["io.except(r1)", "D", { from: "nsp", ops: [["except", "r1"]] }, { C: 1, D: 1 }],
      ["io.except([r1, r2])", "A", { from: "nsp", ops: [["except", ["r1", "r2"]]] }, { D: 1 }],
      ["io.to(r2).except(r1)", "D", { from: "nsp", ops: [["to", "r2"], ["except", "r1"]] }, { C: 1 }],
      ["io.to(<socket id of C>)", "A", { from: "nsp", ops: [["to", "$C"]] }, { C: 1 }],
      ["io.emit (everyone in /, not /custom)", "A", { from: "nsp", ops: [] }, { A: 1, B: 1, C: 1, D: 1 }],
      ["io.volatile", "D", { from: "nsp", ops: [["volatile"]] }, { A: 1, B: 1, C: 1, D: 1 }],
      ["io.local", "D", { from: "nsp", ops: [["local"]] }, { A: 1, B: 1, C: 1, D: 1 }],
      ["io.compress(false).to(r2)", "D", { from: "nsp", ops: [["compress", false], ["to", "r2"]] }, { B: 1, C: 1 }],
      ["io.local.volatile.to(r1)", "D", { from: "nsp", ops: [["local"], ["volatile"], ["to", "r1"]] }, { A: 1, B: 1 }],
      ["socket.broadcast (from A)", "A", { from: "socket", ops: [["broadcast"]] }, { B: 1, C: 1, D: 1 }],
      ["socket.to(r1) (from A, in r1)", "A", { from: "socket", ops: [["to", "r1"]] }, { B: 1 }],
      ["socket.in([r1, r2]) (from B)", "B", { from: "socket", ops: [["in", ["r1", "r2"]]] }, { A: 1, C: 1 }],
      ["socket.except(r2) (from A)", "A", { from: "socket", ops: [["except", "r2"]] }, { D: 1 }],
      ["socket.broadcast.volatile (from C)", "C", { from: "socket", ops: [["broadcast"], ["volatile"]] }, { A: 1, B: 1, D: 1 }],
      ["socket.emit to itself (A)", "A", { from: "socket", ops: [] }, { A: 1 }],
      ["socket.volatile.emit (A)", "A", { from: "socket", ops: [["volatile"]] }, { A: 1 }],
      ["socket.compress(false).emit (A)", "A", { from: "socket", ops: [["compress", false]] }, { A: 1 }],
      ["/custom io.to(r1): only E", "E", { from: "nsp", ops: [["to", "r1"]] }, { E: 1 }],
      ["io.to(nobody)", "D", { from: "nsp", ops: [["to", "nobody"]] }, {}],
    ];
    for (const [label, fromName, spec, expected] of cases) {
      it(`${label} → ${Object.keys(expected).join(", ") || "nobody"}`, async () => {
        const from = fromName === "E" ? E : clients[fromName];
        const ops = spec.ops.map(([n, a]) => (a === "$C" ? [n, C.id] : a === undefined ? [n] : [n, a]));
        assert.equal(await op(from, { ...spec, ops, action: "emit", event: "bc", args: [label, { n: 1 }, Buffer.from([1, 2])] }), true);
        assert.deepEqual(await fence(), expected);
        for (const list of Object.values(received)) {
          for (const args of list) {
            assert.equal(args[0], label);
            assert.deepEqual(args[1], { n: 1 });
            assert.equal(args[2].toString("hex"), "0102");
          }
        }
      });
    }

    it("leave: A leaves r1, io.to(r1) then reaches B only", async () => {
      assert.deepEqual(await ask(A, "leave", "r1"), [A.id]);
      await op(D, { from: "nsp", ops: [["to", "r1"]], action: "emit", event: "bc", args: ["x"] });
      assert.deepEqual(await fence(), { B: 1 });
    });

    it("broadcast ack: io.timeout(2000).emitWithAck collects one answer per client", async () => {
      for (const [name, s] of Object.entries(clients)) s.on("bq", (x, cb) => cb(`${name}:${x}`));
      const t0 = Date.now();
      const res = await op(D, { from: "nsp", ops: [["timeout", 2000]], action: "emitWithAck", event: "bq", args: ["hi"] });
      assert.ok(Date.now() - t0 < 1500, "must not wait for the timeout when everyone answered");
      assert.deepEqual(Object.keys(res), ["responses"]);
      assert.deepEqual(res.responses.sort(), ["A:hi", "B:hi", "C:hi", "D:hi"]);
    });

    it("broadcast ack to a room with binary answers: io.to(r2).timeout(2000).emitWithAck", async () => {
      for (const [name, s] of Object.entries(clients)) s.on("bq", (x, cb) => cb({ name, bin: Buffer.from(name) }));
      const res = await op(A, { from: "nsp", ops: [["to", "r2"], ["timeout", 2000]], action: "emitWithAck", event: "bq", args: [1] });
      const got = res.responses.map((r) => [r.name, r.bin.toString()]).sort();
      assert.deepEqual(got, [["B", "B"], ["C", "C"]]);
    });

    it("broadcast ack from a socket: socket.broadcast.timeout(2000).emitWithAck (excludes the sender)", async () => {
      for (const [name, s] of Object.entries(clients)) s.on("bq", (cb) => cb(name));
      const res = await op(B, { from: "socket", ops: [["broadcast"], ["timeout", 2000]], action: "emitWithAck", event: "bq" });
      assert.deepEqual(res.responses.sort(), ["A", "C", "D"]);
    });

    it("broadcast ack with no recipient resolves at once with []", async () => {
      const res = await op(D, { from: "nsp", ops: [["to", "nobody"], ["timeout", 2000]], action: "emitWithAck", event: "bq" });
      assert.deepEqual(res, { responses: [] });
    });

    it("broadcast ack with one client not answering → timeout error after ~300 ms, with the answers so far", async () => {
      for (const [name, s] of Object.entries(clients)) s.on("bq", (cb) => name !== "C" && cb(name));
      const t0 = Date.now();
      const res = await op(D, { from: "nsp", ops: [["timeout", 300]], action: "emitWithAck", event: "bq" });
      const took = Date.now() - t0;
      assert.equal(res.error, "timeout", JSON.stringify(res));
      assert.deepEqual(res.responses.sort(), ["A", "B", "D"]);
      assert.ok(took >= 280 && took < 2000, `answered after ${took} ms`);
    });

    it("fetchSockets: io.in(r1) returns A and B with rooms and data", async () => {
      await ask(B, "set-data", { name: "B", list: [1, 2] });
      const got = await op(D, { from: "nsp", ops: [["in", "r1"]], action: "fetchSockets" });
      const expected = [
        { id: A.id, rooms: [A.id, "r1"].sort(), data: {} },
        { id: B.id, rooms: [B.id, "r1", "r2"].sort(), data: { name: "B", list: [1, 2] } },
      ].sort((x, y) => (x.id < y.id ? -1 : 1));
      assert.deepEqual(got, expected);
      const all = await op(D, { from: "nsp", action: "fetchSockets" });
      assert.deepEqual(all.map((s) => s.id).sort(), [A.id, B.id, C.id, D.id].sort());
      const custom = await op(E, { from: "nsp", action: "fetchSockets" });
      assert.deepEqual(custom.map((s) => s.id), [E.id]);
    });

    it("socketsJoin: io.in(r2).socketsJoin(r9) → B and C are in r9 and get its broadcasts", async () => {
      assert.equal(await op(D, { from: "nsp", ops: [["in", "r2"]], action: "socketsJoin", rooms: "r9" }), true);
      assert.deepEqual((await ask(C, "whoami")).rooms, [C.id, "r2", "r9"].sort());
      await op(D, { from: "nsp", ops: [["to", "r9"]], action: "emit", event: "bc", args: ["r9"] });
      assert.deepEqual(await fence(), { B: 1, C: 1 });
    });

    it("socketsJoin with several rooms, for everyone: io.socketsJoin([x, y])", async () => {
      await op(D, { from: "nsp", action: "socketsJoin", rooms: ["x", "y"] });
      for (const s of [A, B, C, D]) {
        const rooms = (await ask(s, "whoami")).rooms;
        assert.ok(rooms.includes("x") && rooms.includes("y"), `${s.__name}: ${rooms}`);
      }
      assert.deepEqual((await ask(E, "whoami")).rooms, [E.id, "r1"].sort(), "/custom is not affected");
    });

    it("socketsLeave: io.in(r1).socketsLeave(r2) → B leaves r2; io.to(r2) reaches C only", async () => {
      assert.equal(await op(D, { from: "nsp", ops: [["in", "r1"]], action: "socketsLeave", rooms: "r2" }), true);
      assert.deepEqual((await ask(B, "whoami")).rooms, [B.id, "r1"].sort());
      await op(D, { from: "nsp", ops: [["to", "r2"]], action: "emit", event: "bc", args: ["r2"] });
      assert.deepEqual(await fence(), { C: 1 });
    });

    it("disconnectSockets: io.in(r1).disconnectSockets() → A and B get 'io server disconnect'; the others stay", async () => {
      const idA = A.id; // the client forgets its id on disconnect
      const discA = once(A, "disconnect", 5000);
      const discB = once(B, "disconnect", 5000);
      assert.equal(await op(D, { from: "nsp", ops: [["in", "r1"]], action: "disconnectSockets", close: false }), true);
      assert.equal((await discA)[0], "io server disconnect");
      assert.equal((await discB)[0], "io server disconnect");
      assert.equal(await ask(D, "reason-of", "/", idA), "server namespace disconnect");
      assert.equal((await ask(C, "whoami")).id, C.id);
      // E (/custom) shares A's connection, which stays open.
      assert.equal(E.connected, true);
      assert.equal((await ask(E, "whoami")).id, E.id);
      assert.equal(A.io.engine.readyState, "open");
    });

    it("disconnectSockets(true): io.in(r2).disconnectSockets(true) closes B's and C's connections", async () => {
      const [idB, idC] = [B.id, C.id];
      const discB = once(B, "disconnect", 5000);
      const discC = once(C, "disconnect", 5000);
      assert.equal(await op(D, { from: "nsp", ops: [["in", "r2"]], action: "disconnectSockets", close: true }), true);
      const reasons = [(await discB)[0], (await discC)[0]];
      const server = await until(async () => {
        const r = await Promise.all([ask(D, "reason-of", "/", idB), ask(D, "reason-of", "/", idC)]);
        return r.every(Boolean) && r;
      }, 3000, "server reasons");
      assert.deepEqual({ client: reasons, server }, {
        client: ["io server disconnect", "io server disconnect"],
        server: ["server namespace disconnect", "server namespace disconnect"],
      });
      assert.equal(A.connected && D.connected, true);
    });
  });
}
