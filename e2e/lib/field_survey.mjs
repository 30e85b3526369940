// Set-up shared by the field-service tests: a job on a repair ticket with its crew on site,
// through the API; and the customer's signature, written straight into the database until
// the feedback form's pages can be driven here.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
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

/** The customer signed the job's feedback form. */
export function signed(server, jobId) {
  const r = spawnSync("sqlite3", ["-cmd", ".timeout 5000", server.database,
    `UPDATE jobs SET status = 'submitted', version = version + 1 WHERE id = ${Number(jobId)}`], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
}
