// The technician's phone (R4.4) at a phone's size: a technician signs in and lands on the
// day's jobs, opens the emergency sent to them, taps 出发 then 到达 (the phone gives its
// position, which is stored with the server's time stamp), takes the arrival back within
// its window, and arrives again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, PASSWORD, ADMIN_PASSWORD } from "../lib/server.mjs";
import { launch, login, screenshot, PHONE } from "../lib/browser.mjs";

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

async function api(method, path, token, body, want = 200) {
  const r = await fetch(`${server.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  assert.equal(r.status, want, `${method} ${path}: ${text}`);
  return JSON.parse(text);
}

const HERE = { latitude: 30.27415, longitude: 120.15515, accuracy: 12 };

test("a technician on a phone sets off, arrives with the phone's position, undoes and arrives again", async () => {
  const { token: clerk } = await api("POST", "/api/v1/sessions", null, { username: "wangli", password: PASSWORD }, 201);
  const techs = await api("GET", "/api/v1/users?role=technician", clerk);
  const lijun = techs.find((u) => u.username === "lijun");
  const customer = await api("POST", "/api/v1/customers", clerk, {
    name: "杭州钱江电气", address: "杭州市西湖区文三路478号", contacts: [],
  }, 201);
  // A unit out of warranty (free repair), with a ticket from before: its history.
  const { token: admin } = await api("POST", "/api/v1/sessions", null, { username: "admin", password: ADMIN_PASSWORD }, 201);
  await api("POST", "/api/v1/product-models", admin, { code: "KYN28-12", name: "中置式开关柜", product_line: "中压开关柜" }, 201);
  const commissioned = new Date(Date.now() - 800 * 86400_000).toISOString().slice(0, 10);
  const unit = await api("POST", "/api/v1/units", clerk, {
    customer_id: customer.id, model_code: "KYN28-12", serial_no: "KY-2023-0815", commissioned_on: commissioned,
  }, 201);
  await api("POST", "/api/v1/tickets", clerk, {
    kind: "repair", channel: "phone", customer_id: customer.id, unit_id: unit.id, summary: "柜内加热器不工作",
  }, 201);
  const ticket = await api("POST", "/api/v1/tickets", clerk, {
    kind: "emergency", channel: "phone", customer_id: customer.id, unit_id: unit.id, summary: "10kV 配电柜跳闸，全厂停电",
  }, 201);
  let job = await api("POST", `/api/v1/tickets/${ticket.id}/jobs`, clerk, {
    contact_name: "张建国", contact_phone: "138 0013 8000",
  }, 201);
  job = await api("POST", `/api/v1/jobs/${job.id}/dispatch`, clerk, { version: job.version, technician_ids: [lijun.id] });

  const context = await browser.newContext({
    ...PHONE, baseURL: server.url, locale: "zh-CN", timezoneId: "Asia/Shanghai",
  });
  context.setDefaultTimeout(15_000);
  await context.grantPermissions(["geolocation"]);
  await context.setGeolocation(HERE);
  const phone = await context.newPage();

  // Signed in, the technician lands on the day's jobs, not the desk.
  await login(phone, "lijun");
  assert.equal(new URL(phone.url()).pathname, "/field/today");
  assert.match(await phone.textContent("#today-jobs"), /杭州钱江电气/);
  assert.match(await phone.textContent("#today-jobs .dl-rel"), /剩/);
  await screenshot(phone, "field-today-phone");

  // The job: where to go, whom to call, the deadline; then 出发.
  await Promise.all([phone.waitForURL(/\/field\/jobs\/\d+$/), phone.click("#today-jobs a.job-card")]);
  assert.equal(await phone.getAttribute("#link-call", "href"), "tel:13800138000");
  assert.match(await phone.getAttribute("#link-map", "href"), /^geo:0,0\?q=%E6%9D%AD/);
  assert.match(await phone.textContent("#job-unit"), /KYN28-12 · KY-2023-0815/);
  assert.match(await phone.textContent("#job-coverage"), /免费/);
  assert.match(await phone.textContent("#job-history"), /柜内加热器不工作/);
  await screenshot(phone, "field-job-phone");
  const box = await phone.locator("#btn-depart").boundingBox();
  assert.ok(box.height >= 48 && box.width >= 300, `a thumb-sized button: ${JSON.stringify(box)}`);
  await Promise.all([phone.waitForURL(/done=depart$/), phone.click("#btn-depart")]);
  assert.match(await phone.textContent("#job-status"), /在途/);

  // 到达: the page's script asks for the position and sends it with the form.
  await Promise.all([phone.waitForURL(/done=arrive$/), phone.click("#btn-arrive")]);
  assert.match(await phone.textContent("#job-arrival"), /到场时限已满足/);
  assert.match(await phone.textContent("#job-trips"), /30\.27415, 120\.15515/);
  let stored = await api("GET", `/api/v1/jobs/${job.id}`, clerk);
  assert.equal(stored.trips[0].position.lat, HERE.latitude);
  assert.equal(stored.trips[0].position.lon, HERE.longitude);
  assert.ok(stored.trips[0].arrived_at);
  await screenshot(phone, "field-job-arrived-phone");

  // Taken back within the window, then arrived again.
  await Promise.all([phone.waitForURL(/done=undo$/), phone.click("#btn-undo")]);
  assert.equal(await phone.locator("#job-arrival").count(), 0);
  stored = await api("GET", `/api/v1/jobs/${job.id}`, clerk);
  assert.equal(stored.trips[0].arrived_at, null);
  await Promise.all([phone.waitForURL(/done=arrive$/), phone.click("#btn-arrive")]);
  stored = await api("GET", `/api/v1/jobs/${job.id}`, clerk);
  assert.equal(stored.status, "on_site");
  assert.equal(stored.trips[0].position.lat, HERE.latitude);
  const t = await api("GET", `/api/v1/tickets/${ticket.id}`, clerk);
  assert.equal(t.deadlines.find((d) => d.kind === "arrival").state, "met");
  await context.close();
});
