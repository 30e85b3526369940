// Dispatch (issue 8): the manager sets the technicians' bases; a clerk opens the on-site
// job of an emergency from its ticket's page, goes to the dispatch page, sends two
// technicians (one leading) and sees the crew and the promise; the ticket shows the trip.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, ADMIN_PASSWORD, PASSWORD } from "../lib/server.mjs";
import { launch, newPage, login, screenshot, addCustomer, recordContact } from "../lib/browser.mjs";

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

test("a clerk opens a job from the ticket, sends two technicians and sees the crew", async () => {
  const { token: admin } = await api("POST", "/api/v1/sessions", null, { username: "admin", password: ADMIN_PASSWORD });
  await api("POST", "/api/v1/users", admin, {
    username: "boss", display_name: "周经理", role: "service_manager", password: PASSWORD,
  });
  const near = await api("POST", "/api/v1/users", admin, {
    username: "qiangong", display_name: "钱工", role: "technician", password: PASSWORD,
  });
  const far = await api("POST", "/api/v1/users", admin, {
    username: "sungong", display_name: "孙工", role: "senior_engineer", password: PASSWORD,
  });
  const nowhere = await api("POST", "/api/v1/users", admin, {
    username: "wugong", display_name: "吴工", role: "technician", password: PASSWORD,
  });
  await api("POST", "/api/v1/product-models", admin, { code: "KYN28-12", name: "中置式开关柜", product_line: "switchgear" });

  // The manager: bases and the roads.
  const boss = await newPage(browser, server.url);
  await login(boss, "boss");
  await boss.goto("/settings/technicians");
  await boss.fill(`#base-${near.id}`, "浙江省杭州市富阳区");
  await Promise.all([boss.waitForURL(/done=technician/), boss.click(`#tech-${near.id} button[type=submit]`)]);
  assert.match(await boss.textContent(`#tech-${near.id} .tech-place`), /富阳区/);
  await boss.fill(`#base-${far.id}`, "浙江省杭州市滨江区");
  await Promise.all([boss.waitForURL(/done=technician/), boss.click(`#tech-${far.id} button[type=submit]`)]);
  // An address nothing recognises is kept, and said so.
  await boss.fill(`#base-${nowhere.id}`, "公司宿舍");
  await boss.check(`#tech-${nowhere.id} input[name=product_lines][value=switchgear]`);
  await Promise.all([boss.waitForURL(/done=technician/), boss.click(`#tech-${nowhere.id} button[type=submit]`)]);
  assert.match(await boss.textContent(`#tech-${nowhere.id} .tech-place`), /地址未识别/);
  await boss.fill("#road_kmh", "999");
  await Promise.all([boss.waitForLoadState("load"), boss.click("#travel-form button[type=submit]")]);
  assert.ok(await boss.isVisible("#road_kmh-error"));
  assert.equal(await boss.inputValue("#road_kmh"), "999");
  await boss.fill("#road_kmh", "80");
  await Promise.all([boss.waitForURL(/done=travel/), boss.click("#travel-form button[type=submit]")]);
  await screenshot(boss, "dispatch-technicians-desktop");

  // The clerk: an emergency in 西湖区, its job opened from the ticket's page.
  const clerk = await newPage(browser, server.url);
  await login(clerk, "wangli");
  const customer = await addCustomer(clerk, {
    name: "西湖区供电所", address: "浙江省杭州市西湖区文三路90号", contact: "王工", phone: "13800000001",
  });
  const ticket = await recordContact(clerk, customer, { kind: "emergency", summary: "10kV 开关柜跳闸，全所停电" });
  await clerk.goto(ticket);
  assert.equal(await clerk.inputValue("#job-contact-name"), "王工");
  assert.equal(await clerk.inputValue("#job-problem"), "10kV 开关柜跳闸，全所停电");
  await clerk.fill("#job-contact-phone", "12");
  await Promise.all([clerk.waitForLoadState("load"), clerk.click("#job-form button[type=submit]")]);
  assert.ok(await clerk.isVisible("#job-contact-phone-error"));
  assert.equal(await clerk.inputValue("#job-contact-phone"), "12");
  await clerk.fill("#job-contact-phone", "13800000001");
  await Promise.all([clerk.waitForURL(/job=opened/), clerk.click("#job-form button[type=submit]")]);
  assert.equal(await clerk.getAttribute("[data-job-status]", "data-job-status"), "open");

  // The dispatch page: both with a base in Hangzhou can be there in time; the one whose
  // base is not recognised (or who has none) come after.
  await Promise.all([clerk.waitForURL(/\/dispatch/), clerk.click(".job-section a[href^='/dispatch']")]);
  const card = clerk.locator(".dispatch-job").first();
  assert.match(await card.textContent(), /西湖区供电所/);
  assert.match(await card.textContent(), /到达约 \d\d:\d\d，时限 \d\d:\d\d/);
  const names = await card.locator("tr.proposal td.strong label").allTextContents();
  assert.equal(names.length, 4);
  assert.deepEqual(names.slice(0, 2).sort(), ["孙工", "钱工"].sort(), "those who can be there in time first");
  assert.ok(names.slice(2).includes("吴工"), "a base nobody recognises comes after");
  await screenshot(clerk, "dispatch-board-desktop");
  await card.locator(`input[name=technician_ids][value="${near.id}"]`).check();
  await card.locator(`input[name=technician_ids][value="${far.id}"]`).check();
  await card.locator(`input[name=lead_id][value="${far.id}"]`).check();
  await Promise.all([clerk.waitForURL(/sent=/), card.locator("button[type=submit]").click()]);
  const sent = await clerk.textContent("#dispatch-sent");
  assert.match(sent, /孙工★/);
  assert.match(sent, /钱工/);
  assert.match(sent, /到达约 \d\d:\d\d，时限 \d\d:\d\d/);
  assert.match(await clerk.textContent("#on-the-way"), /孙工★、钱工|钱工、孙工★|孙工★/);
  assert.match(await clerk.textContent(".dispatch-waiting"), /没有等待派工/);
  await screenshot(clerk, "dispatch-sent-desktop");

  // The ticket shows the trip and its crew.
  await clerk.goto(ticket);
  assert.equal(await clerk.getAttribute("[data-job-status]", "data-job-status"), "dispatched");
  assert.match(await clerk.textContent(".trip-crew"), /孙工★/);
  await screenshot(clerk, "dispatch-ticket-job-desktop");
});
