// Training records (R1.6, R1.7) and the document library: the clerk records a staff
// training with its attendees (a forgotten trainer is named and what was typed is kept),
// sees who is still missing a required topic, the manager adds a product manual for a
// model and publishes a version of it, and the technician sees it among the documents of
// a job on that model, on a phone, and downloads it. Then the manager shortens a
// requirement's period on the settings page and sees the missing list follow, reads the
// page in English, the clerk records a customer training by finding the customer, and the
// manager retires a document.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { startServer } from "../lib/server.mjs";
import { launch, newPage, login, screenshot, PHONE, openMenu, switchLanguage } from "../lib/browser.mjs";
import { apiClient, signIn, manager } from "../lib/field.mjs";

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

/** The company's date (Asia/Shanghai) `days` from today, as YYYY-MM-DD. */
function shanghaiDate(days = 0) {
  return new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}

test("a staff training is recorded, gaps are listed, a manual is published and found on a job", async () => {
  const api = apiClient(server.url);
  const boss = await manager(api, "zhangjl", "张经理");

  // The clerk records a staff training; the trainer forgotten is named.
  const desk = await newPage(browser, server.url);
  await login(desk, "wangli");
  await openMenu(desk, "/training");
  assert.match(await desk.textContent("#training-empty"), /还没有培训记录/);
  await desk.selectOption("#t-topic", "service_awareness");
  await desk.fill("#t-held_on", shanghaiDate(-2));
  await desk.fill("#t-duration", "90");
  await desk.fill("#t-place", "二楼会议室");
  await desk.check('#t-attendees label:has-text("李军") input');
  await Promise.all([desk.waitForLoadState("load"), desk.click("#training-record")]);
  await desk.waitForSelector("#error-summary");
  assert.equal(await desk.inputValue("#t-place"), "二楼会议室");
  assert.ok(await desk.isChecked('#t-attendees label:has-text("李军") input'));
  await desk.fill("#t-trainer", "张经理");
  await Promise.all([desk.waitForURL(/\/training\/\d+\?saved=1$/), desk.click("#training-record")]);
  assert.match(await desk.textContent("#training-attendees"), /李军/);
  await screenshot(desk, "training-session");

  // Who is missing: 李军 has the service awareness, not yet the quality awareness — as a
  // new hire (the account was made today) it is listed as due.
  await openMenu(desk, "/training");
  const gaps = await desk.textContent("#training-gaps");
  assert.match(gaps, /李军/);
  assert.match(gaps, /质量意识/);
  await screenshot(desk, "training-list");

  // The manager adds a product manual for a model and publishes version A.
  await api("POST", "/api/v1/product-models", boss, { code: "KYN28A-12", name: "中置式开关柜", product_line: "switchgear" });
  const mgr = await newPage(browser, server.url);
  await login(mgr, "zhangjl");
  await openMenu(mgr, "/documents");
  await mgr.selectOption("#d-kind", "product_manual");
  await mgr.fill("#d-code", "SM-KYN28");
  await mgr.fill("#d-title", "KYN28A-12 使用维护说明书");
  await Promise.all([mgr.waitForLoadState("load"), mgr.click("#doc-create")]);
  await mgr.waitForSelector("#error-summary");
  assert.equal(await mgr.inputValue("#d-code"), "SM-KYN28");
  await mgr.fill("#d-model", "KYN28A-12");
  await Promise.all([mgr.waitForURL(/\/documents\/\d+$/), mgr.click("#doc-create")]);
  const dir = mkdtempSync(join(tmpdir(), "sanbao-doc-"));
  const wrong = join(dir, "manual.pdf");
  writeFileSync(wrong, "MZ not really a pdf");
  await mgr.fill("#v-label", "A");
  await mgr.setInputFiles("#v-file", wrong);
  await Promise.all([mgr.waitForLoadState("load"), mgr.click("#doc-publish")]);
  await mgr.waitForSelector("#error-summary");
  assert.equal(await mgr.inputValue("#v-label"), "A");
  const pdf = join(dir, "KYN28-manual.pdf");
  writeFileSync(pdf, "%PDF-1.4\n% a manual\n");
  await mgr.setInputFiles("#v-file", pdf);
  await Promise.all([mgr.waitForURL(/\/documents\/\d+$/), mgr.click("#doc-publish")]);
  assert.equal(await mgr.getAttribute('[data-version="1"]', "data-state"), "current");
  await screenshot(mgr, "documents-detail");
  await openMenu(mgr, "/documents");
  assert.match(await mgr.textContent('[data-doc="SM-KYN28"]'), /KYN28A-12/);
  await screenshot(mgr, "documents-list");

  // A job on that model: the technician sees the manual on the job's page on a phone.
  const tech = await signIn(api, "lijun");
  const c = await api("POST", "/api/v1/customers", boss, { name: "杭州萧山供电所", address: "浙江省杭州市萧山区市心中路1号", contacts: [] });
  const t = await api("POST", "/api/v1/tickets", boss, { kind: "repair", channel: "phone", customer_id: c.id, summary: "开关柜合闸不到位" });
  const job = await api("POST", `/api/v1/tickets/${t.id}/jobs`, boss, { contact_name: "王工", contact_phone: "138 0000 0000", model_code: "KYN28A-12" });
  const me = await api("GET", "/api/v1/me", tech);
  await api("POST", `/api/v1/jobs/${job.id}/dispatch`, boss, { version: job.version, technician_ids: [me.id] });
  const phone = await newPage(browser, server.url, PHONE);
  await login(phone, "lijun");
  await phone.goto(`/field/jobs/${job.id}`);
  const link = phone.locator('#job-docs a[data-doc="SM-KYN28"]');
  assert.match(await link.textContent(), /使用维护说明书/);
  await phone.locator("#job-docs").scrollIntoViewIfNeeded();
  await screenshot(phone, "field-job-documents");
  const [download] = await Promise.all([phone.waitForEvent("download"), link.click()]);
  assert.equal(download.suggestedFilename(), "KYN28-manual.pdf");

  // The technician's own history is a tap away; another's is refused.
  await phone.goto("/training");
  await phone.waitForURL(/\/people\/\d+\/training$/);
  assert.match(await phone.textContent("#person-history"), /服务意识/);
  await screenshot(phone, "training-person-phone");
});

// ---- training 2 ----
test("the manager changes a requirement's period and the missing list follows; a customer training picks its customer; a document is retired", async () => {
  const api = apiClient(server.url);
  const clerk = await signIn(api, "wangli");
  const lijun = await api("GET", "/api/v1/me", await signIn(api, "lijun"));
  // 李军 had the quality awareness some thirteen months ago: current under 24 months.
  await api("POST", "/api/v1/training-sessions", clerk, {
    audience: "staff", topic: "quality_awareness", held_on: shanghaiDate(-400), trainer: "张经理",
    place: "二楼会议室", duration_minutes: 60, attendee_ids: [lijun.id],
  });
  const mgr = await newPage(browser, server.url);
  await login(mgr, "zhangjl");
  await openMenu(mgr, "/training");
  const expired = mgr.locator('#training-gaps tr[data-gap="expired"]', { hasText: "李军" });
  assert.equal(await expired.count(), 0);

  // The settings, from the settings menu: a period of 0 is named and kept as typed.
  await openMenu(mgr, "/settings/training");
  const period = mgr.locator('[data-req="technician.quality_awareness"] input[name$=".period_months"]');
  assert.equal(await period.inputValue(), "24");
  await period.fill("0");
  await Promise.all([mgr.waitForLoadState("load"), mgr.click("#req-save")]);
  await mgr.waitForSelector("#error-summary");
  assert.equal(await period.inputValue(), "0");
  // Twelve months; and the clerks now need the quality awareness too.
  await period.fill("12");
  await mgr.selectOption('[data-req-new] select[name$=".role"]', "service_clerk");
  await mgr.selectOption('[data-req-new] select[name$=".topic"]', "quality_awareness");
  await mgr.fill('[data-req-new] input[name$=".period_months"]', "24");
  await screenshot(mgr, "training-settings");
  await Promise.all([mgr.waitForURL(/\/settings\/training\?saved=1$/), mgr.click("#req-save")]);
  assert.match(await mgr.textContent("#req-saved"), /已保存/);
  assert.equal(await mgr.locator('[data-req="service_clerk.quality_awareness"]').count(), 1);
  await screenshot(mgr, "training-settings-saved");

  // The missing list follows at once: 李军's quality awareness has expired; 王丽 is due it.
  await Promise.all([mgr.waitForURL(/\/training#training-gaps$/), mgr.click("#req-saved a")]);
  assert.match(await expired.textContent(), /质量意识/);
  assert.match(await mgr.textContent("#training-gaps"), /王丽/);

  // The settings page in English.
  await mgr.goto("/settings/training");
  await switchLanguage(mgr, "en");
  assert.equal((await mgr.textContent("h1")).trim(), "Training requirements");
  assert.match(await mgr.textContent("#req-table"), /Technician/);
  await screenshot(mgr, "training-settings-en");
  await switchLanguage(mgr, "zh");

  // The clerk records a customer training, finding the customer by a part of its name.
  const boss = await signIn(api, "zhangjl");
  const c = await api("POST", "/api/v1/customers", boss, { name: "宁波北仑港务公司", address: "浙江省宁波市北仑区明州路1号", contacts: [] });
  const desk = await newPage(browser, server.url);
  await login(desk, "wangli");
  await openMenu(desk, "/training");
  await desk.selectOption("#t-audience", "customer");
  await desk.selectOption("#t-topic", "routine_maintenance");
  await desk.fill("#t-held_on", shanghaiDate(-1));
  await desk.fill("#t-duration", "120");
  await desk.fill("#t-trainer", "李军");
  await desk.fill("#t-place", "用户配电房");
  await desk.fill("#cq", "北仑");
  const option = desk.locator("#customer-listbox [role=option]", { hasText: "宁波北仑港务公司" });
  await option.click();
  assert.equal(await desk.textContent("#picked-name"), "宁波北仑港务公司");
  assert.equal(await desk.inputValue("#customer_id"), String(c.id));
  await desk.fill("#t-names", "刘工\n陈工");
  await desk.locator("#t-customer").scrollIntoViewIfNeeded();
  await screenshot(desk, "training-customer-picked");
  await Promise.all([desk.waitForURL(/\/training\/\d+\?saved=1$/), desk.click("#training-record")]);
  const link = desk.locator("#training-customer");
  assert.equal(await link.textContent(), "宁波北仑港务公司");
  assert.equal(await link.getAttribute("href"), `/customers/${c.id}`);
  assert.match(await desk.textContent("#training-attendees"), /刘工/);
  await screenshot(desk, "training-customer-session");
  // The form reads in English too.
  await openMenu(desk, "/training");
  await switchLanguage(desk, "en");
  assert.match(await desk.textContent("#t-customer legend"), /Customer trained/);
  assert.match(await desk.textContent("#training-gaps"), /Quality awareness/);
  await desk.locator("#new-session").scrollIntoViewIfNeeded();
  await screenshot(desk, "training-list-en");

  // The manager retires the product manual: gone from the library in use, listed among
  // the retired, its versions kept.
  await openMenu(mgr, "/documents");
  await Promise.all([mgr.waitForURL(/\/documents\/\d+$/), mgr.click('[data-doc="SM-KYN28"] a')]);
  await mgr.click("#doc-retire");
  await mgr.waitForSelector("#error-summary");
  await mgr.fill("#r-reason", "改用2027版说明书");
  await mgr.click("#doc-retire");
  await mgr.waitForSelector("#doc-retired");
  assert.match(await mgr.textContent("#doc-retired"), /改用2027版说明书/);
  assert.equal(await mgr.locator('[data-version="1"]').count(), 1);
  await screenshot(mgr, "documents-retired");
  await openMenu(mgr, "/documents");
  assert.equal(await mgr.locator('[data-doc="SM-KYN28"]').count(), 0);
  await mgr.check("#f-retired");
  await Promise.all([mgr.waitForURL(/retired=1/), mgr.click("#doc-filter button[type=submit]")]);
  assert.equal(await mgr.locator('[data-doc="SM-KYN28"]').count(), 1);
});
// ---- end training 2 ----
