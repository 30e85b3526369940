// The yearly customer visit campaign (R3.9): the manager defines a campaign (a forgotten
// channel is named and what was typed is kept) and launches it; the department records
// one customer's response; another customer answers through the link on a phone without
// signing in, once; the summary shows both answers per question and per region with the
// suggestions word for word; the manager closes the campaign after a confirmation and
// downloads its results as CSV and XLSX.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startServer, ADMIN_PASSWORD } from "../lib/server.mjs";
import { launch, newPage, login, screenshot, addCustomer, openMenu, PHONE } from "../lib/browser.mjs";

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

test("a campaign is defined, launched, answered on a phone through its link, summarised, closed and exported", async () => {
  const desk = await newPage(browser, server.url);
  await login(desk, "wangli");
  await addCustomer(desk, { name: "西湖电力", address: "杭州市西湖区文三路 1 号", contact: "王工", phone: "13800000001" });
  await addCustomer(desk, { name: "宁波港务", address: "浙江省宁波市北仑区 2 号", contact: "李工", phone: "13800000002" });
  await addCustomer(desk, { name: "绍兴纺织", address: "浙江省绍兴市柯桥区 3 号", contact: "赵工", phone: "13800000003" });

  const boss = await newPage(browser, server.url);
  await login(boss, "admin", ADMIN_PASSWORD);
  await openMenu(boss, "/campaigns");
  assert.ok(await boss.isVisible("#campaigns-empty"));

  // Define: no channel ticked — named, the name typed kept.
  await boss.fill("#c-name", "2026 年度客户走访");
  await boss.fill("#q1-label", "您对产品质量的评价");
  await boss.selectOption("#q2-kind", "choice");
  await boss.fill("#q2-label", "是否会再次选用");
  await boss.fill("#q2-options", "会，不会");
  await Promise.all([boss.waitForLoadState("load"), boss.click("#campaign-create")]);
  await boss.waitForSelector("#c-channels-error");
  assert.equal(await boss.inputValue("#c-name"), "2026 年度客户走访");
  assert.equal(await boss.inputValue("#q2-options"), "会，不会");
  await boss.check("input[name=channel][value=visit]");
  await boss.check("input[name=channel][value=questionnaire]");
  await Promise.all([boss.waitForURL(/\/campaigns\/\d+$/), boss.click("#campaign-create")]);
  assert.equal(await boss.getAttribute("#campaign-status", "data-status"), "draft");
  const campaignPath = new URL(boss.url()).pathname;
  await Promise.all([boss.waitForURL(/\?launched=1$/), boss.click("#campaign-launch")]);
  assert.equal(await boss.getAttribute("#campaign-status", "data-status"), "running");
  assert.equal(await boss.locator("#campaign-targets tbody tr").count(), 3);

  // The department records 西湖电力's response from the visit.
  await Promise.all([boss.waitForURL(/respond=/), boss.click("[data-record='西湖电力']")]);
  await boss.selectOption("#r-channel", "visit");
  await boss.click("[data-answer='q1-4']");
  await boss.click("[data-answer='q2-1']");
  await boss.fill("#suggestions", "希望增加现场培训");
  await Promise.all([boss.waitForURL(/\?recorded=1$/), boss.click("#respond-submit")]);
  assert.equal(await boss.locator("[data-target='西湖电力'] [data-responded]").count(), 1);

  // A link for 宁波港务, answered on the customer's phone without signing in.
  await Promise.all([boss.waitForLoadState("load"), boss.click("[data-link='宁波港务']")]);
  const url = await boss.inputValue("#campaign-link-url");
  assert.match(url, /\/q\/[0-9a-f]{64}$/);
  await screenshot(boss, "campaign-detail-link");

  const phone = await newPage(browser, server.url, PHONE);
  await phone.goto(url);
  assert.match(await phone.textContent("#q-customer"), /宁波港务/);
  await phone.click("[data-answer='q1-2']");
  await phone.click("[data-answer='q2-2']");
  await phone.fill("#suggestions", "备件到货太慢");
  await screenshot(phone, "campaign-questionnaire-phone");
  await Promise.all([phone.waitForLoadState("load"), phone.click("#q-submit")]);
  assert.equal(await phone.getAttribute("#q-closed", "data-closed"), "thanks");
  // Once only: the link opened again says it was answered.
  await phone.goto(url);
  assert.equal(await phone.getAttribute("#q-closed", "data-closed"), "used");
  await screenshot(phone, "campaign-questionnaire-used-phone");

  // The summary: both answers, per question and per region, suggestions word for word.
  await boss.goto(campaignPath);
  assert.match(await boss.textContent("#summary-counts"), /2\s*\/\s*3/);
  assert.equal((await boss.textContent("[data-result='您对产品质量的评价'] [data-mean]")).trim(), "3.00");
  assert.equal(await boss.locator("#summary-regions tbody tr").count(), 2);
  const sugg = await boss.textContent("#summary-suggestions");
  assert.match(sugg, /希望增加现场培训/);
  assert.match(sugg, /备件到货太慢/);
  await screenshot(boss, "campaign-detail-summary");

  // 绍兴纺织 gets a link but has not answered when the campaign closes.
  await Promise.all([boss.waitForLoadState("load"), boss.click("[data-link='绍兴纺织']")]);
  const late = await boss.inputValue("#campaign-link-url");

  // The manager closes the campaign, after a confirmation: closed, by whom, the final
  // coverage; no close button left.
  await boss.click("#campaign-close");
  await boss.waitForSelector("#campaign-close-confirm");
  await screenshot(boss, "campaign-close-confirm");
  await Promise.all([boss.waitForURL(/\?closed=1$/), boss.click("#campaign-close-confirm")]);
  assert.equal(await boss.getAttribute("#campaign-status", "data-status"), "closed");
  assert.match(await boss.textContent("#campaign-coverage"), /2\s*\/\s*3/);
  assert.ok((await boss.textContent("#campaign-closed-by")).trim().length > 0);
  assert.equal(await boss.locator("#campaign-close").count(), 0);
  assert.equal(await boss.locator("[data-record]").count(), 0);
  await screenshot(boss, "campaign-detail-closed");

  // The unanswered link now says the campaign has ended (410).
  const gone = await phone.goto(late);
  assert.equal(gone.status(), 410);
  assert.equal(await phone.getAttribute("#q-closed", "data-closed"), "closed");
  await screenshot(phone, "campaign-questionnaire-ended-phone");

  // The results as a download: one row per customer, each answer in its own column.
  const [csv] = await Promise.all([boss.waitForEvent("download"), boss.click("#campaign-export-csv")]);
  assert.match(csv.suggestedFilename(), /\.csv$/);
  const lines = readFileSync(await csv.path(), "utf8").replace(/^\uFEFF/, "").trim().split(/\r?\n/);
  assert.equal(lines.length, 4, "the header and the three customers");
  assert.equal(lines[0], "客户,区域,负责人,方式,日期,您对产品质量的评价,是否会再次选用,建议");
  assert.ok(lines.some((l) => l.startsWith("西湖电力") && l.includes(",4,会,希望增加现场培训")), lines.join("\n"));
  assert.ok(lines.some((l) => l.startsWith("宁波港务") && l.includes(",2,不会,备件到货太慢")), lines.join("\n"));
  assert.ok(lines.some((l) => l.startsWith("绍兴纺织") && l.endsWith(",,,,,")), lines.join("\n"));
  const [xlsx] = await Promise.all([boss.waitForEvent("download"), boss.click("#campaign-export-xlsx")]);
  assert.match(xlsx.suggestedFilename(), /\.xlsx$/);
  assert.equal(readFileSync(await xlsx.path()).subarray(0, 2).toString("latin1"), "PK");

  await boss.goto("/campaigns");
  await screenshot(boss, "campaigns-list");
});
