// Screenshots of every page, on a desk screen (1280x800) and a phone (390x844), with a
// realistic day's work: deadlines breached, due soon and pending. They go to
// e2e/screenshots/ (not committed) for people to look at.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, ADMIN_PASSWORD } from "../lib/server.mjs";
import { launch, newPage, login, screenshot, switchLanguage, DESKTOP, PHONE } from "../lib/browser.mjs";

let server;
let browser;
const seeded = {};

async function api(method, path, token, body) {
  const r = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** An instant `minutes` ago, as the API takes it (+08:00). */
function minutesAgo(minutes) {
  const d = new Date(Date.now() - minutes * 60_000 + 8 * 3600_000);
  return d.toISOString().replace(/\.\d+Z$/, "+08:00");
}

async function seed() {
  const { token } = await api("POST", "/api/v1/sessions", null, { username: "admin", password: ADMIN_PASSWORD });
  const users = await api("GET", "/api/v1/users?role=salesperson", token);
  const sales = users[0]?.id;
  const customers = [
    ["杭州西湖配电工程有限公司", "浙江省杭州市西湖区文三路478号", "陈建国", "0571-8888 6666", "电工班长"],
    ["萧山经济开发区供电服务站", "杭州市萧山区市心北路99号", "沈师傅", "13805710001", "站长"],
    ["宁波北仑港务配电站", "浙江省宁波市北仑区新碶街道", "孙立", "0574-8765 4321", "设备科"],
    ["桐庐县城南水厂", "杭州市桐庐县城南街道", "吴工", "0571-6460 1234", "厂长"],
    ["上海闵行机电设备有限公司", "上海市闵行区莘庄工业区", "周敏", "021-5555 0000", "采购"],
    ["苏州工业园区某电子厂", "江苏省苏州市工业园区星湖街", "钱工", "0512-6666 8888", ""],
  ];
  const ids = [];
  for (const [name, address, contact, phone, position] of customers) {
    const corrected = name.startsWith("桐庐")
      ? { region: "hangzhou_urban", region_reason: "水厂取水泵站在富阳区境内，按市区承诺到场" }
      : {};
    const c = await api("POST", "/api/v1/customers", token, {
      name,
      address,
      salesperson_id: sales,
      contacts: [{ name: contact, phone, position: position || undefined }],
      ...corrected,
    });
    ids.push(c.id);
  }
  const tickets = [
    [0, "emergency", 95, "10kV 进线柜跳闸，整厂停电，客户不会合闸"],
    [1, "complaint_quality", 85, "新装断路器一周内第三次误动作，客户要求说明原因"],
    [2, "emergency", 50, "低压配电室进水，2 号变压器停运"],
    [3, "consultation", 120, "询问 KYN28 开关柜年度预防性试验项目"],
    [4, "correspondence", 600, "来函：要求提供出厂试验报告复印件"],
    [5, "repair", 300, "电容补偿柜接触器烧损，需更换"],
    [0, "installation", 1440, "新增环网柜安装调试，约定下周二"],
  ];
  let first;
  for (const [c, kind, ago, summary] of tickets) {
    const t = await api("POST", "/api/v1/tickets", token, {
      kind,
      channel: "phone",
      customer_id: ids[c],
      received_at: minutesAgo(ago),
      summary,
      unit_text: "KYN28A-12 #2",
    });
    first ??= t;
  }
  seeded.customer = ids[0];
  seeded.corrected = ids[3];
  seeded.ticket = first.id;
}

before(async () => {
  server = await startServer();
  browser = await launch();
  await seed();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("the icon answers at its own address and at /favicon.ico", async () => {
  const page = await newPage(browser, server.url);
  await page.goto("/login");
  const href = await page.getAttribute("link[rel=icon]", "href");
  for (const path of [href, "/favicon.ico"]) {
    const r = await page.goto(path);
    assert.equal(r.status(), 200, path);
    assert.equal(r.headers()["content-type"], "image/svg+xml", path);
  }
  await page.context().close();
});

for (const [device, name] of [
  [DESKTOP, "desktop"],
  [PHONE, "phone"],
]) {
  for (const lang of ["zh", "en"]) {
    test(`screenshots: ${name}, ${lang}`, async () => {
      const page = await newPage(browser, server.url, device, lang === "zh" ? "zh-CN" : "en-GB");
      await page.goto("/login");
      if (lang === "en") await switchLanguage(page, "en");
      await screenshot(page, `${name}-${lang}-1-login`);
      await login(page, "wangli");
      const shots = [
        ["2-dashboard", "/"],
        ["3-customers", "/customers"],
        ["4-customer-form", "/customers/new"],
        ["5-customer", `/customers/${seeded.customer}`],
        ["5-customer-corrected", `/customers/${seeded.corrected}`],
        ["6-ticket-intake", `/tickets/new?customer_id=${seeded.customer}`],
        ["7-ticket", `/tickets/${seeded.ticket}`],
        ["8-tickets", "/tickets"],
      ];
      for (const [shot, path] of shots) {
        const r = await page.goto(path);
        assert.equal(r.status(), 200, path);
        await screenshot(page, `${name}-${lang}-${shot}`);
      }
      // A form sent back with its problems named.
      await page.goto("/customers/new");
      await page.fill("[name='contacts[0].phone']", "call me");
      await page.click("form.form button[type=submit]");
      await page.waitForSelector(".error-summary");
      // The summary has the focus (and its ring), the fields say they are invalid.
      assert.equal(await page.evaluate(() => document.activeElement?.id), "error-summary");
      assert.equal(await page.getAttribute("#name", "aria-invalid"), "true");
      assert.equal(await page.getAttribute("#name", "aria-describedby"), "name-error");
      await screenshot(page, `${name}-${lang}-9-customer-form-errors`);
      // The keyboard goes on into the summary; its first link wears the focus ring, and
      // following it puts the focus on the field.
      await page.keyboard.press("Tab");
      const ring = await page.evaluate(() => {
        const s = getComputedStyle(document.activeElement);
        return [document.activeElement.getAttribute("href"), s.outlineStyle, s.outlineWidth, s.outlineColor];
      });
      assert.deepEqual(ring, ["#name", "solid", "3px", "rgb(26, 86, 219)"]);
      await screenshot(page, `${name}-${lang}-9b-customer-form-errors-keyboard`);
      await page.keyboard.press("Enter");
      assert.equal(await page.evaluate(() => document.activeElement?.id), "name");
      // The primary button, reached by the keyboard, shows the ring outside its blue.
      await page.focus("form.form button[type=submit]");
      await page.keyboard.press("Shift+Tab");
      await page.keyboard.press("Tab");
      await screenshot(page, `${name}-${lang}-9c-customer-form-button-focus`);
      await page.context().close();
    });
  }
}
