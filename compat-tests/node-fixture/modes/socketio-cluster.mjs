// socketio-cluster: a socket.io server whose handlers let a test drive every
// cluster operation from a client of any node (run with --redis) and observe
// the results on the clients of the other nodes. Twin of the Go mode in
// compat-tests/fixture/cluster.go: keep both equivalent, handler by handler.
//
// The node's name comes from the environment variable SIOGO_NODE_NAME.
//
// Connection: auth {user, rooms}: the socket joins auth.rooms and its
// socket.data is {node: NAME, user: auth.user}.
//
// Client events (each acked):
//   whoami                 -> {id, node, rooms (sorted), data}
//   join (rooms)           -> sorted rooms
//   leave (room)           -> sorted rooms
//   op (spec)              spec = {from: "io"|"socket", to: [rooms], except: [rooms],
//                            timeout: ms, action, event, args, rooms, close}
//       emit               -> true
//       emitWithAck        -> {responses (sorted)} | {error: "timeout"|message, message, responses (sorted)}
//       fetchSockets       -> [{id, rooms (sorted), data, auth}] sorted by id
//       socketsJoin / socketsLeave (spec.rooms) / disconnectSockets (spec.close) -> true
//   server-side-emit ({event, args, ack}) -> true | {responses (sorted)} | {error, message, responses}
//   all-rooms              -> {rooms (sorted)} | {error}
//   server-count           -> {count} | {error}
//
// Server-side events (from other nodes or the emitter):
//   "ping-node" (arg, ack?)   emits "sse-received" {node, event, arg} to the
//                             local sockets of room arg.room, acks NAME
//   "silent-node" (arg, ack?) the same, never acks
import { Server } from "socket.io";
import { sioOptions } from "../sio-options.mjs";

const NAME = process.env.SIOGO_NODE_NAME ?? "";

const sorted = (list) => [...list].sort();
const byJSON = (list) =>
  [...list].sort((a, b) => {
    const x = JSON.stringify(a), y = JSON.stringify(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
const popAck = (args) => (typeof args[args.length - 1] === "function" ? args.pop() : undefined);
const isTimeout = (msg) => msg === "operation has timed out" || /^timeout reached/.test(msg);

export async function start(httpServer, opts) {
  const io = new Server(httpServer, sioOptions(opts));
  const nsp = io.of("/");

  for (const event of ["ping-node", "silent-node"]) {
    nsp.on(event, (...args) => {
      const ack = popAck(args);
      const arg = args[0];
      const room = arg && typeof arg === "object" ? arg.room : undefined;
      (room ? io.local.to(room) : io.local).emit("sse-received", { node: NAME, event, arg: arg ?? null });
      if (event === "ping-node" && ack) ack(NAME);
    });
  }

  io.on("connection", (socket) => {
    const auth = socket.handshake.auth ?? {};
    socket.data = { node: NAME, user: auth.user ?? null };
    if (Array.isArray(auth.rooms) && auth.rooms.length) socket.join(auth.rooms);

    socket.on("whoami", (cb) => cb({ id: socket.id, node: NAME, rooms: sorted(socket.rooms), data: socket.data }));
    socket.on("join", (rooms, cb) => {
      socket.join(rooms);
      cb(sorted(socket.rooms));
    });
    socket.on("leave", (room, cb) => {
      socket.leave(room);
      cb(sorted(socket.rooms));
    });

    socket.on("op", async (spec, cb) => {
      let op = spec.from === "socket" ? socket.broadcast : io;
      if (spec.to?.length) op = op.to(spec.to);
      if (spec.except?.length) op = op.except(spec.except);
      if (spec.timeout !== undefined) op = op.timeout(spec.timeout);
      try {
        switch (spec.action) {
          case "emit":
            op.emit(spec.event, ...(spec.args ?? []));
            return cb(true);
          case "emitWithAck":
            try {
              return cb({ responses: byJSON(await op.emitWithAck(spec.event, ...(spec.args ?? []))) });
            } catch (err) {
              return cb({
                error: isTimeout(err.message) ? "timeout" : err.message,
                message: err.message,
                responses: byJSON(err.responses ?? []),
              });
            }
          case "fetchSockets": {
            const sockets = await op.fetchSockets();
            return cb(
              sockets
                .map((s) => ({ id: s.id, rooms: sorted(s.rooms), data: s.data, auth: s.handshake.auth }))
                .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
            );
          }
          case "socketsJoin":
            op.socketsJoin(spec.rooms);
            return cb(true);
          case "socketsLeave":
            op.socketsLeave(spec.rooms);
            return cb(true);
          case "disconnectSockets":
            op.disconnectSockets(!!spec.close);
            return cb(true);
          default:
            return cb({ error: `unknown action ${spec.action}` });
        }
      } catch (err) {
        return cb({ error: err.message, message: err.message });
      }
    });

    socket.on("server-side-emit", async (spec, cb) => {
      const args = spec.args ?? [];
      if (!spec.ack) {
        nsp.serverSideEmit(spec.event, ...args);
        return cb(true);
      }
      try {
        cb({ responses: byJSON(await nsp.serverSideEmitWithAck(spec.event, ...args)) });
      } catch (err) {
        cb({
          error: isTimeout(err.message) ? "timeout" : err.message,
          message: err.message,
          responses: byJSON(err.responses ?? []),
        });
      }
    });

    socket.on("all-rooms", async (cb) => {
      try {
        cb({ rooms: sorted(await nsp.adapter.allRooms()) });
      } catch (err) {
        cb({ error: err.message });
      }
    });

    socket.on("server-count", async (cb) => {
      try {
        cb({ count: await nsp.adapter.serverCount() });
      } catch (err) {
        cb({ error: err.message });
      }
    });
  });
  return io;
}
