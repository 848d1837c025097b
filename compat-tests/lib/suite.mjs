// The fixture of a describe block.
import { before, after, afterEach } from "node:test";
import { startFixture } from "./fixture.mjs";
import { closeSockets } from "./sio.mjs";

/**
 * Starts a fixture (startFixture's options) before the block's tests and
 * stops it after them. Returns {url, fx, sockets}: url and fx are set once
 * it runs; the sockets pushed on `sockets` are closed after each test.
 */
export function fixtureSuite(opts) {
  const env = { url: "", fx: undefined, sockets: [] };
  before(async () => {
    env.fx = await startFixture(opts);
    env.url = env.fx.url;
  });
  afterEach(() => closeSockets(env.sockets));
  after(async () => {
    closeSockets(env.sockets);
    await env.fx?.stop();
  });
  return env;
}
