// Parts for a job, end to end (R1.5): the technician asks for parts for the job on the
// phone, the manager approves on the desk, the store clerk issues, the technician fits one
// breaker with its serial numbers and returns the fuses left over; the form is signed and
// the reviewer accepts: the job closes. A second job cannot close while a part is still
// out: the reviewer is told so, the manager writes it off, and then it closes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../lib/server.mjs";
import { launch, newPage, login, screenshot, PHONE, openMenu } from "../lib/browser.mjs";
import { apiClient, signIn, manager, jobOnSite } from "../lib/field.mjs";

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

/** A 3×2 PNG, as the signature pad would send one. */
const PNG = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0,
  0, 3, 0, 0, 0, 2, 8, 6, 0, 0, 0, 0, 0, 0, 0,
]).toString("base64");

/** The crew fills the job's form and the customer signs it (the form's own pages are tested elsewhere). */
async function signForm(api, tech, jobId) {
  const form = await api("POST", `/api/v1/jobs/${jobId}/forms`, tech, {});
  await api("PUT", `/api/v1/forms/${form.id}`, tech, {
    version: form.version, service_content: "更换断路器", fault_cause: "触头烧蚀",
    cause_analysis: "长期过载", handling: "更换并试验", responsibility: "customer_operation",
  });
  await api("POST", `/api/v1/forms/${form.id}/sign`, tech, {
    signer_name: "王工", signature_png_base64: `data:image/png;base64,${PNG}`,
  });
  return form.id;
}

/** Ask for parts for the job on its parts page: `lines` of [part id, quantity]. */
async function askForJob(phone, jobId, lines) {
  await phone.goto(`/field/jobs/${jobId}/parts`);
  await phone.click("#request-open");
  for (const [i, [part, n]] of lines.entries()) {
    await phone.selectOption(`#req-part_id_${i}`, String(part));
    await phone.fill(`#req-quantity_${i}`, String(n));
  }
  await Promise.all([phone.waitForURL(/done=request/), phone.click("#btn-request")]);
}

test("parts asked on the phone, approved, issued, fitted with serials and returned; a job with a part out closes only after the write-off", async () => {
  const api = apiClient(server.url);
  const boss = await manager(api, "zhoujing", "周经理");
  const clerk = await signIn(api, "wangli");
  const tech = await signIn(api, "lijun");
  const breaker = await api("POST", "/api/v1/parts", clerk, {
    code: "VS1-12", name: "真空断路器", unit: "台", unit_cost_fen: 1_250_000, list_price_fen: 1_680_000, serialised: true,
  });
  const fuse = await api("POST", "/api/v1/parts", clerk, {
    code: "RN2-10", name: "高压熔断器", unit: "只", unit_cost_fen: 8_000, list_price_fen: 12_000, serialised: false,
  });
  await api("POST", "/api/v1/stock/receipts", clerk, { part_id: breaker.id, quantity: 3 });
  await api("POST", "/api/v1/stock/receipts", clerk, { part_id: fuse.id, quantity: 20 });
  const job = await jobOnSite(api, boss, tech, {
    customer: "萧山配电公司", address: "浙江省杭州市萧山区建设一路66号", summary: "2号开关柜合闸后跳闸",
  });

  // The technician, on the phone, asks for a breaker and four fuses for the job.
  const phone = await newPage(browser, server.url, PHONE);
  await login(phone, "lijun");
  await phone.goto(`/field/jobs/${job.id}`);
  await Promise.all([phone.waitForURL(new RegExp(`/field/jobs/${job.id}/parts$`)), phone.click("#link-parts")]);
  await askForJob(phone, job.id, [[breaker.id, 1], [fuse.id, 4]]);
  assert.match(await phone.textContent("#parts-notice"), /申请已提交/);
  await screenshot(phone, "parts-job-phone-asked");

  // The manager sees it first in the queue and approves it.
  const desk = await newPage(browser, server.url);
  await login(desk, "zhoujing");
  await openMenu(desk, "/parts/requisitions");
  const row = desk.locator("#req-queue tbody tr").first();
  assert.match(await row.textContent(), /待审批/);
  assert.match(await row.textContent(), /VS1-12/);
  await screenshot(desk, "parts-requisitions-queue");
  await Promise.all([desk.waitForURL(/\/parts\/requisitions\/\d+$/), row.locator("a").first().click()]);
  const reqUrl = desk.url();
  await desk.fill("#note", "同意，尽快处理");
  await Promise.all([desk.waitForURL(/done=approve/), desk.click("#btn-approve")]);
  assert.match(await desk.textContent("#req-status"), /已批准/);

  // The store clerk issues it into the technician's van.
  const store = await newPage(browser, server.url);
  await login(store, "wangli");
  await store.goto(reqUrl);
  await screenshot(store, "parts-requisition-issue");
  await Promise.all([store.waitForURL(/done=issue/), store.click("#btn-issue")]);
  assert.match(await store.textContent("#req-status"), /已发料/);

  // The technician sees what they hold for the job, fits the breaker with its serials…
  await phone.goto("/field/parts");
  assert.match(await phone.textContent(".held-group"), /萧山配电公司/);
  assert.match(await phone.textContent(".held-group"), /RN2-10/);
  await screenshot(phone, "parts-mine-phone");
  await phone.goto(`/field/jobs/${job.id}/parts`);
  assert.match(await phone.textContent("#parts-out"), /5 件未归还/);
  await phone.selectOption("#use-part", String(breaker.id));
  await phone.fill("#use-quantity", "1");
  // Without the serial number of the breaker fitted: named, the rest kept.
  await phone.fill("#use-faulty", "VS1-2019-0311");
  await phone.click("#btn-use");
  assert.ok(await phone.isVisible("#use-serial-error"));
  assert.equal(await phone.inputValue("#use-faulty"), "VS1-2019-0311");
  await phone.fill("#use-serial", "VS1-2026-1102");
  await Promise.all([phone.waitForURL(/done=use/), phone.click("#btn-use")]);
  // …and returns the four fuses unused.
  await phone.selectOption("#return-held", `${fuse.id}-${job.id}`);
  await phone.fill("#return-quantity", "4");
  await Promise.all([phone.waitForURL(/done=return/), phone.click("#btn-return")]);
  assert.equal(await phone.locator("#parts-out").count(), 0);
  const tally = await phone.textContent("#tally");
  assert.match(tally, /VS1-12/);
  assert.match(await phone.textContent("#job-ledger"), /VS1-2026-1102/);
  await screenshot(phone, "parts-job-phone-settled");

  // The form signed, the reviewer accepts: the job closes; the unit's record has the part.
  const form = await signForm(api, tech, job.id);
  await desk.goto("/field/review");
  await Promise.all([desk.waitForURL(/done=accepted/), desk.click(`#review-${form} button[value=accept]`)]);
  assert.equal((await api("GET", `/api/v1/jobs/${job.id}`, boss)).status, "done");
  await desk.goto(`/field/forms/${form}/print`);
  assert.match(await desk.textContent("#print-fitted"), /VS1-2026-1102/);
  assert.match(await desk.textContent("#print-fitted"), /VS1-2019-0311/);

  // A second job: two fuses taken, one fitted, one lost.
  const job2 = await jobOnSite(api, boss, tech, {
    customer: "富阳水泥厂", address: "浙江省杭州市富阳区银湖街道8号", summary: "熔断器熔断",
  });
  await askForJob(phone, job2.id, [[fuse.id, 2]]);
  const [req2] = (await api("GET", `/api/v1/requisitions?job=${job2.id}`, boss)).items;
  await desk.goto(`/parts/requisitions/${req2.id}`);
  await Promise.all([desk.waitForURL(/done=approve/), desk.click("#btn-approve")]);
  await store.goto(`/parts/requisitions/${req2.id}`);
  await Promise.all([store.waitForURL(/done=issue/), store.click("#btn-issue")]);
  await phone.goto(`/field/jobs/${job2.id}/parts`);
  await phone.selectOption("#use-part", String(fuse.id));
  await phone.fill("#use-quantity", "1");
  await Promise.all([phone.waitForURL(/done=use/), phone.click("#btn-use")]);
  await phone.goto(`/field/jobs/${job2.id}`);
  assert.match(await phone.textContent("#job-parts-out"), /1 件备件未归还/);
  const form2 = await signForm(api, tech, job2.id);

  // The reviewer cannot accept it: told why, in words, with the way to the job's parts.
  await desk.goto("/field/review");
  await desk.click(`#review-${form2} button[value=accept]`);
  const error = await desk.textContent(`#review-${form2} .field-error`);
  assert.match(error, /还有 1 件未归还/);
  await screenshot(desk, "parts-review-gate");
  assert.equal((await api("GET", `/api/v1/jobs/${job2.id}`, boss)).status, "submitted");
  await Promise.all([
    desk.waitForURL(new RegExp(`/field/jobs/${job2.id}/parts$`)),
    desk.click(`#review-${form2} .parts-gate-link`),
  ]);

  // The manager writes the lost fuse off, saying why; then the job closes.
  const line = desk.locator("#held-for-job li").first();
  await line.locator("summary").click();
  await line.locator("select[name=cause]").selectOption("lost");
  await line.locator("textarea[name=reason]").fill("现场遗失，已告知客户");
  await Promise.all([desk.waitForURL(/done=write_off/), line.locator("button[type=submit]").click()]);
  assert.equal(await desk.locator("#parts-out").count(), 0);
  await desk.goto("/field/review");
  await Promise.all([desk.waitForURL(/done=accepted/), desk.click(`#review-${form2} button[value=accept]`)]);
  assert.equal((await api("GET", `/api/v1/jobs/${job2.id}`, boss)).status, "done");
});
