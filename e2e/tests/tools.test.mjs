// The tools register (R1.5): the clerk registers a tool (a forgotten name is named and the
// identifier typed is kept), lends it to a technician from the paper register a few days
// late so that it is already overdue, sees it under "overdue", the technician sees it on
// their phone under "my tools", and the clerk checks it back in.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../lib/server.mjs";
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

/** The company's date (Asia/Shanghai) `days` from today, as YYYY-MM-DD. */
function shanghaiDate(days = 0) {
  return new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}

test("a tool is registered, lent, seen overdue and checked back in", async () => {
  const desk = await newPage(browser, server.url);
  await login(desk, "wangli");
  await openMenu(desk, "/tools");
  assert.match(await desk.textContent("#tools-empty"), /还没有登记工具/);

  // Register: the name forgotten is named, the identifier kept.
  await desk.fill("#new-asset_code", "T-0012");
  await desk.fill("#new-category", "测量仪表");
  await desk.fill("#new-calibration_interval_months", "12");
  await desk.fill("#new-calibration_due_on", shanghaiDate(200));
  await Promise.all([desk.waitForLoadState("load"), desk.click("#tools-register")]);
  await desk.waitForSelector("#new-name-error");
  assert.equal(await desk.inputValue("#new-asset_code"), "T-0012");
  assert.equal(await desk.inputValue("#new-calibration_interval_months"), "12");
  await desk.fill("#new-name", "绝缘电阻测试仪 2500V");
  await desk.fill("#new-location", "工具柜 A-3");
  await Promise.all([desk.waitForURL(/\/tools\/\d+\?saved=registered$/), desk.click("#tools-register")]);
  const toolPath = new URL(desk.url()).pathname;
  assert.equal(await desk.getAttribute("[data-tool-status]", "data-tool-status"), "available");

  // Lend it to 李军, written up from the paper register: lent three days ago, due back yesterday.
  await desk.selectOption("#holder_id", { label: "李军" });
  await desk.fill("#out_on", shanghaiDate(-3));
  await desk.fill("#expected_return_on", shanghaiDate(-1));
  await desk.fill("#purpose", "萧山临江变电所年检");
  await Promise.all([desk.waitForURL(/\?saved=checked_out$/), desk.click("#tools-check-out")]);
  assert.equal(await desk.getAttribute("[data-tool-status]", "data-tool-status"), "checked_out");
  assert.equal((await desk.textContent("[data-holder]")).trim(), "李军");
  assert.match(await desk.textContent("[data-overdue]"), /逾期 1 天/);
  await screenshot(desk, "tools-detail-overdue");

  // The register's "overdue" view lists it.
  await desk.goto("/tools?show=overdue");
  const rows = await desk.locator("#tools-table tbody tr").allTextContents();
  assert.equal(rows.length, 1, rows.join(" | "));
  assert.match(rows[0], /T-0012/);
  assert.match(rows[0], /李军/);
  await desk.goto("/tools");
  await screenshot(desk, "tools-register");

  // The technician, on the phone: the tool they hold, overdue.
  const phone = await newPage(browser, server.url, PHONE);
  await login(phone, "lijun");
  await Promise.all([phone.waitForURL(/\/tools\/mine$/), phone.goto("/tools")]);
  const mine = await phone.locator("#tools-mine li").allTextContents();
  assert.equal(mine.length, 1, mine.join(" | "));
  assert.match(mine[0], /T-0012/);
  assert.match(mine[0], /逾期 1 天/);
  await screenshot(phone, "tools-mine-phone");
  // No forms for the holder on the tool's page.
  await Promise.all([phone.waitForURL(/\/tools\/\d+$/), phone.click("#tools-mine a")]);
  assert.equal(await phone.locator("#checkin-form").count(), 0);

  // Back in: damaged needs a remark; then it needs repair.
  await desk.goto(toolPath);
  await desk.check("#condition-damaged");
  await Promise.all([desk.waitForLoadState("load"), desk.click("#tools-check-in")]);
  await desk.waitForSelector("#remark-error");
  assert.ok(await desk.isChecked("#condition-damaged"));
  await desk.check("#condition-good");
  await Promise.all([desk.waitForURL(/\?saved=checked_in$/), desk.click("#tools-check-in")]);
  assert.equal(await desk.getAttribute("[data-tool-status]", "data-tool-status"), "available");
  assert.equal(await desk.locator("[data-overdue]").count(), 0);
  const history = await desk.locator("#tools-history tbody tr").allTextContents();
  assert.equal(history.length, 1);
  assert.match(history[0], /李军/);
  assert.match(history[0], /完好/);
  await screenshot(desk, "tools-detail-back");

  await desk.goto("/tools?show=overdue");
  assert.match(await desk.textContent("#tools-empty"), /没有逾期未还的工具/);
  await phone.goto("/tools/mine");
  await phone.waitForSelector("#tools-mine-empty");

  // The same register in English.
  await desk.goto(toolPath);
  await switchLanguage(desk, "en");
  assert.equal((await desk.textContent("[data-tool-status]")).trim(), "Available");
  assert.match(await desk.textContent("#tools-history"), /Good/);
  await screenshot(desk, "tools-detail-en");
});
