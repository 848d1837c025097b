// socketio-protocol: the server the official socket.io-protocol test suite
// describes (twin of the Go mode in compat-tests/fixture/socketio.go):
// "/" and "/custom" greet with the handshake auth, echo "message" as
// "message-back" and ack "message-with-ack" with its arguments; every other
// namespace is refused ("Invalid namespace").
import { Server } from "socket.io";
import { sioOptions } from "../sio-options.mjs";

export async function start(httpServer, opts) {
  const io = new Server(httpServer, sioOptions(opts));
  for (const name of ["/", "/custom"]) {
    io.of(name).on("connection", (socket) => {
      socket.emit("auth", socket.handshake.auth);
      socket.on("message", (...args) => {
        socket.emit("message-back", ...args);
      });
      socket.on("message-with-ack", (...args) => {
        const ack = args.pop();
        ack(...args);
      });
    });
  }
  return io;
}
