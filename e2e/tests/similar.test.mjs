// Similar past cases (issue 11, part 5): a quality complaint resolved becomes a case; a
// clerk opening a new fault on a unit of the same model sees it on the ticket's page with
// its cause and how it was solved, and opens it with one click.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, ADMIN_PASSWORD, PASSWORD } from "../lib/server.mjs";
import { launch, newPage, login, screenshot } from "../lib/browser.mjs";

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

async function step(token, t, body) {
  return api("POST", `/api/v1/tickets/${t.id}/events`, token, { ...body, version: t.version });
}

test("a new fault shows how the same model's fault was solved before", async () => {
  const admin = await token("admin", ADMIN_PASSWORD);
  const clerk = await token("wangli", PASSWORD);
  await api("POST", "/api/v1/product-models", admin, { code: "KYN28A-12", name: "铠装移开式开关柜", product_line: "switchgear" });
  const customer = await api("POST", "/api/v1/customers", clerk, {
    name: "湖州南浔纺织厂",
    address: "浙江省湖州市南浔区练市镇1号",
    contacts: [{ name: "沈工", phone: "13905720001" }],
  });
  const unit = await api("POST", "/api/v1/units", clerk, {
    customer_id: customer.id,
    model_code: "KYN28A-12",
    serial_no: "KYN-2025-0107",
    commissioned_on: "2025-04-01",
  });
  // Last month's complaint on the same model, resolved.
  let old = await api("POST", "/api/v1/tickets", clerk, {
    kind: "complaint_quality",
    channel: "phone",
    customer_id: customer.id,
    unit_id: unit.id,
    summary: "10kV断路器合闸时拒合，无法送电",
  });
  old = await step(clerk, old, { type: "give_opinion", opinion: "派员检查合闸回路" });
  old = await step(clerk, old, { type: "resolve", resolution: "合闸线圈烧毁，更换合闸线圈后试合三次正常，恢复送电" });
  // Another customer's unrelated case: not shown.
  await api("POST", "/api/v1/tickets", clerk, {
    kind: "repair",
    channel: "phone",
    customer_id: customer.id,
    summary: "变压器温控器显示异常",
  });
  // Today's new fault.
  const fault = await api("POST", "/api/v1/tickets", clerk, {
    kind: "repair",
    channel: "phone",
    customer_id: customer.id,
    unit_id: unit.id,
    summary: "断路器拒合",
  });

  const page = await newPage(browser, server.url);
  await login(page, "wangli");
  await page.goto(`/tickets/${fault.id}`);
  const panel = page.locator("#similar-cases");
  await panel.waitFor();
  assert.match(await panel.locator("h2").innerText(), /相似历史案例/);
  const cases = panel.locator(".similar-case");
  assert.equal(await cases.count(), 1);
  const first = await cases.first().innerText();
  assert.match(first, /10kV断路器合闸时拒合/);
  assert.match(first, /更换合闸线圈/);
  assert.match(first, /同型号/);
  await panel.scrollIntoViewIfNeeded();
  await screenshot(page, "similar-cases-ticket");

  // One click to the past case; a finished ticket shows no panel.
  await Promise.all([page.waitForURL(`**/tickets/${old.id}`), cases.first().locator("a").first().click()]);
  assert.equal(await page.locator("#similar-cases").count(), 0);
  await page.context().close();
});
