// Two siogo nodes on one real redis-server: users on different nodes see
// each other's messages, receipts, typing and presence; each page shows
// the node that serves it.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";

import { haveRedis, startRedis } from "../../compat-tests/lib/redis.mjs";
import { until } from "../../compat-tests/lib/wait.mjs";
import {
  assertNoPageErrors, browserSkipReason, expectMembers, expectMessage, expectNoText, expectStatus, expectText,
  launchBrowser, openChat, screenshot, sendMessage, startSiogoOnFreePort,
} from "../testlib/harness.mjs";

const skip = browserSkipReason() ||
  (haveRedis() ? "" : "redis-server is not installed (make deps installs it with apt-get): the two-node browser test is skipped");

describe("web demo: two nodes on one Redis", { skip: skip || false, timeout: 60_000 }, () => {
  let redis;
  let nodes = [];
  let browser;

  before(async () => {
    redis = await startRedis();
    nodes = await Promise.all(["node-a", "node-b"].map((nodeName) =>
      startSiogoOnFreePort({ nodeName, args: ["--redis", redis.url] })));
    // Cluster requests (presence, receipts) wait for one answer per node:
    // wait until both nodes listen on the request channel.
    await until(async () => {
      const r = await redis.command("PUBSUB", "NUMSUB", "socket.io-request#/#");
      return Number(r?.[1]) === nodes.length;
    }, 10_000, "both nodes subscribed to the request channel");
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await Promise.all(nodes.map((n) => n.stop()));
    await redis?.stop();
  });

  test("users on different nodes chat and see each other", async () => {
    const [a, b] = nodes;
    const alice = await openChat(browser, a, "alice");
    const bob = await openChat(browser, b, "bob");
    try {
      await expectText(alice, "node", /^node-a$/);
      await expectText(bob, "node", /^node-b$/);

      // Presence spans the cluster.
      await expectMembers(alice, ["alice", "bob"]);
      await expectMembers(bob, ["alice", "bob"]);

      const m1 = await sendMessage(alice, "hello from node-a");
      await expectMessage(bob, "alice", "hello from node-a");
      // bob's ack travels back through Redis.
      assert.equal((await expectStatus(alice, m1, "delivered")).text, "✓✓ delivered to 1");

      const m2 = await sendMessage(bob, "hello from node-b");
      await expectMessage(alice, "bob", "hello from node-b");
      assert.equal((await expectStatus(bob, m2, "delivered")).text, "✓✓ delivered to 1");

      await bob.getByTestId("message-input").pressSequentially("typing across");
      await expectText(alice, "typing", /^bob is typing…$/);

      await screenshot(alice, "11-cluster-alice-node-a");
      await screenshot(bob, "12-cluster-bob-node-b");

      // bob goes away: alice's node learns it from bob's node.
      await bob.context().close();
      await expectMembers(alice, ["alice"]);
      await expectNoText(alice, "typing", /bob/);
      assertNoPageErrors(alice, bob);
    } finally {
      await alice.context().close();
      await bob.context().close().catch(() => {});
    }
  });
});
