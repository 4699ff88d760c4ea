// The JS contract, against the built package (pkg/) exactly as npm ships it.
// Run: node --test tests/js/  (after `npm run build`).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
// Import through the package's own name and `exports` map, as a user would.
const pkg = await import("billcom-connection");
const { apiTypes, formSpec, validate, validateField, initSync } = pkg;

before(() => {
  initSync({ module: readFileSync(new URL("../../pkg/billcom_connection_bg.wasm", import.meta.url)) });
});

const valid = {
  "ap-ar-v2": { organizationId: "00801ABCDEFGHIJKL", username: "a@b.co", password: "p w", devKey: "k-1" },
  "ap-ar-v3": { organizationId: "00801ABCDEFGHIJKL", username: "a@b.co", password: "pw", devKey: "k-1" },
  partner: { appKey: "app-1", username: "a@b.co", password: "pw" },
  "spend-expense": { apiToken: "tok-1" },
};
const settings = (apiType, extra = {}) => ({ name: "Ops", apiType, environment: "sandbox", ...valid[apiType], ...extra });
const codes = (r) => r.errors.map((e) => `${e.field}:${e.code}`);

test("apiTypes lists the four API types in seed order", () => {
  const t = apiTypes();
  assert.deepEqual(t.map((x) => x.id), ["ap-ar-v2", "ap-ar-v3", "partner", "spend-expense"]);
  assert.equal(t[3].label, "Spend and expense");
  for (const x of t) assert.deepEqual(Object.keys(x), ["id", "label", "shortLabel", "description"]);
  t[0].id = "mutated"; // a caller's copy: mutating it changes nothing
  assert.equal(apiTypes()[0].id, "ap-ar-v2");
});

test("formSpec gives each API type its fields in display order", () => {
  const want = {
    "ap-ar-v2": ["organizationId", "username", "password", "devKey"],
    "ap-ar-v3": ["organizationId", "username", "password", "devKey"],
    partner: ["appKey", "username", "password"],
    "spend-expense": ["apiToken"],
  };
  for (const [id, creds] of Object.entries(want)) {
    const spec = formSpec(id);
    assert.equal(spec.apiType, id);
    assert.deepEqual(spec.fields.map((f) => f.id), ["name", "apiType", "environment", ...creds]);
    for (const f of spec.fields) {
      assert.equal(f.required, true);
      assert.equal(f.secret, ["password", "devKey", "appKey", "apiToken"].includes(f.id), f.id);
      if (f.secret) assert.equal(f.autocomplete, "off");
      assert.ok(["text", "password", "select"].includes(f.kind));
    }
    const env = spec.fields[2].options;
    assert.deepEqual(env.map((o) => o.value), ["production", "sandbox"]);
    assert.ok(env.every((o) => o.baseUrl.startsWith("https://")));
  }
  assert.equal(formSpec("ap-ar-v2").fields[2].options[0].baseUrl, "https://api.bill.com/api/v2");
  assert.equal(formSpec("ap-ar-v2").fields[2].options[1].baseUrl, "https://api-stage.bill.com/api/v2");
  assert.equal(formSpec("partner").fields[2].options[0].baseUrl, "https://gateway.prod.bill.com/connect");
});

test("misuse throws an Error with a code", () => {
  const cases = [
    [() => formSpec("ap-ar-v4"), "unknown_api_type"],
    [() => formSpec(), "invalid_argument"],
    [() => validateField("ap-ar-v4", "name", "x"), "unknown_api_type"],
    [() => validateField("partner", "devKey", "x"), "unknown_field"],
    ...[undefined, null, 1, "s", [], [1], true, () => {}].map((v) => [() => validate(v), "invalid_argument"]),
  ];
  for (const [fn, code] of cases) {
    assert.throws(fn, (e) => e instanceof Error && e.code === code && e.message.length > 0);
  }
});

test("validate reports every problem at once and never throws for bad input", () => {
  for (const id of Object.keys(valid)) assert.deepEqual(validate(settings(id)), { valid: true, errors: [] });
  const r = validate({ apiType: "ap-ar-v3", environment: "Production", organizationId: "0091234567890123",
    username: "token-name", password: "", devKey: "a b", devkey: "oops" });
  assert.equal(r.valid, false);
  assert.deepEqual(codes(r), ["name:required", "environment:invalid_option", "organizationId:invalid_format",
    "username:invalid_format", "password:required", "devKey:invalid_format", "devkey:unknown_field"]);
  const warn = r.errors.find((e) => e.field === "username");
  assert.equal(warn.severity, "warning");
  assert.deepEqual(r.errors[1].params, { allowed: ["production", "sandbox"] });
  assert.deepEqual(r.errors[2].params, { rule: "prefix", prefix: "008" });
});

test("fields of another API type are ignored; trimming is per field", () => {
  const r = validate(settings("spend-expense", { organizationId: "bad", devKey: "x y", apiToken: "  tok  " }));
  assert.deepEqual(r, { valid: true, errors: [] });
  assert.deepEqual(validateField("ap-ar-v2", "devKey", "\t key-1 \n"), []);
  assert.equal(validateField("ap-ar-v2", "password", "pw\n")[0].code, "invalid_format"); // never trimmed
});

test("validateField returns [] or that field's items", () => {
  assert.deepEqual(validateField("ap-ar-v3", "organizationId", "008123456789012"), []);
  const [item] = validateField("ap-ar-v3", "organizationId", "008");
  assert.deepEqual(item, { field: "organizationId", code: "too_short", severity: "error",
    message: "Organization ID must be at least 15 characters.", params: { min: 15 } });
  assert.equal(validateField("partner", "username", 7)[0].code, "invalid_type");
  assert.equal(validateField("partner", "username", undefined)[0].code, "required");
  assert.equal(validateField("partner", "apiType", "ap-ar-v9")[0].code, "invalid_option");
});

test("hostile values never panic the module", () => {
  const hostile = [
    new Proxy({}, { ownKeys() { throw new Error("x"); } }),
    (() => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; })(),
  ];
  for (const h of hostile) assert.throws(() => validate(h), { code: "invalid_argument" });
  const r = validate({ name: "x".repeat(1 << 20), apiType: "partner", environment: "sandbox",
    get appKey() { throw new Error("boom"); }, username: "a\uD800@b.co", password: "pw", ["__proto__"]: null });
  // A computed ["__proto__"] key is an own property: reported as an unknown field.
  assert.deepEqual(codes(r), ["name:too_long", "appKey:invalid_type", "username:invalid_format", "__proto__:unknown_field"]);
  assert.deepEqual(validate(settings("partner")), { valid: true, errors: [] }); // still usable
});

test("messages never contain a secret value", () => {
  const secret = "Zz-secret-value-9";
  const r = validate({ apiType: "ap-ar-v2", password: secret + "\u0000", devKey: `${secret} ${secret}`,
    organizationId: secret, username: secret });
  assert.ok(r.errors.length >= 4);
  assert.ok(!JSON.stringify(r).includes(secret));
});

test("async init works in Node from bytes", async () => {
  const bytes = readFileSync(new URL("../../pkg/billcom_connection_bg.wasm", import.meta.url));
  await pkg.default({ module_or_path: bytes });
  assert.equal(apiTypes().length, 4);
});

test("the .d.ts types every export precisely", () => {
  const dts = readFileSync(new URL("../../pkg/billcom_connection.d.ts", import.meta.url), "utf8");
  assert.doesNotMatch(dts, /[:<|,(]\s*any\b/, "no `any` type");
  assert.match(dts, /Every field id any API type uses/, "doc comments ship as written");
  for (const sig of [
    "export function apiTypes(): ApiTypeInfo[];",
    "export function formSpec(apiType: ApiTypeId): FormSpec;",
    "export function validate(settings: Settings): ValidationReport;",
    "export function validateField(apiType: ApiTypeId, fieldId: FieldId, value: unknown): ReportItem[];",
    "submit(url: string, options?: SubmitOptions): Promise<SubmitResult>;",
    "test(url: string, options?: SubmitOptions): Promise<TestResult>;",
  ]) assert.ok(dts.includes(sig), sig);
  for (const t of ["ApiTypeInfo", "FieldSpec", "FormSpec", "ReportItem", "ValidationReport", "BillcomUsageError"]) {
    assert.match(dts, new RegExp(`export (interface|type) ${t}\\b`));
  }
});

test("npm pack ships exactly the entries' files", () => {
  const out = execFileSync("npm", ["pack", "--dry-run", "--ignore-scripts", "--json"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const files = JSON.parse(out)[0].files.map((f) => f.path).sort();
  // Stable names only (no hashed snippets folder): a page may copy them into a
  // vendor folder and import them by relative path.
  assert.deepEqual(files, [
    "LICENSE-APACHE",
    "LICENSE-MIT",
    "README.md",
    "package.json",
    "pkg/billcom_connection.d.ts",
    "pkg/billcom_connection.js",
    "pkg/billcom_connection_bg.wasm",
    "pkg/contracts.d.ts",
    "pkg/contracts.js",
    "pkg/element.d.ts",
    "pkg/element.js",
    "pkg/locales/fr.js",
    "pkg/node.d.ts",
    "pkg/node.js",
    "pkg/node_bg.wasm",
    "pkg/style.css",
    "pkg/validate.d.ts",
    "pkg/validate.js",
    "pkg/validate_bg.wasm",
  ]);
});
