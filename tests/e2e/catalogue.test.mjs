// The element's catalogues (Node, no browser): French has exactly the keys of the
// English, English is the crate's own text (js/locales/en.json, proved equal to the
// Rust tables and message functions by tests/catalogue.rs) plus the element's words,
// and the built package serves that same English at run time.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { REPO, en as ui, pkg } from "./helpers.mjs";

const crate = JSON.parse(readFileSync(path.join(REPO, "js/locales/en.json"), "utf8"));
const fr = (await import(path.join(REPO, "pkg/locales/fr.js"))).default;
const english = { ...crate, ...Object.fromEntries(Object.entries(ui).map(([k, v]) => [`ui.${k}`, v])) };
const placeholders = (s) => (s.match(/\{\w+\}/g) ?? []).sort();

test("the French catalogue has exactly the English keys, with the same placeholders, none empty", () => {
  assert.deepEqual(Object.keys(fr).sort(), Object.keys(english).sort());
  for (const [k, v] of Object.entries(english)) {
    assert.deepEqual(placeholders(fr[k]), placeholders(v), k);
    assert.ok(fr[k].trim().length > 0, k);
  }
});

test("the English catalogue is what the built package says at run time", () => {
  for (const t of pkg.apiTypes()) {
    assert.equal(crate[`apiType.${t.id}.label`], t.label);
    assert.equal(crate[`apiType.${t.id}.shortLabel`], t.shortLabel);
    assert.equal(crate[`apiType.${t.id}.description`], t.description);
    const spec = pkg.formSpec(t.id);
    assert.equal(crate[`apiType.${t.id}.environmentNote`], spec.environmentNote);
    for (const f of spec.fields) {
      assert.equal(crate[`field.${f.id}.label`], f.label, f.id);
      assert.equal(crate[`field.${f.id}.help`], f.help, f.id);
      assert.equal(crate[`field.${f.id}.details`], f.details, f.id);
      if (f.id === "environment") for (const o of f.options) assert.equal(crate[`environment.${o.value}.label`], o.label);
    }
  }
  // Each message the validator gives is its template filled in with the item's params.
  const cases = [
    ["ap-ar-v2", "organizationId", "12"], ["ap-ar-v2", "organizationId", "99901ABCDEFGHIJK"], ["ap-ar-v2", "name", ""],
    ["ap-ar-v2", "username", "not-an-email"], ["ap-ar-v2", "password", " pw "], ["partner", "appKey", "a b"],
    ["spend-expense", "apiToken", "x".repeat(1025)], ["ap-ar-v2", "name", "a\u200bb"], ["ap-ar-v2", "name", "a\tb"],
  ];
  let checked = 0;
  for (const [type, field, value] of cases) {
    for (const item of pkg.validateField(type, field, value)) {
      const key = `msg.${item.code}${item.code === "invalid_format" ? `.${item.params.rule}` : ""}`;
      const label = crate[`field.${field}.label`];
      const filled = crate[key].replace(/\{(\w+)\}/g, (_, p) => (p === "label" ? label : String(item.params[p])));
      assert.equal(filled, item.message, key);
      checked++;
    }
  }
  assert.ok(checked >= 9, `checked ${checked} messages`);
});
