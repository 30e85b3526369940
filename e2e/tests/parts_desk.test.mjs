// The parts desk (R1.5): the store clerk adds a part to the catalogue (a price typed wrong
// is named and what was typed is kept), receives stock and sees it in the central store
// and below its reorder level; the service manager corrects the count, sees both rows in
// the ledger, reverses the correction with a reason, and writes a scrapped piece off.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, ADMIN_PASSWORD, PASSWORD } from "../lib/server.mjs";
import { launch, newPage, login, screenshot, switchLanguage, PHONE, openMenu } from "../lib/browser.mjs";

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

test("the clerk adds and receives a part; the manager corrects the count and reverses it in the ledger", async () => {
  const { token: admin } = await api("POST", "/api/v1/sessions", null, { username: "admin", password: ADMIN_PASSWORD });
  await api("POST", "/api/v1/users", admin, {
    username: "zhougang",
    display_name: "周刚",
    role: "service_manager",
    password: PASSWORD,
  });

  // A technician has no parts desk in the navigation.
  const tech = await newPage(browser, server.url);
  await login(tech, "lijun");
  await tech.goto("/?desk=1");
  assert.equal(await tech.locator("nav.nav a[href='/parts']").count(), 0);

  // The clerk: 备件 → add a part, with a price typed wrong first.
  const clerk = await newPage(browser, server.url);
  await login(clerk, "wangli");
  await openMenu(clerk, "/parts");
  await clerk.waitForURL(/\/parts$/);
  await clerk.click("#add-part summary");
  await clerk.fill("#code", "QF-630");
  await clerk.fill("#name", "真空断路器 630A");
  await clerk.fill("#unit", "台");
  await clerk.fill("#cost", "一百");
  await clerk.fill("#price", "1980");
  await clerk.fill("#models", "KYN28A-12, XGN15");
  await clerk.fill("#reorder_level", "5");
  await clerk.check("input[name=serialised]");
  await clerk.click("#add-part button[type=submit]");
  await clerk.waitForSelector("[data-error-summary]");
  assert.ok(await clerk.locator("#cost-error").isVisible());
  assert.equal(await clerk.inputValue("#name"), "真空断路器 630A", "what was typed is kept");
  assert.equal(await clerk.inputValue("#cost"), "一百");
  await clerk.fill("#cost", "1250.50");
  await Promise.all([clerk.waitForURL(/\/parts\/\d+\?saved=created$/), clerk.click("#add-part button[type=submit]")]);
  const partId = new URL(clerk.url()).pathname.split("/").pop();
  assert.match(await clerk.textContent(".notice-ok"), /已添加/);
  assert.match(await clerk.textContent(".page-head"), /¥1250\.50 \/ ¥1980\.00/);

  // Received into the central store; below its reorder level (3 < 5).
  await clerk.click(`a[href='/parts/receive?part=${partId}']`);
  await clerk.fill("#quantity", "3");
  await clerk.fill("#note", "送货单 A-1024");
  await Promise.all([clerk.waitForURL(/\/parts\/stock\?saved=received$/), clerk.click("form[data-move-form] button[type=submit]")]);
  const store = clerk.locator("[data-location=store] tr[data-stock='QF-630'] [data-on-hand]");
  assert.equal((await store.textContent()).trim(), "3");
  assert.match(await clerk.textContent("[data-below-reorder]"), /QF-630/);
  await screenshot(clerk, "parts_stock");
  await clerk.goto("/parts?q=qf&model=KYN28A-12");
  assert.equal((await clerk.textContent("tr[data-part='QF-630'] [data-in-store]")).trim(), "3");
  assert.ok(await clerk.locator("tr[data-part='QF-630'] [data-below]").isVisible());
  await screenshot(clerk, "parts_catalogue");
  // The clerk does not correct counts.
  const r = await clerk.goto("/parts/adjust");
  assert.equal(r.status(), 403);

  // The manager corrects the count: one fewer than the books say.
  const manager = await newPage(browser, server.url);
  await login(manager, "zhougang");
  await manager.goto("/parts/adjust");
  await manager.selectOption("#part_id", partId);
  await manager.fill("#delta", "-1");
  await manager.click("form[data-move-form] button[type=submit]");
  await manager.waitForSelector("#reason-error");
  assert.equal(await manager.inputValue("#delta"), "-1");
  await manager.fill("#reason", "盘点少一台");
  await Promise.all([manager.waitForURL(/\/parts\/stock\?saved=adjusted$/), manager.click("form[data-move-form] button[type=submit]")]);
  assert.equal((await manager.textContent("[data-location=store] tr[data-stock='QF-630'] [data-on-hand]")).trim(), "2");

  // The ledger: newest first; the correction reversed with a reason.
  await manager.click("a[href='/parts/ledger']");
  const kinds = await manager.locator("[data-ledger] tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.move));
  assert.deepEqual(kinds, ["adjust", "receive"]);
  const adjustRow = manager.locator("tr[data-move=adjust]");
  assert.match(await adjustRow.textContent(), /盘点少一台/);
  await adjustRow.locator("summary").click();
  await adjustRow.locator("button[type=submit]").click();
  await manager.waitForSelector("[data-ledger] .field-error");
  await manager.locator("tr[data-move=adjust] input[name=reason]").fill("其实没少，复盘找到");
  await Promise.all([manager.waitForURL(/\/parts\/ledger\?saved=reversed$/), manager.locator("tr[data-move=adjust] button[type=submit]").click()]);
  const after = await manager.locator("[data-ledger] tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.move));
  assert.deepEqual(after, ["reversal", "adjust", "receive"]);
  await screenshot(manager, "parts_ledger");
  await manager.goto(`/parts/${partId}`);
  assert.equal((await manager.textContent("[data-in-store]")).trim(), "3");
  await screenshot(manager, "parts_detail");

  // A piece dropped in the store: written off from the part's stock line, with its cause.
  await manager.click("[data-part-stock] a[href^='/parts/write-off']");
  assert.equal(await manager.inputValue("#part_id"), partId, "the line's part is filled in");
  await manager.fill("#quantity", "1");
  await manager.selectOption("#cause", "scrapped");
  await manager.click("form[data-move-form] button[type=submit]");
  await manager.waitForSelector("#reason-error");
  assert.equal(await manager.inputValue("#cause"), "scrapped", "what was chosen is kept");
  await manager.fill("#reason", "搬运时摔坏");
  await screenshot(manager, "parts_write_off");
  await Promise.all([manager.waitForURL(/\/parts\/stock\?saved=written_off$/), manager.click("form[data-move-form] button[type=submit]")]);
  assert.equal((await manager.textContent("[data-location=store] tr[data-stock='QF-630'] [data-on-hand]")).trim(), "2");

  // On a phone, in English: the stock as labelled cards.
  const phone = await newPage(browser, server.url, PHONE);
  await login(phone, "zhougang");
  await phone.goto("/parts/stock");
  await switchLanguage(phone, "en");
  assert.match(await phone.textContent("h1"), /Stock/);
  assert.ok(await phone.locator("[data-location=store] tr[data-stock='QF-630']").isVisible());
  await screenshot(phone, "parts_stock_phone_en");
});
