// Poor connections (issue 8, part 9): the technician loses the network while filling the
// form; nothing typed is lost across a reload (the page comes from the service worker),
// the save waits on the phone and goes through when the network returns, and exactly one
// form is stored.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../lib/server.mjs";
import { launch, newPage, login, screenshot, PHONE } from "../lib/browser.mjs";
import { apiClient, signIn, manager, jobOnSite } from "../lib/field.mjs";

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

test("nothing typed is lost offline, and the queued save goes through once", async () => {
  const api = apiClient(server.url);
  const boss = await manager(api, "zhoujing", "周经理");
  const tech = await signIn(api, "lijun");
  const job = await jobOnSite(api, boss, tech, {
    customer: "富阳水泥厂", address: "浙江省杭州市富阳区银湖街道1号", summary: "配电室进线柜异响",
  });

  const phone = await newPage(browser, server.url, PHONE);
  const context = phone.context();
  await login(phone, "lijun");
  await phone.goto(`/field/jobs/${job.id}/form`);
  // The service worker keeps the page and its files.
  await phone.waitForSelector("html[data-offline-ready='1']", { state: "attached" });
  await phone.fill("[data-field=service_content]", "检查进线柜");

  await context.setOffline(true);
  await phone.fill("[data-field=fault_cause]", "母排连接螺栓松动");
  await phone.click("[data-add-part]");
  await phone.fill("[data-part] [data-p=name]", "M12 螺栓");
  await phone.fill("[data-part] [data-p=quantity]", "8");
  await phone.fill("[data-field=service_content]", "检查进线柜，紧固母排螺栓");

  await phone.reload();
  assert.equal(await phone.inputValue("[data-field=service_content]"), "检查进线柜，紧固母排螺栓");
  assert.equal(await phone.inputValue("[data-field=fault_cause]"), "母排连接螺栓松动");
  assert.equal(await phone.inputValue("[data-part] [data-p=name]"), "M12 螺栓");
  assert.equal(await phone.inputValue("[data-part] [data-p=quantity]"), "8");

  await phone.click("[data-save]");
  await phone.waitForSelector(".phone-status.is-queued");
  assert.match(await phone.textContent("[data-status]"), /网络恢复后/);
  await screenshot(phone, "field-form-offline");

  const sent = phone.waitForResponse((r) => r.request().method() === "PUT" && r.url().includes("/api/v1/forms/"));
  await context.setOffline(false);
  assert.equal((await sent).status(), 200);
  await phone.waitForSelector(".phone-status.is-ok");

  const forms = await api("GET", `/api/v1/jobs/${job.id}/forms`, boss);
  assert.equal(forms.items.length, 1, "exactly one form");
  const f = forms.items[0];
  assert.equal(f.service_content, "检查进线柜，紧固母排螺栓");
  assert.equal(f.fault_cause, "母排连接螺栓松动");
  assert.deepEqual(f.parts.map((p) => [p.name, p.quantity]), [["M12 螺栓", 8]]);
});
