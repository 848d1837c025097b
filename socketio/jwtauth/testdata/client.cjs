// Connects the real socket.io-client to a siogo server and prints what
// the application sees, one JSON object a line:
//
//   node client.cjs URL OPTIONS_JSON
//
// OPTIONS_JSON: {"auth": {...}, "headers": {...}, "query": {...},
// "stay": bool}. After "connect" the client asks the server "whoami" and
// prints the answer; then it disconnects, unless stay is set, in which
// case it waits for the server to disconnect it.
const { io } = require("socket.io-client");

const [url, optsJSON] = process.argv.slice(2);
const o = JSON.parse(optsJSON);
const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

const socket = io(url, {
  auth: o.auth,
  extraHeaders: o.headers,
  query: o.query,
  transports: ["websocket"],
  reconnection: false,
  timeout: 5000,
});
const guard = setTimeout(() => {
  out({ event: "timeout" });
  process.exit(1);
}, 10000);
const end = () => {
  clearTimeout(guard);
  socket.close();
};

socket.on("connect", async () => {
  out({ event: "connect" });
  const sub = await socket.timeout(5000).emitWithAck("whoami");
  out({ event: "whoami", sub });
  if (!o.stay) end();
});
socket.on("connect_error", (err) => {
  out({ event: "connect_error", message: err.message, code: err.data && err.data.code });
  end();
});
socket.on("disconnect", (reason) => {
  out({ event: "disconnect", reason });
  end();
});
