// The client bundle served under /socket.io/ (Node's serveClient, on by
// default): pages load <script src="/socket.io/socket.io.js"> from the
// server they talk to. Each target must answer with the files of the
// socket.io package, with Node's headers, ETag and 304s.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import zlib from "node:zlib";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { targets } from "../lib/fixture.mjs";
import { fixtureSuite } from "../lib/suite.mjs";

const require = createRequire(import.meta.url);
const DIST = path.join(path.dirname(require.resolve("socket.io/package.json")), "client-dist");
const VERSION = require("socket.io/package.json").version;

/** A raw request: status, headers and the body decoded by its Content-Encoding. */
function request(url, { method = "GET", headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        let body = Buffer.concat(chunks);
        const enc = res.headers["content-encoding"];
        if (enc === "gzip") body = zlib.gunzipSync(body);
        else if (enc === "deflate") body = zlib.inflateSync(body);
        else if (enc === "br") body = zlib.brotliDecompressSync(body);
        resolve({ status: res.statusCode, headers: res.headers, body });
      });
    });
    req.setTimeout(5000, () => req.destroy(new Error(`no answer from ${url} within 5000 ms`)));
    req.on("error", reject);
    req.end();
  });
}

for (const target of targets()) {
  describe(`${target}: the client bundle under /socket.io/`, () => {
    const env = fixtureSuite({ target, mode: "socketio-scenarios" });

    const files = fs.readdirSync(DIST);
    it("serves every file of the package's client-dist", () => assert.equal(files.length, 8));
    for (const file of files) {
      it(`${file}: the package's bytes, with Node's headers`, async () => {
        const res = await request(`${env.url}/socket.io/${file}`);
        assert.equal(res.status, 200);
        assert.equal(res.headers["content-type"], `application/${file.endsWith(".map") ? "json" : "javascript"}; charset=utf-8`);
        assert.equal(res.headers.etag, `"${VERSION}"`);
        assert.equal(res.headers["cache-control"], "public, max-age=0");
        assert.equal(res.headers["content-encoding"], undefined);
        assert.ok(res.body.equals(fs.readFileSync(path.join(DIST, file))), "the body is the package's file");
      });
    }

    // What browsers and curl send; "br" alone is where Go differs: it has no
    // brotli writer and sends the file as it is.
    const encodings = [
      ["gzip, deflate, br, zstd", "gzip"],
      ["deflate, gzip, br, zstd", "deflate"],
      ["gzip;q=0.5, deflate;q=0.9", "deflate"],
      ["identity", undefined],
      ["br", target === "node" ? "br" : undefined],
    ];
    for (const [accept, want] of encodings) {
      it(`Accept-Encoding: ${accept} → ${want ?? "identity"}`, async () => {
        const res = await request(`${env.url}/socket.io/socket.io.min.js?v=2`, { headers: { "accept-encoding": accept } });
        assert.equal(res.status, 200);
        assert.equal(res.headers["content-encoding"], want);
        assert.ok(res.body.equals(fs.readFileSync(path.join(DIST, "socket.io.min.js"))));
      });
    }

    for (const etag of [`"${VERSION}"`, `W/"${VERSION}"`]) {
      it(`If-None-Match: ${etag} → 304 without a body`, async () => {
        const res = await request(`${env.url}/socket.io/socket.io.js`, { headers: { "if-none-match": etag } });
        assert.equal(res.status, 304);
        assert.equal(res.body.length, 0);
      });
    }

    it("HEAD: the headers, no body", async () => {
      const res = await request(`${env.url}/socket.io/socket.io.js`, { method: "HEAD" });
      assert.equal(res.status, 200);
      assert.equal(res.headers.etag, `"${VERSION}"`);
      assert.equal(res.body.length, 0);
    });

    for (const p of ["/socket.io/socket.io.msgpack.js", "/socket.io/socket.io.js/", "/socket.io/socket%2Eio.js", "/socket.io/client.js"]) {
      it(`${p}: not a client file, the engine answers 400 Transport unknown`, async () => {
        const res = await request(`${env.url}${p}`);
        assert.equal(res.status, 400);
        assert.deepEqual(JSON.parse(res.body), { code: 0, message: "Transport unknown" });
      });
    }
  });
}
