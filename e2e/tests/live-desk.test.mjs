// The service desk stays current without a reload: a ticket recorded elsewhere (here
// through the API, as another person) appears on an open desk; a breached one among the
// breached; rows are never doubled; "mine only" stays mine only.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, ADMIN_PASSWORD } from "../lib/server.mjs";
import { launch, newPage, login } from "../lib/browser.mjs";

let server;
let browser;
let token;

async function api(method, path, body) {
  const r = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await r.json();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

/** A ticket recorded by another person, received `minutesAgo` minutes ago. */
async function recordElsewhere(name, kind, minutesAgo = 0) {
  const c = await api("POST", "/customers", {
    name,
    address: "浙江省杭州市上城区解放路",
    contacts: [{ name: "冯工", phone: "0571-8700 0000" }],
  });
  const received = new Date(Date.now() - minutesAgo * 60_000).toISOString();
  return api("POST", "/tickets", {
    kind,
    channel: "phone",
    customer_id: c.id,
    received_at: received,
    summary: `${name}：配电柜故障`,
  });
}

/** Resolves after the desk has fetched itself `n` more times. */
async function polls(page, n) {
  const start = Number((await page.getAttribute("#desk-live", "data-polls")) || 0);
  await page.waitForFunction(
    (want) => Number(document.getElementById("desk-live").getAttribute("data-polls") || 0) >= want,
    start + n,
  );
}

before(async () => {
  server = await startServer();
  browser = await launch();
  token = (await api("POST", "/sessions", { username: "admin", password: ADMIN_PASSWORD })).token;
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("a ticket recorded by a colleague appears on an open desk without a reload", async () => {
  const page = await newPage(browser, server.url);
  await login(page, "wangli");
  let loads = 0;
  page.on("load", () => {
    loads += 1;
  });
  await page.goto("/?poll_ms=500");
  assert.equal(loads, 1);
  assert.equal((await page.textContent("#fig-open")).trim(), "0");
  // A link of the desk keeps the focus through the refreshes.
  await page.focus("#desk-live a.figure-open");

  await recordElsewhere("上城区某写字楼", "emergency");
  const row = page.locator("#by-deadline tbody tr", { hasText: "上城区某写字楼" });
  await row.waitFor();
  assert.match(await row.textContent(), /到场时限/);
  assert.equal((await page.textContent("#fig-open")).trim(), "1");

  // Received two hours ago with a one-hour arrival deadline: among the breached.
  await recordElsewhere("上城区某商场", "emergency", 120);
  const late = page.locator("#by-deadline tbody tr.row-breached", { hasText: "上城区某商场" });
  await late.waitFor();
  assert.equal((await page.textContent("#fig-breached")).trim(), "1");
  assert.equal((await page.textContent("#fig-open")).trim(), "2");

  await polls(page, 3);
  assert.equal(await row.count(), 1, "never doubled");
  assert.equal(await late.count(), 1, "never doubled");
  assert.equal(await page.locator("#desk-live #by-deadline").count(), 1);
  assert.equal(
    await page.evaluate(() => document.activeElement.getAttribute("href")),
    "/tickets?status=open",
    "the focus stays",
  );
  assert.equal(loads, 1, "no reload");
  await page.context().close();
});

test("mine only stays mine only while it refreshes", async () => {
  const page = await newPage(browser, server.url);
  await login(page, "wangli");
  await page.goto("/?mine=1&poll_ms=500");
  const t = await recordElsewhere("拱墅区某工厂", "complaint_quality");
  await polls(page, 2);
  assert.equal(await page.locator("#desk-live tbody tr", { hasText: "拱墅区某工厂" }).count(), 0);
  // Assigned to this clerk elsewhere: it comes onto "mine".
  const users = await api("GET", "/users?role=service_clerk");
  const clerkId = users.find((u) => u.username === "wangli")?.id;
  assert.ok(clerkId, "the clerk's id");
  await api("POST", `/tickets/${t.id}/events`, { type: "assign", assignee_id: clerkId, version: t.version });
  await page.locator("#desk-live tbody tr", { hasText: "拱墅区某工厂" }).waitFor();
  assert.match(page.url(), /mine=1/);
  await page.context().close();
});
