// Accounts (issue 12, sign-in under attack): the administrator adds a new colleague (a
// weak first password is refused and what was typed is kept), changes a technician's
// role, and deactivates someone who left, whose open session ends at once. A colleague
// changes their own password from their name in the header. Screenshots of each page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, ADMIN_PASSWORD, PASSWORD } from "../lib/server.mjs";
import { launch, newPage, login, screenshot, openMenu, PHONE } from "../lib/browser.mjs";

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

test("the administrator adds, changes and deactivates accounts; the one who left is signed out at once", async () => {
  // 赵敏 is signed in on her phone when she leaves the company.
  const leaver = await newPage(browser, server.url, PHONE);
  await login(leaver, "zhaomin");

  const admin = await newPage(browser, server.url);
  await login(admin, "admin", ADMIN_PASSWORD);
  await openMenu(admin, "/settings/users");
  await admin.waitForURL(/\/settings\/users$/);
  assert.match(await admin.textContent("h1"), /账号管理/);
  assert.equal(await admin.locator("tr[data-account]").count(), 4);

  // A first password anyone would guess is refused; the name and user name stay typed.
  await admin.fill("#display_name", "孙强");
  await admin.fill("#username", "sun.qiang");
  await admin.selectOption("#role", "technician");
  await admin.fill("#password", "12345678");
  await Promise.all([admin.waitForLoadState("load"), admin.click("#new-user-form button[type=submit]")]);
  assert.match(await admin.textContent("#password-error"), /太常见/);
  assert.equal(await admin.inputValue("#display_name"), "孙强");
  assert.equal(await admin.inputValue("#username"), "sun.qiang");
  assert.equal(await admin.inputValue("#role"), "technician");
  await admin.fill("#password", "去现场 2026");
  await Promise.all([admin.waitForURL(/done=created/), admin.click("#new-user-form button[type=submit]")]);
  assert.equal(await admin.locator("tr[data-account='sun.qiang']").count(), 1);
  await screenshot(admin, "accounts-list");

  // 李军 becomes a senior engineer.
  await Promise.all([admin.waitForURL(/\/settings\/users\/\d+$/), admin.click("tr[data-account='lijun'] a")]);
  await admin.selectOption("#role", "senior_engineer");
  await Promise.all([admin.waitForURL(/done=changed/), admin.click("#user-form button[type=submit]")]);
  assert.match(await admin.textContent("tr[data-account='lijun']"), /高级工程师/);

  // 赵敏 left: untick "may sign in".
  await Promise.all([admin.waitForURL(/\/settings\/users\/\d+$/), admin.click("tr[data-account='zhaomin'] a")]);
  await admin.uncheck("#active");
  await Promise.all([admin.waitForURL(/done=changed/), admin.click("#user-form button[type=submit]")]);
  assert.match(await admin.textContent("tr[data-account='zhaomin']"), /已停用/);
  await Promise.all([admin.waitForURL(/\/settings\/users\/\d+$/), admin.click("tr[data-account='zhaomin'] a")]);
  assert.match(await admin.textContent("#user-history"), /停用/);
  assert.match(await admin.textContent("#user-history"), /结束了 1 个登录会话/);
  await screenshot(admin, "accounts-detail");

  // Her phone's next page goes to the sign-in page, and her password no longer works.
  await leaver.reload();
  await leaver.waitForURL(/\/login/);
  await leaver.fill("#username", "zhaomin");
  await leaver.fill("#password", PASSWORD);
  await Promise.all([leaver.waitForLoadState("load"), leaver.click(".login-card button[type=submit]")]);
  assert.match(leaver.url(), /\/login/);
});

test("a colleague changes their own password from their name in the header", async () => {
  const page = await newPage(browser, server.url);
  await login(page, "wangli");
  await Promise.all([page.waitForURL(/\/account\/password$/), page.click("#who")]);
  assert.match(await page.textContent("h1"), /修改密码/);
  await page.fill("#current_password", PASSWORD);
  await page.fill("#new_password", "前台 接待 2026");
  await page.fill("#repeat", "前台 接待 2025");
  await Promise.all([page.waitForLoadState("load"), page.click("#password-form button[type=submit]")]);
  assert.match(await page.textContent("#repeat-error"), /不一致/);
  await page.fill("#current_password", PASSWORD);
  await page.fill("#new_password", "前台 接待 2026");
  await page.fill("#repeat", "前台 接待 2026");
  await Promise.all([page.waitForURL(/done=1/), page.click("#password-form button[type=submit]")]);
  assert.match(await page.textContent(".notice-ok"), /密码已修改/);
  await screenshot(page, "account-password");

  // The new password opens a new session; the old one does not.
  const phone = await newPage(browser, server.url, PHONE);
  await login(phone, "wangli", "前台 接待 2026");
  await screenshot(phone, "account-password-phone-signed-in");
});
