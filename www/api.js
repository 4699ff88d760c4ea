// The demo's calls to the reference backend's list, read, delete and saved-test
// endpoints (saving and testing a typed form is the element's job). Every call:
// nothing cached, same-origin credentials, no redirects, no referrer. Each resolves
// to { ok, status, body, next } or { ok: false, status: 0, reason: "network" | "timeout" };
// `next` is the list's next page (the `Link: <…>; rel="next"` header), same origin only.

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
  return { ok: res.ok, status: res.status, body, next: nextPage(res.headers.get("Link")) };
}

/** The `rel="next"` target of a Link header, when it is on this origin; else null. */
export function nextPage(link) {
  for (const part of (link ?? "").split(",")) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;]+))/i.exec(m?.[2] ?? "");
    if (!rel || !(rel[1] ?? rel[2]).toLowerCase().split(/\s+/).includes("next")) continue;
    try {
      const u = new URL(m[1], location.href);
      if (u.origin === location.origin && u.pathname === API) return u.pathname + u.search;
    } catch {
      // not a URL: no next page
    }
  }
  return null;
}

const one = (id) => `${API}/${encodeURIComponent(id)}`;

/** One page of the list: the first (`limit` records, or the server's default), or the one `next` names. */
export const listConnections = (limit, next) => call(next ?? (limit ? `${API}?limit=${limit}` : API));
export const getConnection = (id) => call(one(id));
export const deleteConnection = (id) => call(one(id), { method: "DELETE" });
/** The server logs in to BILL with the stored secrets; nothing secret is sent. */
export const testSaved = (id, timeoutMs) => call(`${one(id)}/test`, { method: "POST", timeoutMs });
