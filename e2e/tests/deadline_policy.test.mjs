// The manager edits the deadline policy as data: adds a business calendar with the Spring
// Festival holidays, counts consultations on it, tries a contact received on a holiday in
// the "try it" box, saves, and sees version 1 in the list; a mistake keeps what was typed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, ADMIN_PASSWORD } from "../lib/server.mjs";
import { launch, newPage, login, screenshot, switchLanguage } from "../lib/browser.mjs";

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

/** The target line of consultations (the built-in policy has one). */
async function consultationRow(page) {
  const rows = page.locator("tr[data-target-row]");
  const n = await rows.count();
  for (let i = 0; i < n; i++) {
    const kind = await rows.nth(i).locator("select[name$='.ticket_kind']").inputValue();
    if (kind === "consultation") return rows.nth(i);
  }
  throw new Error("no consultation target");
}

test("a business calendar for consultations, tried and saved", async () => {
  const page = await newPage(browser, server.url);
  await login(page, "admin", ADMIN_PASSWORD);
  assert.equal(await page.locator("nav a[href='/settings/deadlines']").count(), 1, "the menu offers the policy");
  await page.goto("/settings/deadlines");
  assert.match(await page.textContent("#policy-in-force"), /第 0 版/);
  await screenshot(page, "deadline-policy");

  // A new calendar: its name appears in the Clock lists as it is typed.
  const cal = page.locator("fieldset.policy-new-calendar");
  await cal.locator("input[name$='.name']").fill("办公时间");
  await cal.locator("textarea[name$='.holidays']").fill("2027-02-10..2027-02-16");
  const row = await consultationRow(page);
  await row.locator("select[data-clock]").selectOption("办公时间");
  await page.fill("#note", "咨询按办公时间计算");

  // A mistake: Tuesday's hours in words. Everything typed is kept.
  await cal.locator("input[name$='.week[1]']").fill("九点到五点");
  await Promise.all([page.waitForLoadState("load"), page.click("#save-policy")]);
  assert.match(await page.textContent("#error-summary"), /星期二/);
  const kept = page.locator("fieldset.policy-calendar").first();
  assert.equal(await kept.locator("input[name$='.name']").inputValue(), "办公时间");
  assert.equal(await kept.locator("input[name$='.week[1]']").inputValue(), "九点到五点");
  assert.equal(await kept.locator("textarea[name$='.holidays']").inputValue(), "2027-02-10..2027-02-16");
  assert.equal(await (await consultationRow(page)).locator("select[data-clock]").inputValue(), "办公时间");
  assert.equal(await page.inputValue("#note"), "咨询按办公时间计算");
  await screenshot(page, "deadline-policy-mistake");

  // Corrected, then tried on a contact received on Friday 12 February 2027 (a holiday).
  await kept.locator("input[name$='.week[1]']").fill("08:30-12:00, 13:00-17:30");
  await page.selectOption("#try-kind", "consultation");
  await page.selectOption("#try-region", "hangzhou_urban");
  await page.fill("#try-received", "2027-02-12T10:00");
  await page.click("#try-button");
  await page.locator("#try-result p").first().waitFor();
  const answer = await page.textContent("#try-result");
  assert.match(answer, /2027-02-18 13:30/);
  assert.match(answer, /办公时间/);
  assert.match(answer, /时限政策第 1 版/);
  await screenshot(page, "deadline-policy-try");

  // Saved: version 1 is in force and listed with who, when and the note.
  await Promise.all([page.waitForLoadState("load"), page.click("#save-policy")]);
  assert.match(await page.textContent("#policy-saved"), /第 1 版已保存/);
  assert.match(await page.textContent("#policy-in-force"), /1/);
  const first = page.locator("#versions tbody tr").first();
  assert.match(await first.textContent(), /版本 1/);
  assert.match(await first.textContent(), /咨询按办公时间计算/);
  await screenshot(page, "deadline-policy-saved");

  // The version, read only.
  await Promise.all([page.waitForLoadState("load"), first.locator("a").click()]);
  assert.match(await page.textContent("main"), /办公时间/);
  assert.match(await page.textContent("main"), /2027-02-16/);
  assert.equal(await page.locator("main input").count(), 0);
  await screenshot(page, "deadline-policy-version");

  // In English, the same page reads in English.
  await page.goto("/settings/deadlines");
  await switchLanguage(page, "en");
  assert.match(await page.textContent("h1"), /Deadline policy/);
  assert.match(await page.textContent("#versions"), /Consultations counted|咨询按办公时间计算/);
  assert.match(await page.textContent("#targets"), /Working hours: 办公时间/);
  await screenshot(page, "deadline-policy-en");
});
