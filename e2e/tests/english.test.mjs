// The same path in English, chosen with the language switch on the sign-in page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../lib/server.mjs";
import { launch, newPage, login, addCustomer, recordContact, switchLanguage } from "../lib/browser.mjs";

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

test("in English: add a customer, record an emergency, see its arrival deadline", async () => {
  const page = await newPage(browser, server.url);
  await page.goto("/login");
  await switchLanguage(page, "en");
  assert.equal((await page.textContent("form.form button[type=submit]")).trim(), "Sign in");
  await login(page, "wangli");
  assert.equal((await page.textContent("main h1")).trim(), "Service desk");

  const customer = await addCustomer(page, {
    name: "Binjiang Switchgear Works",
    address: "杭州市滨江区江南大道3588号",
    contact: "Mr Zhou",
    phone: "0571-8777 1234",
  });
  assert.equal((await page.textContent(".region-line .badge")).trim(), "Hangzhou urban");
  await recordContact(page, customer, { kind: "emergency", summary: "Main breaker tripped, no power" });
  assert.match(await page.textContent(".deadline-card"), /Arrival on site/);

  await page.goto("/");
  const row = page.locator("#by-deadline tbody tr", { hasText: "Binjiang Switchgear Works" });
  assert.equal(await row.count(), 1);
  const text = await row.textContent();
  assert.match(text, /Arrival on site/);
  assert.match(text, /Due soon/);
  assert.match(text, /(60|59) min left|1 h left/);
  assert.doesNotMatch(await page.textContent("main"), /服务台/);

  // The customer's life story reads in English too.
  await page.goto(customer);
  await Promise.all([page.waitForURL(/\/story$/), page.click("#customer-story")]);
  assert.match(await page.textContent("main h1"), /Customer story: Binjiang Switchgear Works/);
  assert.match(await page.textContent(".life-kinds"), /Tickets/);
  assert.match(await page.textContent(".life-timeline"), /Main breaker tripped, no power/);
  assert.doesNotMatch(await page.textContent("main"), /[\u4e00-\u9fff]/u);
  await page.context().close();
});
