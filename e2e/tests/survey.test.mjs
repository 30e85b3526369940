// The satisfaction survey (R5.3) on a phone: once the customer has signed, the technician
// hands over the phone and the customer rates the service; for another job the technician
// shows a link's QR code, and the customer answers later in a browser that never signed
// in — once only.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../lib/server.mjs";
import { launch, newPage, login, screenshot, PHONE } from "../lib/browser.mjs";
import { apiOf, tokenOf, jobOnSite, signed } from "../lib/field_survey.mjs";

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

async function rate(page, scores) {
  for (const [q, s] of Object.entries(scores)) {
    await page.click(`label.score:has(input[data-score="${q}-${s}"])`);
  }
}

test("the customer rates the service on the technician's phone, then through a link", async () => {
  const api = apiOf(server);
  const clerk = await tokenOf(api, "wangli");
  const tech = await tokenOf(api, "lijun");
  const first = await jobOnSite(api, clerk, tech, { name: "桐庐自来水厂", address: "浙江省杭州市桐庐县城南街道迎春南路 8 号" });
  const second = await jobOnSite(api, clerk, tech, { name: "富阳造纸厂", address: "浙江省杭州市富阳区银湖街道 12 号" });

  const phone = await newPage(browser, server.url, PHONE);
  await login(phone, "lijun");
  // Before the signature there is nothing to answer.
  await phone.goto(`/field/jobs/${first.id}/survey`);
  assert.ok(await phone.isVisible("#survey-not-open"));
  await signed(api, tech, first.id);
  await signed(api, tech, second.id);

  await phone.goto(`/field/jobs/${first.id}/survey`);
  await rate(phone, { on_time: 5, attitude: 5, competence: 4 });
  await phone.fill("#comment", "师傅来得很快，讲解也清楚。");
  // One question forgotten: named, and what was chosen is kept.
  await Promise.all([phone.waitForLoadState("load"), phone.click("#survey-submit")]);
  assert.ok(await phone.isVisible("#q-solved-error"));
  assert.ok(await phone.isChecked('input[data-score="competence-4"]'));
  assert.equal(await phone.inputValue("#comment"), "师傅来得很快，讲解也清楚。");
  await rate(phone, { solved: 5, overall: 5 });
  await screenshot(phone, "survey-phone");
  await Promise.all([phone.waitForURL(/\/survey\?answered=1$/), phone.click("#survey-submit")]);
  assert.match(await phone.textContent("#survey-notice"), /感谢/);
  assert.match(await phone.textContent("#survey-answers"), /技术水平\s*4/);

  // The second job: a link with its QR code to show the customer.
  await phone.goto(`/field/jobs/${second.id}/survey`);
  await Promise.all([phone.waitForLoadState("load"), phone.click("#issue-link")]);
  assert.ok(await phone.isVisible("svg.survey-qr"));
  await screenshot(phone, "survey-link-qr");
  const link = await phone.getAttribute("#survey-url", "href");
  assert.match(link, /\/survey\/[0-9a-f]{64}$/);

  // The customer, later, on their own phone: no sign-in.
  const customer = await newPage(browser, server.url, PHONE);
  await customer.goto(link);
  assert.equal(new URL(customer.url()).pathname, new URL(link).pathname, "not sent to sign in");
  assert.match(await customer.textContent("#survey-job"), /维修/);
  await rate(customer, { on_time: 4, attitude: 5, competence: 5, solved: 4, overall: 4 });
  await screenshot(customer, "survey-public");
  await Promise.all([customer.waitForLoadState("load"), customer.click("#survey-submit")]);
  assert.equal(await customer.getAttribute("#survey-closed", "data-closed"), "thanks");
  // The link works once.
  const again = await customer.goto(link);
  assert.equal(again.status(), 410);
  assert.equal(await customer.getAttribute("#survey-closed", "data-closed"), "used");

  // The technician sees the answers on the job's survey page.
  await phone.goto(`/field/jobs/${second.id}/survey`);
  assert.match(await phone.textContent("#survey-answers"), /总体满意度\s*4/);

  // The job's archive: the job, its trip, the survey; printable and downloadable.
  await phone.goto(`/field/jobs/${first.id}/archive`);
  assert.match(await phone.textContent("#archive-job"), /桐庐自来水厂/);
  assert.match(await phone.textContent("#archive-trips"), /李军/);
  assert.match(await phone.textContent("#archive-survey"), /技术水平\s*4/);
  // The signed feedback form is in the archive, its signature with it.
  assert.match(await phone.textContent("#archive-forms"), /更换断路器，试运行正常/);
  assert.match(await phone.textContent("#archive-forms"), /王工/);
  await screenshot(phone, "job-archive");
  const file = await phone.request.get(`/field/jobs/${first.id}/archive?download=1`);
  assert.equal(file.status(), 200);
  assert.match(file.headers()["content-disposition"], /^attachment; filename="archive-SB\d{8}\.html"$/);
  const html = await file.text();
  assert.match(html, /<style>/);
  assert.doesNotMatch(html, /<link rel="stylesheet"/, "self-contained");
  assert.match(html, /师傅来得很快/);
  // The signature travels inside the file, not as a link back to the server.
  assert.match(html, /src="data:image\/png;base64,/);
  assert.doesNotMatch(html, /src="\/api\/v1\/files\//);
});
