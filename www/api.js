// The demo's calls to the reference backend's list, read, delete and saved-test
// endpoints (saving and testing a typed form is the element's job). Every call:
// nothing cached, same-origin credentials, no redirects, no referrer. Each resolves
// to { ok, status, body } or { ok: false, status: 0, reason: "network" | "timeout" }.

export const API = "/api/connections";

async function call(path, { method = "GET", timeoutMs = 15_000 } = {}) {
  let res;
  try {
    res = await fetch(path, {
      method,
      cache: "no-store",
      credentials: "same-origin",
      redirect: "error",
      referrerPolicy: "no-referrer",
      headers: { Accept: "application/json" },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    return { ok: false, status: 0, reason: e?.name === "TimeoutError" ? "timeout" : "network" };
  }
  let body = null;
  try {
    body = res.status === 204 ? null : await res.json();
  } catch {
    body = null;
  }
  return { ok: res.ok, status: res.status, body };
}

const one = (id) => `${API}/${encodeURIComponent(id)}`;

export const listConnections = () => call(API);
export const getConnection = (id) => call(one(id));
export const deleteConnection = (id) => call(one(id), { method: "DELETE" });
/** The server logs in to BILL with the stored secrets; nothing secret is sent. */
export const testSaved = (id, timeoutMs) => call(`${one(id)}/test`, { method: "POST", timeoutMs });
