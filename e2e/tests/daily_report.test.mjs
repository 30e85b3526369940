// The daily work report (R4.6): the technician finds the day's trip already in the report,
// says what was done, adds office work and submits; the service manager sees who has
// reported and who has not.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, PASSWORD } from "../lib/server.mjs";
import { launch, newPage, login, screenshot, PHONE, openMenu } from "../lib/browser.mjs";
import { apiOf, tokenOf, adminToken, jobOnSite } from "../lib/field_survey.mjs";

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

test("the technician completes and submits the day's report; the manager sees who is missing", async () => {
  const api = apiOf(server);
  const admin = await adminToken(api);
  await api("POST", "/api/v1/users", admin, { username: "sunjie", display_name: "孙杰", role: "service_manager", password: PASSWORD }, 201);
  await api("POST", "/api/v1/users", admin, { username: "chengong", display_name: "陈工", role: "senior_engineer", password: PASSWORD }, 201);
  const clerk = await tokenOf(api, "wangli");
  const tech = await tokenOf(api, "lijun");
  await jobOnSite(api, clerk, tech, { name: "桐庐自来水厂", address: "浙江省杭州市桐庐县城南街道迎春南路 8 号" });

  const phone = await newPage(browser, server.url, PHONE);
  await login(phone, "lijun");
  await phone.goto("/field/reports");
  const line = phone.locator("#report-trips li.report-line");
  assert.equal(await line.count(), 1);
  assert.match(await line.textContent(), /桐庐自来水厂/);
  assert.match(await line.textContent(), /SB\d{8}/);
  assert.match(await line.locator(".est-km").textContent(), /≈ \d+ km/);
  // The work is required.
  await Promise.all([phone.waitForLoadState("load"), phone.click("#report-submit")]);
  assert.ok(await phone.isVisible("#work-0-error"));
  await phone.fill("#work-0", "更换 C 相断路器，试运行 30 分钟正常。");
  await phone.fill("#extra-place-0", "公司仓库");
  await phone.fill("#extra-work-0", "领取备件，整理工具。");
  await phone.fill("#travel_km", "96");
  await screenshot(phone, "daily-report");
  await Promise.all([phone.waitForURL(/submitted=1$/), phone.click("#report-submit")]);
  assert.ok(await phone.isVisible("#report-notice"));
  assert.equal(await phone.inputValue("#work-0"), "更换 C 相断路器，试运行 30 分钟正常。");
  assert.equal(await phone.inputValue("#extra-work-0"), "领取备件，整理工具。");
  assert.ok(await phone.isVisible("#report-submitted"));

  const desk = await newPage(browser, server.url);
  await login(desk, "sunjie");
  await openMenu(desk, "/field/reports/missing");
  await desk.waitForURL(/\/field\/reports\/missing/);
  assert.match(await desk.textContent("#missing-list"), /陈工/);
  assert.doesNotMatch(await desk.textContent("#missing-list"), /李军/);
  assert.match(await desk.textContent("#submitted-list"), /李军/);
  await desk.click("#submitted-list a");
  assert.match(await desk.locator("section[id^=report-]").first().textContent(), /更换 C 相断路器/);
  await screenshot(desk, "daily-report-missing");
});
