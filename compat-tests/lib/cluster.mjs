// Clusters of fixtures (Node and Go) on one redis-server, in the
// socketio-cluster mode, and socket.io-client clients that record what they
// receive.
import { spawnSync } from "node:child_process";
import { startFixture, goFixtureBinary, REPO_ROOT, targets } from "./fixture.mjs";
import { sioClient, connected, ask } from "./sio.mjs";
import { startRedis, haveRedis, NO_REDIS } from "./redis.mjs";
import { until } from "./wait.mjs";

/**
 * Whether the Go fixture knows --redis (the Go redis adapter is wired in):
 * {ok: true} or {ok: false, reason}.
 */
export function goRedisSupport() {
  let bin;
  try {
    bin = goFixtureBinary();
  } catch (err) {
    return { ok: false, reason: `Go fixture does not build: ${err.message.split("\n")[0]}` };
  }
  const res = spawnSync(bin, ["--help"], { cwd: REPO_ROOT, encoding: "utf8", timeout: 10_000 });
  const out = `${res.stdout}${res.stderr}`;
  if (!/-redis\b/.test(out)) return { ok: false, reason: "the Go fixture has no --redis flag yet (Go redis adapter not wired in)" };
  if (!/-redis-mode\b/.test(out)) return { ok: false, reason: "the Go fixture has no --redis-mode flag" };
  return { ok: true };
}

/**
 * Whether a Go node accepts --redis-mode `mode`, tried on a throwaway Redis:
 * {ok: false, reason} only when the fixture exits 2 saying "not supported".
 */
export async function goRedisModeSupport(mode) {
  const redis = await startRedis();
  try {
    const f = await startFixture({
      target: "go",
      mode: "socketio-cluster",
      extraArgs: ["--redis", redis.url, "--redis-mode", mode],
      timeoutMs: 10_000,
    });
    await f.stop();
    return { ok: true };
  } catch (err) {
    // Only a refusal (exit status 2 saying "not supported") skips; any other
    // failure is left for the cluster tests to report.
    const m = /exited early \(code 2\b[\s\S]*?stderr: ([\s\S]*)/.exec(err.message);
    if (m && /not supported/i.test(m[1])) {
      return { ok: false, reason: `Go fixture refuses --redis-mode ${mode}: ${m[1].trim().split("\n")[0]}` };
    }
    return { ok: true };
  } finally {
    await redis.stop();
  }
}

/**
 * Start one fixture per entry of `layout` ("node" | "go") on `redisUrl`,
 * named `${target}${i+1}` (SIOGO_NODE_NAME), and wait until every node counts
 * layout.length servers.
 */
export async function startCluster({ layout, redisUrl, redisMode = "classic", timeoutMs = 15_000 }) {
  const nodes = [];
  const stopAll = async () => {
    await Promise.all(nodes.splice(0).map((n) => n.fixture.stop()));
  };
  try {
    for (const [i, target] of layout.entries()) {
      const name = `${target}${i + 1}`;
      const fixture = await startFixture({
        target,
        mode: "socketio-cluster",
        extraArgs: ["--redis", redisUrl, "--redis-mode", redisMode],
        env: { SIOGO_NODE_NAME: name },
      });
      nodes.push({ name, target, url: fixture.url, fixture, index: i });
    }
    // Subscriptions are made asynchronously after start: wait until each node
    // sees them all (the server count is the request channel's subscribers).
    const probes = [];
    try {
      for (const n of nodes) probes.push(await connected(sioClient(probes, n.url, "/", { transports: ["websocket"] })));
      await until(async () => {
        for (const p of probes) {
          const r = await ask(p, "server-count");
          if (r?.count !== layout.length) return false;
        }
        return true;
      }, timeoutMs, `every node counting ${layout.length} servers`);
    } finally {
      for (const p of probes) p.disconnect();
    }
  } catch (err) {
    const logs = nodes.map((n) => `--- ${n.name} stderr:\n${n.fixture.stderr().slice(-2000)}`).join("\n");
    await stopAll();
    err.message += `\n${logs}`;
    throw err;
  }
  return { nodes, stop: stopAll };
}

/**
 * A connected client of `node` with auth {user, rooms}. Records every event
 * in s.__events ([event, ...args]); answers "question" with its user unless
 * the question's `silent` list names it.
 */
export async function clusterClient(track, node, { user, rooms = [] }) {
  const s = sioClient(track, node.url, "/", { transports: ["websocket"], auth: { user, rooms } });
  s.__events = [];
  s.__user = user;
  s.__node = node.name;
  s.onAny((event, ...args) => s.__events.push([event, ...args]));
  s.on("question", (arg, cb) => {
    if (arg?.silent?.includes(user)) return;
    cb(user);
  });
  await connected(s);
  return s;
}

/** Recorded events of `s` named `event` whose first argument is `tag`. */
export function received(s, event, tag) {
  return s.__events.filter(([e, first]) => e === event && (tag === undefined || first === tag || first?.arg?.tag === tag));
}

/**
 * Wait until `s` has recorded `count` events named `event` with first
 * argument `tag` (or an sse-received whose arg.tag is `tag`).
 */
export async function waitReceived(s, event, tag, { count = 1, ms = 5000 } = {}) {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = received(s, event, tag);
    if (got.length >= count) return got;
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new Error(`timeout: ${s.__user} on ${s.__node} got ${got.length}/${count} "${event}" ${tag ?? ""} within ${ms} ms; events: ${JSON.stringify(s.__events).slice(0, 600)}`);
    }
    await new Promise((resolve) => {
      const t = setTimeout(done, left);
      function done() { clearTimeout(t); s.offAny(done); s.off("disconnect", done); resolve(); }
      s.onAny(done);
      s.on("disconnect", done);
    });
  }
}

/**
 * Wait until each room's sharded channel (`socket.io#/#ROOM#`) has `count`
 * subscribers (PUBSUB SHARDNUMSUB on `redis`, a startRedis handle).
 */
export async function waitShardSubscribers(redis, rooms, count, ms = 5000) {
  const channels = rooms.map((r) => `socket.io#/#${r}#`);
  let last;
  await until(async () => {
    last = await redis.command("PUBSUB", "SHARDNUMSUB", ...channels);
    for (let i = 1; i < last.length; i += 2) if (last[i] !== count) return false;
    return true;
  }, ms, `${count} sharded subscribers of ${channels.join(" ")}`).catch((err) => {
    err.message += `: ${JSON.stringify(last)}`;
    throw err;
  });
}

/**
 * The cluster runs to make for `modes`: for each Redis adapter mode, a
 * Node-only cluster (3 Node nodes; when COMPAT_TARGETS has node) and a mixed
 * one (2 Go nodes + 1 Node node; when COMPAT_TARGETS has go), each with a
 * skip reason when it cannot run here.
 * @returns {Promise<{mode: string, name: string, layout: string[], skip: string|false}[]>}
 */
export async function clusterPlans(modes = ["classic", "sharded"]) {
  const list = targets();
  // CLUSTER_MODES=classic|sharded (comma separated) runs only those modes.
  if (process.env.CLUSTER_MODES) {
    const only = process.env.CLUSTER_MODES.split(/[\s,]+/).filter(Boolean);
    modes = modes.filter((m) => only.includes(m));
  }
  const plans = [];
  const go = list.includes("go") && haveRedis() ? goRedisSupport() : null;
  for (const mode of modes) {
    if (list.includes("node")) {
      plans.push({ mode, name: "node-only", layout: ["node", "node", "node"], skip: haveRedis() ? false : NO_REDIS });
    }
    if (list.includes("go")) {
      let skip = false;
      if (!haveRedis()) skip = NO_REDIS;
      else if (!go.ok) skip = go.reason;
      else {
        const m = await goRedisModeSupport(mode);
        if (!m.ok) skip = m.reason;
      }
      plans.push({ mode, name: "mixed", layout: ["go", "go", "node"], skip });
    }
  }
  for (const p of plans) if (p.skip) process.stderr.write(`cluster ${p.mode} ${p.name}: skipped: ${p.skip}\n`);
  return plans;
}

/**
 * Two clients per node with a fresh `tag`: "a" (rooms tag, tag-a) and "b"
 * (rooms tag, tag-b), users `${tag}-${node}-${kind}`.
 *   g.at(f, k)   node f's client of kind k; g.trig(f) is node f's "b"
 *   g.fence(f)   emit "fence" to the whole tag from node f and wait for it on
 *                every client (in `list`): what node f published before has
 *                arrived by then
 *   g.fenceWith(send)  the same with another sender (e.g. the emitter)
 */
export async function clientGroup(track, nodes, tag, { sharded } = {}) {
  const specs = [];
  for (const n of nodes) for (const k of ["a", "b"]) specs.push({ n, k });
  const clients = await Promise.all(
    specs.map(async ({ n, k }) => {
      const s = await clusterClient(track, n, { user: `${tag}-${n.name}-${k}`, rooms: [tag, `${tag}-${k}`] });
      s.__kind = k;
      s.__index = n.index;
      return s;
    }),
  );
  // The sharded adapter (dynamic mode) SSUBSCRIBEs to a room's channel when
  // the room is created, asynchronously: wait until every node listens.
  if (sharded) await waitShardSubscribers(sharded, [tag, `${tag}-a`, `${tag}-b`], nodes.length);
  let fences = 0;
  const g = {
    tag,
    clients,
    a: clients.filter((c) => c.__kind === "a"),
    b: clients.filter((c) => c.__kind === "b"),
    at: (f, k) => clients.find((c) => c.__index === f && c.__kind === k),
    trig: (f) => g.at(f, "b"),
    users: (list) => list.map((c) => c.__user).sort(),
    async fenceWith(send, list = clients.filter((c) => c.connected)) {
      fences++;
      await send();
      await Promise.all(list.map((c) => waitReceived(c, "fence", tag, { count: fences })));
    },
    fence: (f, list) =>
      g.fenceWith(async () => {
        const r = await ask(g.trig(f), "op", { to: [tag], action: "emit", event: "fence", args: [tag] });
        if (r !== true) throw new Error(`fence from node ${f}: ${JSON.stringify(r)}`);
      }, list),
  };
  return g;
}
