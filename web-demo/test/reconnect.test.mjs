// The server dies (SIGKILL) and comes back on the same port: the page shows
// it is reconnecting, with the attempt number and the backoff delay, then
// reconnects by itself (with a fresh token), re-joins its rooms and chats.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";

import {
  assertNoPageErrors, browserSkipReason, expectAttr, expectMembers, expectMessage, expectState, expectStatus, expectText,
  launchBrowser, openChat, screenshot, sendMessage, startSiogoOnFreePort,
} from "../testlib/harness.mjs";

const skip = browserSkipReason();

// A short backoff keeps the test quick: 300 ms, 600 ms, 1.2 s, then 1.5 s.
const query = { reconnectionDelay: "300", reconnectionDelayMax: "1500" };

describe("web demo: reconnection", { skip: skip || false, timeout: 60_000 }, () => {
  let server;
  let browser;

  before(async () => {
    server = await startSiogoOnFreePort({ nodeName: "phoenix" });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("the page reconnects by itself after the server is killed and restarted", async () => {
    const alice = await openChat(browser, server, "alice", { query });
    const bob = await openChat(browser, server, "bob", { query });
    try {
      await bob.getByTestId("room-random").click();
      await expectAttr(bob, "room-random", "data-status", "joined");
      await expectMembers(alice, ["alice", "bob"]);

      await server.stop({ kill: true });

      // Reconnecting, with the attempt number and the backoff shown; wait
      // for a second attempt to see the delay grow.
      await expectState(alice, "conn-state", "reconnecting");
      await expectText(alice, "conn-detail", /Connection lost\. Reconnection attempt \d+ .*backoff \d+ ms/);
      await expectAttr(alice, "conn-state", "data-attempt", /^([2-9]|\d{2,})$/, { timeout: 8000 });
      await expectText(alice, "conn-state", /^reconnecting · attempt \d+$/);
      await expectText(alice, "conn-detail", /Last error: /);
      assert.equal(await alice.getByTestId("message-input").isDisabled(), true);
      await screenshot(alice, "13-reconnecting");

      await server.start(); // same port, same node name and secret
      await expectState(alice, "conn-state", "connected", { timeout: 8000 });
      await expectState(bob, "conn-state", "connected", { timeout: 8000 });
      await expectText(alice, "log", /reconnect after \d+ attempts?/);
      await expectText(alice, "node", /^phoenix$/);
      assert.equal(await alice.getByTestId("conn-banner").isHidden(), true);

      // Rooms were re-joined: presence and chat work again.
      await expectMembers(alice, ["alice", "bob"]);
      await expectAttr(bob, "room-random", "data-status", "joined");
      const id = await sendMessage(alice, "back again");
      // bob is looking at #random: the lobby counts it as unread.
      await expectText(bob, "room-lobby", /1$/);
      await bob.getByTestId("room-lobby").click();
      await expectMessage(bob, "alice", "back again");
      assert.equal((await expectStatus(alice, id, "delivered")).text, "✓✓ delivered to 1");
      await screenshot(alice, "14-reconnected");
      assertNoPageErrors(alice, bob);
    } finally {
      await alice.context().close();
      await bob.context().close();
    }
  });
});

describe("web demo: short-lived tokens", { skip: skip || false, timeout: 45_000 }, () => {
  let server;
  let browser;

  before(async () => {
    // Tokens live 1 s; the server disconnects a socket when its token
    // expires (after a 5 s leeway), and the page connects again with a
    // fresh one from its auth function.
    server = await startSiogoOnFreePort({ nodeName: "ttl", args: ["--token-ttl", "1s"] });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("the page reconnects with a fresh token when the server ends the session", async () => {
    const alice = await openChat(browser, server, "alice");
    const bob = await openChat(browser, server, "bob");
    try {
      await expectText(alice, "log", /disconnect: io server disconnect/, { timeout: 10_000 });
      await expectText(alice, "log", /reconnecting with a fresh token/);
      await expectState(alice, "conn-state", "connected", { timeout: 5000 });
      await expectMembers(bob, ["alice", "bob"], { timeout: 5000 });
      const id = await sendMessage(alice, "still here");
      await expectMessage(bob, "alice", "still here");
      await expectStatus(alice, id, "delivered");
      assertNoPageErrors(alice, bob);
    } finally {
      await alice.context().close();
      await bob.context().close();
    }
  });
});
