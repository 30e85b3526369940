// The settlement basis (R1.5): the manager sets the rates; a clerk opens a paid job's
// settlement from the job page, gives the customer a quotation (a negative hour is sent
// back naming the field, with what was typed kept), records the customer's acceptance,
// and downloads the month's settlement as CSV for finance.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { startServer, ADMIN_PASSWORD, PASSWORD } from "../lib/server.mjs";
import { launch, newPage, login, screenshot, openMenu } from "../lib/browser.mjs";
import { apiClient, signIn } from "../lib/field.mjs";

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

test("a quotation is given and accepted, the settlement shown and the month downloaded", async () => {
  const api = apiClient(server.url);
  const admin = await signIn(api, "admin", ADMIN_PASSWORD);
  await api("POST", "/api/v1/users", admin, { username: "boss", display_name: "周经理", role: "service_manager", password: PASSWORD });
  await api("POST", "/api/v1/product-models", admin, { code: "KYN28-12", name: "中置式开关柜", product_line: "switchgear" });
  const c = await api("POST", "/api/v1/customers", admin, { name: "萧山结算测试电力", address: "浙江省杭州市萧山区建设一路66号", contacts: [] });
  // Commissioned ten years ago: paid service.
  const unit = await api("POST", "/api/v1/units", admin, { customer_id: c.id, model_code: "KYN28-12", serial_no: "KYN-SET-1", commissioned_on: "2015-03-01" });
  const t = await api("POST", "/api/v1/tickets", admin, { kind: "repair", channel: "phone", customer_id: c.id, unit_id: unit.id, summary: "开关柜跳闸" });
  const job = await api("POST", `/api/v1/tickets/${t.id}/jobs`, admin, { contact_name: "王工", contact_phone: "138 0000 0000" });
  const tech = await signIn(api, "lijun");
  const me = await api("GET", "/api/v1/me", tech);
  await api("POST", `/api/v1/jobs/${job.id}/dispatch`, admin, { version: job.version, technician_ids: [me.id] });
  await api("POST", `/api/v1/jobs/${job.id}/arrive`, tech, {});
  // The crew's form: two hours on site, the customer's operation to blame.
  const form = await api("POST", `/api/v1/jobs/${job.id}/forms`, tech, {}, 201);
  const end = new Date();
  const start = new Date(end.getTime() - 2 * 3600_000);
  await api("PUT", `/api/v1/forms/${form.id}`, tech, {
    version: form.version, service_content: "更换断路器", responsibility: "customer_operation",
    started_at: start.toISOString(), ended_at: end.toISOString(),
  });

  // The manager sets the labour rate.
  const boss = await newPage(browser, server.url);
  await login(boss, "boss");
  await boss.goto("/settings/rates");
  await boss.fill("#labour_per_hour", "200");
  await Promise.all([boss.waitForURL(/\/settings\/rates\?done=1$/), boss.click("#save-rates")]);
  assert.equal(await boss.inputValue("#labour_per_hour"), "200.00");
  await screenshot(boss, "settlement-rates");

  // The clerk goes from the job page to its settlement.
  const clerk = await newPage(browser, server.url);
  await login(clerk, "wangli");
  await clerk.goto(`/field/jobs/${job.id}`);
  await Promise.all([clerk.waitForURL(/\/settlement$/), clerk.click("#link-settlement")]);
  assert.match(await clerk.textContent("#settlement-coverage"), /收费服务/);
  assert.match(await clerk.textContent("#settlement-responsibility"), /客户使用/);
  assert.match(await clerk.textContent("#settlement-lines"), /2 人·小时/);

  // A negative hour is sent back, naming the field and keeping what was typed.
  await clerk.fill("#part-0-description", "QF-1 断路器");
  await clerk.fill("#part-0-quantity", "2");
  await clerk.fill("#part-0-unit_price_fen", "120");
  await clerk.fill("#labour_hours", "-1");
  await clerk.fill("#travel_km", "40");
  await clerk.click("#give-quote");
  await clerk.waitForSelector("#labour_hours-error");
  assert.equal(await clerk.inputValue("#part-0-description"), "QF-1 断路器");
  await clerk.fill("#labour_hours", "2.5");
  await Promise.all([clerk.waitForURL(/done=quote/), clerk.click("#give-quote")]);
  // 2 × 120.00 + 2.5 h × 200.00 + 40 km × 3.00 = 860.00
  assert.equal((await clerk.textContent(".quote-total")).trim(), "860.00");

  // The customer accepts by signature.
  const quoteId = (await clerk.getAttribute("article.quote", "id")).replace("quote-", "");
  await clerk.fill(`#by_name-${quoteId}`, "王工");
  await clerk.selectOption(`#method-${quoteId}`, "signature");
  await Promise.all([clerk.waitForURL(/done=answer/), clerk.click(`#accept-${quoteId}`)]);
  assert.match(await clerk.textContent(`#quote-${quoteId}-answer`), /王工 以签字方式接受/);
  assert.equal(await clerk.locator(`#accept-${quoteId}`).count(), 0, "answered once");
  await screenshot(clerk, "settlement-job");

  // The month: the job is listed and downloads as CSV.
  await openMenu(clerk, "/settlements");
  await clerk.waitForSelector("#month-jobs");
  assert.match(await clerk.textContent("#month-jobs"), /萧山结算测试电力/);
  await screenshot(clerk, "settlement-month");
  const [csv] = await Promise.all([clerk.waitForEvent("download"), clerk.click("#export-csv")]);
  const day = new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });
  assert.equal(csv.suggestedFilename(), `结算-${day}.csv`);
  const text = (await readFile(await csv.path(), "utf8")).replace(/^\uFEFF/, "");
  const lines = text.trim().split(/\r\n/);
  assert.match(lines[0], /^工单号,作业号,日期,客户,型号,出厂编号,三包状态,责任,项目/);
  assert.ok(lines.slice(1).some((l) => l.includes(t.number) && l.includes("收费服务") && l.includes("工时,,2,人·小时")), text);

  // The same settlement in English.
  await clerk.goto(`/field/jobs/${job.id}/settlement`);
  await clerk.click("form.lang button[value=en]");
  await clerk.waitForSelector("html[lang^=en]");
  assert.match(await clerk.textContent("#settlement-coverage"), /Paid service/);
  await screenshot(clerk, "settlement-job-en");
});
