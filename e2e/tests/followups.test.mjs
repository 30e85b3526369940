// The salesperson's monthly follow-ups (R3.1) on a phone, and the month-end collation: the
// salesperson sees this month's customer due and last month's overdue, records a visit in a
// minute (a forgotten class is named and nothing typed is lost), and turns the quality
// remark into a ticket in one tap; the department opens last month's collation, closes the
// month and downloads the report as CSV.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
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

/** The month before this one on the company calendar, `YYYY-MM`. */
function lastMonth() {
  const [y, m] = new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" }).split("-").map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
}

test("a salesperson records a follow-up whose remark becomes a ticket; the month is closed and exported", async () => {
  const { token: admin } = await api("POST", "/api/v1/sessions", null, { username: "admin", password: ADMIN_PASSWORD });
  const { token: sales } = await api("POST", "/api/v1/sessions", null, { username: "zhaomin", password: PASSWORD });
  const me = await api("GET", "/api/v1/me", sales, undefined, 200);
  const customer = await api("POST", "/api/v1/customers", admin, {
    name: "滨江回访测试电力",
    address: "杭州市滨江区江南大道100号",
    salesperson_id: me.id,
    contacts: [{ name: "孙工", phone: "139 0571 3333" }],
  });
  // The customer has been in the archive for months (no page backdates a customer).
  const days70 = 70 * 24 * 3600 * 1000;
  const r = spawnSync("sqlite3", [
    server.database,
    `UPDATE customers SET created_at = created_at - ${days70} WHERE id = ${customer.id};
     UPDATE customer_salespeople SET from_at = from_at - ${days70} WHERE customer_id = ${customer.id};`,
  ]);
  assert.equal(r.status, 0, String(r.stderr));

  // The salesperson's phone: due this month, overdue from last month.
  const phone = await newPage(browser, server.url, PHONE);
  await login(phone, "zhaomin");
  assert.equal(await phone.locator("#nav-follow-ups").count(), 1);
  await phone.goto("/follow-ups");
  await phone.waitForSelector("#fu-due");
  assert.match(await phone.textContent("#fu-due"), /滨江回访测试电力/);
  assert.match(await phone.textContent("#fu-overdue"), /滨江回访测试电力/);
  await screenshot(phone, "followups-phone-month");
  await Promise.all([phone.waitForURL(/\/follow-ups\/new\?customer=/), phone.click("#fu-due a")]);
  assert.equal(await phone.textContent("#fu-customer"), "滨江回访测试电力");
  await phone.fill("#met", "孙工（设备科）");
  await phone.fill("#usage", "两台开关柜运行正常，负荷约60%");
  await phone.fill("#remarks", "3号柜柜门密封条老化，雨天有渗水");
  await phone.fill("#requests", "希望年底前安排一次操作培训");
  // The class forgotten: named, and everything typed kept.
  await Promise.all([phone.waitForLoadState("load"), phone.click("#fu-submit")]);
  await phone.waitForSelector("#remark_class-error");
  assert.equal(await phone.inputValue("#remarks"), "3号柜柜门密封条老化，雨天有渗水");
  assert.equal(await phone.inputValue("#met"), "孙工（设备科）");
  await screenshot(phone, "followups-phone-form-error");
  await phone.selectOption("#remark_class", "quality");
  await screenshot(phone, "followups-phone-form");
  await Promise.all([phone.waitForURL(/\/follow-ups\/\d+\?saved=1$/), phone.click("#fu-submit")]);
  await phone.waitForSelector("#fu-saved");
  // The remark becomes a ticket in one tap.
  await Promise.all([phone.waitForURL(/\?made=1$/), phone.click("#fu-make-ticket")]);
  const number = (await phone.textContent("#fu-ticket")).trim();
  assert.match(number, /\d/);
  assert.equal(await phone.locator("#fu-make-ticket").count(), 0);
  await screenshot(phone, "followups-phone-ticket-made");
  const list = await api("GET", "/api/v1/tickets?limit=50", admin, undefined, 200);
  const items = list.items ?? list;
  const made = items.find((t) => t.summary === "3号柜柜门密封条老化，雨天有渗水");
  assert.ok(made, JSON.stringify(items).slice(0, 500));
  assert.equal(made.kind, "complaint_quality");
  // Back on the month: done.
  await phone.goto("/follow-ups");
  assert.match(await phone.textContent("#fu-done"), /滨江回访测试电力/);

  // The department closes last month and downloads its report.
  const desk = await newPage(browser, server.url);
  await login(desk, "wangli");
  const month = lastMonth();
  await desk.goto(`/collation?month=${month}`);
  await desk.waitForSelector("#collation-coverage");
  assert.match(await desk.textContent("#collation-missing"), /滨江回访测试电力/);
  assert.match(await desk.textContent("#collation-coverage"), /赵敏/);
  await screenshot(desk, "followups-collation");
  await Promise.all([desk.waitForURL(/closed=1/), desk.click("#collation-close")]);
  assert.match(await desk.textContent("#collation-closed"), /王丽/);
  assert.equal(await desk.locator("#collation-close").count(), 0);
  const [csv] = await Promise.all([desk.waitForEvent("download"), desk.click("#export-csv")]);
  const day = new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });
  assert.equal(csv.suggestedFilename(), `客户回访-${day}.csv`);
  const text = (await readFile(await csv.path(), "utf8")).replace(/^\uFEFF/, "");
  assert.match(text.split(/\r\n/)[0], /^日期,客户,业务员,方式,会见人员/);
  // This month's collation lists the remark under quality and the open request.
  await desk.goto("/collation");
  assert.match(await desk.textContent("#collation-remarks"), /密封条老化/);
  assert.match(await desk.textContent("#collation-requests"), /操作培训/);
  await screenshot(desk, "followups-collation-this-month");
});
