// The boundary's hostile-value cases (formerly tests/web.rs under wasm-bindgen-test),
// written once and run in Node (boundary.test.mjs) and in headless Chromium
// (browser.test.mjs). `run(pkg)` returns the names of failed cases with why.
// No Node APIs here: it runs in a page.

const VALID_V3 = { name: "Ops", apiType: "ap-ar-v3", environment: "production",
  organizationId: " 00801ABCDEFGHIJKL ", username: "ops@example.com", password: "pw", devKey: "01AB-CD" };

const codes = (r) => r.errors.map((i) => `${i.field}:${i.code}`);
const eq = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function check(cond, what) {
  if (!cond) throw new Error(what);
}

function throwsCode(fn, code) {
  try {
    fn();
  } catch (e) {
    check(e instanceof Error, `a real Error for ${code}`);
    check(e.code === code, `code ${e.code}, expected ${code}`);
    check(typeof e.message === "string" && e.message.length > 0, "a message");
    return;
  }
  throw new Error(`did not throw ${code}`);
}

export const CASES = {
  "apiTypes lists the four in order": ({ apiTypes }) => {
    const list = apiTypes();
    check(eq(list.map((t) => t.id), ["ap-ar-v2", "ap-ar-v3", "partner", "spend-expense"]), "ids");
    check(list.every((t) => t.label && t.description), "labels");
  },
  "formSpec returns fields in display order": ({ formSpec }) => {
    const spec = formSpec("partner");
    check(spec.apiType === "partner", "apiType");
    check(eq(spec.fields.map((f) => f.id), ["name", "apiType", "environment", "appKey", "username", "password"]), "order");
    check(spec.fields[3].secret === true, "appKey secret");
  },
  "formSpec misuse throws coded errors": ({ formSpec, validate }) => {
    throwsCode(() => formSpec("ap-ar-v4"), "unknown_api_type");
    throwsCode(() => formSpec(undefined), "invalid_argument");
    throwsCode(() => formSpec(42), "invalid_argument");
    check(validate(VALID_V3).valid, "still usable");
  },
  "validate reports every problem": ({ validate }) => {
    const r = validate({ apiType: "ap-ar-v2", environment: "prod", organizationId: "123", username: "bob", password: 5, devkey: "x" });
    check(r.valid === false, "invalid");
    check(eq(codes(r), ["name:required", "environment:invalid_option", "organizationId:too_short", "organizationId:invalid_format",
      "username:invalid_format", "password:invalid_type", "devKey:required", "devkey:unknown_field"]), codes(r).join());
  },
  "validateField returns items or an empty array": ({ validateField }) => {
    check(eq(validateField("ap-ar-v3", "organizationId", " 008123456789012 "), []), "fine");
    const [bad] = validateField("ap-ar-v3", "organizationId", "0081");
    check(bad.code === "too_short" && bad.params.min === 15, "too_short");
    throwsCode(() => validateField("nope", "name", "x"), "unknown_api_type");
    throwsCode(() => validateField("partner", "devKey", "x"), "unknown_field");
    throwsCode(() => validateField("partner", null, "x"), "invalid_argument");
  },
  "non-objects throw invalid_argument": ({ validate }) => {
    for (const bad of [undefined, null, 42, "settings", [], [1, 2], true, () => 1, Symbol("s"), 10n]) throwsCode(() => validate(bad), "invalid_argument");
    check(validate(VALID_V3).valid, "still usable");
  },
  "hostile objects never break the module": ({ validate }) => {
    const trapAll = new Proxy({}, { ownKeys() { throw new Error("ownKeys"); }, get() { throw new Error("get"); },
      getOwnPropertyDescriptor() { throw new Error("gopd"); }, has() { throw new Error("has"); } });
    throwsCode(() => validate(trapAll), "invalid_argument");
    const r = Proxy.revocable({}, {});
    r.revoke();
    throwsCode(() => validate(r.proxy), "invalid_argument");
    const getThrows = new Proxy({ name: "n", apiType: "spend-expense", environment: "sandbox", apiToken: "t" },
      { get(t, k) { if (k === "apiToken") throw new Error("get"); return t[k]; } });
    check(eq(codes(validate(getThrows)), ["apiToken:invalid_type"]), "get trap");
    const getter = { name: "n", apiType: "partner", environment: "sandbox", appKey: "k", username: "u@x.io", get password() { throw new Error("nope"); } };
    check(eq(codes(validate(getter)), ["password:invalid_type"]), "getter");
    const odd = { name: new Proxy({}, {}), apiType: "spend-expense", environment: Symbol("e"), apiToken: {} };
    check(eq(codes(validate(odd)), ["name:invalid_type", "environment:invalid_type", "apiToken:invalid_type"]), "odd values");
    check(validate(VALID_V3).valid, "still usable");
  },
  "__proto__ keys and inherited values": ({ validate }) => {
    const parsed = JSON.parse('{"name":"n","apiType":"spend-expense","environment":"sandbox","apiToken":"t","__proto__":{"x":1}}');
    check(eq(codes(validate(parsed)), ["__proto__:unknown_field"]), "own __proto__");
    const inherited = Object.assign(Object.create({ apiToken: "from-proto" }), { name: "n", apiType: "spend-expense", environment: "sandbox" });
    check(eq(codes(validate(inherited)), ["apiToken:required"]), "inherited");
    const bare = Object.assign(Object.create(null), { name: "n", apiType: "spend-expense", environment: "sandbox", apiToken: "t" });
    check(validate(bare).valid, "null prototype");
  },
  "lone surrogates and huge strings are reported": ({ validate, validateField }) => {
    const lone = { name: "a\uD800b", apiType: "spend-expense", environment: "sandbox", apiToken: "\uDC00" };
    check(eq(codes(validate(lone)), ["name:invalid_format", "apiToken:invalid_format"]), "lone");
    check(validateField("partner", "username", "x\uDFFF@y.io")[0].params.rule === "unicode", "unicode rule");
    const huge = { name: "n".repeat(1 << 20), apiType: "spend-expense", environment: "sandbox", apiToken: "t".repeat(1 << 20) };
    check(eq(codes(validate(huge)), ["name:too_long", "apiToken:too_long"]), "huge");
    const many = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => ["k" + i, i]));
    check(validate(many).errors.length === 1003, "many keys");
    check(validate(VALID_V3).valid, "still usable");
  },
  "messages never echo a secret": ({ validate }) => {
    const secret = "Sup3rS3cret-DoNotEcho";
    const r = validate({ name: "x", apiType: "ap-ar-v2", environment: "sandbox", organizationId: secret, username: secret,
      password: `${secret}\u0001`, devKey: `${secret} ${secret}` });
    check(!JSON.stringify(r).includes(secret), "no secret");
    check(r.errors.length >= 3, "reported");
  },
  "items are fresh objects": ({ validate }) => {
    const a = validate({ apiType: "partner" });
    a.errors[0].message = "mutated";
    if (a.errors[0].params) a.errors[0].params.x = 1;
    const b = validate({ apiType: "partner" });
    check(b.errors[0].message !== "mutated", "message");
    // Every params shape (min, max, rule, rule + prefix, allowed, received): no
    // item shares an object with a template or another report.
    const shapes = { name: "x".repeat(101), apiType: "ap-ar-v2", environment: "prod", organizationId: "009abc",
      username: 7, password: "pass\u0000word", devKey: "a b" };
    const first = validate(shapes);
    const want = JSON.stringify(first);
    const kinds = new Set(first.errors.flatMap((e) => Object.keys(e.params ?? {})));
    for (const k of ["min", "max", "rule", "prefix", "received"]) check(kinds.has(k), `a ${k} param`);
    for (const e of first.errors) {
      e.field = "mutated";
      for (const k of Object.keys(e.params ?? {})) e.params[k] = "mutated";
    }
    const opt = validate({ environment: "prod" }).errors.find((e) => e.code === "invalid_option");
    opt.params.allowed.push("mutated");
    check(JSON.stringify(validate(shapes)) === want, "params untouched");
    check(!validate({ environment: "prod" }).errors.find((e) => e.code === "invalid_option").params.allowed.includes("mutated"), "allowed");
  },
  "a freed form throws form_freed": ({ ConnectionForm, validate }) => {
    if (!ConnectionForm) return; // the validate entry has no form
    const f = new ConnectionForm({ apiType: "partner" });
    f.set("password", "pw");
    f.free();
    throwsCode(() => f.set("name", "x"), "form_freed");
    throwsCode(() => f.apiType, "form_freed");
    check(validate(VALID_V3).valid, "still usable");
  },
};

/** Runs every case; the failures as "name: why". */
export function run(pkg) {
  const failed = [];
  for (const [name, fn] of Object.entries(CASES)) {
    try {
      fn(pkg);
    } catch (e) {
      failed.push(`${name}: ${e?.message ?? e}`);
    }
  }
  return failed;
}
