// Steps the field-service browser tests share: the API calls that put a job on site.
import assert from "node:assert/strict";
import { ADMIN_PASSWORD, PASSWORD } from "./server.mjs";

export function apiClient(baseURL) {
  return async function api(method, path, token, body, want) {
    const r = await fetch(`${baseURL}${path}`, {
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

export async function signIn(api, username, password = PASSWORD) {
  const { token } = await api("POST", "/api/v1/sessions", null, { username, password });
  return token;
}

/** A service manager `name` (created by admin); answers their token. */
export async function manager(api, username, display) {
  const admin = await signIn(api, "admin", ADMIN_PASSWORD);
  await api("POST", "/api/v1/users", admin, { username, display_name: display, role: "service_manager", password: PASSWORD });
  return signIn(api, username);
}

/** A repair job dispatched to `techToken`'s person, who has arrived; answers the job. */
export async function jobOnSite(api, managerToken, techToken, { customer, address, summary }) {
  const c = await api("POST", "/api/v1/customers", managerToken, { name: customer, address, contacts: [] });
  const t = await api("POST", "/api/v1/tickets", managerToken, { kind: "repair", channel: "phone", customer_id: c.id, summary });
  const job = await api("POST", `/api/v1/tickets/${t.id}/jobs`, managerToken, { contact_name: "王工", contact_phone: "138 0000 0000" });
  const me = await api("GET", "/api/v1/me", techToken);
  const d = await api("POST", `/api/v1/jobs/${job.id}/dispatch`, managerToken, { version: job.version, technician_ids: [me.id] });
  await api("POST", `/api/v1/jobs/${job.id}/arrive`, techToken, {});
  return d;
}

/** A photo made by the browser itself (a PNG of `w`×`h`), as bytes for setInputFiles. */
export async function photoBytes(page, w = 1200, h = 900) {
  const url = await page.evaluate(([w, h]) => {
    const c = document.createElement("canvas");
    c.width = w;
    c.height = h;
    const g = c.getContext("2d");
    const grad = g.createLinearGradient(0, 0, w, h);
    grad.addColorStop(0, "#3a6ea5");
    grad.addColorStop(1, "#c9d6e8");
    g.fillStyle = grad;
    g.fillRect(0, 0, w, h);
    g.fillStyle = "#222";
    g.fillRect(w * 0.3, h * 0.25, w * 0.4, h * 0.5);
    g.fillStyle = "#f5c542";
    g.font = `${Math.round(h / 8)}px sans-serif`;
    g.fillText("QF1", w * 0.38, h * 0.55);
    return c.toDataURL("image/png");
  }, [w, h]);
  return Buffer.from(url.split(",")[1], "base64");
}
