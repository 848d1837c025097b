// socket.io Server options from the fixture's command line, shared by the
// socketio-* modes (the Go twin is config.socketio() in compat-tests/fixture).
import msgpackParser from "socket.io-msgpack-parser";

export function sioOptions(opts) {
  const o = {
    path: "/socket.io/",
    pingInterval: opts.pingInterval,
    pingTimeout: opts.pingTimeout,
    maxHttpBufferSize: opts.maxPayload,
    connectTimeout: opts.connectTimeout,
  };
  if (opts.recovery) o.connectionStateRecovery = {};
  if (opts.adapter) o.adapter = opts.adapter; // --redis (main.mjs)
  if (opts.parser === "msgpack") o.parser = msgpackParser;
  return o;
}
