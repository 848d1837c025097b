// A polling-only client (?transports=polling) chats with a default client,
// which upgrades to WebSocket; each page shows its transport.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";

import {
  assertNoPageErrors, browserSkipReason, expectAttr, expectMembers, expectMessage, expectStatus, expectText,
  launchBrowser, openChat, screenshot, sendMessage, startSiogoOnFreePort,
} from "../testlib/harness.mjs";

const skip = browserSkipReason();

describe("web demo: transports", { skip: skip || false, timeout: 45_000 }, () => {
  let server;
  let browser;

  before(async () => {
    server = await startSiogoOnFreePort({ nodeName: "transports" });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("a polling-only client chats with a websocket client", async () => {
    const polly = await openChat(browser, server, "polly", { query: { transports: "polling" } });
    const wendy = await openChat(browser, server, "wendy");
    try {
      // The default client starts on polling and upgrades.
      await expectAttr(wendy, "transport", "data-transport", "websocket");
      await expectText(wendy, "transport", /^websocket$/);
      await expectText(wendy, "log", /transport upgraded to websocket/);
      await expectText(polly, "transport", /^polling$/);
      await expectMembers(polly, ["polly", "wendy"]);

      const a = await sendMessage(polly, "sent over long-polling");
      await expectMessage(wendy, "polly", "sent over long-polling");
      assert.equal((await expectStatus(polly, a, "delivered")).text, "✓✓ delivered to 1");

      const b = await sendMessage(wendy, "sent over a websocket");
      await expectMessage(polly, "wendy", "sent over a websocket");
      assert.equal((await expectStatus(wendy, b, "delivered")).text, "✓✓ delivered to 1");

      // Still polling: a polling-only client never upgrades.
      assert.equal(await polly.getByTestId("transport").textContent(), "polling");
      assert.doesNotMatch(await polly.getByTestId("log").textContent(), /upgraded/);
      await screenshot(polly, "09-polling-client");
      await screenshot(wendy, "10-websocket-client");
      assertNoPageErrors(polly, wendy);
    } finally {
      await polly.context().close();
      await wendy.context().close();
    }
  });
});
