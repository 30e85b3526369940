// Exports (R5.2): a clerk filters the unit list and clicks "导出 CSV"; the download is
// named after the day and begins with the Chinese headers the unit import reads, and holds
// only the units the filter shows. The customer list's Excel link downloads a workbook.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
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

test("a clerk exports the filtered unit list and the customer list", async () => {
  const admin = (await api("POST", "/api/v1/sessions", null, { username: "admin", password: ADMIN_PASSWORD })).token;
  await api("POST", "/api/v1/product-models", admin, { code: "XGN15-12", name: "环网柜", product_line: "switchgear" });
  const ningbo = await api("POST", "/api/v1/customers", admin, {
    name: "宁波导出测试港务", address: "浙江省宁波市北仑区明州路18号", contacts: [{ name: "陈工", phone: "13805740018" }],
  });
  const hangzhou = await api("POST", "/api/v1/customers", admin, {
    name: "杭州导出测试电气", address: "浙江省杭州市西湖区文三路18号", contacts: [],
  });
  await api("POST", "/api/v1/units", admin, { customer_id: ningbo.id, model_code: "XGN15-12", serial_no: "EXP-NB-1", shipped_on: "2025-06-01" });
  await api("POST", "/api/v1/units", admin, { customer_id: hangzhou.id, model_code: "XGN15-12", serial_no: "EXP-HZ-1" });

  const clerk = await newPage(browser, server.url);
  await login(clerk, "wangli");
  await clerk.goto("/units");
  await clerk.fill("#q", "EXP-NB");
  await Promise.all([clerk.waitForURL(/\/units\?q=EXP-NB/), clerk.click("form.filters button[type=submit]")]);
  await screenshot(clerk, "export-units-list");

  const [csv] = await Promise.all([clerk.waitForEvent("download"), clerk.click("a.export:has-text('导出 CSV')")]);
  const day = new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });
  assert.equal(csv.suggestedFilename(), `设备-${day}.csv`);
  const text = (await readFile(await csv.path(), "utf8")).replace(/^\uFEFF/, "");
  const lines = text.trim().split(/\r\n/);
  assert.equal(lines[0], "客户名称,型号,出厂编号,安装地址,发货日期,验收日期,投运日期");
  assert.deepEqual(lines.slice(1), ["宁波导出测试港务,XGN15-12,EXP-NB-1,浙江省宁波市北仑区明州路18号,2025-06-01,,"]);

  // The customer list's Excel link, with its search: a workbook (a zip file).
  await clerk.goto("/customers?q=%E5%AF%BC%E5%87%BA%E6%B5%8B%E8%AF%95");
  await screenshot(clerk, "export-customers-list");
  const [xlsx] = await Promise.all([clerk.waitForEvent("download"), clerk.click("a.export:has-text('导出 Excel')")]);
  assert.equal(xlsx.suggestedFilename(), `客户-${day}.xlsx`);
  const bytes = await readFile(await xlsx.path());
  assert.equal(bytes.subarray(0, 4).toString("binary"), "PK\x03\x04");
});
