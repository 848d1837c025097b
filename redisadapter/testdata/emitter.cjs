// Runs operations with the real @socket.io/redis-emitter over node-redis,
// for the Go tests: stdin is {"url": "redis://...", "ops": [op...]}, where
// an op is {"key": "<prefix, optional>", "steps": [[method, ...args]...]}
// applied in turn from a new Emitter: ["of", nsp], ["to", rooms],
// ["in", rooms], ["except", rooms], ["volatile"], ["compress", bool],
// ["emit", ev, ...args], ["socketsJoin", rooms], ["socketsLeave", rooms],
// ["disconnectSockets", close?], ["serverSideEmit", ev, ...args]. In
// arguments, {"$bin": "<base64>"} stands for a Buffer. Each op publishes
// one message; the script exits once Redis has handled them all.
"use strict";
const { createClient } = require("redis");
const { Emitter } = require("@socket.io/redis-emitter");

function revive(v) {
  if (Array.isArray(v)) return v.map(revive);
  if (v !== null && typeof v === "object") {
    if (typeof v.$bin === "string") return Buffer.from(v.$bin, "base64");
    const out = {};
    for (const k of Object.keys(v)) out[k] = revive(v[k]);
    return out;
  }
  return v;
}

async function main() {
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  const job = JSON.parse(input);
  const client = createClient({ url: job.url });
  client.on("error", (err) => console.error("redis:", err));
  await client.connect();
  for (const op of job.ops) {
    let cur = new Emitter(client, op.key ? { key: op.key } : {});
    for (const [method, ...raw] of op.steps) {
      const args = revive(raw);
      if (method === "volatile") cur = cur.volatile;
      else cur = cur[method](...args);
    }
  }
  await client.ping(); // replies come in order: every publish is done
  await client.quit();
  process.stdout.write("ok\n");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
