// Raw HTTP / WebSocket helpers for wire-level checks.
import WebSocket from "ws";
import { once } from "./wait.mjs";

export const SESSION_UNKNOWN = '{"code":1,"message":"Session ID unknown"}';

/** Path of a Socket.IO server's Engine.IO endpoint. */
export const SIO_PATH = "/socket.io/";

/**
 * Full URL of the Engine.IO endpoint with the given query string; `path` is
 * "/engine.io/" by default (SIO_PATH for Socket.IO servers).
 */
export function eio(url, query = "", path = "/engine.io/") {
  return `${url}${path}${query ? "?" + query : ""}`;
}

/** fetch with a deadline; resolves to {status, headers, body}. */
export async function request(url, { method = "GET", body, headers, timeoutMs = 5000 } = {}) {
  const res = await fetch(url, { method, body, headers, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text };
}

/** Raw polling handshake; returns {sid, data, res}. */
export async function handshake(url, query = "EIO=4&transport=polling", { path } = {}) {
  const res = await request(eio(url, query, path));
  if (res.status !== 200 || res.body[0] !== "0") {
    throw new Error(`handshake failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  const data = JSON.parse(res.body.slice(1));
  return { sid: data.sid, data, res };
}

export function pollUrl(url, sid, { path } = {}) {
  return eio(url, `EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`, path);
}

/**
 * Open a raw WebSocket. Resolves {ws, messages, next(ms), closed} once open, or
 * rejects with the unexpected HTTP response.
 */
export function openWs(url, query, { path } = {}) {
  const wsUrl = eio(url.replace(/^http/, "ws"), query, path);
  const ws = new WebSocket(wsUrl);
  const queue = [];
  const waiters = [];
  const closed = new Promise((resolve) => {
    ws.on("close", (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const w of waiters.splice(0)) w.reject(new Error(`websocket closed (${code}) while waiting for a message`));
    });
  });
  ws.on("error", () => {}); // surfaced through close / unexpected-response
  ws.on("message", (data, isBinary) => {
    const m = { data: isBinary ? Buffer.from(data) : data.toString(), isBinary };
    const w = waiters.shift();
    if (w) w.resolve(m);
    else queue.push(m);
  });
  const next = (ms = 3000) => {
    if (queue.length) return Promise.resolve(queue.shift());
    return new Promise((resolve, reject) => {
      const w = {
        resolve: (m) => { clearTimeout(t); resolve(m); },
        reject: (e) => { clearTimeout(t); reject(e); },
      };
      const t = setTimeout(() => {
        waiters.splice(waiters.indexOf(w), 1);
        reject(new Error(`timeout: no websocket message within ${ms} ms`));
      }, ms);
      waiters.push(w);
    });
  };
  const handle = { ws, next, closed, queue };
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout: websocket ${wsUrl} not open`)), 5000);
    ws.once("open", () => { clearTimeout(t); resolve(handle); });
    ws.once("unexpected-response", (req, res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => {
        clearTimeout(t);
        const err = new Error(`unexpected response ${res.statusCode}: ${body}`);
        err.response = { status: res.statusCode, headers: res.headers, body };
        reject(err);
      });
    });
    ws.once("close", (code) => { clearTimeout(t); reject(new Error(`websocket closed before open (${code})`)); });
  });
}

/** Await `ws` closing; resolves {code, reason}. */
export function wsClosed(handle, ms = 3000) {
  let t;
  return Promise.race([
    handle.closed,
    new Promise((_, reject) => (t = setTimeout(() => reject(new Error(`timeout: websocket not closed within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(t));
}

export { once };
