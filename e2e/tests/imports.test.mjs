// The service manager brings an archive in from the page: a customers file, then a units
// file with a bad row — the preview shows the first rows and the problem by row number,
// nothing is written until the confirmation, and the good rows go in.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, ADMIN_PASSWORD } from "../lib/server.mjs";
import { launch, newPage, login, screenshot } from "../lib/browser.mjs";

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

async function upload(page, kind, name, text) {
  await page.goto("/imports");
  await page.check(`#kind-${kind}`);
  await page.setInputFiles("#file", { name, mimeType: "text/csv", buffer: Buffer.from(text, "utf8") });
  await Promise.all([page.waitForLoadState("load"), page.click("#check-file")]);
}

test("an import from the page with a bad row", async () => {
  const page = await newPage(browser, server.url);
  await login(page, "admin", ADMIN_PASSWORD);
  assert.equal(await page.locator("nav a[href='/imports']").count(), 1, "the menu offers the import");

  // Models, then customers, each previewed and confirmed.
  await upload(page, "models", "型号.csv", "型号,名称,产品线\nKYN28A-12,中置式开关柜,中压开关柜\n");
  await Promise.all([page.waitForLoadState("load"), page.click("#confirm-import")]);
  assert.equal((await page.textContent("#n-added")).trim(), "1");
  await upload(
    page,
    "customers",
    "客户档案.csv",
    "客户名称,地址,联系人,联系电话\n宁波北仑港务公司,浙江省宁波市北仑区明州路8号,陈工,13805740001\n杭州钱江电力,杭州市上城区钱江路1号,王工,0571-88886666\n",
  );
  await Promise.all([page.waitForLoadState("load"), page.click("#confirm-import")]);
  assert.equal((await page.textContent("#n-added")).trim(), "2");

  // Units: row 3 names a model nobody makes.
  await upload(
    page,
    "units",
    "设备档案.csv",
    "客户名称,型号,出厂编号,投运日期\n宁波北仑港务公司,KYN28A-12,SB-2024-001,2024-05-10\n宁波北仑港务公司,XYZ-99,SB-2024-002,2024-05-10\n杭州钱江电力,KYN28A-12,SB-2024-003,2025-01-15\n",
  );
  assert.equal((await page.textContent("#n-added")).trim(), "2");
  assert.equal((await page.textContent("#n-rejected")).trim(), "1");
  const problem = page.locator(".import-problems tbody tr");
  assert.equal(await problem.count(), 1);
  assert.match(await problem.textContent(), /^\s*3/);
  assert.match(await problem.textContent(), /型号/);
  assert.match(await page.textContent(".import-rows"), /SB-2024-001/);
  await screenshot(page, "imports-preview");

  // Nothing is written before the confirmation (looked at in another tab).
  const tab = await page.context().newPage();
  await tab.goto(`${server.url}/units?q=SB-2024`);
  assert.doesNotMatch(await tab.textContent("main"), /SB-2024-001/);
  await tab.close();
  await Promise.all([page.waitForLoadState("load"), page.click("#confirm-import")]);
  assert.equal((await page.textContent("#n-added")).trim(), "2");
  await screenshot(page, "imports-done");
  await page.goto("/units?q=SB-2024");
  const text = await page.textContent("main");
  assert.match(text, /SB-2024-001/);
  assert.match(text, /SB-2024-003/);
  assert.doesNotMatch(text, /SB-2024-002/);
  await page.context().close();
});
