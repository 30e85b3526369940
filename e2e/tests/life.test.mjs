// The life story (R3.8, R5.2): a clerk opens a customer's whole story from the customer's
// page, narrows it to the follow-ups, gets a bad date range named with the choice kept,
// prints it without the filter; then opens one unit's story from its page on a phone.
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

async function api(method, path, token, body) {
  const r = await fetch(`${server.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}

async function token(username, password) {
  return (await api("POST", "/api/v1/sessions", null, { username, password })).token;
}

test("a clerk reads, filters and prints a customer's life story, then a unit's on a phone", async () => {
  const admin = await token("admin", ADMIN_PASSWORD);
  const clerk = await token("wangli", PASSWORD);
  await api("POST", "/api/v1/product-models", admin, { code: "GCS-04", name: "低压抽出式开关柜", product_line: "switchgear" });
  const customer = await api("POST", "/api/v1/customers", clerk, {
    name: "绍兴柯桥印染厂",
    address: "浙江省绍兴市柯桥区华舍街道1号",
    contacts: [{ name: "周工", phone: "13905750001" }],
  });
  const unit = await api("POST", "/api/v1/units", clerk, {
    customer_id: customer.id,
    model_code: "GCS-04",
    serial_no: "GCS-2025-0031",
    shipped_on: "2025-02-10",
    accepted_on: "2025-02-20",
    commissioned_on: "2025-03-01",
  });
  await api("POST", "/api/v1/tickets", clerk, {
    kind: "repair",
    channel: "phone",
    customer_id: customer.id,
    unit_id: unit.id,
    summary: "抽屉单元推不到位",
  });
  await api("POST", "/api/v1/follow-ups", clerk, {
    customer_id: customer.id,
    method: "phone",
    met: "周工",
    usage: "三班运行，负荷正常",
    remarks: "电容柜夏季温升偏高",
    remark_class: "quality",
  });
  await api("POST", "/api/v1/training-sessions", clerk, {
    audience: "customer",
    customer_id: customer.id,
    topic: "routine_maintenance",
    held_on: "2025-03-05",
    trainer: "王丽",
    place: "客户配电房",
    duration_minutes: 90,
    attendee_names: ["周工", "值班电工"],
  });

  // From the customer's page, one click to the whole story, newest first.
  const page = await newPage(browser, server.url);
  await login(page, "wangli");
  await page.goto(`/customers/${customer.id}`);
  await Promise.all([page.waitForURL(/\/story$/), page.click("#customer-story")]);
  assert.match(await page.textContent("h1"), /绍兴柯桥印染厂/);
  const story = await page.textContent(".life-timeline");
  for (const want of [/电容柜夏季温升偏高/, /抽屉单元推不到位/, /日常维护/, /投运/, /GCS-04 GCS-2025-0031/]) assert.match(story, want);
  // Newest first: the ticket just received; the follow-up stands at the start of its day.
  assert.equal(await page.locator(".life-timeline .tl").first().getAttribute("data-kind"), "ticket");
  await screenshot(page, "life-story-customer");

  // Only the follow-ups: one tick, one click; the other kinds still show their counts.
  await page.check("input[name=kind][value=follow_up]");
  await Promise.all([page.waitForURL(/kind=follow_up/), page.click(".life-filter button[type=submit]")]);
  const kinds = await page.locator(".life-timeline .tl").evaluateAll((els) => els.map((e) => e.dataset.kind));
  assert.deepEqual([...new Set(kinds)], ["follow_up"]);
  assert.ok(await page.isChecked("input[name=kind][value=follow_up]"));
  assert.match(await page.textContent("label.chip:has(input[value=ticket]) .chip-count"), /1/);

  // An end before the start is named beside its field; the ticked kind is kept.
  await page.fill("#from", "2025-06-01");
  await page.fill("#to", "2025-01-01");
  await Promise.all([page.waitForLoadState("load"), page.click(".life-filter button[type=submit]")]);
  assert.match(await page.textContent("#to-error"), /./);
  assert.ok(await page.isChecked("input[name=kind][value=follow_up]"));
  assert.equal(await page.inputValue("#from"), "2025-06-01");

  // Printed, the filter and the menus stay off the paper; the entries stay.
  await page.goto(`/customers/${customer.id}/story`);
  await page.emulateMedia({ media: "print" });
  assert.equal(await page.isVisible(".life-filter"), false);
  assert.equal(await page.isVisible(".life-timeline"), true);
  await page.emulateMedia({ media: "screen" });

  // On a phone, the unit's page shows its latest entries and opens its own story.
  const phone = await newPage(browser, server.url, PHONE);
  await login(phone, "wangli");
  await phone.goto(`/units/${unit.id}`);
  assert.match(await phone.textContent("#unit-story"), /抽屉单元推不到位/);
  await Promise.all([phone.waitForURL(/\/units\/\d+\/story$/), phone.click(`#unit-story a[href='/units/${unit.id}/story']`)]);
  const unitStory = await phone.textContent(".life-timeline");
  assert.match(unitStory, /发货/);
  assert.doesNotMatch(unitStory, /电容柜夏季温升偏高/);
  await screenshot(phone, "life-story-unit-phone");
});
