// The manager's board (R6.1–R6.3): the service manager opens the board, filters it to
// breached deadlines, sees the emergency whose arrival is overdue, records why it was
// breached, opens the month's figures, follows the arrival figure to the tickets behind
// it, and downloads the open deadlines as CSV. Screenshots at the desk and on a phone.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
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

test("the manager filters the board, records a breach's cause, follows a monthly figure and downloads the list", async () => {
  const { token: admin } = await api("POST", "/api/v1/sessions", null, { username: "admin", password: ADMIN_PASSWORD });
  await api("POST", "/api/v1/users", admin, {
    username: "zhougang",
    display_name: "周刚",
    role: "service_manager",
    password: PASSWORD,
  });
  const urban = await api("POST", "/api/v1/customers", admin, {
    name: "杭州钱江电气",
    address: "浙江省杭州市上城区解放路100号",
    contacts: [],
  });
  const far = await api("POST", "/api/v1/customers", admin, {
    name: "成都锦城配电",
    address: "四川省成都市武侯区人民南路四段1号",
    contacts: [],
  });
  // An emergency received three hours ago in Hangzhou: its arrival is breached. Others run.
  const threeHoursAgo = new Date(Date.now() - 3 * 3600_000).toISOString();
  const late = await api("POST", "/api/v1/tickets", admin, {
    kind: "emergency", channel: "phone", customer_id: urban.id, received_at: threeHoursAgo,
    summary: "10kV 进线柜跳闸，全厂停电",
  });
  await api("POST", "/api/v1/tickets", admin, {
    kind: "emergency", channel: "phone", customer_id: far.id, summary: "环网柜 SF6 气压低报警",
  });
  await api("POST", "/api/v1/tickets", admin, {
    kind: "complaint_quality", channel: "phone", customer_id: urban.id, summary: "断路器合闸异响",
  });
  await api("POST", "/api/v1/tickets", admin, {
    kind: "consultation", channel: "phone", customer_id: far.id, summary: "询问保护定值设置",
  });

  const page = await newPage(browser, server.url);
  await login(page, "zhougang");
  await page.click("nav.nav a[href='/board']");
  await page.waitForURL(/\/board$/);
  assert.match(await page.textContent("h1"), /期限看板/);
  assert.equal(await page.textContent(".board-count-breached .figure-n"), "1");
  await screenshot(page, "board-desktop");

  // Filter to breached: only the late emergency is left.
  await page.selectOption("#state", "breached");
  await Promise.all([page.waitForURL(/state=breached/), page.click("form.filters button[type=submit]")]);
  const rows = page.locator("table.board-lines tbody tr");
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().textContent(), new RegExp(late.number));
  assert.match(await rows.first().textContent(), /超期|超时/);

  // The CSV of the filtered list.
  const [csv] = await Promise.all([page.waitForEvent("download"), page.click("a.export:has-text('导出 CSV')")]);
  const text = readFileSync(await csv.path(), "utf8");
  assert.match(text, new RegExp(late.number));
  assert.equal(text.trim().split(/\r?\n/).length, 2, "the header and the one breached deadline");

  // The month: the breach, and its cause recorded.
  await page.click("a:has-text('月度统计')");
  await page.waitForURL(/\/board\/months\/\d{4}-\d{2}$/);
  assert.match(await page.textContent(".board-definition"), /按时率/);
  await screenshot(page, "board-month-desktop");
  await page.click(`#breaches a[href="/board/causes/${late.id}/arrival"]`);
  await page.selectOption("#category", "other");
  await page.click("form.form button[type=submit]");
  assert.match(await page.textContent("#note-error"), /说明/);
  await page.selectOption("#category", "no_technician_free");
  await page.fill("#note", "两名技术员都在萧山现场");
  await Promise.all([page.waitForURL(/\/board\/months\/\d{4}-\d{2}#breaches$/), page.click("form.form button[type=submit]")]);
  const breach = page.locator("#breaches tbody tr").first();
  assert.match(await breach.textContent(), /无空闲技术员/);
  assert.match(await breach.textContent(), /两名技术员都在萧山现场/);

  // The arrival figure's "late" count opens the tickets behind it.
  const arrival = page.locator("table.board-figures tr", { hasText: "到场" }).first();
  await Promise.all([page.waitForURL(/deadlines\?kind=arrival&outcome=late/), arrival.locator("a.late-link").click()]);
  const behind = page.locator("table.board-month-lines tbody tr");
  assert.equal(await behind.count(), 1);
  assert.match(await behind.first().textContent(), new RegExp(late.number));

  // At a phone's width.
  const phone = await newPage(browser, server.url, PHONE);
  await login(phone, "zhougang");
  await phone.goto("/board");
  await screenshot(phone, "board-phone");
  await phone.goto(page.url().replace(/\/deadlines.*$/, ""));
  await screenshot(phone, "board-month-phone");
});
