// A well-behaved client on the official socket.io-client, driven by the
// Go test on stdin: each line "N" emits "echo" with {n: N, s: "héllo €"}
// and an ack; the answer is printed as one JSON line. Connection events
// are printed too, so the test sees any disconnection at once.
//
//   node goodclient.cjs URL TRANSPORTS   (TRANSPORTS: "websocket", "polling" or "polling,websocket")
const readline = require("node:readline");
const { io } = require("socket.io-client");

const [url, transports] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const socket = io(url, { transports: transports.split(","), reconnection: false });
socket.on("connect", () => out({ event: "connect", transport: socket.io.engine.transport.name }));
socket.on("connect_error", (e) => out({ event: "connect_error", message: e.message }));
socket.on("disconnect", (reason) => out({ event: "disconnect", reason }));
socket.io.engine.on("upgrade", (t) => out({ event: "upgrade", transport: t.name }));
socket.on("relay", () => {}); // broadcasts from the attackers, ignored

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const n = Number(line);
  socket.timeout(5000).emit("echo", { n, s: "héllo €" }, (err, v) => {
    out({ event: "echo", n, ok: !err && v && v.n === n && v.s === "héllo €", error: err ? err.message : undefined });
  });
}).on("close", () => {
  socket.disconnect();
  process.exit(0);
});
