// Socket.IO disconnects, reconnection and connection state recovery with
// socket.io-client 4.8 against the "socketio-scenarios" fixtures: the
// disconnect reason on both sides, reconnection with backoff after the server
// restarts on the same port, and recovery (same id, rooms, data, missed
// packets) with --recovery, a fresh session without.
import { describe, it, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { startFixture, targets } from "../lib/fixture.mjs";
import { sioClient, connected, connectClient, ask, call, closeSockets } from "../lib/sio.mjs";
import { once, until } from "../lib/wait.mjs";
import { openSio, nextText } from "../lib/sio-raw.mjs";

const MODE = "socketio-scenarios";
const FAST_RECONNECT = { reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 400, randomizationFactor: 0 };

/** Ask `observer` for the reason the server recorded for socket `id` of `nsp`, once there is one. */
function serverReason(observer, nsp, id) {
  return until(() => ask(observer, "reason-of", nsp, id), 3000, `server-side disconnect reason of ${nsp} ${id}`);
}

for (const target of targets()) {
  describe(`${target}: socket.io disconnect reasons`, () => {
    let fx;
    const sockets = [];
    const conns = [];
    before(async () => {
      fx = await startFixture({ target, mode: MODE });
    });
    afterEach(() => {
      closeSockets(sockets);
      for (const c of conns.splice(0)) c.close();
    });
    after(async () => {
      closeSockets(sockets);
      await fx?.stop();
    });

    for (const transport of ["websocket", "polling"]) {
      const opts = { transports: [transport] };

      it(`${transport}: client socket.disconnect() → client "io client disconnect", server "client namespace disconnect"`, async () => {
        const observer = await connectClient(sockets, fx.url);
        const s = await connectClient(sockets, fx.url, "/", opts);
        const id = s.id;
        const disc = once(s, "disconnect", 3000);
        s.disconnect();
        assert.equal((await disc)[0], "io client disconnect");
        assert.equal(await serverReason(observer, "/", id), "client namespace disconnect");
      });

      it(`${transport}: server socket.disconnect() → client "io server disconnect" (no reconnect), server "server namespace disconnect"`, async () => {
        const observer = await connectClient(sockets, fx.url);
        const s = await connectClient(sockets, fx.url, "/", { ...opts, ...FAST_RECONNECT });
        const other = s.io.socket("/custom"); // same connection
        sockets.push(other);
        await connected(other);
        const id = s.id;
        const disc = once(s, "disconnect", 3000);
        s.emit("disconnect-me", false);
        assert.equal((await disc)[0], "io server disconnect");
        assert.equal(s.active, false, "no auto-reconnect after a server disconnect");
        assert.equal(await serverReason(observer, "/", id), "server namespace disconnect");
        // the connection itself stays: /custom on it still works
        assert.equal((await ask(other, "whoami")).id, other.id);
        assert.equal(other.connected, true);
      });

      it(`${transport}: server socket.disconnect(true) → every namespace of the connection gets "io server disconnect"`, async () => {
        const observer = await connectClient(sockets, fx.url);
        const s = await connectClient(sockets, fx.url, "/", opts);
        const other = s.io.socket("/custom");
        sockets.push(other);
        await connected(other);
        const [id, otherId] = [s.id, other.id];
        const disc = once(s, "disconnect", 3000);
        const otherDisc = once(other, "disconnect", 3000);
        s.emit("disconnect-me", true);
        assert.equal((await disc)[0], "io server disconnect");
        assert.equal((await otherDisc)[0], "io server disconnect");
        assert.equal(await serverReason(observer, "/", id), "server namespace disconnect");
        assert.equal(await serverReason(observer, "/custom", otherId), "server namespace disconnect");
      });

      it(`${transport} raw: server disconnect() sends 41 and keeps the connection (40 again gives a new socket); disconnect(true) sends 41 then closes`, async () => {
        const c = await openSio(fx.url, transport);
        conns.push(c);
        await c.send("40");
        const sid1 = JSON.parse((await nextText(c)).slice(2)).sid;
        await c.send('42["disconnect-me",false]');
        assert.equal(await nextText(c), "41");
        await c.send("40");
        const sid2 = JSON.parse((await nextText(c)).slice(2)).sid;
        assert.notEqual(sid2, sid1);
        await c.send('42["disconnect-me",true]');
        assert.equal(await nextText(c), "41");
        const got = await c.closed();
        if (transport === "websocket") assert.deepEqual(got, { code: 1005, reason: "" });
        else assert.deepEqual(got, { closePacket: true, skipped: [] });
      });

      it(`${transport}: client closes the engine → client "forced close", server "transport close"`, async () => {
        const observer = await connectClient(sockets, fx.url);
        const s = await connectClient(sockets, fx.url, "/", opts);
        const id = s.id;
        const disc = once(s, "disconnect", 3000);
        s.io.engine.close();
        assert.equal((await disc)[0], "forced close");
        assert.equal(await serverReason(observer, "/", id), "transport close");
      });
    }
  });

  describe(`${target}: socket.io reconnect after a server restart`, () => {
    const sockets = [];
    const fixtures = [];
    after(async () => {
      closeSockets(sockets);
      for (const f of fixtures) await f.stop();
    });

    // The reason the client gives when the server process dies.
    const lostReason = { websocket: "transport close", upgrade: "transport close", polling: "transport error" };
    for (const transport of ["websocket", "upgrade", "polling"]) {
      it(`${transport}: SIGTERM, new server on the same port → the client reconnects with backoff (new id)`, async (t) => {
        const fx1 = await startFixture({ target, mode: MODE });
        fixtures.push(fx1);
        const opts = transport === "upgrade" ? {} : { transports: [transport] };
        const s = sioClient(sockets, fx1.url, "/", { ...opts, ...FAST_RECONNECT });
        const upgraded = transport === "upgrade" && once(s.io, "open", 5000).then(() => once(s.io.engine, "upgrade", 5000));
        await connected(s);
        if (upgraded) await upgraded; // on websocket before the server goes
        const id1 = s.id;
        const attempts = [];
        s.io.on("reconnect_attempt", (n) => attempts.push({ n, at: Date.now() }));
        const disc = once(s, "disconnect", 5000);
        await fx1.stop();
        const [reason] = await disc;
        assert.equal(reason, lostReason[transport]);
        // Let a few attempts fail (backoff 100, 200, 400 ms), then restart.
        await until(() => attempts.length >= 2, 5000, "two reconnect attempts");
        let fx2;
        try {
          fx2 = await startFixture({ target, mode: MODE, addr: `127.0.0.1:${fx1.port}` });
        } catch (err) {
          if (/EADDRINUSE|address already in use/.test(err.message)) {
            t.skip(`port ${fx1.port} was taken by another process meanwhile; cannot restart on the same port`);
            return;
          }
          throw err;
        }
        fixtures.push(fx2);
        const reconnected = once(s.io, "reconnect", 10000);
        await once(s, "connect", 10000);
        const [attempt] = await reconnected;
        assert.ok(attempt >= 2, `reconnected at attempt ${attempt}`);
        assert.notEqual(s.id, id1);
        assert.ok(!s.recovered);
        const me = await ask(s, "whoami");
        assert.equal(me.id, s.id);
        // backoff: the delays grow (100 ms, then 200 ms, ...) up to reconnectionDelayMax
        const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i].at);
        assert.ok(gaps[0] >= 90, `gaps ${gaps}`);
        closeSockets(sockets);
        await fx2.stop();
      });
    }
  });

  describe(`${target}: socket.io connection state recovery (--recovery)`, () => {
    let fx;
    const sockets = [];
    before(async () => {
      fx = await startFixture({ target, mode: MODE, recovery: true });
    });
    afterEach(() => closeSockets(sockets));
    after(async () => {
      closeSockets(sockets);
      await fx?.stop();
    });

    for (const transport of ["websocket", "polling"]) {
      const opts = { transports: [transport] };

      it(`${transport}: emit hi, receive hi with an offset, engine closed → auto-reconnect with the same id, recovered`, async () => {
        const s = await connectClient(sockets, fx.url, "/", { ...opts, ...FAST_RECONNECT });
        assert.equal(s.recovered, false, "a new session is not recovered");
        const id = s.id;
        const hi = once(s, "echo");
        s.emit("echo", "hi");
        const args = await hi;
        assert.equal(args.length, 2, `the event carries an offset: ${JSON.stringify(args)}`);
        assert.equal(args[0], "hi");
        assert.equal(typeof args[1], "string");
        const back = once(s, "connect", 5000);
        s.io.engine.close();
        await back;
        assert.equal(s.id, id);
        assert.equal(s.recovered, true);
        const me = await ask(s, "whoami");
        assert.equal(me.id, id);
        assert.equal(me.recovered, true);
      });

      it(`${transport}: rooms and data are restored`, async () => {
        const observer = await connectClient(sockets, fx.url);
        const s = await connectClient(sockets, fx.url, "/", { ...opts, ...FAST_RECONNECT, auth: { user: "u1" } });
        const id = s.id;
        await ask(s, "join", ["room-x", "room-y"]);
        await ask(s, "set-data", { name: "keep", n: [1, 2] });
        const hi = once(s, "echo");
        s.emit("echo", "offset please");
        await hi;
        const back = once(s, "connect", 5000);
        s.io.engine.close();
        await back;
        assert.equal(s.recovered, true);
        const me = await ask(s, "whoami");
        assert.equal(me.id, id);
        assert.deepEqual(me.rooms, [id, "room-x", "room-y"].sort());
        assert.deepEqual(me.data, { name: "keep", n: [1, 2] });
        assert.equal(me.auth.user, "u1");
        assert.deepEqual(Object.keys(me.auth).sort(), ["offset", "pid", "user"], "the handshake auth is the CONNECT payload, pid and offset included");
        // the restored rooms work for broadcasts
        const bc = once(s, "bc");
        await ask(observer, "op", { from: "nsp", ops: [["to", "room-y"]], action: "emit", event: "bc", args: ["to room-y"] });
        assert.equal((await bc)[0], "to room-y");
      });

      it(`${transport}: packets missed while away are delivered after recovery, in order, with their offsets`, async () => {
        const observer = await connectClient(sockets, fx.url);
        const s = await connectClient(sockets, fx.url, "/", opts); // no auto-reconnect: we reconnect by hand
        const id = s.id;
        await ask(s, "join", "room-m");
        const hi = once(s, "echo");
        s.emit("echo", "offset please");
        await hi;
        const disc = once(s, "disconnect", 3000);
        s.io.engine.close();
        await disc;
        assert.equal(await serverReason(observer, "/", id), "transport close");
        const send = (ops, ...args) => ask(observer, "op", { from: "nsp", ops, action: "emit", event: "missed", args });
        await send([["to", "room-m"]], "room", 1);
        await send([["to", "other-room"]], "not for me");
        await send([["to", id]], "direct", Buffer.from([1, 2, 3]));
        await send([], "everyone");
        await send([["except", "room-m"]], "not for me either");
        await send([["volatile"]], "volatile: not stored");
        const missed = [];
        s.on("missed", (...args) => missed.push(args));
        s.connect();
        await once(s, "connect", 5000, { failOn: ["connect_error"] });
        assert.equal(s.id, id);
        assert.equal(s.recovered, true);
        // a round trip after the CONNECT: every missed packet is in by then
        const fence = once(s, "echo");
        s.emit("echo", "fence");
        await fence;
        assert.deepEqual(missed.map((a) => a[0]), ["room", "direct", "everyone"]);
        assert.equal(missed[0][1], 1);
        assert.equal(Buffer.from(missed[1][1]).toString("hex"), "010203");
        for (const a of missed) assert.equal(typeof a[a.length - 1], "string", `offset in ${JSON.stringify(a)}`);
        assert.equal(new Set(missed.map((a) => a[a.length - 1])).size, 3, "distinct offsets");
      });

      it(`${transport}: a client namespace disconnect is not recoverable: new id after reconnecting`, async () => {
        const s = await connectClient(sockets, fx.url, "/", opts);
        const id = s.id;
        const hi = once(s, "echo");
        s.emit("echo", "x");
        await hi;
        s.disconnect();
        s.connect();
        await connected(s);
        assert.notEqual(s.id, id);
        assert.equal(s.recovered, false);
      });
    }

    it("every event has an offset; acks and volatile events have none", async () => {
      const s = await connectClient(sockets, fx.url, "/", { transports: ["websocket"] });
      const ev = once(s, "echo");
      const acked = await call(s, "echo", 1, { a: 2 });
      assert.deepEqual(acked, [1, { a: 2 }]);
      const args = await ev;
      assert.equal(args.length, 3);
      assert.deepEqual(args.slice(0, 2), [1, { a: 2 }]);
      const vol = once(s, "bc");
      await ask(s, "op", { from: "socket", ops: [["volatile"]], action: "emit", event: "bc", args: ["v"] });
      assert.deepEqual(await vol, ["v"]);
      const bc = once(s, "bc");
      await ask(s, "op", { from: "nsp", ops: [], action: "emit", event: "bc", args: ["b"] });
      const got = await bc;
      assert.equal(got.length, 2);
      assert.equal(typeof got[1], "string");
    });
  });

  describe(`${target}: socket.io without recovery`, () => {
    let fx;
    const sockets = [];
    before(async () => {
      fx = await startFixture({ target, mode: MODE });
    });
    after(async () => {
      closeSockets(sockets);
      await fx?.stop();
    });

    it("engine closed → auto-reconnect gives a fresh session: new id, not recovered, rooms gone, no offsets", async () => {
      const s = await connectClient(sockets, fx.url, "/", { transports: ["websocket"], ...FAST_RECONNECT });
      const id = s.id;
      await ask(s, "join", "room-x");
      const hi = once(s, "echo");
      s.emit("echo", "hi");
      assert.deepEqual(await hi, ["hi"], "no offset without recovery");
      const back = once(s, "connect", 5000);
      s.io.engine.close();
      await back;
      assert.notEqual(s.id, id);
      assert.ok(!s.recovered);
      const me = await ask(s, "whoami");
      assert.deepEqual(me.rooms, [s.id]);
      assert.deepEqual(me.auth, {});
      assert.equal(me.recovered, false);
    });
  });
}
