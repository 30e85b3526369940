// The installed base: a clerk adds a unit through its form, opens its page and sees its
// coverage today with the reason and its history (a ticket naming it appears there), loads
// its QR label and prints a sheet of labels.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, ADMIN_PASSWORD, PASSWORD } from "../lib/server.mjs";
import { launch, newPage, login, addCustomer, screenshot, PHONE } from "../lib/browser.mjs";

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

async function api(method, path, token, body) {
  const r = await fetch(`${server.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}

async function token(username, password) {
  return (await api("POST", "/api/v1/sessions", null, { username, password })).token;
}

test("a clerk opens a unit and sees its coverage and history", async () => {
  const admin = await token("admin", ADMIN_PASSWORD);
  await api("POST", "/api/v1/product-models", admin, { code: "KYN28A-12", name: "中置式开关柜", product_line: "switchgear" });

  const clerk = await newPage(browser, server.url);
  await login(clerk, "wangli");
  const customer = await addCustomer(clerk, {
    name: "宁波北仑港务公司",
    address: "浙江省宁波市北仑区明州路8号",
    contact: "陈工",
    phone: "13805740001",
  });

  // The unit form: find the customer, choose the model, type the serial number and dates.
  await clerk.goto("/units");
  await Promise.all([clerk.waitForURL(/\/units\/new$/), clerk.click("a[href='/units/new']")]);
  await clerk.fill("#cq", "北仑港务");
  await Promise.all([clerk.waitForLoadState("load"), clerk.click("#unit-search-customer")]);
  assert.match(await clerk.textContent("#customer_id"), /宁波北仑港务公司/);
  await clerk.selectOption("#model_code", "KYN28A-12");
  await clerk.fill("#serial_no", "sb2025-0042");
  await clerk.fill("#site_address", "浙江省宁波市北仑区港区一路1号 1号变电所");
  await clerk.fill("#shipped_on", "2025-03-01");
  await clerk.fill("#accepted_on", "2025-03-20");
  // A commissioning date in the future is refused, by name, with everything kept.
  await clerk.fill("#commissioned_on", "2099-04-01");
  await Promise.all([clerk.waitForLoadState("load"), clerk.click("#unit-save")]);
  assert.match(await clerk.textContent("#commissioned_on-error"), /./);
  assert.equal(await clerk.inputValue("#serial_no"), "sb2025-0042");
  await clerk.fill("#commissioned_on", "2025-04-01");
  await Promise.all([clerk.waitForURL(/\/units\/\d+\?saved=1$/), clerk.click("#unit-save")]);
  const unitPath = new URL(clerk.url()).pathname;
  const unitId = Number(unitPath.split("/").pop());

  // A ticket naming the unit, through the API.
  const wangli = await token("wangli", PASSWORD);
  const customerId = Number(customer.split("/").pop());
  const t = await api("POST", "/api/v1/tickets", wangli, {
    kind: "repair",
    channel: "phone",
    customer_id: customerId,
    unit_id: unitId,
    summary: "柜门联锁卡死，无法合闸",
  });

  await clerk.goto(unitPath);
  assert.match(await clerk.textContent("h1"), /SB2025-0042/);
  assert.match(await clerk.textContent(".coverage-kind"), /保修期内/);
  assert.match(await clerk.textContent(".coverage-reason"), /2025-04-01/);
  assert.match(await clerk.textContent(".coverage-dates"), /2027-03-31/);
  const history = await clerk.textContent(".life-timeline");
  for (const want of [/建档/, /发货/, /客户验收/, /投运/, /柜门联锁卡死/]) assert.match(history, want);
  assert.equal(await clerk.locator(`.life-timeline a[href='/tickets/${t.id}']`).count(), 1);
  await screenshot(clerk, "unit-page-desktop");

  // On a phone the same page reads top to bottom, the coverage first.
  const phone = await newPage(browser, server.url, PHONE);
  await login(phone, "wangli");
  await phone.goto(unitPath);
  assert.ok(await phone.locator(".coverage-kind").isVisible());
  await screenshot(phone, "unit-page-phone");
  await phone.context().close();

  // The customer's page lists its sites and the unit.
  await clerk.goto(customer);
  assert.match(await clerk.textContent("#sites"), /港区一路1号/);
  assert.equal(await clerk.locator(`#units a[href='${unitPath}']`).count(), 1);
  await screenshot(clerk, "customer-sites-units");

  // The ticket's page shows where to go and the coverage it recorded.
  await clerk.goto(`/tickets/${t.id}`);
  assert.match(await clerk.textContent(".ticket-place"), /港区一路1号/);
  assert.match(await clerk.textContent(".ticket-place"), /保修期内/);

  // The label loads as SVG; the label sheet shows it, ready for A4.
  const label = await clerk.request.get(`${unitPath}/label.svg`);
  assert.equal(label.status(), 200);
  assert.match(label.headers()["content-type"], /image\/svg\+xml/);
  const svg = await label.text();
  assert.ok(svg.includes("<svg"), svg);
  assert.ok(svg.includes("SB2025-0042"));

  await clerk.goto(unitPath);
  await Promise.all([clerk.waitForURL(/\/units\/labels\?ids=/), clerk.click("#print-label")]);
  assert.equal(await clerk.locator(".label-sheet svg.unit-label").count(), 1);
  await screenshot(clerk, "unit-labels-sheet");
  await clerk.emulateMedia({ media: "print" });
  assert.equal(await clerk.locator("header.top").isVisible(), false, "no navigation when printed");
  await screenshot(clerk, "unit-labels-print");
  await clerk.context().close();
});
