// Nothing a caller does may poison the module: 10^6 calls of each misuse, then
// `validate` still works and WASM memory stays flat. (The module imports nothing
// and has no table of JS values: no JS exception can cross a Rust frame.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import * as validateOnly from "billcom-connection/validate";
import { ConnectionForm, initSync, validate, validateField } from "billcom-connection";

const M = 1_000_000;
const exports = initSync({ module: readFileSync(new URL("../../pkg/billcom_connection_bg.wasm", import.meta.url)) });
const memory = () => exports.memory.buffer.byteLength;
const VALID = { name: "n", apiType: "spend-expense", environment: "sandbox", apiToken: "t" };

function stillWorks() {
  assert.deepEqual(validate(VALID), { valid: true, errors: [] });
  assert.equal(validate({ ...VALID, apiToken: "a b" }).errors[0].code, "invalid_format");
}

function times(n, fn) {
  for (let i = 0; i < n; i++) fn(i);
}

test("calling before init throws not_initialized (and init then works)", () => {
  assert.throws(() => validateOnly.validate(VALID), { code: "not_initialized" });
  assert.throws(() => validateOnly.formSpec("partner"), { code: "not_initialized" });
  validateOnly.initSync({ module: readFileSync(new URL("../../pkg/validate_bg.wasm", import.meta.url)) });
  assert.deepEqual(validateOnly.validate(VALID), { valid: true, errors: [] });
  assert.equal(typeof validateOnly.ConnectionForm, "undefined", "the validate entry has no form");
});

test(`a freed form throws form_freed, ${M.toLocaleString("en")} times per method`, () => {
  const form = new ConnectionForm({ apiType: "partner" });
  form.set("password", "pw-secret");
  form.free();
  form.free(); // idempotent
  stillWorks();
  const before = memory();
  for (const call of [() => form.set("name", "x"), () => form.apiType, () => form.values(), () => form.validate(), () => form.secretsFilled()]) {
    times(M, () => {
      try {
        call();
        assert.fail("should throw");
      } catch (e) {
        if (e.code !== "form_freed") throw e;
      }
    });
  }
  assert.throws(() => form.submit("/x"), (e) => e instanceof Error && e.code === "form_freed");
  assert.equal(memory(), before);
  stillWorks();
});

test(`${M.toLocaleString("en")} getters that throw, hostile Proxies and non-objects: memory flat`, () => {
  const getter = Object.defineProperty({ ...VALID }, "apiToken", { get() { throw new Error("no"); }, enumerable: true });
  const trap = new Proxy({}, { ownKeys() { throw new Error("x"); } });
  validate(getter);
  const before = memory();
  times(M, (i) => {
    if (i % 3 === 0) assert.equal(validate(getter).errors[0].code, "invalid_type");
    else assert.throws(() => validate(i % 3 === 1 ? trap : 42), { code: "invalid_argument" });
  });
  assert.equal(memory(), before);
  stillWorks();
});

test(`${M.toLocaleString("en")} inputs with U+FFFD and lone surrogates: memory flat`, () => {
  validate({ ...VALID, name: "\ufffd" });
  const before = memory();
  times(M, (i) => {
    const r = validate({ ...VALID, name: i % 2 ? "a\ufffd" : "a\ud800" });
    assert.equal(r.valid, i % 2 === 1);
  });
  assert.equal(memory(), before);
  stillWorks();
});

test(`${M.toLocaleString("en")} forms made and freed, and forms only dropped: memory flat`, () => {
  times(1000, () => new ConnectionForm({ apiType: "ap-ar-v3" }).free());
  const before = memory();
  times(M, () => {
    const f = new ConnectionForm({ apiType: "ap-ar-v3" });
    f.set("password", "pw");
    f.free();
  });
  assert.equal(memory(), before);
  stillWorks();
});

test("free() during a submit, a million times: the request resolves, nothing breaks", async () => {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => setTimeout(() => { res.writeHead(201, { "content-type": "application/json" }); res.end('{"id":"c1"}'); }, 50));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  try {
    const form = new ConnectionForm({ apiType: "spend-expense" });
    for (const [k, v] of Object.entries(VALID)) form.set(k, v);
    const pending = form.submit(`http://127.0.0.1:${server.address().port}/api/connections`);
    times(M, () => form.free());
    const result = await pending;
    assert.equal(result.ok, true);
    assert.throws(() => form.mode, { code: "form_freed" });
    stillWorks();
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test("stateless validate leaves no copy of the strings it read in WASM memory", () => {
  const secret = "Zz-Secret-Left-Behind-42";
  validate({ ...VALID, apiToken: secret, password: secret });
  validateOnly.validate({ ...VALID, apiToken: secret });
  const bytes = new Uint8Array(exports.memory.buffer);
  const needle = Buffer.from(secret);
  assert.equal(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(needle), -1);
});

test("form.set and validateField leave no copy of a value in WASM memory once the form is freed", () => {
  const bytes = () => Buffer.from(exports.memory.buffer);
  // Short ones (copied by the JS loop), long, and with a surrogate pair (copied by
  // encodeInto).
  for (const secret of ["Qq-Short-Secret-7", `Ll-Long-Secret-${"x".repeat(80)}`, "Üü-Secret-Ünicode-9", "Ee-Secret-🔑-8"]) {
    const f = new ConnectionForm({ apiType: "ap-ar-v2" });
    f.set("password", secret);
    validateField("ap-ar-v2", "devKey", secret);
    assert.ok(f.secretsFilled().password);
    f.free();
    assert.equal(bytes().indexOf(Buffer.from(secret)), -1, secret);
  }
  // A lone surrogate after a prefix: the loop copies the prefix before it finds the
  // surrogate, and the value then goes as "not well formed", with no text at all.
  // (The entry's words are written over the block's first bytes: look for the end.)
  for (const prefix of ["Ss-Lone-Prefix-Secret-3-and-its-tail", "Ää-Lone-Prefix-Secret-4-and-its-tail"]) {
    const tail = Buffer.from(prefix.slice(-16));
    const f = new ConnectionForm({ apiType: "ap-ar-v2" });
    assert.equal(f.set("password", `${prefix}\ud800`)[0].code, "invalid_format");
    assert.equal(bytes().indexOf(tail), -1, `set: ${prefix}`);
    validateField("ap-ar-v2", "devKey", `${prefix}\udc00`);
    assert.equal(bytes().indexOf(tail), -1, `validateField: ${prefix}`);
    f.free();
  }
});

test("a value replaced in a form leaves no copy in WASM memory (the slot's buffer is zeroized first)", () => {
  const bytes = () => Buffer.from(exports.memory.buffer);
  const f = new ConnectionForm({ apiType: "ap-ar-v2" });
  for (const [field, old] of [["password", "Rr-Replaced-Secret-55"], ["name", "Nn-Replaced-Name-66"]]) {
    f.set(field, old);
    assert.notEqual(bytes().indexOf(Buffer.from(old)), -1, "held while set");
    f.set(field, "new");
    assert.equal(bytes().indexOf(Buffer.from(old)), -1, `${field}: the old value lingers`);
    f.set(field, `${old}-and-longer-than-before-${"x".repeat(40)}`); // grows the buffer
    f.set(field, "x");
    assert.equal(bytes().indexOf(Buffer.from(old)), -1, `${field}: a grown buffer's old bytes linger`);
    // Long, short, then middling values in the same buffer: only the bytes in use
    // are zeroed on each replace, so the bytes past them must be zeros already.
    const seen = [];
    for (const [i, n] of [90, 3, 40, 12, 70, 0, 25].entries()) {
      const value = `${"v".repeat(n)}<${field}-${i}>`;
      f.set(field, value);
      seen.push(`<${field}-${i}>`);
      for (const tag of seen.slice(0, -1)) {
        assert.equal(bytes().indexOf(Buffer.from(tag)), -1, `${field}: ${tag} lingers after value ${i}`);
      }
    }
  }
  f.free();
});
