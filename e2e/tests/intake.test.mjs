// Recording a contact on one form: the customer found as the clerk types (or added in
// place), nothing typed lost on the way. Counts the clerk's actions (clicks, fields typed,
// keys that choose or send) and page loads for a call from an existing customer and from a
// new one, and prints them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../lib/server.mjs";
import { launch, newPage, login, addCustomer, screenshot } from "../lib/browser.mjs";

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

/** Counts what the clerk does on `page`: each call is one action; page loads by event. */
function counted(page) {
  const c = { actions: 0, loads: 0 };
  page.on("load", () => {
    c.loads += 1;
  });
  return {
    c,
    click: async (sel) => {
      c.actions += 1;
      await page.click(sel);
    },
    type: async (sel, text) => {
      c.actions += 1;
      await page.fill(sel, text);
    },
    choose: async (sel, value) => {
      c.actions += 1;
      await page.selectOption(sel, value);
    },
    press: async (sel, key) => {
      c.actions += 1;
      await page.press(sel, key);
    },
  };
}

test("a call from an existing customer: found as typed, picked, recorded", async () => {
  const page = await newPage(browser, server.url);
  await login(page, "wangli");
  await addCustomer(page, {
    name: "富阳江滨水厂",
    address: "杭州市富阳区江滨西大道",
    contact: "孙工",
    phone: "0571-6333 8899",
  });
  await page.goto("/");
  const clerk = counted(page);
  await Promise.all([page.waitForURL(/\/tickets\/new$/), clerk.click("a.nav-cta")]);
  await clerk.type("#cq", "6333 8899");
  const option = page.locator("#customer-results [role=option]", { hasText: "富阳江滨水厂" });
  await option.waitFor();
  await clerk.click("#customer-results [role=option]");
  assert.equal(await page.isVisible("#picked"), true);
  assert.match(await page.textContent("#picked"), /富阳江滨水厂/);
  assert.match(await page.textContent("#picked"), /孙工 · 0571-6333 8899/);
  assert.match(await page.textContent("#picked"), /杭州市区/);
  assert.match(await page.textContent("#picked"), /1 小时/);
  assert.equal(await page.evaluate(() => document.activeElement.id), "kind", "on to the contact");
  await clerk.choose("#kind", "repair");
  await clerk.type("#summary", "二号泵房开关柜有异响");
  await Promise.all([page.waitForURL(/\/tickets\/\d+\?created=1$/), clerk.click("#save-ticket")]);
  assert.match(await page.textContent(".notice-ok"), /SB\d{8}/);
  assert.match(await page.textContent("main"), /富阳江滨水厂/);
  console.log(
    `existing customer → ticket saved: ${clerk.c.actions} actions, ${clerk.c.loads} page loads`,
  );
  assert.ok(clerk.c.actions <= 6 && clerk.c.loads <= 2, JSON.stringify(clerk.c));
  await page.context().close();
});

test("a call from a new customer: added in place, the phone carried over, one submission", async () => {
  const page = await newPage(browser, server.url);
  await login(page, "wangli");
  await page.goto("/");
  const clerk = counted(page);
  await Promise.all([page.waitForURL(/\/tickets\/new$/), clerk.click("a.nav-cta")]);
  await clerk.type("#cq", "0571-8765 4321");
  await page.locator("#customer-results .empty").waitFor();
  await clerk.click("#new-customer-open");
  assert.equal(await page.inputValue("#nc-phone"), "0571-8765 4321", "the typed phone carried over");
  assert.equal(await page.isVisible("#customer-finder"), false);
  await clerk.type("#nc-name", "滨江某数据中心");
  await clerk.type("#nc-address", "杭州市滨江区网商路");
  // The region and the arrival it promises, before saving.
  await page.locator("#nc-region .region-hangzhou_urban").waitFor();
  assert.match(await page.textContent("#nc-region"), /1 小时/);
  await clerk.type("#nc-contact", "周工");
  await clerk.choose("#kind", "emergency");
  await clerk.type("#summary", "配电房冒烟，已拉闸");
  await Promise.all([page.waitForURL(/\/tickets\/\d+\?created=1$/), clerk.click("#save-ticket")]);
  assert.match(await page.textContent("main"), /滨江某数据中心/);
  assert.match(await page.textContent(".deadline-card"), /到场时限/);
  console.log(`new customer → ticket saved: ${clerk.c.actions} actions, ${clerk.c.loads} page loads`);
  assert.ok(clerk.c.actions <= 9 && clerk.c.loads <= 2, JSON.stringify(clerk.c));
  await page.context().close();
});

test("the keyboard chooses among matches; a bad phone keeps everything typed", async () => {
  const page = await newPage(browser, server.url);
  await login(page, "wangli");
  for (const [name, phone] of [
    ["临安甲电器厂", "0571-6100 0001"],
    ["临安乙电器厂", "0571-6100 0002"],
  ]) {
    await addCustomer(page, { name, address: "杭州市临安区锦城街道", contact: "吴工", phone });
  }
  await page.goto("/tickets/new");
  await page.fill("#summary", "先记下的内容");
  await page.fill("#cq", "临安");
  const options = page.locator("#customer-listbox [role=option]");
  await options.nth(1).waitFor();
  assert.equal(await page.getAttribute("#cq", "aria-expanded"), "true");
  await page.press("#cq", "ArrowDown");
  await page.press("#cq", "ArrowDown");
  const second = await options.nth(1).getAttribute("id");
  assert.equal(await page.getAttribute("#cq", "aria-activedescendant"), second);
  assert.equal(await options.nth(1).getAttribute("aria-selected"), "true");
  const name = (await options.nth(1).getAttribute("data-name")).trim();
  await page.press("#cq", "Enter");
  assert.equal((await page.textContent("#picked-name")).trim(), name);
  assert.equal(await page.inputValue("#summary"), "先记下的内容");
  // Change the customer: the search comes back, the contact stays.
  await page.click("#change-customer");
  assert.equal(await page.isVisible("#cq"), true);
  assert.equal(await page.inputValue("#customer_id"), "");

  // A new customer with a bad phone: the form comes back with everything, the phone named.
  await page.fill("#cq", "萧山新客户");
  await page.click("#new-customer-open");
  assert.equal(await page.inputValue("#nc-name"), "萧山新客户", "text that is no phone goes to the name");
  await page.fill("#nc-address", "杭州市萧山区市心路");
  await page.fill("#nc-phone", "call me");
  await page.selectOption("#kind", "consultation");
  await Promise.all([page.waitForLoadState("load"), page.click("#save-ticket")]);
  await page.waitForSelector(".field-error");
  assert.match(await page.textContent(".field.has-error"), /电话号码/);
  assert.equal(await page.inputValue("#nc-name"), "萧山新客户");
  assert.equal(await page.inputValue("#nc-address"), "杭州市萧山区市心路");
  assert.equal(await page.inputValue("#nc-phone"), "call me");
  assert.equal(await page.inputValue("#summary"), "先记下的内容");
  assert.equal(await page.inputValue("#kind"), "consultation");
  assert.match(await page.textContent("#nc-region"), /杭州市区/);
  await screenshot(page, "intake-new-customer-errors");
  await page.fill("#nc-phone", "0571-8282 0000");
  await Promise.all([page.waitForURL(/\/tickets\/\d+\?created=1$/), page.click("#save-ticket")]);
  assert.match(await page.textContent("main"), /萧山新客户/);
  await page.context().close();
});

test("without script the same form searches, picks and records, keeping what was typed", async () => {
  const context = await browser.newContext({
    baseURL: server.url,
    locale: "zh-CN",
    timezoneId: "Asia/Shanghai",
    javaScriptEnabled: false,
    viewport: { width: 1280, height: 800 },
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  await login(page, "wangli");
  await addCustomer(page, {
    name: "建德无脚本客户",
    address: "浙江省杭州市建德市新安江街道",
    contact: "钱工",
    phone: "0571-6402 1234",
  });
  await page.goto("/tickets/new");
  await page.selectOption("#kind", "repair");
  await page.fill("#unit_text", "GGD 低压柜");
  await page.fill("#summary", "电容补偿柜不投切");
  await page.fill("#cq", "6402");
  await Promise.all([page.waitForLoadState("load"), page.click("#search-customer")]);
  assert.equal(await page.inputValue("#summary"), "电容补偿柜不投切");
  assert.equal(await page.inputValue("#unit_text"), "GGD 低压柜");
  await Promise.all([
    page.waitForLoadState("load"),
    page.click("#customer-results button[name=pick]"),
  ]);
  assert.match(await page.textContent("#picked"), /建德无脚本客户/);
  assert.equal(await page.inputValue("#kind"), "repair");
  await Promise.all([page.waitForURL(/\/tickets\/\d+\?created=1$/), page.click("#save-ticket")]);
  assert.match(await page.textContent("main"), /电容补偿柜不投切/);
  await context.close();
});
