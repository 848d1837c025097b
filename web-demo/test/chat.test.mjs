// The chat on one siogo node: logging in, real-time messages with delivery
// receipts, the restricted room, presence and typing indicators.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";

import {
  assertNoPageErrors, browserSkipReason, expectAttr, expectMembers, expectMessage, expectNoText, expectState, expectStatus,
  expectText, expectVisible, launchBrowser, openChat, screenshot, sendMessage, startSiogoOnFreePort,
} from "../testlib/harness.mjs";

const skip = browserSkipReason();

describe("web demo: chat on one node", { skip: skip || false, timeout: 60_000 }, () => {
  let server;
  let browser;

  before(async () => {
    server = await startSiogoOnFreePort({ nodeName: "solo", args: ["--staff", "alice,admin"] });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("the login form refuses a bad name and accepts a good one", async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
    try {
      const page = await context.newPage();
      await page.goto(server.url);
      await expectVisible(page, "name-input");
      await expectState(page, "conn-state", "idle");
      await screenshot(page, "01-login");

      await page.getByTestId("name-input").fill("no<tags>");
      await page.getByTestId("login").click();
      await expectVisible(page, "login-error");
      await expectText(page, "login-error", /Cannot log in: a name is 1 to 32/);
      assert.equal(await page.getByTestId("name-input").getAttribute("aria-invalid"), "true");
      await screenshot(page, "02-login-refused");

      await page.getByTestId("name-input").fill("carol");
      await page.getByTestId("name-input").press("Enter");
      await expectState(page, "conn-state", "connected");
      await expectText(page, "me-name", /^carol$/);
      await expectText(page, "node", /^solo$/);
      await expectMembers(page, ["carol"]);
    } finally {
      await context.close();
    }
  });

  test("two users chat in real time; the sender sees ✓ then delivered to 1", async () => {
    const alice = await openChat(browser, server, "alice");
    const bob = await openChat(browser, server, "bob");
    try {
      await expectMembers(alice, ["alice", "bob"]);
      const id = await sendMessage(alice, "hello bob");
      await expectMessage(bob, "alice", "hello bob");
      const st = await expectStatus(alice, id, "delivered");
      assert.equal(st.text, "✓✓ delivered to 1");
      // The ✓ (server ack) came first, then the receipt.
      assert.equal(st.history, "sending sent delivered");

      const reply = await sendMessage(bob, "hi alice!");
      await expectMessage(alice, "bob", "hi alice!");
      assert.equal((await expectStatus(bob, reply, "delivered")).text, "✓✓ delivered to 1");
      // Nobody saw their own message come back as someone else's.
      assert.equal(await alice.locator('[data-testid="message"][data-from="alice"]').count(), 1);
      await screenshot(alice, "03-chat-alice");
      await screenshot(bob, "04-chat-bob");
      assertNoPageErrors(alice, bob);
    } finally {
      await alice.context().close();
      await bob.context().close();
    }
  });

  test("bob is refused the restricted staff room; alice (staff) joins it", async () => {
    const bob = await openChat(browser, server, "bob");
    const alice = await openChat(browser, server, "alice");
    try {
      await bob.getByTestId("room-staff").click();
      await expectVisible(bob, "join-error");
      await expectText(bob, "join-error", /#staff is restricted.*refused.*forbidden/);
      await expectAttr(bob, "room-staff", "data-status", "refused");
      await expectText(bob, "room-staff", /refused/);
      // Bob stays where he was, and can still chat there.
      await expectText(bob, "room-title", /^#lobby$/);
      await screenshot(bob, "05-staff-refused-bob");

      await alice.getByTestId("room-staff").click();
      await expectAttr(alice, "room-staff", "data-status", "joined");
      await expectText(alice, "room-title", /^#staff$/);
      await expectMembers(alice, ["alice"]);
      assert.equal(await alice.getByTestId("join-error").isHidden(), true);
      const id = await sendMessage(alice, "staff only");
      assert.equal((await expectStatus(alice, id, "delivered")).text, "✓✓ delivered to 0");
      await screenshot(alice, "06-staff-joined-alice");
      assertNoPageErrors(alice, bob);
    } finally {
      await alice.context().close();
      await bob.context().close();
    }
  });

  test("presence: bob sees alice come and go; typing indicator", async () => {
    const bob = await openChat(browser, server, "bob");
    const alice = await openChat(browser, server, "alice");
    try {
      await expectMembers(bob, ["alice", "bob"]);
      await expectText(bob, "presence-count", /^2$/);

      // alice types: bob sees it; alice sends: the indicator goes away.
      await alice.getByTestId("message-input").pressSequentially("hel");
      await expectText(bob, "typing", /^alice is typing…$/);
      await screenshot(bob, "07-typing-bob");
      await alice.getByTestId("message-input").blur();
      await expectNoText(bob, "typing", /alice/);

      // alice leaves the lobby, comes back, then closes her page.
      await alice.getByTestId("leave").click();
      await expectMembers(bob, ["bob"]);
      await expectText(bob, "messages", /alice left #lobby/);
      await alice.getByTestId("room-lobby").click();
      await expectMembers(bob, ["alice", "bob"]);
      await expectText(bob, "messages", /alice joined #lobby/);
      await alice.context().close();
      await expectMembers(bob, ["bob"]);
      await screenshot(bob, "08-presence-bob");
      assertNoPageErrors(alice, bob);
    } finally {
      await alice.context().close().catch(() => {});
      await bob.context().close();
    }
  });
});
