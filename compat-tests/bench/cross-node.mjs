// Cross-node broadcast benchmark: two nodes of one cluster on a real
// redis-server, a client on each; the client of node 1 has its server
// broadcast, the client of node 2 receives. Run for two Go nodes and for two
// Node nodes in one run, so the figures compare:
//
//   node compat-tests/bench/cross-node.mjs [--samples 2000] [--burst 10000]
//
// Latency: one broadcast at a time, from the emit on client 1 to the event on
// client 2 (same process clock); p50 and p99. Throughput: a burst of
// broadcasts sent without waiting, messages per second until client 2 has
// them all. It is a measurement, not a test: it prints and exits 0.
import { parseArgs } from "node:util";
import { startRedis, haveRedis } from "../lib/redis.mjs";
import { startCluster, clusterClient } from "../lib/cluster.mjs";

const { values } = parseArgs({ options: { samples: { type: "string", default: "2000" }, burst: { type: "string", default: "10000" } } });
const SAMPLES = Number(values.samples), BURST = Number(values.burst);

if (!haveRedis()) {
  console.log("redis-server is not installed: nothing measured");
  process.exit(0);
}

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(layout) {
  const redis = await startRedis();
  const cluster = await startCluster({ layout, redisUrl: redis.url });
  const track = [];
  try {
    const a = await clusterClient(track, cluster.nodes[0], { user: "a" });
    const b = await clusterClient(track, cluster.nodes[1], { user: "b" });
    const emit = (seq) => a.emit("op", { from: "io", action: "emit", event: "tick", args: [seq] }, () => {});

    // Latency, one at a time.
    const lat = [];
    for (let i = 0; i < SAMPLES; i++) {
      const got = new Promise((resolve) => b.once("tick", resolve));
      const t0 = process.hrtime.bigint();
      emit(i);
      await got;
      lat.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    lat.sort((x, y) => x - y);

    // Throughput, a burst.
    let n = 0;
    const all = new Promise((resolve) => b.on("tick", () => { if (++n === BURST) resolve(); }));
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < BURST; i++) emit(i);
    await all;
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    return { p50: pct(lat, 50), p99: pct(lat, 99), rate: BURST / secs };
  } finally {
    for (const s of track) s.disconnect();
    await cluster.stop();
    await redis.stop();
  }
}

for (const [name, layout] of [["go+go", ["go", "go"]], ["node+node", ["node", "node"]]]) {
  const r = await measure(layout);
  console.log(`${name.padEnd(10)} latency p50 ${r.p50.toFixed(0)} µs  p99 ${r.p99.toFixed(0)} µs  throughput ${r.rate.toFixed(0)} msg/s  (${SAMPLES} samples, burst ${BURST})`);
}
