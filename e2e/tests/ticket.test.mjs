// A ticket's page: dispatch the emergency's technician, check in on site, and see the
// arrival deadline met, with both steps on the timeline.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../lib/server.mjs";
import { launch, newPage, login, addCustomer, recordContact } from "../lib/browser.mjs";

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("dispatch and check-in meet an emergency's arrival deadline", async () => {
  const clerk = await newPage(browser, server.url);
  await login(clerk, "wangli");
  const customer = await addCustomer(clerk, {
    name: "余杭仓前变电所",
    address: "杭州市余杭区仓前街道良睦路1399号",
    contact: "刘师傅",
    phone: "13805710001",
  });
  const ticket = await recordContact(clerk, customer, { kind: "emergency", summary: "低压柜失电" });

  // A technician sees no dispatch form; the clerk does.
  const tech = await newPage(browser, server.url);
  await login(tech, "lijun");
  await tech.goto(ticket);
  assert.equal(await tech.locator("#action-dispatch").count(), 0);
  assert.equal(await tech.locator("#action-check_in").count(), 0, "not dispatched yet");

  await clerk.goto(ticket);
  await clerk.selectOption("#f-dispatch", { label: "李军 · 技术员" });
  await Promise.all([clerk.waitForURL(/\?done=dispatch$/), clerk.click("#action-dispatch button[type=submit]")]);
  assert.match(await clerk.textContent(".status-lg"), /已派工/);

  await tech.goto(ticket);
  await Promise.all([tech.waitForURL(/\?done=check_in$/), tech.click("#action-check_in button[type=submit]")]);
  assert.match(await tech.textContent(".notice-ok"), /已记录：到场签到/);
  assert.equal((await tech.textContent(".deadline-card .dl-state")).trim(), "按时完成");
  assert.match(await tech.textContent(".status-lg"), /已到场/);
  const timeline = await tech.textContent("#timeline");
  assert.match(timeline, /派工/);
  assert.match(timeline, /到场签到/);
  assert.match(timeline, /已派工\s*→\s*已到场/);

  await clerk.goto("/");
  assert.equal(await clerk.locator("#by-deadline tbody tr", { hasText: "余杭仓前变电所" }).count(), 0);
  await clerk.context().close();
  await tech.context().close();
});
