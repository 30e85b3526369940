// Set-up shared by the field-service tests: a job on a repair ticket with its crew on site,
// through the API; and the customer's signature, written straight into the database until
// the feedback form's pages can be driven here.
import assert from "node:assert/strict";
import { ADMIN_PASSWORD, PASSWORD } from "./server.mjs";

export function apiOf(server) {
  return async function api(method, path, token, body, want) {
    const r = await fetch(`${server.url}${path}`, {
      method,
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (want !== undefined) assert.equal(r.status, want, `${method} ${path}: ${text}`);
    else assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

export async function tokenOf(api, username, password = PASSWORD) {
  const { token } = await api("POST", "/api/v1/sessions", null, { username, password }, 201);
  return token;
}

export async function adminToken(api) {
  return tokenOf(api, "admin", ADMIN_PASSWORD);
}

/** A repair job for a new customer, `tech` sent, set off and arrived; returns the job. */
export async function jobOnSite(api, clerk, tech, { name, address }) {
  const me = await api("GET", "/api/v1/me", tech);
  const customer = await api("POST", "/api/v1/customers", clerk, { name, address, contacts: [] }, 201);
  const ticket = await api("POST", "/api/v1/tickets", clerk, {
    kind: "repair", channel: "phone", customer_id: customer.id, summary: "配电柜断路器频繁跳闸",
  }, 201);
  const job = await api("POST", `/api/v1/tickets/${ticket.id}/jobs`, clerk, {
    contact_name: "王工", contact_phone: "13800000000",
  }, 201);
  await api("POST", `/api/v1/jobs/${job.id}/dispatch`, clerk, { version: job.version, technician_ids: [me.id] }, 200);
  await api("POST", `/api/v1/jobs/${job.id}/depart`, tech, undefined, 200);
  return api("POST", `/api/v1/jobs/${job.id}/arrive`, tech, {}, 200);
}

/** A tiny PNG (a signature's header is what the server checks), base64. */
const SIGNATURE = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0,
  0, 3, 0, 0, 0, 2, 8, 6, 0, 0, 0, 0, 0, 0, 0,
]).toString("base64");

/** The crew fills in the job's feedback form and the customer signs it, through the API. */
export async function signed(api, tech, jobId) {
  const form = await api("POST", `/api/v1/jobs/${jobId}/forms`, tech, {}, 201);
  const saved = await api("PUT", `/api/v1/forms/${form.id}`, tech, {
    version: form.version,
    service_content: "更换断路器，试运行正常",
    fault_cause: "断路器触头烧蚀",
    cause_analysis: "长期过载运行",
    handling: "更换同型号断路器并复测",
    responsibility: "customer_operation",
  }, 200);
  return api("POST", `/api/v1/forms/${saved.id}/sign`, tech, {
    signer_name: "王工",
    signature_png_base64: SIGNATURE,
    customer_opinion: "满意",
  }, 200);
}
