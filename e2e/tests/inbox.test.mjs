// Where notifications go: the bell in the header counts unread messages; the inbox lists
// them newest first; opening one goes to what it is about and marks it read, "mark all
// read" clears the bell. The administrator's settings page: mail server and a DingTalk
// robot saved with their secrets, which are never shown again; a bad port is named with
// what was typed kept; the robot's test message reaches a receiver on loopback, signed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createHmac } from "node:crypto";
import { startServer, ADMIN_PASSWORD, METRICS_TOKEN } from "../lib/server.mjs";
import { launch, newPage, login, screenshot, PHONE, openMenu } from "../lib/browser.mjs";

let server;
let browser;
let hooks;
const calls = [];
const SECRET = "SECe2e-dingtalk-secret-0042";
const SMTP_PASSWORD = "e2e-smtp-pa55word";

before(async () => {
  server = await startServer();
  browser = await launch();
  // A DingTalk robot on loopback: records each call and whether its signature is right.
  hooks = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const q = new URL(req.url, "http://x").searchParams;
      const ts = q.get("timestamp");
      const want = createHmac("sha256", SECRET).update(`${ts}\n${SECRET}`).digest("base64");
      calls.push({ signed: q.get("sign") === want, body: JSON.parse(body) });
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ errcode: 0, errmsg: "ok" }));
    });
  });
  await new Promise((ok) => hooks.listen(0, "127.0.0.1", ok));
});

after(async () => {
  await browser?.close();
  await server?.stop();
  hooks?.close();
});

/** Wait until the signed-in page's inbox holds `n` unread messages (the outbox runner
 * delivers within seconds). */
async function unreadBecomes(page, n) {
  // Polls as waitForFunction does (each animation frame), with the fetch awaited.
  const ok = await page.evaluate(async (want) => {
    const until = Date.now() + 15_000;
    while (Date.now() < until) {
      const html = await (await fetch("/inbox")).text();
      if (want === 0 ? !html.includes("data-unread=") : html.includes(`data-unread="${want}"`)) return true;
      await new Promise((r) => requestAnimationFrame(r));
    }
    return false;
  }, n);
  assert.ok(ok, `the inbox never held ${n} unread messages`);
}

test("the bell counts unread messages; opening one and marking all read bring it down", async () => {
  const page = await newPage(browser, server.url);
  await login(page, "admin", ADMIN_PASSWORD);
  assert.equal(await page.locator(".bell-count").count(), 0, "nothing unread yet");
  await openMenu(page, "/settings/notifications");
  for (let i = 0; i < 2; i++) {
    await Promise.all([page.waitForURL(/done=notice/), page.click("#test-notice-form button")]);
  }
  await unreadBecomes(page, 2);
  await page.reload();
  assert.equal((await page.textContent(".bell-count")).trim().slice(0, 1), "2");

  await Promise.all([page.waitForURL(/\/inbox$/), page.click("a.bell")]);
  assert.equal(await page.locator(".inbox-item").count(), 2);
  assert.equal(await page.locator(".inbox-item.unread").count(), 2);
  assert.match(await page.textContent("[data-unread-text]"), /2 条未读/);
  await screenshot(page, "inbox-desktop");

  // Opening one goes to the page it is about, and the bell goes down to 1.
  await Promise.all([
    page.waitForURL(/\/settings\/notifications$/),
    page.click(".inbox-item >> nth=0 >> button[name=open]"),
  ]);
  assert.match((await page.textContent(".bell-count")).trim(), /^1/);
  await page.goto("/inbox");
  assert.equal(await page.locator(".inbox-item.unread").count(), 1);

  await Promise.all([page.waitForURL(/done=all/), page.click("form[action='/inbox/read-all'] button")]);
  assert.equal(await page.locator(".bell-count").count(), 0);
  assert.equal(await page.locator(".inbox-item.unread").count(), 0);
  assert.match(await page.textContent("[data-unread-text]"), /全部已读/);

  const phone = await newPage(browser, server.url, PHONE);
  await login(phone, "admin", ADMIN_PASSWORD);
  await phone.goto("/settings/notifications");
  await Promise.all([phone.waitForURL(/done=notice/), phone.click("#test-notice-form button")]);
  await unreadBecomes(phone, 1);
  await phone.goto("/inbox");
  await screenshot(phone, "inbox-phone");
});

test("the administrator saves mail and a robot; secrets are never shown again", async () => {
  const page = await newPage(browser, server.url);
  await login(page, "admin", ADMIN_PASSWORD);
  await page.goto("/settings/notifications");

  // A bad port: named, what was typed kept, the password not put back.
  await page.fill("#host", "smtp.exmail.qq.com");
  await page.fill("#port", "99999");
  await page.selectOption("#security", "tls");
  await page.fill("#username", "service@example.com");
  await page.fill("#password", SMTP_PASSWORD);
  await page.fill("#from_address", "service@example.com");
  await Promise.all([page.waitForLoadState("load"), page.click("#mail-form button[type=submit]")]);
  assert.match(await page.textContent("#error-summary"), /端口/);
  assert.equal(await page.inputValue("#port"), "99999");
  assert.equal(await page.inputValue("#host"), "smtp.exmail.qq.com");
  assert.equal(await page.inputValue("#password"), "");
  await page.fill("#port", "465");
  await page.fill("#password", SMTP_PASSWORD);
  await Promise.all([page.waitForURL(/done=mail/), page.click("#mail-form button[type=submit]")]);
  assert.match(await page.textContent("label[for=password]"), /已设置/);
  assert.equal(await page.inputValue("#password"), "");

  // A DingTalk robot for the department's group, with its signing secret.
  await page.selectOption("#robot_kind", "dingtalk");
  await page.fill("#robot_name", "售后值班群");
  const port = hooks.address().port;
  await page.fill("#robot_url", `http://127.0.0.1:${port}/robot/send?access_token=e2e-token`);
  await page.fill("#robot_secret", SECRET);
  await Promise.all([page.waitForURL(/done=robot/), page.click("#robot-form button[type=submit]")]);
  const row = page.locator("tr[data-robot]", { hasText: "售后值班群" });
  assert.match(await row.textContent(), /已设置/);
  assert.match(await row.textContent(), /部门群/);
  assert.equal(await page.inputValue("#robot_secret"), "");
  const html = await page.content();
  for (const secret of [SECRET, SMTP_PASSWORD, "e2e-token"]) {
    assert.ok(!html.includes(secret), `${secret} is in the page`);
  }
  await screenshot(page, "notify-settings-desktop");

  // The robot's test message reaches the receiver, signed.
  await Promise.all([page.waitForURL(/done=robot_test/), row.locator("form[action$='/test'] button").click()]);
  // Event-driven: the receiver's next request, or give up after 15 s.
  const reached = await Promise.race([
    new Promise((ok) => (calls.length ? ok(true) : hooks.once("request", (_req, res) => res.on("finish", () => ok(true))))),
    new Promise((ok) => setTimeout(() => ok(false), 15_000).unref()),
  ]);
  if (!reached) console.log(await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text());
  assert.ok(reached, "the robot was never called");
  assert.equal(calls.length, 1);
  assert.equal(calls[0].signed, true);
  assert.equal(calls[0].body.msgtype, "markdown");

  const phone = await newPage(browser, server.url, PHONE);
  await login(phone, "admin", ADMIN_PASSWORD);
  await phone.goto("/settings/notifications");
  await screenshot(phone, "notify-settings-phone");

  // Someone else may not see the page.
  const clerk = await newPage(browser, server.url);
  await login(clerk, "wangli");
  const r = await clerk.goto("/settings/notifications");
  assert.equal(r.status(), 403);
  assert.equal(await clerk.locator("a[href='/settings/notifications']").count(), 0);
});
