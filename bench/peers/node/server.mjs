// Node socket.io benchmark peer for cmd/siobench, with the same handlers as
// internal/benchpeer (echo acks its arguments, join joins a room and acks,
// fanout broadcasts its arguments as "msg" to room "fan").
//
//   node bench/peers/node/server.mjs --addr 127.0.0.1:0 [--redis redis://127.0.0.1:6379]
//
// With --redis the server is a node of a cluster on @socket.io/redis-adapter
// (createAdapter: PUBLISH/PSUBSCRIBE) over node-redis clients, as
// compat-tests/node-fixture/redis.mjs sets it up (siobench's cluster
// scenario).
//
// Prints "listening on http://HOST:PORT" as its first line of stdout.
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { Server } from "socket.io";

const { values } = parseArgs({
  options: { addr: { type: "string", default: "127.0.0.1:0" }, redis: { type: "string" } },
});
const i = values.addr.lastIndexOf(":");
const host = values.addr.slice(0, i), port = Number(values.addr.slice(i + 1));

// socket.io answers /socket.io/ itself; everything else (including the
// /stats the Go peers serve) is a 404.
const http = createServer((req, res) => res.writeHead(404).end());
const io = new Server(http, values.redis ? { adapter: await redisAdapter(values.redis) } : {});

async function redisAdapter(url) {
  const { createClient } = await import("redis");
  const { createAdapter } = await import("@socket.io/redis-adapter");
  const pub = createClient({ url });
  const sub = pub.duplicate();
  for (const [name, c] of [["pub", pub], ["sub", sub]]) {
    c.on("error", (err) => process.stderr.write(`redis ${name}: ${err.message}\n`));
  }
  await Promise.all([pub.connect(), sub.connect()]);
  return createAdapter(pub, sub);
}
io.on("connection", (socket) => {
  socket.on("echo", (...args) => {
    const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
    if (ack) ack(...args);
  });
  socket.on("join", (room, ack) => {
    socket.join(room);
    if (typeof ack === "function") ack();
  });
  socket.on("fanout", (...args) => {
    if (typeof args[args.length - 1] === "function") args.pop();
    io.to("fan").emit("msg", ...args);
  });
});

http.listen(port, host, () => {
  const a = http.address();
  process.stdout.write(`listening on http://${a.address}:${a.port}\n`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => { io.close(); process.exit(0); });
