// A real redis-server for the cluster tests: started on a free loopback port
// without persistence, stopped by pid, restartable on the same port for
// outage scenarios.
//
//   if (!haveRedis()) skip
//   const r = await startRedis();   // r.url = "redis://127.0.0.1:PORT"
//   await r.stop();                 // SIGTERM (or SIGKILL with {kill: true})
//   await r.start();                // again, same port
//   await r.cli("PUBSUB", "NUMSUB", "socket.io-request#/#")
import { spawn, spawnSync } from "node:child_process";
import net from "node:net";

let have;

/** Whether redis-server can be run here (checked once). */
export function haveRedis() {
  if (have === undefined) {
    const res = spawnSync("redis-server", ["--version"], { encoding: "utf8", timeout: 10_000 });
    have = !res.error && res.status === 0;
  }
  return have;
}

export const NO_REDIS = "redis-server is not installed (make deps installs it with apt-get): cluster tests skipped";

// Servers still running when the test process exits are killed.
const live = new Set();
process.once("exit", () => {
  for (const p of live) {
    try { process.kill(p.pid, "SIGKILL"); } catch {}
  }
});

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Parse one RESP reply from the start of `buf`: [value, rest] or undefined
 * when incomplete.
 */
function parseResp(buf) {
  const nl = buf.indexOf("\r\n");
  if (nl === -1) return undefined;
  const type = buf[0];
  const line = buf.slice(1, nl);
  let rest = buf.slice(nl + 2);
  switch (type) {
    case "+": return [line, rest];
    case "-": return [new Error(line), rest];
    case ":": return [Number(line), rest];
    case "$": {
      const n = Number(line);
      if (n < 0) return [null, rest];
      if (Buffer.byteLength(rest) < n + 2) return undefined;
      return [rest.slice(0, n), rest.slice(n + 2)];
    }
    case "*": {
      const n = Number(line);
      const out = [];
      for (let i = 0; i < n; i++) {
        const r = parseResp(rest);
        if (!r) return undefined;
        out.push(r[0]);
        rest = r[1];
      }
      return [out, rest];
    }
  }
  throw new Error(`bad RESP reply: ${JSON.stringify(buf.slice(0, 100))}`);
}

/** Run one command on a fresh connection; resolves with the parsed reply. */
export function command(port, args, ms = 1000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: "127.0.0.1" });
    let buf = "";
    const t = setTimeout(() => { sock.destroy(); reject(new Error(`redis ${args[0]}: no reply within ${ms} ms`)); }, ms);
    const enc = args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join("");
    sock.once("connect", () => sock.write(`*${args.length}\r\n${enc}`));
    sock.setEncoding("utf8");
    sock.on("data", (d) => {
      buf += d;
      let r;
      try { r = parseResp(buf); } catch (err) { clearTimeout(t); sock.destroy(); return reject(err); }
      if (!r) return;
      clearTimeout(t);
      sock.destroy();
      resolve(r[0]);
    });
    sock.once("error", (err) => { clearTimeout(t); reject(err); });
  });
}

/** Wait until PING answers +PONG on `port`, with a deadline. */
async function waitPing(port, proc, ms) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`redis-server exited early (code ${proc.exitCode}, signal ${proc.signalCode})`);
    }
    try {
      const r = await command(port, ["PING"], 500);
      if (r === "PONG") return;
      last = r;
    } catch (err) {
      last = err.message;
    }
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${ms} ms (${last})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Start a redis-server on a free port (or `port`). Returns a handle with
 * url, port, stop({kill}), start() (same port), running(), output() and
 * cli(...args) (redis-cli, resolves with its stdout).
 */
export async function startRedis({ port, timeoutMs = 10_000 } = {}) {
  const h = { port: undefined, url: undefined, proc: undefined, log: "" };
  let exited;

  const launch = async (p) => {
    const proc = spawn(
      "redis-server",
      ["--port", String(p), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    live.add(proc);
    exited = new Promise((resolve) => proc.once("exit", (code, signal) => { live.delete(proc); resolve({ code, signal }); }));
    for (const s of [proc.stdout, proc.stderr]) {
      s.setEncoding("utf8");
      s.on("data", (d) => { h.log = (h.log + d).slice(-20_000); });
    }
    proc.once("error", () => {});
    h.proc = proc;
    try {
      await waitPing(p, proc, timeoutMs);
    } catch (err) {
      await stopProc();
      throw new Error(`${err.message}\n${h.log}`);
    }
  };

  const stopProc = async ({ kill = false } = {}) => {
    const proc = h.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    try { process.kill(proc.pid, kill ? "SIGKILL" : "SIGTERM"); } catch {}
    const t = setTimeout(() => { try { process.kill(proc.pid, "SIGKILL"); } catch {} }, 5000);
    await exited;
    clearTimeout(t);
  };

  // A free port can be taken between the probe and redis' bind: try a few.
  for (let attempt = 0; ; attempt++) {
    const p = port ?? (await freePort());
    try {
      await launch(p);
      h.port = p;
      break;
    } catch (err) {
      if (port !== undefined || attempt >= 3) throw err;
    }
  }
  h.url = `redis://127.0.0.1:${h.port}`;
  h.stop = stopProc;
  h.start = () => launch(h.port);
  h.command = (...args) => command(h.port, args);
  h.running = () => h.proc && h.proc.exitCode === null && h.proc.signalCode === null;
  h.output = () => h.log;
  h.cli = (...args) => {
    const res = spawnSync("redis-cli", ["-p", String(h.port), ...args], { encoding: "utf8", timeout: 5000 });
    if (res.error) throw res.error;
    return res.stdout;
  };
  // For debugging and reports: every command Redis runs (MONITOR), one line
  // each as redis-cli prints them. stop() closes the connection.
  h.watch = () => {
    const sock = net.connect({ port: h.port, host: "127.0.0.1" });
    let out = "";
    sock.setEncoding("utf8");
    sock.once("connect", () => sock.write("*1\r\n$7\r\nMONITOR\r\n"));
    sock.on("data", (d) => { out += d; });
    sock.on("error", () => {});
    return {
      lines: () => out.split("\r\n").filter(Boolean).map((l) => l.replace(/^\+/, "")),
      stop: async () => {
        if (sock.destroyed) return;
        const closed = new Promise((r) => sock.once("close", r));
        sock.destroy();
        await closed;
      },
    };
  };
  return h;
}
