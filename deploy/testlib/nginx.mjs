// nginx for the load-balancer tests: the committed configuration
// (deploy/nginx/nginx.conf and siogo.conf) rendered with the test's ports
// into a temporary prefix, run in the foreground on a free port and stopped
// by pid.
//
// Lives outside deploy/test/ so that `node --test deploy/test/` does not run
// it as a test file.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { freePort } from "../../compat-tests/lib/redis.mjs";
import { until } from "../../compat-tests/lib/wait.mjs";

export const CONF_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../nginx");

/** The nginx binary: $NGINX_BIN, /usr/sbin/nginx or nginx on the PATH; "" if none. */
export function nginxBinary() {
  if (process.env.NGINX_BIN) return process.env.NGINX_BIN;
  if (existsSync("/usr/sbin/nginx")) return "/usr/sbin/nginx";
  const res = spawnSync("nginx", ["-v"], { encoding: "utf8", timeout: 10_000 });
  return !res.error && res.status === 0 ? "nginx" : "";
}

/** Why nginx cannot be run here, or "" when it can. */
export function nginxSkipReason() {
  const bin = nginxBinary();
  if (!bin) {
    return "nginx is not installed (DEBIAN_FRONTEND=noninteractive apt-get install -y nginx, or set NGINX_BIN): load-balancer tests skipped";
  }
  const res = spawnSync(bin, ["-v"], { encoding: "utf8", timeout: 10_000 });
  if (res.error || res.status !== 0) return `${bin} -v failed (${res.error?.message ?? res.stderr}): load-balancer tests skipped`;
  return "";
}

/**
 * siogo.conf with the test's values: `listen` (host:port) for the listen
 * line and `nodes` (host:port each) for the upstream's server lines, which
 * keep the parameters of the template's first line. sticky: false drops the
 * hash line (round robin), to show what stickiness is for. Throws if the
 * template no longer has the expected shape, so that a changed template
 * cannot silently go untested.
 */
export function renderSiogoConf(template, { listen, nodes, sticky = true }) {
  const serverLine = /^([ \t]*)server[ \t]+[^\s;]+:\d+((?:[ \t]+[a-z_]+(?:=[^\s;]+)?)*)[ \t]*;[ \t]*\n/gm;
  const lines = [...template.matchAll(serverLine)];
  if (lines.length < 2) throw new Error("siogo.conf: expected the upstream's example server lines (server HOST:PORT ...;)");
  const first = lines[0];
  const last = lines.at(-1);
  const end = last.index + last[0].length;
  if (template.slice(first.index, end).split("\n").some((l) => l.trim() && !/^\s*server\s/.test(l))) {
    throw new Error("siogo.conf: the server lines of the upstream are not together");
  }
  const [indent, params] = [first[1], first[2]];
  if (!/max_fails=/.test(params)) throw new Error(`siogo.conf: the first server line has no max_fails: ${first[0]}`);
  const block = nodes.map((n) => `${indent}server ${n}${params};\n`).join("");
  let out = template.slice(0, first.index) + block + template.slice(end);

  const listenLine = /^([ \t]*)listen[ \t]+[^;]+;/m;
  if (!listenLine.test(out)) throw new Error("siogo.conf: no listen line");
  out = out.replace(listenLine, `$1listen ${listen};`);

  const hashLine = /^[ \t]*hash[ \t]+\$remote_addr[ \t]+consistent;[ \t]*\n/m;
  if (!hashLine.test(out)) throw new Error("siogo.conf: no `hash $remote_addr consistent;` line");
  if (!sticky) out = out.replace(hashLine, "");
  return out;
}

// nginx masters still running when the test process exits are stopped;
// SIGTERM (not SIGKILL) so the master takes its workers with it.
const live = new Set();
process.once("exit", () => {
  for (const p of live) {
    try { process.kill(p.pid, "SIGTERM"); } catch {}
  }
});

/**
 * Run nginx with the committed configuration in a fresh prefix, listening
 * on a free 127.0.0.1 port, in front of `nodes` (host:port each). Resolves
 * once a request through it is answered. The handle has url, port, dir,
 * accessLog(), errorLog() and stop() (which also removes the prefix).
 */
export async function startNginx({ nodes, sticky = true, timeoutMs = 10_000 } = {}) {
  const bin = nginxBinary();
  const dir = mkdtempSync(path.join(os.tmpdir(), "siogo-nginx-"));
  // nginx's workers run as an unprivileged user when the tests run as root;
  // they must reach the temp directories inside the prefix.
  chmodSync(dir, 0o755);
  mkdirSync(path.join(dir, "logs"));
  mkdirSync(path.join(dir, "temp"));
  const mainConf = readFileSync(path.join(CONF_DIR, "nginx.conf"), "utf8");
  if (!/^\s*include\s+siogo\.conf;/m.test(mainConf)) throw new Error("deploy/nginx/nginx.conf does not include siogo.conf");
  writeFileSync(path.join(dir, "nginx.conf"), mainConf);
  const template = readFileSync(path.join(CONF_DIR, "siogo.conf"), "utf8");

  const h = { dir, port: 0, url: "", proc: null, stderr: "" };
  const render = () => writeFileSync(path.join(dir, "siogo.conf"),
    renderSiogoConf(template, { listen: `127.0.0.1:${h.port}`, nodes, sticky }));
  h.accessLog = () => readLog(path.join(dir, "logs", "access.log"));
  h.errorLog = () => readLog(path.join(dir, "logs", "error.log"));

  const launch = async () => {
    render();
    const proc = spawn(bin, ["-p", `${dir}/`, "-c", path.join(dir, "nginx.conf"), "-g", `daemon off; pid ${dir}/nginx.pid;`],
      { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    live.add(proc);
    h.proc = proc;
    h.exited = new Promise((resolve) => proc.once("exit", (code, signal) => { live.delete(proc); resolve({ code, signal }); }));
    proc.once("error", () => {});
    proc.stderr.setEncoding("utf8");
    proc.stderr.on("data", (d) => { h.stderr = (h.stderr + d).slice(-20_000); });
    try {
      await until(async () => {
        if (proc.exitCode !== null || proc.signalCode !== null) {
          throw new Error(`nginx exited early (code ${proc.exitCode}): ${h.stderr}${h.errorLog().slice(-2000)}`);
        }
        // The Server header tells nginx from whatever else may have taken
        // the port since freePort.
        const res = await httpGet(`${h.url}healthz`).catch(() => null);
        return res?.status === 200 && /^nginx\b/.test(res.server ?? "");
      }, timeoutMs, `nginx on port ${h.port} answering /healthz through a node`, 25);
    } catch (err) {
      await stop();
      throw err;
    }
  };

  const stop = async () => {
    const proc = h.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    // SIGTERM is nginx's fast shutdown: it does not wait for open WebSockets.
    try { process.kill(proc.pid, "SIGTERM"); } catch {}
    const t = setTimeout(() => { try { process.kill(proc.pid, "SIGKILL"); } catch {} }, 5000);
    await h.exited;
    clearTimeout(t);
  };

  // A free port can be taken between the probe and nginx's bind: try a few.
  for (let attempt = 0; ; attempt++) {
    h.port = await freePort();
    h.url = `http://127.0.0.1:${h.port}/`;
    try {
      await launch();
      break;
    } catch (err) {
      if (attempt >= 2 || !/Address already in use/.test(err.message)) throw err;
    }
  }

  h.stop = async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return h;
}

function readLog(file) {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** GET `url` and resolve with the status code (the body is discarded). */
export async function httpStatus(url, opts) {
  return (await httpGet(url, opts)).status;
}

/** GET `url`; resolves with {status, server} (the body is discarded). */
function httpGet(url, { localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { localAddress, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode, server: res.headers.server }));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url}: no answer within 5 s`)));
    req.on("error", reject);
  });
}
