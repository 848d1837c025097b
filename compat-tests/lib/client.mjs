// engine.io-client helpers.
import { Socket } from "engine.io-client";
import { once } from "./wait.mjs";

export const TRANSPORT_MODES = {
  polling: { transports: ["polling"] },
  websocket: { transports: ["websocket"] },
  upgrade: {}, // default: polling then upgrade to websocket
};

/**
 * Open an engine.io-client Socket and wait for "open". Records the handshake
 * data and every close in `socket.__handshake` / `socket.__closes`.
 * Register the socket with `track` so tests can close leftovers.
 */
export async function openClient(url, opts = {}, { timeoutMs = 5000, track } = {}) {
  const socket = new Socket(url, { ...opts });
  track?.push(socket);
  socket.__closes = [];
  socket.__errors = [];
  socket.on("handshake", (data) => (socket.__handshake = data));
  socket.on("close", (reason, description) => socket.__closes.push(closeInfo(reason, description)));
  socket.on("error", (err) => socket.__errors.push(err));
  await once(socket, "open", timeoutMs, { failOn: ["close"] });
  return socket;
}

/** A JSON-able, stable summary of a client "close" event. */
export function closeInfo(reason, description) {
  const info = { reason };
  if (description === undefined || description === null) return info;
  if (description instanceof Error) {
    info.error = {
      name: description.name,
      type: description.type,
      message: description.message,
      description: summarize(description.description),
    };
    return info;
  }
  if (typeof description === "object") {
    info.description = description.description;
    const ctx = description.context;
    if (ctx && typeof ctx === "object") {
      info.context = { code: ctx.code, reason: ctx.reason, wasClean: ctx.wasClean };
    }
    return info;
  }
  info.description = description;
  return info;
}

function summarize(d) {
  if (d === undefined || d === null || typeof d !== "object") return d;
  if (d instanceof Error) return { message: d.message, code: d.code };
  // ws ErrorEvent / CloseEvent objects
  return { type: d.type, message: d.message, code: d.code };
}

/** Close every socket still open (for after/afterEach). */
export function closeAll(sockets) {
  for (const s of sockets.splice(0)) {
    try {
      s.removeAllListeners?.("close");
      s.close();
    } catch {}
  }
}
