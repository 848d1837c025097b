// Socket.IO connections with socket.io-client 4.8 against the
// "socketio-scenarios" fixtures: namespaces (static, custom, dynamic), auth,
// middleware refusals, invalid namespaces, transports, multiplexing, and the
// connect timeout (raw Engine.IO connection that never joins a namespace).
import { describe, it, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import { startFixture, targets } from "../lib/fixture.mjs";
import { fixtureSuite } from "../lib/suite.mjs";
import { sioClient, connected, connectClient, connectError, ask, closeSockets } from "../lib/sio.mjs";
import { once, until } from "../lib/wait.mjs";
import { openSio, nextText } from "../lib/sio-raw.mjs";

const MODE = "socketio-scenarios";

for (const target of targets()) {
  describe(`${target}: socket.io connect`, () => {
    const env = fixtureSuite({ target, mode: MODE });
    const { sockets } = env;

    it("connects to /: socket.id is the id the server sees, auth defaults to {}", async () => {
      const s = await connectClient(sockets, env.url);
      assert.equal(typeof s.id, "string");
      assert.notEqual(s.id, s.io.engine.id);
      const me = await ask(s, "whoami");
      assert.equal(me.id, s.id);
      assert.equal(me.nsp, "/");
      assert.deepEqual(me.auth, {});
      assert.equal(me.recovered, false);
      assert.deepEqual(me.rooms, [s.id]);
      assert.deepEqual(me.data, {});
      // No pid in the CONNECT reply without recovery: the client sets
      // recovered = pid && ..., i.e. undefined.
      assert.equal(s.recovered, undefined);
    });

    it("auth payload reaches the server as sent", async () => {
      const auth = { token: "abc", n: 1, nested: { list: [1, "two", null], ok: true } };
      const s = await connectClient(sockets, env.url, "/", { auth });
      const me = await ask(s, "whoami");
      assert.deepEqual(me.auth, auth);
      assert.deepEqual(Object.keys(me.auth), ["token", "n", "nested"]);
    });

    it("auth as a function is called and its result sent", async () => {
      const s = await connectClient(sockets, env.url, "/", { auth: (cb) => cb({ fn: "yes" }) });
      assert.deepEqual((await ask(s, "whoami")).auth, { fn: "yes" });
    });

    it("connects to a custom namespace /custom", async () => {
      const s = await connectClient(sockets, env.url, "/custom", { auth: { c: 1 } });
      const me = await ask(s, "whoami");
      assert.equal(me.nsp, "/custom");
      assert.equal(me.id, s.id);
      assert.deepEqual(me.auth, { c: 1 });
    });

    it("connects to dynamic namespaces /dyn-42 and /dyn-7 (regexp ^/dyn-\\d+$); /dyn-x is refused", async () => {
      const a = await connectClient(sockets, env.url, "/dyn-42");
      const b = await connectClient(sockets, env.url, "/dyn-7");
      assert.equal((await ask(a, "whoami")).nsp, "/dyn-42");
      assert.equal((await ask(b, "whoami")).nsp, "/dyn-7");
      const err = await connectError(sioClient(sockets, env.url, "/dyn-x"));
      assert.equal(err.message, "Invalid namespace");
      assert.equal(err.data, undefined);
    });

    it("invalid namespace: connect_error 'Invalid namespace' with no data, no retry", async () => {
      const s = sioClient(sockets, env.url, "/nope");
      const err = await connectError(s);
      assert.ok(err instanceof Error);
      assert.equal(err.message, "Invalid namespace");
      assert.equal(err.data, undefined);
      assert.equal(s.connected, false);
      assert.equal(s.active, false, "the client must not retry after a CONNECT_ERROR");
    });

    it("middleware refusal with data: connect_error message and data", async () => {
      const s = sioClient(sockets, env.url, "/guarded", { auth: { token: "data" } });
      const err = await connectError(s);
      assert.equal(err.message, "not authorized");
      assert.deepEqual(err.data, { code: 42, detail: ["a", { b: null }] });
      assert.equal(s.active, false);
    });

    it("middleware refusal without data: message only, data undefined", async () => {
      const err = await connectError(sioClient(sockets, env.url, "/guarded", { auth: { token: "wrong" } }));
      assert.equal(err.message, "plain refusal");
      assert.equal(err.data, undefined);
    });

    it("middleware admits: /guarded with token ok", async () => {
      const s = await connectClient(sockets, env.url, "/guarded", { auth: { token: "ok" } });
      const me = await ask(s, "whoami");
      assert.equal(me.nsp, "/guarded");
      assert.deepEqual(me.auth, { token: "ok" });
    });

    it("polling-only client stays on polling", async () => {
      const s = await connectClient(sockets, env.url, "/", { transports: ["polling"] });
      assert.equal(s.io.engine.transport.name, "polling");
      assert.equal((await ask(s, "whoami")).transport, "polling");
      assert.deepEqual(await ask(s, "ack", "over", "polling"), "over");
    });

    it("websocket-only client", async () => {
      const s = await connectClient(sockets, env.url, "/", { transports: ["websocket"] });
      assert.equal(s.io.engine.transport.name, "websocket");
      assert.equal((await ask(s, "whoami")).transport, "websocket");
    });

    it("default client upgrades from polling to websocket", async () => {
      const s = sioClient(sockets, env.url);
      const upgraded = once(s.io, "open", 5000).then(() => once(s.io.engine, "upgrade", 5000));
      await connected(s);
      await upgraded;
      assert.equal((await ask(s, "whoami")).transport, "websocket");
    });

    it("multiplexing: io(url) and io(url + '/custom') share one Manager and one engine", async () => {
      const a = io(env.url, { reconnection: false });
      const b = io(env.url + "/custom", { reconnection: false });
      const c = io(env.url + "/dyn-1", { reconnection: false });
      sockets.push(a, b, c);
      await Promise.all([connected(a), connected(b), connected(c)]);
      assert.equal(a.io, b.io);
      assert.equal(a.io, c.io);
      const [ma, mb, mc] = await Promise.all([ask(a, "whoami"), ask(b, "whoami"), ask(c, "whoami")]);
      assert.deepEqual([ma.nsp, mb.nsp, mc.nsp], ["/", "/custom", "/dyn-1"]);
      assert.equal(new Set([ma.id, mb.id, mc.id]).size, 3);
      // Leaving /custom leaves the others connected on the same engine.
      const engine = a.io.engine;
      b.disconnect();
      assert.equal((await ask(a, "whoami")).id, a.id);
      assert.equal((await ask(c, "whoami")).nsp, "/dyn-1");
      assert.equal(a.io.engine, engine);
      assert.equal(await until(() => ask(a, "reason-of", "/custom", mb.id), 3000, "server saw /custom leave"), "client namespace disconnect");
    });
  });

  describe(`${target}: socket.io connect timeout (--connect-timeout 200)`, () => {
    let fx;
    const conns = [];
    const sockets = [];
    before(async () => {
      fx = await startFixture({ target, mode: MODE, connectTimeout: 200 });
    });
    afterEach(() => {
      for (const c of conns.splice(0)) c.close();
      closeSockets(sockets);
    });
    after(async () => {
      await fx?.stop();
    });

    for (const transport of ["websocket", "polling"]) {
      it(`${transport}: a raw Engine.IO connection that never sends a CONNECT is closed after ~200 ms`, async () => {
        const t0 = Date.now();
        const c = await openSio(fx.url, transport);
        conns.push(c);
        const got = await c.closed(3000);
        const took = Date.now() - t0;
        if (transport === "websocket") assert.deepEqual(got, { code: 1005, reason: "" });
        else assert.deepEqual(got, { closePacket: true, skipped: [] });
        assert.ok(took >= 150, `closed after ${took} ms, before the connect timeout`);
      });

      it(`${transport}: a connection that joined a namespace is not closed by the connect timeout`, async () => {
        const c = await openSio(fx.url, transport);
        conns.push(c);
        await c.send("40");
        assert.match(await nextText(c), /^40\{"sid":"[^"]+"\}$/);
        // Past the connect timeout (a deliberate wait: nothing must happen).
        await new Promise((r) => setTimeout(r, 600));
        await c.send('421["ack","still here"]');
        assert.equal(await nextText(c), '431["still here"]');
      });
    }

    it("socket.io-client connects normally", async () => {
      const s = await connectClient(sockets, fx.url);
      assert.equal((await ask(s, "whoami")).id, s.id);
    });
  });
}
