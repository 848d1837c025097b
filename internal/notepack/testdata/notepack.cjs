// Cross-check helper for the Go tests: reads a JSON job on stdin and writes
// what the real notepack.io (and socket.io-parser) make of it on stdout.
//
//   encode: [{js, atts: [base64...]}] -> JSON.parse + reconstructPacket,
//           notepack.encode -> {hex} or {err}
//   decode: [{expr} | {hex}]          -> notepack.encode(eval(expr)) or the
//           given bytes, notepack.decode, deconstructPacket, JSON.stringify
//           -> {hex, json, atts: [hex...]} or {err}
"use strict";
const notepack = require("notepack.io");
const path = require("path");
// socket.io-parser (a dependency of socket.io) does not export binary.js.
const { reconstructPacket, deconstructPacket } = require(
  path.join(path.dirname(require.resolve("socket.io-parser")), "binary.js"),
);

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (c) => (input += c));
process.stdin.on("end", () => {
  const job = JSON.parse(input);
  const out = { encode: [], decode: [] };
  for (const e of job.encode || []) {
    try {
      const buffers = (e.atts || []).map((b) => Buffer.from(b, "base64"));
      const packet = reconstructPacket({ data: JSON.parse(e.js) }, buffers);
      out.encode.push({ hex: notepack.encode(packet.data).toString("hex") });
    } catch (err) {
      out.encode.push({ err: String(err) });
    }
  }
  for (const d of job.decode || []) {
    try {
      const bytes = d.hex !== undefined ? Buffer.from(d.hex, "hex") : notepack.encode(eval("(" + d.expr + ")"));
      const value = notepack.decode(bytes);
      const { packet, buffers } = deconstructPacket({ type: 2, nsp: "/", data: value });
      let json = JSON.stringify(packet.data);
      if (json === undefined) json = "null";
      out.decode.push({ hex: bytes.toString("hex"), json, atts: buffers.map((b) => Buffer.from(b).toString("hex")) });
    } catch (err) {
      out.decode.push({ err: String(err) });
    }
  }
  process.stdout.write(JSON.stringify(out));
});
