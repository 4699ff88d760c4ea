// ConnectionForm against a real HTTP server on loopback (Node's fetch), exactly as
// the package ships it: custody, request shape, and every failure path.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { ConnectionForm, initSync, validateField } from "billcom-connection";

initSync({ module: readFileSync(new URL("../../pkg/billcom_connection_bg.wasm", import.meta.url)) });

const SECRET = { password: "pw-Secret-111", devKey: "dev-Secret-222", appKey: "app-Secret-333", apiToken: "tok-Secret-444" };
const requests = [];
let respond = (req, res, body) => {
  res.writeHead(201, { "content-type": "application/json" });
  res.end(JSON.stringify({ id: "c1", name: JSON.parse(body).name, apiType: JSON.parse(body).apiType, settings: {} }));
};
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    requests.push({ method: req.method, url: req.url, headers: req.headers, body });
    respond(req, res, body);
  });
});
let base;
before(async () => {
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => { server.closeAllConnections(); server.close(); });
beforeEach(() => { requests.length = 0; });

function filled(apiType) {
  const form = new ConnectionForm({ apiType });
  const values = { name: "Ops", environment: "sandbox", organizationId: " 00801ABCDEFGHIJKL ", username: "a@b.co", ...SECRET };
  for (const f of ["name", "environment", "organizationId", "username", "password", "devKey", "appKey", "apiToken"]) {
    try { form.set(f, values[f]); } catch (e) { assert.equal(e.code, "unknown_field"); }
  }
  return form;
}

const leaks = (text) => Object.values(SECRET).filter((s) => text.includes(s));

test("create: one POST with the documented body; secrets zeroized after success", async () => {
  const form = filled("ap-ar-v3");
  assert.deepEqual(form.secretsFilled(), { password: true, devKey: true });
  const result = await form.submit(`${base}/api/connections`, { headers: { "X-CSRF-Token": "csrf-1" } });
  assert.equal(result.ok, true);
  assert.equal(result.connection.id, "c1");
  assert.equal(requests.length, 1);
  const [r] = requests;
  assert.equal(r.method, "POST");
  assert.equal(r.url, "/api/connections");
  assert.equal(r.headers["content-type"], "application/json");
  assert.equal(r.headers["x-csrf-token"], "csrf-1");
  assert.deepEqual(JSON.parse(r.body), {
    name: "Ops", apiType: "ap-ar-v3", environment: "sandbox",
    settings: { organizationId: "00801ABCDEFGHIJKL", username: "a@b.co" },
    secrets: { password: SECRET.password, devKey: SECRET.devKey },
  });
  assert.deepEqual(form.secretsFilled(), { password: false, devKey: false });
  assert.equal(form.mode, "edit");
  assert.equal(form.connectionId, "c1");
  form.free();
});

test("only the chosen API type's fields are sent", async () => {
  const form = filled("ap-ar-v3");
  form.setApiType("partner");
  assert.equal(form.apiType, "partner");
  assert.deepEqual(form.secretsFilled(), { appKey: false, password: true }); // password shared, kept
  form.set("appKey", SECRET.appKey);
  const result = await form.submit(`${base}/api/connections`);
  assert.equal(result.ok, true);
  const body = JSON.parse(requests[0].body);
  assert.deepEqual(body.settings, { username: "a@b.co" });
  assert.deepEqual(body.secrets, { appKey: SECRET.appKey, password: SECRET.password });
});

test("invalid: nothing is sent and the report comes back", async () => {
  const form = new ConnectionForm({ apiType: "spend-expense" });
  form.set("name", "x");
  const result = await form.submit(`${base}/api/connections`);
  assert.equal(result.ok, false);
  assert.equal(result.reason, "invalid");
  assert.deepEqual(result.errors.map((e) => `${e.field}:${e.code}`), ["environment:required", "apiToken:required"]);
  assert.equal(requests.length, 0);
});

test("no value is reachable from JS except non-secret values", () => {
  const form = filled("ap-ar-v2");
  const seen = JSON.stringify([form, Object.keys(form), form.values(), form.secretsFilled(), form.validate(), String(form)]);
  assert.deepEqual(leaks(seen), []);
  assert.deepEqual(form.values(), { name: "Ops", apiType: "ap-ar-v2", environment: "sandbox",
    organizationId: " 00801ABCDEFGHIJKL ", username: "a@b.co" });
  form.clearSecrets();
  assert.deepEqual(form.secretsFilled(), { password: false, devKey: false });
});

test("a server error keeps every value, and a retry succeeds without retyping", async () => {
  const form = filled("spend-expense");
  respond = (req, res) => { res.writeHead(500, { "content-type": "application/json" }); res.end('{"message":"db down","errors":[]}'); };
  let result = await form.submit(`${base}/api/connections`);
  assert.deepEqual([result.ok, result.status, result.reason, result.message], [false, 500, "http", "db down"]);
  assert.deepEqual(form.secretsFilled(), { apiToken: true });
  respond = (req, res) => { res.writeHead(201, { "content-type": "application/json" }); res.end('{"id":"c2"}'); };
  result = await form.submit(`${base}/api/connections`);
  assert.equal(result.ok, true);
  assert.equal(requests.length, 2);
  assert.equal(requests[0].body, requests[1].body);
});

test("a 422 maps the backend's items onto fields", async () => {
  const form = filled("partner");
  respond = (req, res) => {
    res.writeHead(422, { "content-type": "application/json" });
    res.end(JSON.stringify({ message: "invalid", errors: [{ field: "appKey", code: "invalid_format", severity: "error", message: "Application key is bad." }] }));
  };
  const result = await form.submit(`${base}/api/connections`);
  assert.equal(result.status, 422);
  assert.deepEqual(result.errors.map((e) => e.field), ["appKey"]);
  assert.deepEqual(form.secretsFilled(), { appKey: true, password: true });
});

test("non-JSON answers and unreachable servers lose nothing", async () => {
  const form = filled("spend-expense");
  respond = (req, res) => { res.writeHead(502, { "content-type": "text/html" }); res.end("<h1>bad gateway</h1>"); };
  let result = await form.submit(`${base}/api/connections`);
  assert.deepEqual([result.ok, result.status, result.reason], [false, 502, "http"]);
  assert.match(result.message, /502/);
  result = await form.submit("http://127.0.0.1:9/api/connections"); // nothing listens on port 9
  assert.deepEqual([result.ok, result.status, result.reason], [false, 0, "network"]);
  assert.deepEqual(form.secretsFilled(), { apiToken: true });
});

test("a slow server times out and a retry works", async () => {
  const form = filled("spend-expense");
  respond = (req, res) => setTimeout(() => { res.writeHead(201); res.end("{}"); }, 1500);
  const t0 = Date.now();
  const result = await form.submit(`${base}/api/connections`, { timeoutMs: 200 });
  assert.equal(result.reason, "timeout");
  assert.ok(Date.now() - t0 < 1400, "abandoned at the timeout");
  assert.deepEqual(form.secretsFilled(), { apiToken: true });
  respond = (req, res) => { res.writeHead(201, { "content-type": "application/json" }); res.end('{"id":"c3"}'); };
  assert.equal((await form.submit(`${base}/api/connections`)).ok, true);
});

test("a double submit sends one request", async () => {
  const form = filled("ap-ar-v2");
  respond = (req, res) => setTimeout(() => { res.writeHead(201, { "content-type": "application/json" }); res.end('{"id":"c4"}'); }, 100);
  const [a, b] = await Promise.all([form.submit(`${base}/api/connections`), form.submit(`${base}/api/connections`)]);
  assert.equal(a.ok, true);
  assert.deepEqual([b.ok, b.reason], [false, "in_flight"]);
  assert.equal(requests.length, 1);
});

test("edit mode: non-secrets loaded, secrets required again, PUT to the record", async () => {
  const saved = { id: "abc/1", name: "Ops", apiType: "ap-ar-v3", environment: "production", baseUrl: "https://x",
    settings: { organizationId: "00801ABCDEFGHIJKL", username: "a@b.co", password: "never-loaded" },
    secretsSet: ["password", "devKey"], createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z" };
  const form = ConnectionForm.edit(saved);
  assert.equal(form.mode, "edit");
  assert.deepEqual(form.secretsFilled(), { password: false, devKey: false });
  assert.deepEqual(form.validate().errors.map((e) => `${e.field}:${e.code}`), ["password:required", "devKey:required"]);
  form.set("password", SECRET.password);
  form.set("devKey", SECRET.devKey);
  respond = (req, res) => { res.writeHead(200, { "content-type": "application/json" }); res.end('{"id":"abc/1"}'); };
  const result = await form.submit(`${base}/api/connections`);
  assert.equal(result.ok, true);
  assert.equal(requests[0].method, "PUT");
  assert.equal(requests[0].url, "/api/connections/abc%2F1");
});

test("misuse throws coded errors and leaves the form usable", () => {
  assert.throws(() => new ConnectionForm({ apiType: "nope" }), { code: "unknown_api_type" });
  assert.throws(() => new ConnectionForm(undefined), { code: "invalid_argument" });
  assert.throws(() => ConnectionForm.edit({ apiType: "partner" }), { code: "invalid_argument" });
  assert.throws(() => ConnectionForm.edit(null), { code: "invalid_argument" });
  const form = new ConnectionForm({ apiType: "partner" });
  assert.throws(() => form.set("devKey", "x"), { code: "unknown_field" });
  assert.throws(() => form.setApiType("ap-ar-v9"), { code: "unknown_api_type" });
  assert.throws(() => form.submit(42), { code: "invalid_argument" });
  assert.throws(() => form.submit(`${base}/x`, { timeoutMs: -1 }), { code: "invalid_argument" });
  assert.equal(form.set("username", 12)[0].code, "invalid_type");
  assert.deepEqual(form.set("username", "a@b.co"), []);
});

test("test(): one POST of the same body; the answer passes through; nothing is cleared", async () => {
  const form = filled("partner");
  const answer = { ok: false, message: "BILL did not accept this username and password.",
    errors: [{ field: "password", code: "rejected", severity: "error", message: "m", params: { billCode: "BDC_1101" } }] };
  respond = (req, res) => { res.writeHead(200, { "content-type": "application/json" }); res.end(JSON.stringify(answer)); };
  const result = await form.test(`${base}/api/connections/test`);
  assert.deepEqual(result, { ...answer, status: 200 });
  assert.equal(requests.length, 1);
  assert.deepEqual([requests[0].method, requests[0].url], ["POST", "/api/connections/test"]);
  assert.deepEqual(JSON.parse(requests[0].body).secrets, { appKey: SECRET.appKey, password: SECRET.password });
  assert.deepEqual(form.secretsFilled(), { appKey: true, password: true });
  assert.equal(form.mode, "create");
  respond = (req, res) => { res.writeHead(200, { "content-type": "application/json" }); res.end('{"id":"not-a-result"}'); };
  const odd = await form.test(`${base}/api/connections/test`);
  assert.deepEqual([odd.ok, odd.reason], [false, "http"]);
  const invalid = new ConnectionForm({ apiType: "spend-expense" });
  assert.equal((await invalid.test(`${base}/api/connections/test`)).reason, "invalid");
  assert.equal(requests.length, 2);
});

test("create: one Idempotency-Key for a save and its retries, a new one after success", async () => {
  const form = filled("spend-expense");
  respond = (req, res) => { res.writeHead(503); res.end(); };
  assert.equal((await form.submit(`${base}/api/connections`)).reason, "http");
  assert.equal((await form.submit(`${base}/api/connections`)).reason, "http");
  respond = (req, res, body) => {
    res.writeHead(201, { "content-type": "application/json" });
    res.end(JSON.stringify({ id: "c9", name: JSON.parse(body).name, apiType: "spend-expense", settings: {}, version: 1 }));
  };
  assert.equal((await form.submit(`${base}/api/connections`)).ok, true);
  const keys = requests.map((r) => r.headers["idempotency-key"]);
  assert.equal(keys.length, 3);
  assert.match(keys[0], /^[0-9a-f-]{32,36}$/);
  assert.deepEqual(new Set(keys).size, 1, "one key for the save and its retries");
  // A second form gets another key; an edit (PUT) sends none.
  const other = filled("spend-expense");
  await other.submit(`${base}/api/connections`);
  assert.notEqual(requests[3].headers["idempotency-key"], keys[0]);
  form.set("apiToken", "tok-again");
  await form.submit(`${base}/api/connections`);
  assert.equal(requests[4].method, "PUT");
  assert.equal(requests[4].headers["idempotency-key"], undefined);
  form.free();
  other.free();
});

test("a timeout on save says it may have been saved", async () => {
  const form = filled("spend-expense");
  respond = () => {}; // never answers
  const r = await form.submit(`${base}/api/connections`, { timeoutMs: 50 });
  assert.equal(r.reason, "timeout");
  assert.match(r.message, /may have been saved/);
  assert.deepEqual(form.secretsFilled(), { apiToken: true });
  form.free();
});

test("edit: If-Match carries the saved version, the new one after a save; 412 is reason conflict", async () => {
  const saved = { id: "c/7 x", name: "Ops", apiType: "spend-expense", environment: "sandbox", settings: {}, version: 3 };
  const form = ConnectionForm.edit(saved);
  form.set("apiToken", SECRET.apiToken);
  respond = (req, res, body) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ...saved, name: JSON.parse(body).name, version: 4 }));
  };
  assert.equal((await form.submit(`${base}/api/connections?tenant=7#top`)).ok, true);
  assert.equal(requests[0].method, "PUT");
  // The id is encoded, the query stays at the end (the crate's wire::target_url).
  assert.equal(requests[0].url, "/api/connections/c%2F7%20x?tenant=7");
  assert.equal(requests[0].headers["if-match"], '"3"');
  form.set("apiToken", SECRET.apiToken);
  respond = (req, res) => {
    res.writeHead(412, { "content-type": "application/json" });
    res.end(JSON.stringify({ message: "changed", code: "conflict", errors: [] }));
  };
  const r = await form.submit(`${base}/api/connections/c%2F7%20x`);
  assert.equal(requests[1].url, "/api/connections/c%2F7%20x", "an id already in the URL is not added again");
  assert.equal(requests[1].headers["if-match"], '"4"');
  assert.equal(r.ok, false);
  assert.equal(r.reason, "conflict");
  assert.deepEqual(form.secretsFilled(), { apiToken: true }, "every value kept");
  form.free();
});

test("edit-mode target URLs follow the crate's wire::target_url on every shared case", async () => {
  // The wrapper's own copy of the rule (wasm/js/form.js, not a public export),
  // against the vectors the Rust test of wire::target_url reads.
  const { targetUrl } = await import("../../wasm/js/form.js");
  const cases = JSON.parse(readFileSync(new URL("../vectors/target-url.json", import.meta.url), "utf8"));
  assert.ok(cases.length >= 16);
  for (const [url, id, want] of cases.filter(([, id]) => id !== null)) {
    assert.equal(targetUrl(url, id), want, `${url} ${id}`);
  }
});

test("values reach the module intact whichever way they are copied (short ones by a loop, the rest by encodeInto)", async () => {
  const f = new ConnectionForm({ apiType: "ap-ar-v2" });
  // Every UTF-8 width at its ends, the loop's 64-unit limit on both sides, and
  // surrogate pairs (which the loop leaves to encodeInto).
  const cases = ["", "a", "x".repeat(63), "y".repeat(64), "z".repeat(65), "Ops – München", "Cards 💳", "é".repeat(64),
    `${"a".repeat(63)}é`, "\u007f\u0001", "a\ud83d\ude00", "\u0080", "\u07ff", "\u0800", "\ud7ff", "\ue000", "\ufffd",
    "\uffff".repeat(64), "\uffff".repeat(65), "a\u07ffb\u0800c\u00a0d", "\udbff\udfff", "\ud800\udc00x"];
  for (const name of cases) {
    f.set("name", name);
    assert.equal(f.values().name, name, JSON.stringify(name));
    assert.equal(validateField("ap-ar-v2", "name", name).some((i) => i.params?.rule === "unicode"), false, JSON.stringify(name));
  }
  // A lone surrogate, wherever it is, is reported and never stored as text.
  for (const name of ["\ud800", "\udc00", "a\ud800", "\udc00a", "ab\ud800cd", "\ud800\ud800", "\udc00\ud800", "é\ud83d", `${"é".repeat(63)}\ud800`]) {
    const items = f.set("name", name);
    assert.deepEqual(items.map((i) => i.code), ["invalid_format"], JSON.stringify(name));
    assert.deepEqual(validateField("ap-ar-v2", "name", name), items, JSON.stringify(name));
    assert.equal(f.values().name, undefined, JSON.stringify(name));
  }
  // A secret's bytes too: the body carries them exactly.
  const was = respond;
  respond = (req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"ok":true}');
  };
  for (const password of ["pw", "p".repeat(64), "pässwörd ✓", "🔑".repeat(3)]) {
    for (const [k, v] of Object.entries({ name: "n", environment: "sandbox", organizationId: "00801ABCDEFGHIJKL", username: "u@example.com", devKey: "dk" })) f.set(k, v);
    f.set("password", password);
    requests.length = 0;
    const r = await f.test(`${base}/test`);
    assert.equal(r.ok, true);
    assert.equal(JSON.parse(requests[0].body).secrets.password, password);
  }
  respond = was;
  f.free();
});
