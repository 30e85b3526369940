// Returns (R2.2, R2.5): a clerk records two requests on a unit whose warranty has ended;
// the service manager sees them on /returns with the rule that decides each, refuses the
// one the rules do not allow, approves the confirmed quality problem and records its losses.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, ADMIN_PASSWORD, PASSWORD } from "../lib/server.mjs";
import { launch, newPage, login, screenshot, openMenu } from "../lib/browser.mjs";

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

/** A JSON API call; answers the parsed body, failing on an unexpected status. */
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

/** `YYYY-MM-DD`, `years` years before today (Asia/Shanghai). */
function yearsAgo(years) {
  const today = new Date(Date.now() + 8 * 3600_000);
  today.setUTCFullYear(today.getUTCFullYear() - years);
  return today.toISOString().slice(0, 10);
}

test("a clerk requests returns; the manager refuses the one out of warranty and approves the quality problem", async () => {
  // Setup through the API, as admin: a manager, a customer, a model and a unit commissioned
  // three years ago (its two-year warranty has ended).
  const { token: admin } = await api("POST", "/api/v1/sessions", null, { username: "admin", password: ADMIN_PASSWORD });
  await api("POST", "/api/v1/users", admin, {
    username: "zhougang",
    display_name: "周刚",
    role: "service_manager",
    password: PASSWORD,
  });
  const customer = await api("POST", "/api/v1/customers", admin, {
    name: "萧山临江变电所",
    address: "杭州市萧山区临江工业园区纬五路1号",
    contacts: [],
  });
  await api("POST", "/api/v1/product-models", admin, {
    code: "KYN28A-12",
    name: "铠装移开式交流金属封闭开关设备",
    product_line: "中压开关柜",
  });
  const unit = await api("POST", "/api/v1/units", admin, {
    customer_id: customer.id,
    model_code: "KYN28A-12",
    serial_no: "SB2023-0042",
    shipped_on: yearsAgo(3),
    commissioned_on: yearsAgo(3),
  });

  // The clerk records a request the rules will not allow: the form says so before saving.
  const clerk = await newPage(browser, server.url);
  await login(clerk, "wangli");
  await clerk.goto(`/units/${unit.id}/returns/new`);
  assert.match(await clerk.textContent(".notice"), /SB2023-0042|保修|修/);
  const nmrHint = await clerk.textContent("label[for=ground-not_meeting_requirements]");
  assert.match(nmrHint, /✗/);
  assert.match(nmrHint, /R2\.2/);
  await clerk.check("#ground-not_meeting_requirements");
  await clerk.fill("#description", "负荷增加后容量不够，客户要求退货");
  await Promise.all([clerk.waitForURL(/\/returns\/\d+\?saved=requested$/), clerk.click("form.form button[type=submit]")]);
  assert.match(await clerk.textContent(".notice-ok"), /已登记/);
  assert.match(await clerk.textContent(".return-rule"), /r2_2_outside_warranty/);
  const refusedPath = new URL(clerk.url()).pathname;

  // A quality problem without saying who confirmed it is sent back, keeping what was typed.
  await clerk.goto(`/units/${unit.id}/returns/new`);
  await clerk.check("#ground-quality_problem");
  await clerk.fill("#description", "断路器多次拒合，触头烧蚀");
  await clerk.click("form.form button[type=submit]");
  await clerk.waitForSelector("#confirmation-error");
  assert.match(await clerk.textContent("#error-summary"), /确认人及依据/);
  assert.equal(await clerk.inputValue("#description"), "断路器多次拒合，触头烧蚀");
  assert.ok(await clerk.isChecked("#ground-quality_problem"));
  await screenshot(clerk, "returns-new-errors-zh");
  await clerk.fill("#confirmation", "质检部检验报告 QC-2026-118，张伟");
  await Promise.all([clerk.waitForURL(/\/returns\/\d+\?saved=requested$/), clerk.click("form.form button[type=submit]")]);
  assert.match(await clerk.textContent(".return-rule"), /r2_5_confirmed_quality_problem/);
  const approvedPath = new URL(clerk.url()).pathname;
  // A clerk sees no decision form.
  assert.equal(await clerk.locator("form.return-decide").count(), 0);

  // The manager's list: both awaiting a decision, each with its rule.
  const manager = await newPage(browser, server.url);
  await login(manager, "zhougang");
  await manager.goto("/");
  await openMenu(manager, "/returns");
  const refusedId = refusedPath.split("/").pop();
  const approvedId = approvedPath.split("/").pop();
  const outCard = manager.locator(`#return-${refusedId}`);
  const qualityCard = manager.locator(`#return-${approvedId}`);
  assert.match(await outCard.textContent(), /不符合规定/);
  assert.match(await outCard.textContent(), /保修期已于 \d{4}-\d{2}-\d{2} 结束/);
  assert.match(await outCard.textContent(), /r2_2_outside_warranty/);
  assert.equal(await outCard.locator("button[value='1']").count(), 0, "no approve button when not eligible");
  assert.match(await qualityCard.textContent(), /R2\.5/);
  await screenshot(manager, "returns-list-zh");

  // A refusal needs a reason: sent back naming it.
  await outCard.locator("button[value='0']").click();
  await manager.waitForSelector(`#reason-${refusedId}-error`);
  assert.equal(await manager.locator("#error-summary").count(), 1);
  await manager.fill(`#reason-${refusedId}`, "已过保修期，按 R2.2 不能以不满足要求为由退货");
  await Promise.all([manager.waitForURL(/\?saved=refused$/), manager.click("form.return-decide button[value='0']")]);
  assert.match(await manager.textContent(".status-lg"), /已拒绝/);

  // Approve the quality problem from the list.
  await manager.goto("/returns");
  await manager.fill(`#reason-${approvedId}`, "质量问题经质检确认，无条件退货");
  await Promise.all([
    manager.waitForURL(/\/returns\?done=approved$/),
    manager.locator(`#return-${approvedId} button[value='1']`).click(),
  ]);
  assert.match(await manager.textContent(".notice-ok"), /已批准/);
  assert.match(await manager.textContent(".empty"), /没有待决定/);

  // Its losses: the company bears them (the only choice), which closes it.
  await manager.goto(approvedPath);
  const bearers = await manager.locator("#borne_by option").allTextContents();
  assert.deepEqual(bearers, ["公司"]);
  await manager.fill("#amount", "12,500");
  await manager.fill("#note", "运费 800，更换柜体 11,700");
  await Promise.all([manager.waitForURL(/\?saved=losses$/), manager.click("text=登记损失并结案")]);
  assert.match(await manager.textContent(".status-lg"), /已结案/);
  assert.match(await manager.textContent("main"), /¥12500\.00，由公司承担/);
  await screenshot(manager, "returns-detail-closed-zh");

  await clerk.context().close();
  await manager.context().close();
});
