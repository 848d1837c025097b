// Harness for the web demo's browser tests: siogo servers started on free
// ports and stopped by pid, a headless Chromium driven by playwright-core,
// and expect-like waits on the page (nothing here sleeps and hopes).
//
// Lives outside web-demo/test/ so that `node --test web-demo/test/` does not
// run it as a test file.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

import { freePort } from "../../compat-tests/lib/redis.mjs";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const SCREENSHOTS = path.join(REPO_ROOT, ".artifacts", "screenshots");
export const CHROMIUM = process.env.CHROMIUM_BIN || "/usr/bin/chromium";
export const JWT_SECRET = "web-demo-test-secret";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

// ---------------------------------------------------------------------------
// siogo

let builtBinary;

/** The siogo binary: $SIOGO_BIN, or .bin/siogo built once per process. */
export function siogoBinary() {
  if (process.env.SIOGO_BIN) return path.resolve(REPO_ROOT, process.env.SIOGO_BIN);
  if (!builtBinary) {
    const out = path.join(REPO_ROOT, ".bin", "siogo");
    const res = spawnSync("go", ["build", "-o", out, "./cmd/siogo"], { cwd: REPO_ROOT, encoding: "utf8", timeout: 300_000 });
    if (res.error || res.status !== 0) {
      throw new Error(`go build ./cmd/siogo failed: ${res.error?.message ?? ""}${res.stderr ?? ""}`);
    }
    builtBinary = out;
  }
  return builtBinary;
}

/** Why the browser tests cannot run here, or "" when they can. */
export function browserSkipReason() {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_BIN)`;
  return "";
}

// Servers still running when the test process exits are killed.
const live = new Set();
process.once("exit", () => {
  for (const p of live) {
    try { process.kill(p.pid, "SIGKILL"); } catch {}
  }
});

/**
 * Start siogo with cwd = repo root on `port` (default: a free one), with
 * --jwt-secret and --node-name set. Resolves once it logs msg=listening.
 * The handle has url, port, nodeName, stop({kill}), start() (again, same
 * port and flags) and log().
 */
export async function startSiogo({ port, nodeName, args = [], timeoutMs = 15_000 } = {}) {
  const bin = siogoBinary();
  const h = { port, nodeName, proc: null, stderr: "", url: "" };

  const launch = async () => {
    const p = h.port ?? 0;
    const argv = ["--addr", `127.0.0.1:${p}`, "--jwt-secret", JWT_SECRET, ...(nodeName ? ["--node-name", nodeName] : []), ...args];
    const proc = spawn(bin, argv, { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "pipe"] });
    live.add(proc);
    h.proc = proc;
    h.exited = new Promise((resolve) => proc.once("exit", (code, signal) => { live.delete(proc); resolve({ code, signal }); }));
    proc.once("error", () => {});
    proc.stderr.setEncoding("utf8");
    let ready;
    const listening = new Promise((resolve, reject) => {
      ready = { resolve, reject };
    });
    proc.stderr.on("data", (d) => {
      h.stderr = (h.stderr + d).slice(-50_000);
      const m = /msg=listening.*?url=(http:\/\/127\.0\.0\.1:(\d+)\/)/.exec(h.stderr);
      if (m) ready.resolve(m);
    });
    h.exited.then(({ code, signal }) => ready.reject(new Error(`siogo exited early (code ${code}, signal ${signal}); stderr:\n${h.stderr.slice(-3000)}`)));
    const timer = setTimeout(() => ready.reject(new Error(`siogo did not log msg=listening within ${timeoutMs} ms; stderr:\n${h.stderr.slice(-3000)}`)), timeoutMs);
    try {
      const m = await listening;
      h.url = m[1];
      h.port = Number(m[2]);
    } catch (err) {
      await stop({ kill: true });
      throw err;
    } finally {
      clearTimeout(timer);
    }
  };

  const stop = async ({ kill = false } = {}) => {
    const proc = h.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    try { process.kill(proc.pid, kill ? "SIGKILL" : "SIGTERM"); } catch {}
    const t = setTimeout(() => { try { process.kill(proc.pid, "SIGKILL"); } catch {} }, 5000);
    await h.exited;
    clearTimeout(t);
  };

  await launch();
  h.stop = stop;
  h.start = launch;
  h.log = () => h.stderr;
  return h;
}

/** startSiogo on a free port, retried if the port is taken meanwhile. */
export async function startSiogoOnFreePort(opts = {}) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await startSiogo({ ...opts, port: await freePort() });
    } catch (err) {
      if (attempt >= 2 || !/address already in use/.test(err.message)) throw err;
    }
  }
}

// ---------------------------------------------------------------------------
// Browser

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/**
 * A chat page for `name` in a fresh browser context (its own cookies and
 * storage: another person), logged in with ?name= and connected, with the
 * lobby joined. `query` adds URL options (e.g. {transports: "polling"}).
 */
export async function openChat(browser, server, name, { query = {}, viewport = { width: 1100, height: 720 } } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.__errors = [];
  page.__uncaught = [];
  page.on("pageerror", (err) => {
    page.__errors.push(err.message);
    page.__uncaught.push(err.message);
  });
  page.on("console", (msg) => { if (msg.type() === "error") page.__errors.push(msg.text()); });
  const q = new URLSearchParams({ name, ...query });
  await page.goto(`${server.url}?${q}`);
  await expectState(page, "conn-state", "connected");
  await expectAttr(page, "room-lobby", "data-status", "joined");
  await expectMember(page, name);
  return page;
}

/** Fail if any of the pages threw an uncaught exception. */
export function assertNoPageErrors(...pages) {
  const errs = pages.flatMap((p) => p.__uncaught ?? []);
  if (errs.length) throw new Error(`uncaught exceptions in the page: ${errs.join(" | ")}`);
}

// ---------------------------------------------------------------------------
// Expect-like waits

const sel = (testid) => `[data-testid="${testid}"]`;

/** What the page shows now, for failure messages. */
async function describe(page) {
  try {
    return await page.evaluate(() => {
      const t = (id) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() ?? "";
      const log = [...document.querySelectorAll('[data-testid="log"] li')].slice(0, 12).map((li) => li.textContent).reverse();
      return `conn-state="${t("conn-state")}" transport="${t("transport")}" node="${t("node")}" ` +
        `conn-detail="${t("conn-detail")}" join-error="${t("join-error")}"\n  event log (latest last):\n    ${log.join("\n    ")}`;
    });
  } catch (err) {
    return `(page state unavailable: ${err.message})`;
  }
}

async function waitOn(page, what, fn, arg, timeout) {
  try {
    await page.waitForFunction(fn, arg, { timeout, polling: 50 });
  } catch (err) {
    const errors = page.__errors?.length ? `\n  page errors: ${page.__errors.join(" | ")}` : "";
    throw new Error(`timeout: ${what} within ${timeout} ms (${err.message.split("\n")[0]})\n  page: ${await describe(page)}${errors}`);
  }
}

/** Wait until the element's text matches `re` (a RegExp or a substring). */
export async function expectText(page, testid, re, { timeout = 5000, nth = 0 } = {}) {
  const r = re instanceof RegExp ? re : new RegExp(re.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const current = async () => page.evaluate(([s, i]) => document.querySelectorAll(s)[i]?.textContent, [sel(testid), nth]).catch(() => "?");
  try {
    await page.waitForFunction(([s, i, src, flags]) => {
      const e = document.querySelectorAll(s)[i];
      return !!e && new RegExp(src, flags).test(e.textContent);
    }, [sel(testid), nth, r.source, r.flags], { timeout, polling: 50 });
  } catch (err) {
    throw new Error(`timeout: [data-testid=${testid}] text ${r} not seen within ${timeout} ms; it is ${JSON.stringify(await current())}\n  page: ${await describe(page)}`);
  }
}

/** Wait until the element's text does NOT match `re`. */
export async function expectNoText(page, testid, re, { timeout = 5000 } = {}) {
  await waitOn(page, `[data-testid=${testid}] text without ${re}`, ([s, src, flags]) => {
    const e = document.querySelector(s);
    return !!e && !new RegExp(src, flags).test(e.textContent);
  }, [sel(testid), re.source, re.flags], timeout);
}

/** Wait until an attribute of the element equals `value` (or matches a RegExp). */
export async function expectAttr(page, testid, attr, value, { timeout = 5000 } = {}) {
  const isRe = value instanceof RegExp;
  await waitOn(page, `[data-testid=${testid}] ${attr}=${value}`, ([s, a, v, re, flags]) => {
    const got = document.querySelector(s)?.getAttribute(a);
    return got != null && (re ? new RegExp(v, flags).test(got) : got === v);
  }, [sel(testid), attr, isRe ? value.source : value, isRe, isRe ? value.flags : ""], timeout);
}

/** Wait for the connection state (data-state of conn-state). */
export function expectState(page, testid, state, opts) {
  return expectAttr(page, testid, "data-state", state, opts);
}

/** Wait until the element is visible. */
export async function expectVisible(page, testid, { timeout = 5000 } = {}) {
  await waitOn(page, `[data-testid=${testid}] visible`, (s) => {
    const e = document.querySelector(s);
    return !!e && !e.closest("[hidden]") && e.getClientRects().length > 0;
  }, sel(testid), timeout);
}

/** The names in the presence list, as shown. */
export function members(page) {
  return page.$$eval('[data-testid="presence"] [data-member]', (els) => els.map((e) => e.dataset.member));
}

/** Wait until `name` is in the presence list. */
export async function expectMember(page, name, { timeout = 5000 } = {}) {
  try {
    await page.waitForFunction((n) =>
      [...document.querySelectorAll('[data-testid="presence"] [data-member]')].some((e) => e.dataset.member === n),
    name, { timeout, polling: 50 });
  } catch {
    throw new Error(`timeout: ${name} not in the presence list within ${timeout} ms; it is [${(await members(page)).join(",")}]\n  page: ${await describe(page)}`);
  }
}

/** Wait until the presence list is exactly `names` (sorted). */
export async function expectMembers(page, names, { timeout = 5000 } = {}) {
  const want = [...names].sort().join(",");
  try {
    await page.waitForFunction((w) => {
      const got = [...document.querySelectorAll('[data-testid="presence"] [data-member]')].map((e) => e.dataset.member).sort().join(",");
      return got === w;
    }, want, { timeout, polling: 50 });
  } catch {
    throw new Error(`timeout: presence list [${want}] not seen within ${timeout} ms; it is [${(await members(page)).join(",")}]\n  page: ${await describe(page)}`);
  }
}

/** Wait until a message from `from` with text `text` is shown; resolves with its data-id. */
export async function expectMessage(page, from, text, { timeout = 5000 } = {}) {
  await waitOn(page, `a message from ${from}: ${JSON.stringify(text)}`, ([f, t]) =>
    [...document.querySelectorAll('[data-testid="message"]')].some((m) =>
      m.dataset.from === f && m.querySelector('[data-testid="message-text"]')?.textContent === t),
  [from, text], timeout);
  return page.evaluate(([f, t]) => [...document.querySelectorAll('[data-testid="message"]')].find((m) =>
    m.dataset.from === f && m.querySelector('[data-testid="message-text"]')?.textContent === t).dataset.id, [from, text]);
}

/** Type `text` in the composer and send it; resolves with the new message's id. */
export async function sendMessage(page, text) {
  await page.getByTestId("message-input").fill(text);
  await page.getByTestId("send").click();
  const me = await page.getByTestId("me-name").textContent();
  return expectMessage(page, me, text);
}

/** Wait until own message `id` has status `status` (sending | sent | delivered | failed). */
export async function expectStatus(page, id, status, { timeout = 5000 } = {}) {
  await waitOn(page, `message ${id} status ${status}`, ([i, st]) =>
    document.querySelector(`[data-testid="message"][data-id="${i}"] [data-testid="msg-status"]`)?.dataset.status === st,
  [id, status], timeout);
  return page.evaluate((i) => {
    const s = document.querySelector(`[data-testid="message"][data-id="${i}"] [data-testid="msg-status"]`);
    return { text: s.textContent, history: s.dataset.history };
  }, id);
}

// ---------------------------------------------------------------------------
// Screenshots

/** Save a screenshot of `page` as .artifacts/screenshots/<name>.png. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
