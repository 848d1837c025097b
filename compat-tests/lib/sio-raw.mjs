// Raw Engine.IO connections to a Socket.IO server (path /socket.io/), over a
// WebSocket or over polling with fetch, with one interface so a wire scenario
// can run on both transports:
//
//   const c = await openSio(url, "websocket" | "polling");
//   c.open                 // the Engine.IO open packet's JSON
//   await c.send("40", Buffer.from([1, 2]))   // text packets / binary attachments
//   await c.next()         // {data: "40{...}", isBinary: false} or {data: Buffer, isBinary: true}
//   await c.closed()       // resolves once the server ended the session
//   c.close()
//
// Text data is the Engine.IO packet as written on the wire (type digit
// included, so Socket.IO packets read "4..."); binary data is the raw bytes.
// Server pings ("2") are answered with "3" and hidden unless autoPong is false.
import { openWs, handshake, pollUrl, request, wsClosed, SIO_PATH } from "./raw.mjs";

export async function openSio(url, transport, opts = {}) {
  if (transport === "websocket") return openSioWs(url, opts);
  if (transport === "polling") return openSioPolling(url, opts);
  throw new Error(`unknown transport ${transport}`);
}

export async function openSioWs(url, { autoPong = true, path = SIO_PATH } = {}) {
  const h = await openWs(url, "EIO=4&transport=websocket", { path });
  const first = await h.next();
  if (first.isBinary || first.data[0] !== "0") throw new Error(`expected an open packet, got ${JSON.stringify(first.data)}`);
  const conn = {
    transport: "websocket",
    open: JSON.parse(first.data.slice(1)),
    ws: h.ws,
    autoPong,
    async send(...packets) {
      for (const p of packets) h.ws.send(p, { binary: typeof p !== "string" });
    },
    async next(ms = 3000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const m = await h.next(Math.max(1, deadline - Date.now()));
        if (!m.isBinary && m.data === "2" && conn.autoPong) {
          h.ws.send("3");
          continue;
        }
        return m;
      }
    },
    /** Resolves {code, reason} once the server closed the WebSocket. */
    closed(ms = 3000) {
      return wsClosed(h, ms);
    },
    close() {
      try { h.ws.terminate(); } catch {}
    },
  };
  return conn;
}

export async function openSioPolling(url, { autoPong = true, path = SIO_PATH } = {}) {
  const { sid, data } = await handshake(url, "EIO=4&transport=polling", { path });
  const u = pollUrl(url, sid, { path });
  const queue = [];
  let ended = null; // why the session is known to be over
  const encode = (p) => (typeof p === "string" ? p : "b" + Buffer.from(p).toString("base64"));
  const post = async (...packets) => {
    const res = await request(u, { method: "POST", body: packets.map(encode).join("\x1e"), headers: { "Content-Type": "text/plain;charset=UTF-8" } });
    if (res.status !== 200 || res.body !== "ok") throw new Error(`POST failed: ${res.status} ${JSON.stringify(res.body)}`);
  };
  // One GET; returns the packets it carried, or records the end of the session.
  const poll = async (ms) => {
    const res = await request(u, { timeoutMs: ms });
    if (res.status !== 200) {
      ended = { status: res.status, body: res.body };
      return [];
    }
    return res.body.split("\x1e").map((p) =>
      p[0] === "b" ? { data: Buffer.from(p.slice(1), "base64"), isBinary: true } : { data: p, isBinary: false },
    );
  };
  const conn = {
    transport: "polling",
    open: data,
    sid,
    autoPong,
    send: post,
    async next(ms = 3000) {
      const deadline = Date.now() + ms;
      while (!queue.length) {
        if (ended) throw new Error(`session ended while waiting for a packet: ${JSON.stringify(ended)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timeout: no polling packet within ${ms} ms`);
        let packets;
        try {
          packets = await poll(left);
        } catch (err) {
          if (err.name === "TimeoutError" || err.name === "AbortError") throw new Error(`timeout: no polling packet within ${ms} ms`);
          throw err;
        }
        for (const p of packets) {
          if (!p.isBinary && p.data === "2" && conn.autoPong) await post("3");
          else if (!p.isBinary && p.data === "1") ended = { closePacket: true };
          else queue.push(p);
        }
      }
      return queue.shift();
    },
    /**
     * Resolves once the server ended the session: a GET carrying the close
     * packet "1" ({closePacket: true}) or answered with an error status
     * ({status, body}). Packets received meanwhile (noops aside) are kept in
     * `skipped`.
     */
    async closed(ms = 3000) {
      const deadline = Date.now() + ms;
      const skipped = [];
      while (!ended) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timeout: polling session not closed within ${ms} ms`);
        let packets;
        try {
          packets = await poll(left);
        } catch (err) {
          if (err.name === "TimeoutError" || err.name === "AbortError") throw new Error(`timeout: polling session not closed within ${ms} ms`);
          throw err;
        }
        for (const p of packets) {
          if (!p.isBinary && p.data === "1") ended = { closePacket: true };
          else if (!p.isBinary && p.data === "2" && conn.autoPong) await post("3");
          else if (!p.isBinary && p.data === "6") continue; // noop
          else skipped.push(p);
        }
      }
      return { ...ended, skipped: [...queue.splice(0), ...skipped] };
    },
    close() {
      if (ended) return;
      ended = { closedByClient: true };
      request(u, { method: "POST", body: "1" }).catch(() => {});
    },
  };
  return conn;
}

/** Text packet helper: asserts the next message is text and returns it. */
export async function nextText(conn, ms) {
  const m = await conn.next(ms);
  if (m.isBinary) throw new Error(`expected a text packet, got binary ${m.data.toString("hex")}`);
  return m.data;
}

/** Binary helper: asserts the next message is binary and returns its bytes. */
export async function nextBinary(conn, ms) {
  const m = await conn.next(ms);
  if (!m.isBinary) throw new Error(`expected a binary packet, got text ${JSON.stringify(m.data)}`);
  return m.data;
}
