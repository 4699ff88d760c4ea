// billcom-connection/contracts (pkg/contracts.js, printed natively by
// examples/contracts.rs) against the crate as the node entry runs it (WASM):
// the same HTTP view for every API type and environment, the same JSON Schemas,
// the same misuse errors, and never a secret's value.
import { test } from "node:test";
import assert from "node:assert/strict";

const contracts = await import("billcom-connection/contracts");
const node = await import("billcom-connection/node");

const types = node.apiTypes().map((t) => t.id);
const envsOf = (t) => node.formSpec(t).fields.find((f) => f.id === "environment").options.map((o) => o.value);

test("httpSettings equals the crate's http_settings_for for every API type and environment", () => {
  let n = 0;
  for (const t of types) {
    for (const e of envsOf(t)) {
      assert.deepEqual(contracts.httpSettings(t, e), node.httpSettings(t, e), `${t}/${e}`);
      n++;
    }
  }
  assert.equal(n, types.length * 2, "four types, two environments each");
});

test("jsonSchema equals the crate's json_schema_for, for all types and for each", () => {
  assert.deepEqual(contracts.jsonSchema(), node.jsonSchema());
  for (const t of types) assert.deepEqual(contracts.jsonSchema(t), node.jsonSchema(t), t);
});

test("every secret appears only as its {{placeholder}}", () => {
  for (const t of types) {
    const secrets = node.formSpec(t).fields.filter((f) => f.secret).map((f) => f.id);
    for (const e of envsOf(t)) {
      const d = contracts.httpSettings(t, e);
      const values = [];
      const walk = (v) => (v && typeof v === "object" ? Object.values(v).forEach(walk) : values.push(v));
      walk(d);
      for (const s of secrets) assert.ok(values.includes(`{{${s}}}`), `${t}/${e}: {{${s}}} is used`);
      // A placeholder is the whole value: nothing is ever filled in.
      for (const v of values) if (typeof v === "string" && v.includes("{{")) assert.match(v, /^\{\{\w+\}\}$/);
    }
  }
});

test("a fresh copy each call; misuse throws as the other entries do", () => {
  const a = contracts.httpSettings("partner", "sandbox");
  a.baseUri = "changed";
  assert.notEqual(contracts.httpSettings("partner", "sandbox").baseUri, "changed");
  const same = (fn) => {
    let want;
    try {
      fn(node);
    } catch (e) {
      want = e;
    }
    assert.ok(want, "the node entry throws");
    assert.throws(() => fn(contracts), (e) => e.constructor === want.constructor && e.code === want.code);
  };
  same((m) => m.httpSettings("nope", "sandbox"));
  same((m) => m.httpSettings("partner", "staging"));
  same((m) => m.httpSettings(42, "sandbox"));
  same((m) => m.httpSettings("toString", "sandbox"));
  same((m) => m.jsonSchema("nope"));
  same((m) => m.jsonSchema(7));
});
