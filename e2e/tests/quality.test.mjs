// The monthly quality review (R7.1, R7.2): quality complaints become items by themselves, a
// follow-up's quality remark is made an item in one step; the quality engineer classifies
// each item, records its root cause and actions (a forgotten owner is named and nothing
// typed is lost), merges the same problem, cannot close the month while an item lacks its
// action, then closes it and verifies an action's effect; the month's report shows the
// causes, opens the items behind a figure, and prints on A4.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, ADMIN_PASSWORD, PASSWORD } from "../lib/server.mjs";
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

async function classify(page, { cause, responsibility, root, method }) {
  await page.fill("#cause", cause);
  await page.selectOption("#responsibility", responsibility);
  await page.fill("#root_cause", root);
  await page.selectOption("#method", method);
  await Promise.all([page.waitForURL(/\?saved=1$/), page.click("#quality-save")]);
}

async function addAction(page, { kind, text, department, due }) {
  await page.selectOption("#kind", kind);
  await page.fill("#description", text);
  await page.fill("#owner_department", department);
  await page.fill("#due_on", due);
  await Promise.all([page.waitForURL(/\?acted=1$/), page.click("#quality-add")]);
}

test("a quality engineer classifies, investigates and acts on every item, then closes the month", async () => {
  const { token: admin } = await api("POST", "/api/v1/sessions", null, { username: "admin", password: ADMIN_PASSWORD });
  await api("POST", "/api/v1/users", admin, { username: "zhouqe", display_name: "周质", role: "quality_engineer", password: PASSWORD });
  const { token: clerk } = await api("POST", "/api/v1/sessions", null, { username: "wangli", password: PASSWORD });
  const customer = await api("POST", "/api/v1/customers", clerk, {
    name: "萧山质量测试供电",
    address: "杭州市萧山区市心路200号",
    contacts: [{ name: "钱工", phone: "139 0571 4444" }],
  });
  const now = new Date().toISOString();
  for (const summary of ["KYN28 断路器合闸拒动", "环网柜 SF6 气压低报警"]) {
    await api("POST", "/api/v1/tickets", clerk, {
      kind: "complaint_quality", channel: "phone", customer_id: customer.id, received_at: now, summary,
    });
  }
  const fu = await api("POST", "/api/v1/follow-ups", clerk, {
    customer_id: customer.id, method: "phone", remarks: "断路器偶有合闸不成功", remark_class: "quality",
  });
  const month = new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" }).slice(0, 7);

  const page = await newPage(browser, server.url);
  await login(page, "zhouqe");
  // The follow-up's quality remark: made an item in one step.
  await page.goto(`/follow-ups/${fu.id}`);
  await Promise.all([page.waitForURL(/\/quality\/items\/\d+\?made=1$/), page.click("#fu-make-quality")]);
  await page.waitForSelector("#quality-notice");
  const remarkItem = page.url().match(/\/quality\/items\/(\d+)/)[1];
  assert.match(await page.inputValue("#summary"), /合闸不成功/);

  // The month's review lists every item; closing is refused while items lack action.
  await openMenu(page, "/quality");
  await page.waitForSelector("#quality-items");
  assert.equal(await page.locator("#quality-items tbody tr").count(), 3);
  assert.match(await page.textContent("#quality-blocked"), /3/);
  await Promise.all([page.waitForLoadState("load"), page.click("#quality-close")]);
  await page.waitForSelector("#quality-close-error");
  assert.equal(await page.locator("#quality-closed").count(), 0);
  await screenshot(page, "quality-review-blocked");

  const rows = page.locator("#quality-items tbody tr[data-status='open'] a[href^='/quality/items/']");
  const hrefs = [...new Set(await rows.evaluateAll((as) => as.map((a) => a.getAttribute("href"))))];
  assert.equal(hrefs.length, 3);
  const complaints = hrefs.filter((h) => !h.endsWith(`/${remarkItem}`));
  assert.equal(complaints.length, 2);

  // The first complaint: classified, investigated, acted upon; a forgotten owner named.
  await page.goto(complaints[0]);
  await classify(page, { cause: "操作机构润滑不足", responsibility: "manufacturing", root: "装配工序漏涂润滑脂，检验未覆盖", method: "method" });
  await page.selectOption("#kind", "corrective");
  await page.fill("#description", "装配工序增加润滑检查点");
  await page.fill("#due_on", "2030-12-31");
  await Promise.all([page.waitForLoadState("load"), page.click("#quality-add")]);
  await page.waitForSelector("#owner-error");
  assert.equal(await page.inputValue("#description"), "装配工序增加润滑检查点");
  await page.fill("#owner_department", "生产部");
  await Promise.all([page.waitForURL(/\?acted=1$/), page.click("#quality-add")]);
  assert.match(await page.textContent("#quality-actions"), /生产部/);
  // The remark is the same problem: merged into this item, it leaves the review.
  await page.fill("#items", remarkItem);
  await Promise.all([page.waitForURL(/\?merged=1$/), page.click("#quality-merge-button")]);
  assert.match(await page.textContent("#quality-merge"), /合闸不成功/);
  await screenshot(page, "quality-item");

  // Still one item without action: the month stays open.
  await page.goto(`/quality?month=${month}`);
  assert.match(await page.textContent("#quality-blocked"), /1/);
  await Promise.all([page.waitForLoadState("load"), page.click("#quality-close")]);
  await page.waitForSelector("#quality-close-error");

  // The second complaint.
  await page.goto(complaints[1]);
  await classify(page, { cause: "密封圈老化", responsibility: "purchased_component", root: "供应商密封圈批次硬度超差", method: "material" });
  await addAction(page, { kind: "preventive", text: "密封圈来料增加硬度抽检", department: "采购部", due: "2030-12-31" });
  // Its effect verified.
  const note = page.locator("#quality-actions input[name='note']").first();
  await note.fill("连续两批来料合格");
  await Promise.all([page.waitForURL(/\?verified=1$/), page.locator("#quality-actions button[id^='verify-']").first().click()]);
  assert.match(await page.textContent("#quality-actions"), /连续两批来料合格/);

  // Now the month closes, once.
  await page.goto(`/quality?month=${month}`);
  await page.waitForSelector("#quality-ready");
  await Promise.all([page.waitForURL(/closed=1/), page.click("#quality-close")]);
  await page.waitForSelector("#quality-closed");
  assert.equal(await page.locator("#quality-close").count(), 0);
  await screenshot(page, "quality-review");
  // The filter by status: the merged remark alone.
  await page.selectOption("#status", "merged");
  await Promise.all([page.waitForURL(/status=merged/), page.click("#quality-show")]);
  assert.equal(await page.locator("#quality-items tbody tr").count(), 1);

  // The monthly report for the departments: the menu opens the last whole month, one
  // click on to this one. The causes' Pareto shows the items just classified, and each
  // figure opens the items behind it.
  await Promise.all([page.waitForURL(/\/reports\/\d{4}-\d{2}$/), page.click("#nav-reports")]);
  if (!page.url().endsWith(`/reports/${month}`)) {
    await Promise.all([page.waitForURL(new RegExp(`/reports/${month}$`)), page.click("a[rel=next]")]);
  }
  await page.waitForSelector("#quality_causes svg.chart-pareto");
  const causes = page.locator("#quality_causes tbody tr");
  assert.match(await causes.first().textContent(), /制造/);
  const figure = page.locator("#quality_causes tbody tr.total td a").first();
  const count = Number(await figure.textContent());
  assert.ok(count >= 2, `the month's items: ${count}`);
  await Promise.all([page.waitForURL(/figure=quality_causes\.all\.items/), figure.click()]);
  assert.equal(await page.locator("tr[data-record]").count(), count);
  assert.equal(Number(await page.textContent("[data-total]")), count);
  await screenshot(page, "monthly-report-records");
  await Promise.all([page.waitForURL(new RegExp(`/reports/${month}`)), page.click("text=返回月度报告")]);
  // Two actions, one verified: one still open.
  assert.equal(await page.locator("#open_actions tbody tr.total td a").first().textContent(), "1");
  await screenshot(page, "monthly-report");
  // It prints on A4: the menus and buttons stay off the paper, every table on it.
  assert.equal(await page.locator("[data-print]").count(), 1);
  await page.emulateMedia({ media: "print" });
  assert.equal(await page.locator(".top .nav").isVisible(), false);
  assert.equal(await page.locator("[data-print]").isVisible(), false);
  assert.equal(await page.locator(".monthly-section").count(), 10);
  const pdf = await page.pdf({ format: "A4", printBackground: true });
  assert.ok(pdf.length > 10_000, "a printed report");
  await page.emulateMedia({ media: "screen" });
});
