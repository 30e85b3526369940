// The service desk's main path, in Chinese: sign in, add a Hangzhou customer, record an
// emergency for it, and see its arrival deadline on the desk.
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

test("signing in leads to the service desk", async () => {
  const page = await newPage(browser, server.url);
  await page.goto("/tickets");
  assert.match(page.url(), /\/login\?next=%2Ftickets$/);
  await login(page, "wangli");
  assert.equal(new URL(page.url()).pathname, "/tickets");
  await page.goto("/");
  assert.equal((await page.textContent("main h1")).trim(), "服务台");
  assert.match(await page.textContent(".who-name"), /王丽/);
  await page.context().close();
});

test("a Hangzhou customer's emergency shows its arrival deadline on the desk", async () => {
  const page = await newPage(browser, server.url);
  await login(page, "wangli");
  const customer = await addCustomer(page, {
    name: "杭州西湖配电工程有限公司",
    address: "浙江省杭州市西湖区文三路478号",
    contact: "陈工",
    phone: "0571-8888 6666",
  });
  assert.equal((await page.textContent(".region-line .badge")).trim(), "杭州市区");
  assert.match(await page.textContent("main"), /西湖区/);

  const ticket = await recordContact(page, customer, {
    kind: "emergency",
    summary: "10kV 进线柜跳闸，整厂停电，客户不会合闸",
    unit: "KYN28A-12 #2 柜",
  });
  assert.match(await page.textContent(".notice-ok"), /已登记为工单 SB\d{8}/);
  assert.match(await page.textContent(".deadline-card"), /到场时限/);

  await page.goto("/");
  const row = page.locator("#by-deadline tbody tr", { hasText: "杭州西湖配电工程有限公司" });
  assert.equal(await row.count(), 1);
  const text = await row.textContent();
  assert.match(text, /到场时限/);
  assert.match(text, /即将到期/);
  assert.match(text, /还剩 (60|59) 分钟|还剩 1 小时/);
  assert.equal((await page.textContent("#fig-due-soon")).trim(), "1");
  assert.equal(await row.locator(`a[href='${ticket}']`).count(), 1);
  await page.context().close();
});

test("a deadline counts down on the page without reloading", async () => {
  const page = await newPage(browser, server.url);
  await page.clock.install();
  await login(page, "wangli");
  const customer = await addCustomer(page, {
    name: "拱墅区某商场配电房",
    address: "杭州市拱墅区湖墅南路",
    contact: "郑工",
    phone: "0571-8502 0000",
  });
  const ticket = await recordContact(page, customer, { kind: "emergency", summary: "商场全部停电" });
  await page.goto(ticket);
  const card = page.locator(".deadline-card .dl");
  assert.match(await card.textContent(), /即将到期/);
  await page.clock.fastForward("01:02:00");
  await page.waitForFunction(() => document.querySelector(".deadline-card .dl").classList.contains("dl-breached"));
  assert.match(await card.textContent(), /已超时\s*超时 [123] 分钟/);
  await page.context().close();
});
