// R3.2: a salesperson records a delivery through to acceptance on a phone — shipped with a
// packing list of two lines and a unit, arrived, counted one line short, accepted with the
// customer's name — and the board no longer shows it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, ADMIN_PASSWORD } from "../lib/server.mjs";
import { launch, newPage, login, screenshot, PHONE } from "../lib/browser.mjs";

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

/** An API call as the admin. */
async function api(token, method, path, body) {
  const r = await fetch(`${server.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await r.json();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

test("a salesperson records a delivery through to acceptance", async () => {
  // The company's data: a product model, and a customer assigned to 赵敏.
  const { token } = await api(null, "POST", "/api/v1/sessions", { username: "admin", password: ADMIN_PASSWORD });
  await api(token, "POST", "/api/v1/product-models", { code: "KYN28A-12", name: "中置式开关柜", product_line: "中压开关柜" });
  const users = await api(token, "GET", "/api/v1/users");
  const zhaomin = (users.items ?? users).find((u) => u.username === "zhaomin");
  await api(token, "POST", "/api/v1/customers", {
    name: "宁波港务集团",
    address: "浙江省宁波市北仑区明州路1号",
    contacts: [],
    salesperson_id: zhaomin.id,
  });

  const page = await newPage(browser, server.url, PHONE);
  await login(page, "zhaomin");
  await page.goto("/deliveries");
  assert.match(await page.textContent(".empty"), /没有待验收的发货/);
  await page.click("a[href='/deliveries/new']");
  await page.selectOption("#customer_id", { label: "宁波港务集团" });
  await page.fill("#site_address", "浙江省宁波市北仑区明州路1号 2号变电所");
  await page.fill("[name='lines[0].model_code']", "KYN28A-12");
  await page.fill("[name='lines[0].description']", "中置柜");
  await page.fill("[name='lines[0].quantity']", "2");
  await page.fill("[name='lines[1].description']", "备品备件箱");
  await page.fill("[name='lines[1].quantity']", "1");
  await page.fill("[name='units[0].model_code']", "KYN28A-12");
  await page.fill("[name='units[0].serial_no']", "sb-2026-0001");

  // Without the delivery-note number: the form comes back naming it, with what was typed.
  await Promise.all([page.waitForLoadState("load"), page.click("form.form button[type=submit]")]);
  assert.match(await page.textContent("#error-summary"), /发货单号/);
  assert.equal(await page.inputValue("[name='lines[1].description']"), "备品备件箱");
  assert.equal(await page.inputValue("[name='units[0].serial_no']"), "sb-2026-0001");
  await page.fill("#reference", "DN-2026-0042");
  await Promise.all([page.waitForURL(/\/deliveries\/\d+$/), page.click("form.form button[type=submit]")]);
  const delivery = new URL(page.url()).pathname;
  assert.match(await page.textContent(".badge-lg"), /已发货/);
  assert.match(await page.textContent("main"), /SB-2026-0001/);

  // Arrived on site; the board shows it with how long it has waited.
  await Promise.all([page.waitForURL(delivery), page.click(".delivery-step-form button[type=submit]")]);
  assert.match(await page.textContent(".badge-lg"), /已到现场/);
  await page.goto("/deliveries");
  const card = page.locator(".delivery-card", { hasText: "宁波港务集团" });
  assert.equal(await card.count(), 1);
  assert.match(await card.textContent(), /发货已 \d+/);
  await screenshot(page, "deliveries-board-phone");

  // Counted: one line short, with a note.
  await Promise.all([page.waitForURL(delivery), card.locator("a").click()]);
  assert.equal(await page.inputValue("[name='lines[0].received']"), "2", "the packing list's quantity to start from");
  await page.fill("[name='lines[0].received']", "1");
  await page.fill("[name='lines[0].note']", "少一台，已通知仓库补发");
  await screenshot(page, "deliveries-count-phone");
  await Promise.all([page.waitForURL(delivery), page.click(".delivery-step-form button[type=submit]")]);
  assert.match(await page.textContent(".badge-lg"), /已开箱清点/);
  assert.match(await page.textContent("tr.delivery-short"), /短缺 1/);

  // Accepted, with the customer's name; the unit is covered from today.
  await page.click(".delivery-step-form button[type=submit]");
  await page.waitForSelector("#confirmed_by-error");
  await page.fill("#confirmed_by", "李工");
  await Promise.all([page.waitForURL(delivery), page.click(".delivery-step-form button[type=submit]")]);
  assert.match(await page.textContent(".badge-lg"), /已验收/);
  assert.match(await page.textContent(".delivery-facts"), /李工/);
  assert.equal(await page.locator(".delivery-step-form").count(), 0, "no step after acceptance");
  const today = new Intl.DateTimeFormat("sv-SE", { timeZone: "Asia/Shanghai" }).format(new Date());
  assert.match(await page.textContent("main"), new RegExp(`SB-2026-0001[\\s\\S]*${today}`));
  await screenshot(page, "deliveries-accepted-phone");

  await page.goto("/deliveries");
  assert.equal(await page.locator(".delivery-card").count(), 0);
  await page.context().close();
});
