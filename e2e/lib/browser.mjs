// Debian's Chromium, driven by playwright-core (no browser download), and the steps the
// tests share.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { PASSWORD } from "./server.mjs";

const here = dirname(fileURLToPath(import.meta.url));
export const SCREENSHOTS = join(here, "..", "screenshots");

export const DESKTOP = { viewport: { width: 1280, height: 800 } };
export const PHONE = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
};

const LAUNCH = {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
  ],
};

/**
 * Start Chromium. On a loaded machine it now and then exits while starting ("browser has
 * been closed" before any page): that start is tried once more, so a test fails for what
 * it tests, not for the browser's start.
 */
export async function launch() {
  try {
    return await chromium.launch(LAUNCH);
  } catch (e) {
    if (!/has been closed|Timeout/.test(String(e?.message))) throw e;
    console.error(`Chromium did not start (${String(e.message).split("\n")[0]}); starting it again`);
    return chromium.launch(LAUNCH);
  }
}

/** A new page of a fresh context (no cookies), at `baseURL`. */
export async function newPage(browser, baseURL, device = DESKTOP, locale = "zh-CN") {
  const context = await browser.newContext({ ...device, baseURL, locale, timezoneId: "Asia/Shanghai" });
  context.setDefaultTimeout(10_000);
  return context.newPage();
}

/** Sign in; on the sign-in page already (e.g. after being sent there), stay on it. */
export async function login(page, username, password = PASSWORD) {
  if (!new URL(page.url()).pathname.startsWith("/login")) await page.goto("/login");
  await page.fill("#username", username);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.click(".login-card button[type=submit]")]);
}

export async function switchLanguage(page, code) {
  await Promise.all([page.waitForLoadState("load"), page.click(`form.lang button[value=${code}]`)]);
  await page.waitForSelector(`html[lang^=${code}]`);
}

/** Fill and save the new-customer form; returns the customer's page path. */
export async function addCustomer(page, { name, address, contact, phone }) {
  await page.goto("/customers/new");
  await page.fill("#name", name);
  await page.fill("#address", address);
  await page.fill("[name='contacts[0].name']", contact);
  await page.fill("[name='contacts[0].phone']", phone);
  await Promise.all([page.waitForURL(/\/customers\/\d+\?saved=1$/), page.click("form.form button[type=submit]")]);
  return new URL(page.url()).pathname;
}

/** Record a contact for a customer on the intake form; returns the ticket's page path. */
export async function recordContact(page, customerPath, { kind, summary, unit }) {
  const id = customerPath.split("/").pop();
  await page.goto(`/tickets/new?customer_id=${id}`);
  await page.selectOption("#kind", kind);
  if (unit) await page.fill("#unit_text", unit);
  await page.fill("#summary", summary);
  await Promise.all([page.waitForURL(/\/tickets\/\d+\?created=1$/), page.click("#save-ticket")]);
  return new URL(page.url()).pathname;
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Open the menu entry `href` as a person does: its group first when it sits in one. */
export async function openMenu(page, href) {
  const link = page.locator(`nav.nav a[href='${href}']`).first();
  const group = page.locator(`nav.nav details:has(a[href='${href}'])`).first();
  if ((await group.count()) > 0 && !(await group.evaluate((d) => d.open))) {
    await group.locator("summary").click();
  }
  await Promise.all([page.waitForURL((u) => u.pathname === href), link.click()]);
}
