// billcom-connection/node against the reference backend: validateSubmission gives the
// very items the Rust server answers a body with, and normalize what it stores.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { ensureServerBuilt, startBackend } from "../e2e/helpers.mjs";

let node;
let backend;
before(async () => {
  // Ready on import: no init to await, no fetch.
  node = await import("billcom-connection/node");
  ensureServerBuilt();
  backend = await startBackend();
});
after(async () => {
  await backend?.stop();
});

const VALID = {
  name: "Payables",
  apiType: "ap-ar-v3",
  environment: "sandbox",
  settings: { organizationId: "00801ABCDEFGHIJKL", username: "ops@example.com" },
  secrets: { password: "pw-1", devKey: "dev-1" },
};

const BODIES = [
  VALID,
  { ...VALID, name: "  Padded  ", settings: { ...VALID.settings, organizationId: " 00801ABCDEFGHIJKL " } },
  { ...VALID, secrets: {} },
  { ...VALID, settings: { ...VALID.settings, password: "in the open" } },
  { ...VALID, secrets: { ...VALID.secrets, username: "hidden" } },
  { ...VALID, settings: { ...VALID.settings, devkey: "typo" } },
  { ...VALID, apiType: "partner" },
  { ...VALID, environment: "staging", name: 7 },
  { ...VALID, apiType: "spend-expense", settings: {}, secrets: { apiToken: "has space" } },
  { ...VALID, name: "Ops \u202Egnp.exe" },
  { ...VALID, secrets: { ...VALID.secrets, password: " pw " } },
];

async function post(body) {
  const res = await fetch(`${backend.url}api/connections`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return [res.status, await res.json()];
}

test("validateSubmission answers every body with the backend's own items", async () => {
  for (const body of BODIES) {
    const report = node.validateSubmission(body);
    const [status, answer] = await post(body);
    if (report.valid) {
      assert.equal(status, 201, JSON.stringify(body));
    } else {
      assert.equal(status, 422, JSON.stringify(body));
      assert.deepEqual(report.errors, answer.errors, JSON.stringify(body));
    }
  }
});

test("normalize gives what the backend stores", async () => {
  const flat = { name: "  Trim me ", apiType: "ap-ar-v3", environment: "sandbox", organizationId: " 00801ABCDEFGHIJKL ", username: " ops@example.com ", password: " pw ", devKey: " dev-2 ", apiToken: "other type" };
  const n = node.normalize(flat);
  assert.deepEqual(n, { name: "Trim me", apiType: "ap-ar-v3", environment: "sandbox", organizationId: "00801ABCDEFGHIJKL", username: "ops@example.com", password: " pw ", devKey: "dev-2" });
  const [status, saved] = await post({
    name: flat.name, apiType: flat.apiType, environment: flat.environment,
    settings: { organizationId: flat.organizationId, username: flat.username },
    secrets: { password: flat.password, devKey: flat.devKey },
  });
  assert.equal(status, 201);
  assert.equal(saved.name, n.name);
  assert.deepEqual(saved.settings, { organizationId: n.organizationId, username: n.username });
  assert.equal(node.normalize({ apiType: "partner" }), null, "invalid settings: nothing to normalize");
});

test("misuse throws coded errors; jsonSchema and httpSettings come from the crate", () => {
  assert.throws(() => node.validateSubmission("x"), { code: "invalid_argument" });
  assert.throws(() => node.validateSubmission({ ...VALID, settings: [] }), { code: "invalid_argument" });
  assert.throws(() => node.jsonSchema("nope"), { code: "unknown_api_type" });
  assert.throws(() => node.httpSettings("partner", "staging"), { code: "invalid_argument" });
  assert.equal(node.isApiTypeId("partner"), true);
  assert.equal(node.isApiTypeId("Partner"), false);
  const all = node.jsonSchema();
  assert.equal(all.$schema, "https://json-schema.org/draft/2020-12/schema");
  const http = JSON.stringify(node.httpSettings("ap-ar-v2", "sandbox"));
  assert.match(http, /api-stage\.bill\.com/);
  assert.match(http, /\{\{password\}\}/);
});

test("importing the node entry needs no network and no init", () => {
  const script = `
    globalThis.fetch = () => { throw new Error("fetch called"); };
    const m = await import("billcom-connection/node");
    console.log(m.formSpec("partner").fields.length, m.validate({}).valid);
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "6 false");
});
