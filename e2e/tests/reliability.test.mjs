// Field reliability (R5.1): the service manager opens the reliability page from the menu,
// sees a model's failures by months in service as a chart with its early-life alarm and
// Weibull reading, opens the failures behind one bar, and gets a bad alarm setting named
// with what was typed kept.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, ADMIN_PASSWORD } from "../lib/server.mjs";
import { launch, newPage, login, screenshot, openMenu } from "../lib/browser.mjs";

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

test("a manager reads a model's reliability, its chart and alarm, and the failures behind a bar", async () => {
  const admin = (await api("POST", "/api/v1/sessions", null, { username: "admin", password: ADMIN_PASSWORD })).token;
  const customer = await api("POST", "/api/v1/customers", admin, {
    name: "嘉兴港区热电厂",
    address: "浙江省嘉兴市平湖市乍浦镇1号",
    contacts: [],
  });
  for (const [code, name] of [["KYN28-12", "中置式开关柜"], ["XGN15-12", "环网柜"]]) {
    await api("POST", "/api/v1/product-models", admin, { code, name, product_line: "switchgear" });
  }
  // KYN28-12: twelve units in service since 1 March 2024; failures early and late.
  const kyn = [];
  for (let i = 0; i < 12; i++) {
    kyn.push(await api("POST", "/api/v1/units", admin, {
      customer_id: customer.id, model_code: "KYN28-12", serial_no: `KYN-${100 + i}`, commissioned_on: "2024-03-01",
    }));
  }
  const xgn = [];
  for (let i = 0; i < 6; i++) {
    xgn.push(await api("POST", "/api/v1/units", admin, {
      customer_id: customer.id, model_code: "XGN15-12", serial_no: `XGN-${200 + i}`, commissioned_on: "2024-09-15",
    }));
  }
  const failures = [
    [kyn[0], "2024-03-10"], [kyn[1], "2024-03-25"], [kyn[2], "2024-05-02"],
    [kyn[3], "2024-11-20"], [kyn[4], "2025-04-08"], [xgn[0], "2025-06-01"],
  ];
  for (const [unit, on] of failures) {
    await api("POST", "/api/v1/tickets", admin, {
      kind: "repair", channel: "phone", customer_id: customer.id, unit_id: unit.id,
      received_at: `${on}T09:30:00+08:00`, summary: "柜内断路器拒合",
    });
  }

  const page = await newPage(browser, server.url);
  await login(page, "admin", ADMIN_PASSWORD);
  await openMenu(page, "/reliability");
  const row = page.locator(".reliability-table tbody tr", { hasText: "KYN28-12" });
  await assert.doesNotReject(row.waitFor());
  assert.match(await row.innerText(), /12/);
  assert.equal(await page.locator("#early-alarm").count(), 1, "the early-life alarm shows");
  assert.equal(await page.locator("svg.reliability-chart").count(), 2);
  await screenshot(page, "reliability-page");

  // Month 0 of KYN28-12 holds two failures: its bar opens them.
  const section = page.locator("section.reliability-model", { hasText: "KYN28-12" });
  await Promise.all([
    page.waitForURL(/\/reliability\/units\?model=KYN28-12&show=failures&month=0$/),
    section.locator("svg a").first().click(),
  ]);
  assert.equal(await page.locator(".reliability-units tbody tr").count(), 2);
  assert.match(await page.locator("h1").innerText(), /KYN28-12/);
  await screenshot(page, "reliability-behind");

  // A bad setting is named, what was typed is kept.
  await page.goto(`${server.url}/reliability`);
  await page.fill("#early_months", "30");
  await Promise.all([page.waitForURL(/early_months=30/), page.click("#early-setting button[type=submit]")]);
  assert.equal(await page.locator("#early_months").inputValue(), "30");
  assert.equal(await page.locator(".field-error").count(), 1);

  // The warranty cost per model, this year and the four before: repairs without a signed
  // form cost nothing yet, and the page says so; each year is one click away.
  await Promise.all([page.waitForURL(/\/reliability\/warranty$/), page.click("#warranty-cost")]);
  const year = String(new Date().getFullYear());
  assert.equal(await page.locator(".page-head nav a[aria-current=page]").innerText(), year);
  await page.waitForSelector("#warranty-models");
  await Promise.all([page.waitForURL(new RegExp(`year=${Number(year) - 1}`)), page.click(`text=${Number(year) - 1}`)]);
  await page.waitForSelector("#warranty-models");
});
