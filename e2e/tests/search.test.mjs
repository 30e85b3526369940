// Finding a customer by phone, however the number was written, on the list and on the
// intake form.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../lib/server.mjs";
import { launch, newPage, login, addCustomer } from "../lib/browser.mjs";

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

test("a customer is found by phone number", async () => {
  const page = await newPage(browser, server.url);
  await login(page, "wangli");
  await addCustomer(page, { name: "宁波北仑港务配电站", address: "浙江省宁波市北仑区", contact: "孙工", phone: "0574-8765 4321" });
  await addCustomer(page, { name: "上海闵行机电", address: "上海市闵行区", contact: "周工", phone: "021-5555 0000" });

  await page.goto("/customers");
  await page.fill("#q", "87654321");
  await Promise.all([page.waitForURL(/q=87654321/), page.click("form.filters button[type=submit]")]);
  const rows = page.locator("table.customers tbody tr");
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().textContent(), /宁波北仑港务配电站/);
  assert.match(await rows.first().textContent(), /浙江省内/);

  await page.goto("/tickets/new");
  await page.fill("#cq", "0574 87654321");
  await page.click("#customer-results [role=option]");
  assert.match(await page.textContent("#picked"), /宁波北仑港务配电站/);
  assert.match(await page.textContent("#picked"), /6 小时/);
  await page.context().close();
});
