// A siogo cluster behind nginx for the load-balancer tests: one real
// redis-server, siogo nodes (the cmd/siogo binary) on free ports, the
// committed nginx configuration in front, and chat users on the official
// socket.io-client that connect through nginx from chosen loopback
// addresses (the balancer's sticky key is the client address).
import { EventEmitter } from "node:events";
import http from "node:http";

import { io } from "socket.io-client";

import { haveRedis, startRedis } from "../../compat-tests/lib/redis.mjs";
import { once, until } from "../../compat-tests/lib/wait.mjs";
import { startSiogoOnFreePort } from "../../web-demo/testlib/harness.mjs";
import { httpStatus, nginxSkipReason, startNginx } from "./nginx.mjs";

/** Why the load-balancer tests cannot run here, or "" when they can. */
export function skipReason() {
  return nginxSkipReason() ||
    (haveRedis() ? "" : "redis-server is not installed (make deps installs it with apt-get): load-balancer tests skipped");
}

/**
 * redis-server, `count` siogo nodes named node-1... on it, and nginx in
 * front. Resolves once every node listens on the cluster's request channel
 * and nginx answers. `nodeArgs` are extra siogo flags. stop() ends all.
 */
export async function startCluster({ count = 2, nodeArgs = [] } = {}) {
  const c = { redis: null, nodes: [], lb: null };
  c.stop = async () => {
    await c.lb?.stop();
    await Promise.all(c.nodes.map((n) => n.stop()));
    await c.redis?.stop();
  };
  try {
    c.redis = await startRedis();
    c.nodes = await Promise.all(Array.from({ length: count }, (_, i) =>
      startSiogoOnFreePort({ nodeName: `node-${i + 1}`, args: ["--redis", c.redis.url, ...nodeArgs] })));
    // Cluster requests (presence, delivery receipts) wait for an answer from
    // every node that listens: wait until all do.
    await until(async () => {
      const r = await c.redis.command("PUBSUB", "NUMSUB", "socket.io-request#/#");
      return Number(r?.[1]) === count;
    }, 10_000, `all ${count} nodes subscribed to the request channel`);
    c.lb = await startNginx({ nodes: c.nodes.map((n) => `127.0.0.1:${n.port}`) });
  } catch (err) {
    await c.stop();
    throw err;
  }
  c.node = (name) => c.nodes.find((n) => n.nodeName === name);
  // For failure messages: what the user saw, and what nginx logged about
  // its sessions.
  c.explain = (user, t0 = 0) => {
    const sids = user.events.filter((e) => e.type === "open").map((e) => e.sid);
    const lines = c.lb.accessLog().split("\n").filter((l) => sids.some((sid) => l.includes(`sid=${sid}`)));
    return `${user.describe(t0)}\n  nginx access log of its sessions:\n    ${lines.join("\n    ")}` +
      `\n  nginx error log (end):\n    ${c.lb.errorLog().split("\n").slice(-15).join("\n    ")}`;
  };
  return c;
}

/** POST /api/token {name} to `baseURL` from `localAddress`; resolves with the token. */
export function fetchToken(baseURL, name, localAddress) {
  const body = JSON.stringify({ name });
  return new Promise((resolve, reject) => {
    const req = http.request(new URL("api/token", baseURL), {
      method: "POST",
      localAddress,
      agent: false,
      timeout: 5000,
      headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
    }, (res) => {
      let data = "";
      res.setEncoding("utf8");
      res.on("data", (d) => { data += d; });
      res.on("end", () => {
        if (res.statusCode !== 200) return reject(new Error(`POST /api/token: ${res.statusCode} ${data}`));
        resolve(JSON.parse(data).token);
      });
    });
    req.on("timeout", () => req.destroy(new Error("POST /api/token: no answer within 5 s")));
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * A chat user on the official socket.io-client, connecting through the
 * balancer at `baseURL` from `address` (127.0.0.x) with a token it got
 * there. Its every connection joins the lobby (a node forgets rooms when it
 * goes away) and everything it sees is recorded with a timestamp
 * (performance.now()): connects, welcomes (with the node), disconnects and
 * their reasons, connect_errors, messages. `options` go to io() (e.g.
 * transports, reconnectionDelay).
 */
export class ChatUser extends EventEmitter {
  static async connect(baseURL, name, address, options = {}) {
    const token = await fetchToken(baseURL, name, address);
    const u = new ChatUser(baseURL, name, address, token, options);
    try {
      await u.ready(1);
    } catch (err) {
      u.close(); // or its reconnection attempts keep the test process alive
      throw err;
    }
    return u;
  }

  constructor(baseURL, name, address, token, options) {
    super();
    this.name = name;
    this.address = address;
    this.transports = (options.transports ?? ["polling", "websocket"]).join(" then ");
    this.node = "";
    this.readies = 0;
    this.events = [];
    this.connectErrors = [];
    this.disconnects = [];
    this.messages = [];
    this.delivered = [];
    this.sent = 0;
    // Polling requests go through xmlhttprequest-ssl, which takes an agent
    // but not localAddress; the WebSocket transport (ws) takes both.
    this.agent = new http.Agent({ localAddress: address });
    this.socket = io(baseURL, {
      forceNew: true,
      auth: { token },
      agent: this.agent,
      localAddress: address,
      ...options,
    });
    const s = this.socket;
    const rec = (type, detail = {}) => {
      const e = { t: performance.now(), type, ...detail };
      this.events.push(e);
      return e;
    };
    // A Manager "open" is a new Engine.IO session, still on its first
    // transport; the upgrade to WebSocket may finish before the Socket.IO
    // "connect".
    s.io.on("open", () => {
      const engine = s.io.engine;
      rec("open", { transport: engine.transport.name, sid: engine.id });
      engine.once("upgrade", (tr) => rec("upgrade", { transport: tr.name, sid: engine.id }));
    });
    s.on("connect", () => {
      rec("connect", { transport: s.io.engine.transport.name });
      s.timeout(5000).emit("join", "lobby", (err, res) => {
        if (err || !res?.ok) {
          rec("join_failed", { detail: err?.message ?? res }); // ready() reports it
          return;
        }
        this.readies++;
        rec("ready", { node: this.node });
        this.emit("ready");
      });
    });
    s.on("welcome", (w) => {
      this.node = w.node;
      rec("welcome", { node: w.node });
    });
    s.on("connect_error", (err) => this.connectErrors.push(rec("connect_error", { message: err.message })));
    s.on("disconnect", (reason, description) =>
      this.disconnects.push(rec("disconnect", { reason, description: description?.message ?? description?.description?.message })));
    s.on("delivered", (d) => this.delivered.push(rec("delivered", d)));
    s.on("message", (m, ack) => {
      this.messages.push(rec("message", { message: m }));
      if (typeof ack === "function") ack();
    });
  }

  /** Resolve once this user has joined the lobby `n` times in all (one per connection). */
  async ready(n, ms = 10_000) {
    const deadline = performance.now() + ms;
    while (this.readies < n) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      await once(this, "ready", left).catch(() => {});
    }
    if (this.readies < n) {
      throw new Error(`${this.name} (${this.address}): joined the lobby ${this.readies} times, want ${n}, within ${ms} ms; ${this.describe()}`);
    }
  }

  /** Send `text` to the lobby; resolves with the ack (asserted ok) and the id. */
  async say(text, ms = 5000) {
    const id = `${this.name}-${++this.sent}`;
    const res = await this.socket.timeout(ms).emitWithAck("message", { room: "lobby", id, text });
    if (!res?.ok) throw new Error(`${this.name}: message refused: ${JSON.stringify(res)}`);
    return { id, ack: res };
  }

  /** Resolve with the lobby message `id` once this user has received it. */
  async received(id, ms = 5000) {
    const has = () => this.messages.find((e) => e.message.id === id)?.message;
    if (has()) return has();
    await until(has, ms, `${this.name} (on ${this.node}) receiving message ${id}`, 10);
    return has();
  }

  /** Resolve with the delivery receipt of own message `id` ({room, id, count}). */
  async receipt(id, ms = 8000) {
    const has = () => this.delivered.find((e) => e.id === id);
    await until(has, ms, `${this.name}: the delivery receipt of ${id}`, 10);
    return has();
  }

  /** The events recorded since `t0`, for failure messages. */
  describe(t0 = 0) {
    const evs = this.events.filter((e) => e.t >= t0).map((e) => {
      const { t, type, ...rest } = e;
      return `+${Math.round(t - t0)}ms ${type} ${JSON.stringify(rest)}`;
    });
    return `events of ${this.name}:\n    ${evs.join("\n    ")}`;
  }

  close() {
    this.socket.disconnect();
    this.agent.destroy();
  }
}

/**
 * Loopback addresses whose requests the balancer sends to each node: for
 * each node name, `perNode` addresses, found by sending GET /healthz from
 * 127.0.0.2, .3, ... through nginx and reading in its access log which node
 * answered (no Socket.IO session is opened).
 */
export async function addressesByNode(c, perNode, { maxProbes = 60 } = {}) {
  const byPort = new Map(c.nodes.map((n) => [`127.0.0.1:${n.port}`, n.nodeName]));
  const found = Object.fromEntries(c.nodes.map((n) => [n.nodeName, []]));
  for (let i = 2; i < 2 + maxProbes; i++) {
    if (Object.values(found).every((a) => a.length >= perNode)) return found;
    const address = `127.0.0.${i}`;
    const status = await httpStatus(`${c.lb.url}healthz`, { localAddress: address });
    if (status !== 200) throw new Error(`GET /healthz through nginx from ${address}: ${status}`);
    // nginx writes the line once the response is out: wait for it.
    const line = await until(() => c.lb.accessLog().split("\n").find((l) => l.startsWith(`${address} `) && l.includes("GET /healthz")),
      2000, `nginx's access log line for ${address}`, 5);
    const node = byPort.get(/upstream=(\S+) /.exec(line)?.[1]);
    if (!node) throw new Error(`access log line names no node: ${line}`);
    if (found[node].length < perNode) found[node].push(address);
  }
  throw new Error(`no ${perNode} source addresses per node within ${maxProbes} probes: ${JSON.stringify(found)}`);
}

/** The time from `t0` to the first event of `type` after it, in ms (undefined if none). */
export function elapsed(user, t0, type) {
  const e = user.events.find((x) => x.t >= t0 && x.type === type);
  return e && e.t - t0;
}

/**
 * `speaker` sends a lobby message that each of `listeners` receives, and
 * each listener sends one that the speaker receives. Resolves once every
 * sender has its delivery receipt too, so that nothing is left in flight.
 */
export async function exchange(speaker, listeners, text = "ping") {
  const m = await speaker.say(`${text} from ${speaker.name}`);
  await Promise.all(listeners.map((l) => l.received(m.id)));
  await speaker.receipt(m.id);
  for (const l of listeners) {
    const r = await l.say(`${text} from ${l.name}`);
    await speaker.received(r.id);
    await l.receipt(r.id);
  }
}

/** "1234 ms" for a duration that may be missing. */
export function ms(d) {
  return d === undefined ? "never" : `${Math.round(d)} ms`;
}
