// The --redis adapter of the Node fixture: @socket.io/redis-adapter 8.3 on
// node-redis 4 clients, classic (createAdapter: PUBLISH/PSUBSCRIBE) or sharded
// (createShardedAdapter: SPUBLISH/SSUBSCRIBE, Redis >= 7).
import { createClient } from "redis";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";

// How long the classic adapter waits for the other servers' answers to
// allRooms, fetchSockets and serverSideEmit with an ack (default 5000).
export const REQUESTS_TIMEOUT = 1000;

export async function redisAdapter(url, mode) {
  const pub = createClient({ url });
  const sub = pub.duplicate();
  // Without an "error" listener a lost connection would crash the process;
  // node-redis reconnects (and resubscribes) by itself.
  for (const [name, c] of [["pub", pub], ["sub", sub]]) {
    c.on("error", (err) => process.stderr.write(`redis ${name}: ${err.message}\n`));
  }
  await Promise.all([pub.connect(), sub.connect()]);
  if (mode === "sharded") return createShardedAdapter(pub, sub);
  return createAdapter(pub, sub, { requestsTimeout: REQUESTS_TIMEOUT });
}
