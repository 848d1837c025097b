// Starting and stopping fixtures (Node reference or Go) for the compat tests.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const NODE_FIXTURE = path.join(REPO_ROOT, "compat-tests/node-fixture/main.mjs");

/** Targets to run, from COMPAT_TARGETS (comma/space separated), default node and go. */
export function targets() {
  const env = process.env.COMPAT_TARGETS;
  const list = env ? env.split(/[\s,]+/).filter(Boolean) : ["node", "go"];
  for (const t of list) {
    if (t !== "node" && t !== "go") throw new Error(`COMPAT_TARGETS: unknown target ${t}`);
  }
  return list;
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
}

let goBinary;

// Fixtures still running when this test process exits are killed, so a
// crashed test file does not leave servers behind.
const live = new Set();
process.once("exit", () => {
  for (const p of live) {
    try { process.kill(p.pid, "SIGCONT"); } catch {}
    try { process.kill(p.pid, "SIGKILL"); } catch {}
  }
});

/**
 * Path of the Go fixture binary. $SIOGO_FIXTURE if set; otherwise built once
 * per test run (`node --test` runs each file in a child process, so the
 * runner's pid, our ppid, identifies the run) into a temp dir.
 */
export function goFixtureBinary() {
  if (process.env.SIOGO_FIXTURE) return process.env.SIOGO_FIXTURE;
  if (goBinary) return goBinary;
  const tmp = os.tmpdir();
  const prefix = "siogo-compat-fixture-";
  // Remove binaries left by earlier runs whose runner is gone.
  for (const name of fs.readdirSync(tmp)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (pid && pid !== process.ppid && !pidAlive(pid)) {
      fs.rmSync(path.join(tmp, name), { recursive: true, force: true });
    }
  }
  const dir = path.join(tmp, prefix + process.ppid);
  const bin = path.join(dir, "siogo-fixture");
  if (!fs.existsSync(bin)) {
    fs.mkdirSync(dir, { recursive: true });
    // Build under a unique name, then rename: concurrent builders cannot see a
    // half-written binary.
    const partial = `${bin}.${process.pid}.partial`;
    const res = spawnSync("go", ["build", "-o", partial, "./compat-tests/fixture"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      timeout: 180_000,
    });
    if (res.error || res.status !== 0) {
      fs.rmSync(partial, { force: true });
      throw new Error(
        `go build ./compat-tests/fixture failed (status ${res.status}): ${res.error ?? ""}\n${res.stdout}${res.stderr}`,
      );
    }
    fs.renameSync(partial, bin);
  }
  goBinary = bin;
  return bin;
}

/**
 * Start a fixture and wait for its "listening on http://HOST:PORT" line.
 * @returns {Promise<{url: string, port: number, proc: import("node:child_process").ChildProcess,
 *   stop: () => Promise<void>, stderr: () => string, target: string}>}
 */
export async function startFixture({
  target,
  mode = "engineio-echo",
  pingInterval,
  pingTimeout,
  maxPayload,
  addr = "127.0.0.1:0",
  connectTimeout,
  recovery = false,
  extraArgs = [],
  env,
  timeoutMs = 20_000,
} = {}) {
  const args = ["--mode", mode, "--addr", addr];
  if (pingInterval !== undefined) args.push("--ping-interval", String(pingInterval));
  if (pingTimeout !== undefined) args.push("--ping-timeout", String(pingTimeout));
  if (maxPayload !== undefined) args.push("--max-payload", String(maxPayload));
  if (connectTimeout !== undefined) args.push("--connect-timeout", String(connectTimeout));
  if (recovery) args.push("--recovery");
  args.push(...extraArgs);

  let cmd, argv;
  if (target === "node") {
    cmd = process.execPath;
    argv = [NODE_FIXTURE, ...args];
  } else if (target === "go") {
    cmd = goFixtureBinary();
    argv = args;
  } else {
    throw new Error(`unknown target ${target}`);
  }

  const proc = spawn(cmd, argv, {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: env ? { ...process.env, ...env } : process.env,
  });
  live.add(proc);
  proc.once("exit", () => live.delete(proc));
  let stderr = "";
  let stdout = "";
  proc.stderr.setEncoding("utf8");
  proc.stderr.on("data", (d) => {
    stderr += d;
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  proc.stdout.setEncoding("utf8");

  const exited = new Promise((resolve) => {
    proc.once("exit", (code, signal) => resolve({ code, signal }));
  });
  let hasExited = false;
  exited.then(() => (hasExited = true));

  const stop = async () => {
    if (!hasExited) {
      if (proc.signalCode === null) {
        // A stopped (SIGSTOP) process would not handle SIGTERM.
        try { process.kill(proc.pid, "SIGCONT"); } catch {}
      }
      try { process.kill(proc.pid, "SIGTERM"); } catch {}
      const t = setTimeout(() => {
        try { process.kill(proc.pid, "SIGKILL"); } catch {}
      }, 5000);
      await exited;
      clearTimeout(t);
    }
  };

  let url;
  try {
    url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${target} fixture did not print "listening on" within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
      }, timeoutMs);
      const onData = (d) => {
        stdout += d;
        const nl = stdout.indexOf("\n");
        if (nl === -1) return;
        clearTimeout(timer);
        proc.stdout.off("data", onData);
        proc.stdout.resume(); // keep draining
        const first = stdout.slice(0, nl).trim();
        const m = /^listening on (http:\/\/\S+?)\/?$/.exec(first);
        if (!m) reject(new Error(`${target} fixture: first stdout line is not "listening on http://HOST:PORT": ${JSON.stringify(first)}\nstderr: ${stderr}`));
        else resolve(m[1]);
      };
      proc.stdout.on("data", onData);
      proc.once("error", (err) => {
        clearTimeout(timer);
        reject(new Error(`${target} fixture failed to start: ${err.message}`));
      });
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${target} fixture exited early (code ${code}, signal ${signal})\nstdout: ${stdout}\nstderr: ${stderr}`));
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  const port = Number(new URL(url).port);
  return { url, port, proc, stop, stderr: () => stderr, target, exited };
}
