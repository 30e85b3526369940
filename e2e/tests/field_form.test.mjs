// The feedback form on a phone (R1.2, R4.5): the technician on site fills it, attaches a
// photo, the customer signs with a finger (here the mouse) on the screen; the manager
// reviews it on the desk and accepts it; the form prints on one A4 page, in Chinese.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { startServer } from "../lib/server.mjs";
import { launch, newPage, login, screenshot, PHONE, SCREENSHOTS } from "../lib/browser.mjs";
import { apiClient, signIn, manager, jobOnSite, photoBytes } from "../lib/field.mjs";

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

test("a technician fills the form with a photo, the customer signs, the manager accepts, it prints on A4", async () => {
  const api = apiClient(server.url);
  const boss = await manager(api, "zhoujing", "周经理");
  const tech = await signIn(api, "lijun");
  const job = await jobOnSite(api, boss, tech, {
    customer: "萧山配电公司", address: "浙江省杭州市萧山区建设一路66号", summary: "2号开关柜合闸后跳闸",
  });

  const phone = await newPage(browser, server.url, PHONE);
  await login(phone, "lijun");
  const started = phone.waitForResponse((r) => r.url().endsWith(`/api/v1/jobs/${job.id}/forms`) && r.request().method() === "POST");
  await phone.goto(`/field/jobs/${job.id}/form`);
  const form = await (await started).json();
  assert.equal(form.status, "draft");
  assert.match(await phone.textContent(".phone-customer"), /萧山配电公司/);
  // The start time is the arrival, the end time now: both filled.
  assert.notEqual(await phone.inputValue("[data-field=started_at]"), "");
  assert.notEqual(await phone.inputValue("[data-field=ended_at]"), "");

  await phone.fill("[data-field=service_content]", "更换2号柜断路器并做分合闸试验");
  await phone.fill("[data-field=fault_cause]", "断路器触头烧蚀");
  await phone.fill("[data-field=cause_analysis]", "长期过负荷运行，触头温升过高");
  await phone.fill("[data-field=handling]", "停电、验电、更换断路器，试验合格后送电");
  await phone.selectOption("[data-field=responsibility]", "customer_operation");
  await phone.click("[data-add-part]");
  await phone.fill("[data-part] [data-p=name]", "真空断路器 VS1-12");
  await phone.fill("[data-part] [data-p=quantity]", "1");
  await phone.fill("[data-part] [data-p=faulty_serial]", "VS1-2019-0817");
  await phone.fill("[data-part] [data-p=replacement_serial]", "VS1-2026-1102");
  await phone.click("[data-save]");
  await phone.waitForSelector(".phone-status.is-ok");

  // A photo from the camera: resized on the phone (≤ 1600 px), uploaded, shown.
  const png = await photoBytes(phone, 2400, 1800);
  await phone.setInputFiles("[data-photo-input]", { name: "fault.png", mimeType: "image/png", buffer: png });
  await phone.waitForSelector("[data-thumbs] img");
  await phone.waitForFunction(() => {
    const img = document.querySelector("[data-thumbs] img");
    return img && img.complete && img.naturalWidth > 0;
  });
  const saved = await api("GET", `/api/v1/forms/${form.id}`, tech);
  assert.equal(saved.photos.length, 1);
  const photo = await fetch(`${server.url}${saved.photos[0].url}`, { headers: { authorization: `Bearer ${tech}` } });
  assert.equal(photo.headers.get("content-type"), "image/jpeg", "sent as a JPEG after resizing");
  assert.ok((await photo.arrayBuffer()).byteLength < png.length);

  // The customer's step: name, a drawn signature, an opinion.
  await phone.fill("[data-field=signer_name]", "王建国");
  const pad = await phone.locator("[data-sig]").boundingBox();
  await phone.locator("[data-sig]").scrollIntoViewIfNeeded();
  const box = await phone.locator("[data-sig]").boundingBox();
  assert.ok(pad && box);
  await phone.mouse.move(box.x + 20, box.y + box.height * 0.6);
  await phone.mouse.down();
  for (let i = 1; i <= 12; i++) {
    await phone.mouse.move(box.x + 20 + i * 22, box.y + box.height * (0.6 - 0.35 * Math.sin(i / 2)), { steps: 2 });
  }
  await phone.mouse.up();
  await phone.mouse.move(box.x + 80, box.y + 40);
  await phone.mouse.down();
  await phone.mouse.move(box.x + 140, box.y + 130, { steps: 4 });
  await phone.mouse.up();
  await phone.fill("[data-field=customer_opinion]", "服务及时，处理专业。");
  await screenshot(phone, "field-form-phone");
  await Promise.all([phone.waitForURL(new RegExp(`/field/forms/${form.id}$`)), phone.click("[data-sign]")]);
  assert.match(await phone.textContent("#form-status"), /已签字/);
  await phone.waitForFunction(() => {
    const img = document.querySelector("#view-signature");
    return img && img.complete && img.naturalWidth > 0;
  });
  await screenshot(phone, "field-form-signed");
  const signed = await api("GET", `/api/v1/forms/${form.id}`, tech);
  assert.equal(signed.status, "signed");
  assert.equal(signed.signature.signer_name, "王建国");
  assert.equal(signed.parts[0].replacement_serial, "VS1-2026-1102");
  assert.equal((await api("GET", `/api/v1/jobs/${job.id}`, boss)).status, "submitted");
  // Signed: the phone form no longer edits it.
  await phone.goto(`/field/jobs/${job.id}/form`);
  assert.ok(await phone.isVisible("#form-closed"));
  assert.equal(await phone.locator("[data-form]").count(), 0);

  // The manager reviews it on the desk.
  const desk = await newPage(browser, server.url);
  await login(desk, "zhoujing");
  await desk.goto("/field/review");
  assert.ok(await desk.isVisible(`#review-${form.id}`));
  await screenshot(desk, "field-review");
  // Sending back needs a reason: the queue says so and keeps the row.
  await desk.click(`#review-${form.id} button[value=return]`);
  assert.ok(await desk.isVisible(`#review-${form.id} .field-error`));
  await Promise.all([
    desk.waitForURL(/done=accepted/),
    desk.click(`#review-${form.id} button[value=accept]`),
  ]);
  assert.equal(await desk.locator(`#review-${form.id}`).count(), 0);
  assert.equal((await api("GET", `/api/v1/jobs/${job.id}`, boss)).status, "done");
  assert.equal((await api("GET", `/api/v1/forms/${form.id}`, boss)).status, "accepted");

  // The A4 print, in Chinese, rendered to PDF by Chromium: one page.
  await desk.goto(`/field/forms/${form.id}/print`);
  await desk.waitForFunction(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0));
  assert.match(await desk.textContent("h1"), /服务反馈单/);
  assert.match(await desk.textContent("#a4"), /VS1-2026-1102/);
  assert.match(await desk.textContent("#a4"), /王建国/);
  const pdf = await desk.pdf({ format: "A4", printBackground: true });
  const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert.equal(pages, 1, "one A4 page");
  await desk.emulateMedia({ media: "print" });
  await desk.setViewportSize({ width: 794, height: 1123 });
  const png2 = join(SCREENSHOTS, "form-print.png");
  mkdirSync(dirname(png2), { recursive: true });
  await desk.screenshot({ path: png2, fullPage: true });
  if (process.env.FORM_PRINT_COPY) {
    mkdirSync(dirname(process.env.FORM_PRINT_COPY), { recursive: true });
    copyFileSync(png2, process.env.FORM_PRINT_COPY);
  }
});
