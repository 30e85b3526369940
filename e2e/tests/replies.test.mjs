// Complaints, consultations and their replies (R3.3, R3.5, R3.7, R3.10): the intake form
// proposes the owner by load; the manager gives a handling opinion, the clerk records the
// customer's dispute, a second opinion is accepted; a senior engineer replies by WeChat; the
// quality engineer finds the reply in the review queue on /replies and judges it.
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

async function submitStep(page, ty) {
  await Promise.all([page.waitForURL(new RegExp(`done=${ty}`)), page.click(`#action-${ty} button[type=submit]`)]);
}

test("an opinion is disputed and answered again; a reply sent by WeChat is reviewed from the queue", async () => {
  const { token: admin } = await api("POST", "/api/v1/sessions", null, { username: "admin", password: ADMIN_PASSWORD });
  const people = [
    ["zhougang", "周刚", "service_manager"],
    ["chengong", "陈工", "senior_engineer"],
    ["sunjing", "孙静", "quality_engineer"],
  ];
  const ids = {};
  for (const [username, display_name, role] of people) {
    ids[username] = (await api("POST", "/api/v1/users", admin, { username, display_name, role, password: PASSWORD })).id;
  }
  const customer = await api("POST", "/api/v1/customers", admin, {
    name: "余杭开发区配电站",
    address: "杭州市余杭区临平大道2号",
    contacts: [{ name: "许工", phone: "0571-8611 2233" }],
  });

  // The clerk records a quality complaint: the form proposes the manager, then the engineer
  // for a consultation.
  const clerk = await newPage(browser, server.url);
  await login(clerk, "wangli");
  await clerk.goto(`/tickets/new?customer_id=${customer.id}`);
  await clerk.selectOption("#kind", "consultation");
  assert.equal(await clerk.inputValue("#assignee_id"), String(ids.chengong));
  await clerk.selectOption("#kind", "complaint_quality");
  assert.equal(await clerk.inputValue("#assignee_id"), String(ids.zhougang));
  await clerk.fill("#summary", "新装断路器合闸后10分钟内两次跳闸");
  await Promise.all([clerk.waitForURL(/\/tickets\/\d+\?created=1$/), clerk.click("#save-ticket")]);
  const complaint = new URL(clerk.url()).pathname;
  assert.match(await clerk.textContent("#quality-review"), /质量评审/);

  // The manager gives the handling opinion.
  const manager = await newPage(browser, server.url);
  await login(manager, "zhougang");
  await manager.goto(complaint);
  await manager.fill("#f-give_opinion", "明早派技术员到场检查断路器及保护整定");
  await submitStep(manager, "give_opinion");

  // The customer disputes it: the clerk records that; a wrong submission keeps the words.
  await clerk.goto(complaint);
  await clerk.fill("#f-respond_to_opinion", "客户要求今天就到场");
  await Promise.all([clerk.waitForLoadState("load"), clerk.click("#action-respond_to_opinion button[type=submit]")]);
  assert.equal(await clerk.inputValue("#f-respond_to_opinion"), "客户要求今天就到场");
  assert.ok(await clerk.isVisible("#f-respond_to_opinion-response-error"));
  await clerk.check("#action-respond_to_opinion input[value=disputed]");
  await submitStep(clerk, "respond_to_opinion");
  assert.match(await clerk.textContent("#opinion-response"), /客户有异议/);

  // A new opinion, accepted this time; both stay on the timeline.
  await manager.goto(complaint);
  await manager.fill("#f-give_opinion", "今天16点前派技术员到场");
  await submitStep(manager, "give_opinion");
  await clerk.goto(complaint);
  await clerk.check("#action-respond_to_opinion input[value=accepted]");
  await clerk.fill("#f-respond_to_opinion", "客户同意");
  await submitStep(clerk, "respond_to_opinion");
  assert.match(await clerk.textContent("#opinion-response"), /客户接受/);
  const timeline = await clerk.textContent("#timeline");
  assert.match(timeline, /明早派技术员/);
  assert.match(timeline, /今天16点前/);
  await screenshot(clerk, "replies-complaint-desktop");

  // A consultation goes to the engineer, who replies by WeChat.
  await clerk.goto(`/tickets/new?customer_id=${customer.id}`);
  await clerk.selectOption("#kind", "consultation");
  await clerk.fill("#summary", "微机保护装置过流定值如何设置");
  await Promise.all([clerk.waitForURL(/\/tickets\/\d+\?created=1$/), clerk.click("#save-ticket")]);
  const consultation = new URL(clerk.url()).pathname;
  const engineer = await newPage(browser, server.url);
  await login(engineer, "chengong");
  await engineer.goto(consultation);
  await engineer.fill("#f-reply", "按整定单：过流I段 6A，0.3秒；已发整定说明");
  await engineer.selectOption("#f-reply-sent_via", "wechat");
  await submitStep(engineer, "reply");
  assert.match(await engineer.textContent("#reply-sent-via"), /微信/);

  // The quality engineer reviews it from the queue.
  const quality = await newPage(browser, server.url);
  await login(quality, "sunjing");
  await quality.goto("/replies");
  assert.match(await quality.textContent("#review-queue"), /过流I段/);
  await screenshot(quality, "replies-page-desktop");
  await Promise.all([quality.waitForURL(/\/tickets\/\d+/), quality.click("#review-queue a.btn")]);
  await quality.check("#action-review_reply input[value=false]");
  await quality.fill("#f-review_reply", "时间定值应为0.5秒");
  await submitStep(quality, "review_reply");
  assert.match(await quality.textContent("#reply-review"), /答复不正确/);
  await quality.goto("/replies");
  assert.match(await quality.textContent("#review-queue"), /所有答复都已审核/);
  assert.match(await quality.textContent("#rate-reply"), /100%/);
  assert.match(await quality.textContent("#rate-correct"), /0%/);
  assert.match(await quality.textContent("#rates-engineers"), /陈工/);

  // The same page on a phone, and the month picker.
  const phone = await newPage(browser, server.url, PHONE);
  await login(phone, "zhougang");
  await phone.goto("/replies");
  await screenshot(phone, "replies-page-phone");
  await Promise.all([phone.waitForURL(/month=/), phone.click(".month-picker a.btn")]);
  assert.match(await phone.textContent("#rate-reply"), /—/);
  await phone.goto(complaint);
  await screenshot(phone, "replies-complaint-phone");
});
