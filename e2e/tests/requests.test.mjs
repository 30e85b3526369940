// Service requests (R4.1–R4.3): a salesperson files one on a phone from a customer's plant
// (their own customer, found by a search; contact prefilled; a problem forgotten is named and
// nothing typed is lost); the service clerk opens it at the desk and sends someone: the
// ticket's on-site job is opened with the request's contact, and the salesperson sees it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, ADMIN_PASSWORD, PASSWORD } from "../lib/server.mjs";
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

async function api(method, path, token, body, want = 201) {
  const r = await fetch(`${server.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  assert.equal(r.status, want, `${method} ${path}: ${text}`);
  return JSON.parse(text);
}

test("a salesperson files a request on a phone; the clerk sends someone", async () => {
  const { token: admin } = await api("POST", "/api/v1/sessions", null, { username: "admin", password: ADMIN_PASSWORD });
  const { token: sales } = await api("POST", "/api/v1/sessions", null, { username: "zhaomin", password: PASSWORD });
  const me = await api("GET", "/api/v1/me", sales, undefined, 200);
  const customer = await api("POST", "/api/v1/customers", admin, {
    name: "萧山临江变电所",
    address: "杭州市萧山区临江工业园区纬五路1号",
    salesperson_id: me.id,
    contacts: [{ name: "陈工", phone: "139 0571 2222" }],
  });
  // Another salesperson's customer: not offered.
  await api("POST", "/api/v1/customers", admin, { name: "萧山另一家", address: "杭州市萧山区市心路2号", contacts: [] });
  await api("POST", "/api/v1/product-models", admin, { code: "KYN28A-12", name: "铠装移开式交流金属封闭开关设备", product_line: "中压开关柜" });
  const unit = await api("POST", "/api/v1/units", admin, {
    customer_id: customer.id,
    model_code: "KYN28A-12",
    serial_no: "SB2025-0007",
    shipped_on: "2026-01-05",
    commissioned_on: "2026-02-01",
  });

  // The salesperson, on a phone in the customer's plant.
  const phone = await newPage(browser, server.url, PHONE);
  await login(phone, "zhaomin");
  await phone.goto("/requests");
  await Promise.all([phone.waitForURL(/\/requests\/new$/), phone.click("a[href='/requests/new']")]);
  await phone.fill("#q", "萧山");
  await Promise.all([phone.waitForURL(/q=/), phone.click(".request-search button[type=submit]")]);
  const offered = await phone.locator(".request-customers li").allTextContents();
  assert.equal(offered.length, 1, offered.join(" | "));
  assert.match(offered[0], /萧山临江变电所/);
  await Promise.all([phone.waitForURL(/customer_id=/), phone.click(".request-customers a")]);
  // The contact comes from the customer's archive.
  assert.equal(await phone.inputValue("#contact_name"), "陈工");
  assert.equal(await phone.inputValue("#contact_phone"), "139 0571 2222");
  await phone.selectOption("#unit_id", String(unit.id));
  await phone.click("label[for=kind-repair]");
  await screenshot(phone, "request-phone-form");
  // The problem forgotten: named, and everything typed kept.
  await Promise.all([phone.waitForLoadState("load"), phone.click(".request-actions button[type=submit]")]);
  await phone.waitForSelector("#problem-error");
  assert.equal(await phone.inputValue("#unit_id"), String(unit.id));
  assert.ok(await phone.isChecked("#kind-repair"));
  assert.equal(await phone.inputValue("#contact_name"), "陈工");
  await screenshot(phone, "request-phone-form-error");
  await phone.fill("#problem", "2号进线柜断路器跳闸后无法合闸，面板报“储能未到位”");
  await Promise.all([phone.waitForURL(/\/requests\/\d+\?saved=filed$/), phone.click(".request-actions button[type=submit]")]);
  const requestPath = new URL(phone.url()).pathname;
  assert.match(await phone.textContent(".notice-ok"), /已提交/);
  assert.match(await phone.textContent("[data-request-status]"), /新申请/);
  await screenshot(phone, "request-phone-filed");

  // The clerk at the desk: the new request first, its unit's coverage, and sends someone.
  const clerk = await newPage(browser, server.url);
  await login(clerk, "wangli");
  await clerk.goto("/requests");
  await Promise.all([clerk.waitForURL(/\/requests\/\d+$/), clerk.click(".request-card a.strong")]);
  assert.equal(new URL(clerk.url()).pathname, requestPath);
  assert.match(await clerk.textContent("main"), /SB2025-0007/);
  await screenshot(clerk, "request-desk-detail");
  await Promise.all([clerk.waitForURL(/\?saved=sent$/), clerk.click("form[action$='/job'] button")]);
  assert.match(await clerk.textContent("[data-request-job]"), /等待派工/);
  assert.ok(await clerk.isVisible("[data-dispatch-link]"));
  // The job is on the ticket, with the request's contact.
  const ticketHref = await clerk.getAttribute("[data-ticket-link]", "href");
  const ticketId = ticketHref.split("/").pop();
  const { token: clerkToken } = await api("POST", "/api/v1/sessions", null, { username: "wangli", password: PASSWORD });
  const jobs = await api("GET", `/api/v1/jobs?ticket_id=${ticketId}`, clerkToken, undefined, 200);
  assert.equal(jobs.items.length, 1);
  assert.equal(jobs.items[0].contact_name, "陈工");
  assert.equal(jobs.items[0].contact_phone, "139 0571 2222");
  await clerk.goto(ticketHref);
  assert.match(await clerk.textContent("main"), /业务员转达/);

  // The salesperson's list says someone is sent.
  await phone.goto("/requests");
  const card = await phone.textContent(".request-card");
  assert.match(card, /已派人/);
  assert.match(card, /等待派工/);
  await screenshot(phone, "request-phone-list");
});
