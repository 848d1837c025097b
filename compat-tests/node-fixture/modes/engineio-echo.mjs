// engineio-echo: a plain engine.io server at /engine.io/ that echoes every
// message (text and binary) back unchanged and sends nothing else.
import { Server } from "engine.io";

export async function start(httpServer, opts) {
  const engine = new Server({
    pingInterval: opts.pingInterval,
    pingTimeout: opts.pingTimeout,
    maxHttpBufferSize: opts.maxPayload,
  });
  engine.attach(httpServer); // default path "/engine.io"
  engine.on("connection", (socket) => {
    socket.on("message", (data) => socket.send(data));
  });
  return engine;
}
