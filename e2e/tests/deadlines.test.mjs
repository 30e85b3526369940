// A ticket's deadlines: each says why it is due when it is; the desk stops the clock
// while the customer is awaited and starts it again; a complaint found to be about
// quality is changed to one and is due two hours from the call.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../lib/server.mjs";
import { launch, newPage, login, addCustomer, recordContact, screenshot, PHONE } from "../lib/browser.mjs";

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

test("pause for the customer, resume, and change a complaint's kind", async () => {
  const clerk = await newPage(browser, server.url);
  await login(clerk, "wangli");
  const customer = await addCustomer(clerk, {
    name: "钱塘制药厂",
    address: "杭州市钱塘区下沙街道福城路 18 号",
    contact: "周工",
    phone: "13805710002",
  });
  const ticket = await recordContact(clerk, customer, {
    kind: "complaint_other",
    summary: "柜门锁具开关不顺，客户要求说明是否属于三包范围",
  });
  await clerk.goto(ticket);
  // Why it is due when it is, in one sentence.
  const why = await clerk.textContent(".deadline-why");
  assert.match(why, /其他投诉须在 12 小时内给出处理意见/);
  assert.match(why, /公司内置时限政策/);

  // Waiting for the customer: the reason is asked, and kept when it is missing.
  await Promise.all([clerk.waitForURL(/\/tickets\/\d+/), clerk.click("#action-pause button[type=submit]")]);
  assert.match(await clerk.textContent("#action-pause .field-error"), /必填|不能为空|填写/);
  await clerk.fill("#f-pause", "等待客户提供锁具照片和柜体铭牌");
  await Promise.all([clerk.waitForURL(/\?done=pause$/), clerk.click("#action-pause button[type=submit]")]);
  assert.match(await clerk.textContent(".status-lg"), /等待客户/);
  assert.match(await clerk.textContent(".notice-wait"), /等待客户提供锁具照片/);
  assert.equal((await clerk.textContent(".deadline-card .dl-state")).trim(), "已暂停");
  assert.match(await clerk.textContent(".deadline-why"), /暂停计时/);
  await screenshot(clerk, "ticket-waiting-desktop");

  // The customer answers: the clock runs again, the pause is on record.
  await Promise.all([clerk.waitForURL(/\?done=resume$/), clerk.click("#action-resume button[type=submit]")]);
  assert.doesNotMatch(await clerk.textContent(".status-lg"), /等待客户/);
  assert.match(await clerk.textContent(".area-details"), /暂停记录/);
  const timeline = await clerk.textContent("#timeline");
  assert.match(timeline, /暂停计时（等待客户）/);
  assert.match(timeline, /恢复计时/);

  // Found to be about quality: a new kind, a reason, two hours from the call.
  await clerk.selectOption("#f-reclassify", { label: "质量投诉" });
  await clerk.fill("#f-reclassify-reason", "现场照片显示锁具内部弹簧断裂，属产品质量问题");
  await Promise.all([clerk.waitForURL(/\?done=reclassify$/), clerk.click("#action-reclassify button[type=submit]")]);
  assert.match(await clerk.textContent("h1 .kind"), /质量投诉/);
  assert.match(await clerk.textContent(".deadline-why"), /质量投诉须在 2 小时内给出处理意见/);
  assert.match(await clerk.textContent("#timeline"), /更改类型/);

  // On a phone the ticket reads the same.
  const phone = await newPage(browser, server.url, PHONE);
  await login(phone, "wangli");
  await phone.goto(ticket);
  assert.match(await phone.textContent(".deadline-why"), /质量投诉/);
  await screenshot(phone, "ticket-deadline-phone");
  await clerk.context().close();
  await phone.context().close();
});
