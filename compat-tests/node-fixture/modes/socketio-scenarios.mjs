// socketio-scenarios: a socket.io server with the handlers the
// compat-tests/socketio scenarios drive with socket.io-client. Twin of the Go
// mode in compat-tests/fixture/scenarios.go: keep both equivalent, handler by
// handler.
//
// Namespaces: "/", "/custom", the dynamic /^\/dyn-\d+$/ and "/guarded" (a
// middleware admits auth {token: "ok"}, refuses {token: "data"} with an
// error carrying data, anything else with a plain error). Every other
// namespace is refused. All of them run the same handlers (setup below).
import { Server } from "socket.io";
import { sioOptions } from "../sio-options.mjs";

// Sent by "types" (Go: typeValues).
export const TYPES = [
  null, true, false, 0, 42, -17, 3.14159, -0.5, 1.5e300, -2.5e-7, 9007199254740991,
  "", "héllo wörld ✓ 中文 😀", 'quote " backslash \\ newline \n tab \t nul \u0000 <>&',
  { z: 1, a: { y: [1, 2], b: null }, m: "x" },
  [1, "two", [3, [4]], { k: false }],
  [], {},
];

// Sent by "binary" (Go: binaryValues).
function binaryValues() {
  return [
    Buffer.from([1, 2, 3]),
    { nested: { buf: Buffer.from([4, 5]) }, list: [Buffer.from([6]), "x"] },
    new Uint8Array([7, 8]),
    new Uint16Array([1, 0x0203]),
    new Uint8Array([9, 10, 11]).buffer,
    Buffer.alloc(0),
  ];
}

// Binary becomes {$bin: hex}, anything that is not plain JSON {$other: name}.
function describe(v) {
  if (Buffer.isBuffer(v)) return { $bin: v.toString("hex") };
  if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return { $other: v.constructor.name };
  if (Array.isArray(v)) return v.map(describe);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, describe(x)]));
  }
  return v;
}

const sorted = (rooms) => [...rooms].sort();
const popAck = (args) => (typeof args[args.length - 1] === "function" ? args.pop() : () => {});

export async function start(httpServer, opts) {
  const io = new Server(httpServer, sioOptions(opts));
  const reasons = new Map(); // "nsp id" -> disconnect reason
  // The adapter's room events of "/", as [event, room, id?].
  const roomLog = [];
  const adapter = io.of("/").adapter;
  adapter.on("create-room", (room) => roomLog.push(["create-room", room]));
  adapter.on("delete-room", (room) => roomLog.push(["delete-room", room]));
  adapter.on("join-room", (room, id) => roomLog.push(["join-room", room, id]));
  adapter.on("leave-room", (room, id) => roomLog.push(["leave-room", room, id]));

  const setup = (socket) => {
    const nsp = socket.nsp;
    socket.on("disconnect", (reason) => reasons.set(`${nsp.name} ${socket.id}`, reason));
    // auth {joinOnConnect: room, slowConnect: ms}: the handler takes its
    // time (synchronously, as any handler runs here), then joins room.
    const { joinOnConnect, slowConnect } = socket.handshake.auth ?? {};
    if (typeof joinOnConnect === "string") {
      const until = Date.now() + (Number(slowConnect) || 0);
      while (Date.now() < until);
      socket.join(joinOnConnect);
    }

    socket.on("whoami", (cb) => {
      cb({
        id: socket.id,
        nsp: nsp.name,
        auth: socket.handshake.auth,
        recovered: socket.recovered,
        rooms: sorted(socket.rooms),
        data: socket.data,
        transport: socket.conn.transport.name,
      });
    });
    socket.on("echo", (...args) => {
      const cb = popAck(args);
      socket.emit("echo", ...args);
      cb(...args);
    });
    socket.on("ack", (...args) => {
      const cb = popAck(args);
      cb(...args);
    });
    socket.on("no-ack", () => {});
    socket.on("describe", (...args) => {
      const cb = popAck(args);
      cb(...args.map(describe));
    });
    socket.on("types", (cb) => {
      socket.emit("types", ...TYPES);
      cb(...TYPES);
    });
    socket.on("binary", (cb) => {
      socket.emit("binary", ...binaryValues());
      cb(...binaryValues());
    });
    // Asks the client "question" with the given arguments and acks with its answer.
    socket.on("ask", async (...args) => {
      const cb = popAck(args);
      const answer = await socket.emitWithAck("question", ...args);
      cb(answer);
    });
    // Emits "never-answered" with a timeout; the client does not ack.
    socket.on("ask-timeout", async (ms, cb) => {
      const t0 = Date.now();
      try {
        const answer = await socket.timeout(ms).emitWithAck("never-answered");
        cb({ timedOut: false, answer });
      } catch (err) {
        cb({ timedOut: err.message === "operation has timed out", elapsed: Date.now() - t0 });
      }
    });
    socket.on("join", (rooms, cb) => {
      socket.join(rooms);
      cb(sorted(socket.rooms));
    });
    socket.on("leave", (room, cb) => {
      socket.leave(room);
      cb(sorted(socket.rooms));
    });
    socket.on("set-data", (data, cb) => {
      socket.data = data;
      cb();
    });
    socket.on("disconnect-me", (close) => socket.disconnect(close));
    socket.on("reason-of", (nspName, id, cb) => cb(reasons.get(`${nspName} ${id}`) ?? null));
    // The room events that name any of these rooms or socket ids.
    socket.on("room-log", (names, cb) => cb(roomLog.filter((e) => names.includes(e[1]) || names.includes(e[2]))));
    socket.on("my-rooms", (cb) => cb([...socket.rooms]));

    // Broadcast operators driven by the client:
    // {from: "socket"|"nsp", ops: [[name, arg]...], action, event, args, rooms, close}
    socket.on("op", async (spec, cb) => {
      let op = spec.from === "socket" ? socket : nsp;
      for (const [name, arg] of spec.ops ?? []) {
        op = name === "broadcast" || name === "volatile" || name === "local" ? op[name] : op[name](arg);
      }
      switch (spec.action) {
        case "emit":
          op.emit(spec.event, ...(spec.args ?? []));
          return cb(true);
        case "emitWithAck":
          try {
            const responses = await op.emitWithAck(spec.event, ...(spec.args ?? []));
            return cb({ responses });
          } catch (err) {
            return cb({
              error: err.message === "operation has timed out" ? "timeout" : err.message,
              responses: err.responses ?? [],
            });
          }
        case "fetchSockets": {
          const sockets = await op.fetchSockets();
          return cb(
            sockets
              .map((s) => ({ id: s.id, rooms: sorted(s.rooms), data: s.data }))
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
          op.disconnectSockets(spec.close);
          return cb(true);
        default:
          return cb({ error: `unknown action ${spec.action}` });
      }
    });

    // 1,000 events in order: "seq" n is checked against a counter and echoed.
    let expected = 0;
    let inOrder = true;
    socket.on("seq", (n) => {
      if (n !== expected) inOrder = false;
      expected++;
      socket.emit("seq", n);
    });
    socket.on("seq-report", (cb) => cb({ count: expected, inOrder }));
    socket.on("burst", (n, cb) => {
      for (let i = 0; i < n; i++) socket.emit("burst", i);
      cb(n);
    });
  };

  io.of("/").on("connection", setup);
  io.of("/custom").on("connection", setup);
  io.of(/^\/dyn-\d+$/).on("connection", setup);
  const guarded = io.of("/guarded");
  guarded.use((socket, next) => {
    const token = socket.handshake.auth.token;
    if (token === "ok") return next();
    if (token === "data") {
      const err = new Error("not authorized");
      err.data = { code: 42, detail: ["a", { b: null }] };
      return next(err);
    }
    next(new Error("plain refusal"));
  });
  guarded.on("connection", setup);
  return io;
}
