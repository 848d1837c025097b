// socket.io-client helpers for the Socket.IO scenarios.
import { io } from "socket.io-client";
import { once, withDeadline } from "./wait.mjs";

/**
 * A socket.io-client socket for `nsp` on the fixture at `url`, on its own
 * Manager (forceNew) and without auto-reconnection unless opts say otherwise.
 * Every "disconnect" is recorded in `socket.__disconnects` as
 * {reason, description}. Pushed on `track` for closeSockets.
 */
export function sioClient(track, url, nsp = "/", opts = {}) {
  const s = io(url + (nsp === "/" ? "" : nsp), { forceNew: true, reconnection: false, ...opts });
  track.push(s);
  s.__disconnects = [];
  s.on("disconnect", (reason, description) => s.__disconnects.push({ reason, description }));
  return s;
}

/** Wait for the socket's "connect"; fails on "connect_error". */
export async function connected(socket, ms = 5000) {
  if (socket.connected) return socket;
  await once(socket, "connect", ms, { failOn: ["connect_error"] });
  return socket;
}

/** sioClient + connected. */
export async function connectClient(track, url, nsp = "/", opts = {}) {
  return connected(sioClient(track, url, nsp, opts));
}

/** Wait for the socket's "connect_error"; fails on "connect". Returns the error. */
export async function connectError(socket, ms = 5000) {
  const [err] = await once(socket, "connect_error", ms, { failOn: ["connect"] });
  return err;
}

/** Emit with an ack and resolve with every argument of the ack (rejects after `ms`). */
export function call(socket, event, ...args) {
  return callWithin(5000, socket, event, ...args);
}

export function callWithin(ms, socket, event, ...args) {
  return new Promise((resolve, reject) => {
    socket.timeout(ms).emit(event, ...args, (err, ...res) => {
      if (err) reject(new Error(`no ack for "${event}" within ${ms} ms: ${err.message}`));
      else resolve(res);
    });
  });
}

/** Emit with an ack and resolve with the first argument of the ack. */
export async function ask(socket, event, ...args) {
  return (await call(socket, event, ...args))[0];
}

/** Disconnect every socket still tracked (for after/afterEach). */
export function closeSockets(sockets) {
  for (const s of sockets.splice(0)) {
    try {
      s.disconnect();
      s.io?.engine?.close();
    } catch {}
  }
}

export { once, withDeadline };
