// The visit register (R3.6): a clerk registers a customer training hosted by a senior
// engineer with the questions asked and the answers given, adds a row for one more
// question, fixes a forgotten answer, and finds the visit in the list by its host.
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

test("a clerk registers a training with its questions and answers and finds it by host", async () => {
  const { token: admin } = await api("POST", "/api/v1/sessions", null, { username: "admin", password: ADMIN_PASSWORD });
  const host = await api("POST", "/api/v1/users", admin, {
    username: "chengong", display_name: "陈工", role: "senior_engineer", password: PASSWORD,
  });
  await api("POST", "/api/v1/users", admin, {
    username: "liugong", display_name: "刘工", role: "senior_engineer", password: PASSWORD,
  });

  const clerk = await newPage(browser, server.url);
  await login(clerk, "wangli");
  await clerk.goto("/visits");
  assert.match(await clerk.textContent(".empty"), /没有/);
  await Promise.all([clerk.waitForURL(/\/visits\/new$/), clerk.click("#new-visit")]);
  await clerk.fill("#visitors", "沈工、钱工");
  await clerk.fill("#organisation", "湖州供电公司运维班");
  await clerk.selectOption("#host_id", String(host.id));
  await clerk.check("#purpose-training");
  await clerk.fill("#qa-0-q", "开关柜五防联锁如何检查？");
  await clerk.fill("#qa-0-a", "按五防检查表逐项操作，重点检查接地刀与柜门联锁。");
  await clerk.fill("#qa-1-q", "断路器多久做一次机械特性试验？");
  await clerk.fill("#qa-2-q", "");
  // One more row, without losing what was typed.
  await Promise.all([clerk.waitForLoadState("load"), clerk.click("#more-qa")]);
  assert.equal(await clerk.inputValue("#visitors"), "沈工、钱工");
  assert.ok(await clerk.isVisible("#qa-3-q"));
  await clerk.fill("#qa-3-q", "备品备件怎么订？");
  await clerk.fill("#qa-3-a", "联系业务员，或来函服务部。");
  await screenshot(clerk, "visits-new-desktop");
  // The forgotten answer is named; everything stays.
  await Promise.all([clerk.waitForLoadState("load"), clerk.click("#save-visit")]);
  assert.ok(await clerk.isVisible("#qa-1-a-error"));
  assert.match(await clerk.textContent(".error-summary, [role=alert]"), /回答/);
  assert.equal(await clerk.inputValue("#qa-3-q"), "备品备件怎么订？");
  await clerk.fill("#qa-1-a", "每年一次，或操作 2000 次后。");
  await Promise.all([clerk.waitForURL(/\/visits\/\d+\?created=1$/), clerk.click("#save-visit")]);
  const qa = await clerk.textContent("#qa-list");
  assert.match(qa, /五防联锁/);
  assert.match(qa, /2000 次/);
  assert.match(qa, /备品备件/);
  assert.match(await clerk.textContent("#visit-host"), /陈工/);
  await screenshot(clerk, "visits-detail-desktop");

  await clerk.goto("/visits");
  assert.match(await clerk.textContent("#visits"), /沈工、钱工/);
  await screenshot(clerk, "visits-list-desktop");
  await clerk.selectOption("#host_id", { label: "刘工" });
  await Promise.all([clerk.waitForURL(/host_id=/), clerk.click("form.filters button[type=submit]")]);
  assert.match(await clerk.textContent(".empty"), /没有/);

  // From a customer's page, the form names the customer.
  const customer = await api("POST", "/api/v1/customers", admin, {
    name: "德清县供电公司",
    address: "浙江省湖州市德清县武康街道1号",
    contacts: [],
  });
  await clerk.goto(`/customers/${customer.id}`);
  await Promise.all([clerk.waitForURL(/\/visits\/new\?customer_id=/), clerk.click("#record-visit")]);
  assert.match(await clerk.textContent("#visit-customer"), /德清县供电公司/);

  // On a phone.
  const phone = await newPage(browser, server.url, PHONE);
  await login(phone, "wangli");
  await phone.goto("/visits");
  await screenshot(phone, "visits-list-phone");
  await phone.click("#visits a.strong");
  await phone.waitForURL(/\/visits\/\d+$/);
  await screenshot(phone, "visits-detail-phone");
  await phone.goto("/visits/new");
  await screenshot(phone, "visits-new-phone");
});
