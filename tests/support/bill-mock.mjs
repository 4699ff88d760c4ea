// A BILL-faithful test double on loopback: the login calls of the four API types,
// with BILL's request formats and error shapes (BILLCOM.md, and the example
// responses of BILL's v3 Postman collection in ../shared/bill-v3-auth-postman.json).
// Strict about methods, content types and parameter names, so a wrong request
// fails a test instead of passing.
//
//   node tests/support/bill-mock.mjs [--port N]   prints "bill-mock listening http://127.0.0.1:N"
//   import { startBillMock } from "./bill-mock.mjs"
//
// Faults, for every endpoint: POST /__mock/mode {"mode":"normal"|"slow"|"error500"|"html"|"status429","delayMs":N}
// Calls seen (for assertions): GET /__mock/calls ; reset: POST /__mock/reset
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";

/** The accounts the mock knows. Tests import these rather than repeat them. */
export const ACCOUNTS = {
  apar: { username: "ap@example.com", password: "Correct-Horse-1", organizationId: "00801MOCKORG0001", devKey: "MOCK-DEV-KEY-0001" },
  partner: { username: "partner@example.com", password: "Partner-Pass-1", appKey: "MOCK-APP-KEY-0001" },
  spend: { apiToken: "MOCK-SPEND-TOKEN-0001" },
  // Same password as apar; each answers with one BILL error.
  lockedUser: "locked@example.com", // BDC_1110 login locked
  rateLimitedUser: "ratelimited@example.com", // BDC_1144 login rate limit
  busyUser: "busy@example.com", // BDC_1322 too many concurrent requests
  lockedOrg: "00801LOCKEDORG01", // BDC_1107 organization locked out
  inactiveDevKey: "MOCK-DEV-KEY-INACTIVE", // BDC_1103
};

const MESSAGES = {
  BDC_1101: "Sorry, the user name and/or password you entered do not match our records.",
  BDC_1102: "Invalid developer key.",
  BDC_1103: "Developer key is inactive.",
  BDC_1107: "Your organization is locked out.",
  BDC_1108: "Missing required parameter.",
  BDC_1109: "Session is invalid. Please log in.",
  BDC_1110: "Your login is locked.",
  BDC_1123: "Invalid organization id.",
  BDC_1144: "Login rate limit exceeded.",
  BDC_1322: "Too many concurrent requests.",
};

const v3Error = (code, message = MESSAGES[code] ?? code, category = "DOMAIN") => [
  { category, code, severity: "ERROR", timestamp: new Date().toISOString(), message, params: [] },
];

/** The BILL code for a set of AP/AR credentials, or null when they log in. */
function apArVerdict({ username, password, organizationId, devKey }) {
  const a = ACCOUNTS.apar;
  if (!username || !password || !organizationId || !devKey) return "BDC_1108";
  if (devKey === ACCOUNTS.inactiveDevKey) return "BDC_1103";
  if (devKey !== a.devKey) return "BDC_1102";
  if (organizationId === ACCOUNTS.lockedOrg) return "BDC_1107";
  if (organizationId !== a.organizationId) return "BDC_1123";
  if (password !== a.password) return "BDC_1101";
  if (username === ACCOUNTS.lockedUser) return "BDC_1110";
  if (username === ACCOUNTS.rateLimitedUser) return "BDC_1144";
  if (username === ACCOUNTS.busyUser) return "BDC_1322";
  if (username !== a.username) return "BDC_1101";
  return null;
}

function partnerVerdict({ username, password, appKey }) {
  const p = ACCOUNTS.partner;
  if (!username || !password || !appKey) return "BDC_1108";
  if (appKey !== p.appKey) return "BDC_1102";
  if (password !== p.password) return "BDC_1101";
  if (username === ACCOUNTS.lockedUser) return "BDC_1110";
  if (username === ACCOUNTS.rateLimitedUser) return "BDC_1144";
  if (username !== p.username) return "BDC_1101";
  return null;
}

const exactKeys = (obj, keys) =>
  obj && typeof obj === "object" && !Array.isArray(obj) &&
  Object.keys(obj).every((k) => keys.includes(k)) && keys.every((k) => typeof obj[k] === "string");

export function startBillMock({ port = 0, host = "127.0.0.1" } = {}) {
  let mode = { mode: "normal", delayMs: 0 };
  const calls = [];
  const sessions = new Map(); // sessionId -> { devKey, organizationId }

  const send = (res, status, body, type = "application/json") => {
    res.writeHead(status, { "content-type": type });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  };

  async function route(req, res, url, raw) {
    const ctype = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
    const path = url.pathname;
    const json = () => { try { return JSON.parse(raw); } catch { return undefined; } };

    if (path === "/api/v2/Login.json") {
      if (req.method !== "POST") return send(res, 405, { error: "method" });
      if (ctype !== "application/x-www-form-urlencoded") return send(res, 415, { error: "content type" });
      if ([...url.searchParams.keys()].length) return send(res, 400, { error: "parameters belong in the body" });
      const form = Object.fromEntries(new URLSearchParams(raw));
      if (!exactKeys(form, ["userName", "password", "orgId", "devKey"])) {
        return send(res, 200, { response_status: 1, response_message: "Error", response_data: { error_code: "BDC_1108", error_message: MESSAGES.BDC_1108 } });
      }
      const code = apArVerdict({ username: form.userName, password: form.password, organizationId: form.orgId, devKey: form.devKey });
      if (code) return send(res, 200, { response_status: 1, response_message: "Error", response_data: { error_code: code, error_message: MESSAGES[code] } });
      const sessionId = "v2-" + randomBytes(12).toString("hex");
      return send(res, 200, { response_status: 0, response_message: "Success",
        response_data: { sessionId, orgId: form.orgId, apiEndPoint: `${url.origin}/api/v2`, usersId: "00601MOCKUSER001" } });
    }

    if (path === "/connect/v3/login" || path === "/connect/v3/partner/login") {
      if (req.method !== "POST") return send(res, 405, v3Error("BDC_1108", "Method not allowed", "REQUEST"));
      if (ctype !== "application/json") return send(res, 415, v3Error("BDC_1108", "Unsupported content type", "REQUEST"));
      if ([...url.searchParams.keys()].length) return send(res, 400, v3Error("BDC_1108", "No query parameters allowed", "REQUEST"));
      const body = json();
      const partner = path.endsWith("/partner/login");
      const keys = partner ? ["username", "password", "appKey"] : ["username", "password", "organizationId", "devKey"];
      if (!exactKeys(body, keys)) return send(res, 400, v3Error("BDC_1108"));
      const code = partner ? partnerVerdict(body) : apArVerdict(body);
      if (code) return send(res, 400, v3Error(code));
      const sessionId = "v3-" + randomBytes(12).toString("hex");
      sessions.set(sessionId, { devKey: body.devKey, appKey: body.appKey, organizationId: body.organizationId });
      return send(res, 200, partner ? { sessionId }
        : { organizationId: body.organizationId, sessionId, trusted: false, userId: "00601MOCKUSER001" });
    }

    if (path === "/connect/v3/login/session" || path === "/connect/v3/logout") {
      const want = path.endsWith("/session") ? "GET" : "POST";
      if (req.method !== want) return send(res, 405, v3Error("BDC_1108", "Method not allowed", "REQUEST"));
      const s = sessions.get(req.headers["sessionid"] ?? "");
      if (!s || s.devKey !== req.headers["devkey"]) return send(res, 401, v3Error("BDC_1109"));
      if (want === "POST") { sessions.delete(req.headers["sessionid"]); res.writeHead(200); return res.end(); }
      return send(res, 200, { organizationId: s.organizationId, userId: "00601MOCKUSER001", mfaStatus: "DISABLED", mfaBypass: false });
    }

    if (path === "/connect/v3/spend/budgets") {
      if (req.method !== "GET") return send(res, 405, v3Error("BDC_1108", "Method not allowed", "REQUEST"));
      const token = req.headers["apitoken"];
      if (!token || token !== ACCOUNTS.spend.apiToken) return send(res, 401, v3Error("UNAUTHORIZED", "Invalid API token.", "AUTHENTICATION"));
      return send(res, 200, { nextPage: null, prevPage: null, results: [] });
    }

    return send(res, 404, v3Error("NOT_FOUND", "No such endpoint", "REQUEST"));
  }

  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const url = new URL(req.url, `http://${req.headers.host}`);
      if (url.pathname.startsWith("/__mock/")) {
        if (url.pathname === "/__mock/mode" && req.method === "POST") {
          try { mode = { mode: "normal", delayMs: 0, ...JSON.parse(raw) }; } catch { return send(res, 400, { error: "json" }); }
          return send(res, 200, mode);
        }
        if (url.pathname === "/__mock/calls") return send(res, 200, calls);
        if (url.pathname === "/__mock/reset") { calls.length = 0; mode = { mode: "normal", delayMs: 0 }; return send(res, 200, {}); }
        return send(res, 404, {});
      }
      calls.push({ method: req.method, path: url.pathname, query: url.search, contentType: req.headers["content-type"] ?? null,
        headerNames: Object.keys(req.headers).sort(), body: raw });
      if (mode.delayMs > 0 || mode.mode === "slow") {
        await new Promise((r) => setTimeout(r, mode.delayMs || 15_000));
      }
      if (res.destroyed) return;
      if (mode.mode === "error500") return send(res, 500, v3Error("SERVER_ERROR", "Internal server error", "SERVER"));
      if (mode.mode === "html") return send(res, 200, "<html><body>Maintenance</body></html>", "text/html");
      if (mode.mode === "status429") return send(res, 429, v3Error("BDC_1322", MESSAGES.BDC_1322, "REQUEST"));
      route(req, res, url, raw);
    });
  });

  return new Promise((resolve) => {
    server.listen(port, host, () => {
      const origin = `http://${host}:${server.address().port}`;
      resolve({
        origin, server, calls,
        setMode(m) { mode = { mode: "normal", delayMs: 0, ...m }; },
        close() { server.closeAllConnections(); return new Promise((r) => server.close(r)); },
      });
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf("--port");
  const mock = await startBillMock({ port: i > 0 ? Number(process.argv[i + 1]) : 0 });
  console.log(`bill-mock listening ${mock.origin}`);
}
