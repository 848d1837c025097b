// Node reference fixture for the siogo compat tests.
//
// Same command line as the Go fixture (compat-tests/fixture):
//   node compat-tests/node-fixture/main.mjs --mode engineio-echo \
//     [--addr 127.0.0.1:0] [--ping-interval MS] [--ping-timeout MS] [--max-payload BYTES]
//
// Prints "listening on http://HOST:PORT" as the first line of stdout, then serves
// until killed. Modes live in ./modes/<mode>.mjs and export
// `async function start(httpServer, options)`.
import http from "node:http";
import process from "node:process";

const MODES = {
  "engineio-echo": () => import("./modes/engineio-echo.mjs"),
  "socketio-protocol": () => import("./modes/socketio-protocol.mjs"),
  "socketio-scenarios": () => import("./modes/socketio-scenarios.mjs"),
  "socketio-cluster": () => import("./modes/socketio-cluster.mjs"),
};

const USAGE = `usage: main.mjs --mode MODE [--addr HOST:PORT] [--ping-interval MS] [--ping-timeout MS] [--max-payload BYTES]
       [--connect-timeout MS] [--recovery] [--redis URL] [--redis-mode classic|sharded] [--parser default|msgpack]
modes: ${Object.keys(MODES).join(", ")}`;

function fail(msg) {
  process.stderr.write(`${msg}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    mode: undefined,
    addr: "127.0.0.1:0",
    pingInterval: 25000,
    pingTimeout: 20000,
    maxPayload: 1000000,
    connectTimeout: 45000,
    recovery: false,
    redis: undefined,
    redisMode: "classic",
    parser: "default",
  };
  const flags = {
    "--mode": (v) => (opts.mode = v),
    "--addr": (v) => (opts.addr = v),
    "--ping-interval": (v) => (opts.pingInterval = int(v, "--ping-interval")),
    "--ping-timeout": (v) => (opts.pingTimeout = int(v, "--ping-timeout")),
    "--max-payload": (v) => (opts.maxPayload = int(v, "--max-payload")),
    "--connect-timeout": (v) => (opts.connectTimeout = int(v, "--connect-timeout")),
    "--redis": (v) => (opts.redis = v),
    "--redis-mode": (v) => {
      if (v !== "classic" && v !== "sharded") fail(`invalid value for --redis-mode: ${v}`);
      opts.redisMode = v;
    },
    "--parser": (v) => {
      if (v !== "default" && v !== "msgpack") fail(`invalid value for --parser: ${v}`);
      opts.parser = v;
    },
  };
  // Boolean flags take no value (Go-style --flag=true / --flag=false accepted).
  const bools = {
    "--recovery": (v) => (opts.recovery = v),
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    if (arg === "-h" || arg === "--help" || arg === "-help") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    let value;
    const eq = arg.indexOf("=");
    if (arg.startsWith("-") && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg.startsWith("-") && !arg.startsWith("--")) arg = "-" + arg; // accept Go-style -flag
    if (bools[arg]) {
      if (value !== undefined && value !== "true" && value !== "false") fail(`invalid value for ${arg}: ${value}`);
      bools[arg](value !== "false");
      continue;
    }
    const set = flags[arg];
    if (!set) fail(`unknown argument: ${argv[i]}`);
    if (value === undefined) {
      if (i + 1 >= argv.length) fail(`missing value for ${arg}`);
      value = argv[++i];
    }
    set(value);
  }
  return opts;
}

function int(v, name) {
  if (!/^\d+$/.test(v)) fail(`invalid value for ${name}: ${v}`);
  return Number(v);
}

const opts = parseArgs(process.argv.slice(2));
if (!opts.mode) fail("missing --mode");
if (!MODES[opts.mode]) fail(`unknown mode: ${opts.mode}`);

const m = /^(.*):(\d+)$/.exec(opts.addr);
if (!m) fail(`invalid --addr: ${opts.addr}`);
const host = m[1].replace(/^\[(.*)\]$/, "$1") || "127.0.0.1";
const port = Number(m[2]);

// Requests that do not belong to the Engine.IO / Socket.IO server get a 404
// instead of hanging forever.
const httpServer = http.createServer((req, res) => {
  res.writeHead(404, { "Content-Type": "text/plain" });
  res.end("not found");
});

// --redis: every Socket.IO mode runs on @socket.io/redis-adapter (see
// sio-options.mjs), with node-redis clients connected before the server starts.
if (opts.redis) {
  const { redisAdapter } = await import("./redis.mjs");
  opts.adapter = await redisAdapter(opts.redis, opts.redisMode);
}

const mode = await MODES[opts.mode]();
await mode.start(httpServer, opts);

httpServer.listen(port, host, () => {
  const a = httpServer.address();
  const h = a.family === "IPv6" || a.family === 6 ? `[${a.address}]` : a.address;
  process.stdout.write(`listening on http://${h}:${a.port}\n`);
});

// Die like an unhandled SIGTERM would (no graceful Engine.IO close), but with
// exit code 0 so harnesses can tell a clean stop from a crash.
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
