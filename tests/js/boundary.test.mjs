// The boundary's hostile-value cases (boundary-cases.mjs) in Node, on both entries,
// and the raw exports driven by hand per the layout in wasm/src/io.rs (so the
// wrapper and the documented layout agree: a wrong offset fails here).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as full from "billcom-connection";
import * as lean from "billcom-connection/validate";
import { run } from "./boundary-cases.mjs";

const exports = full.initSync({ module: readFileSync(new URL("../../pkg/billcom_connection_bg.wasm", import.meta.url)) });
lean.initSync({ module: readFileSync(new URL("../../pkg/validate_bg.wasm", import.meta.url)) });

test("billcom-connection: every boundary case", () => assert.deepEqual(run(full), []));
test("billcom-connection/validate: every boundary case", () => assert.deepEqual(run(lean), []));

test("the raw exports: a block written by hand per the documented layout", () => {
  const w = exports;
  // Catalogue: the field table's order.
  const catLen = w.bc_catalogue();
  const desc = w.bc_desc() >> 2;
  let u32 = new Uint32Array(w.memory.buffer);
  const cat = JSON.parse(new TextDecoder().decode(new Uint8Array(w.memory.buffer, u32[desc], catLen)));
  // Strings from byte 0: "spend-expense" (apiType), "devkey" (a key), "a b" (its value).
  const text = "spend-expense" + "devkey" + "a b";
  assert.ok(w.bc_reserve(256) !== 0);
  u32 = new Uint32Array(w.memory.buffer);
  const io = u32[desc];
  const written = new TextEncoder().encodeInto(text, new Uint8Array(w.memory.buffer, io, 256)).written;
  const at = (written + 3) & ~3;
  const words = [2, Object.keys(cat.fields).indexOf("apiType"), 0, 0, 13, 0x100, 6, 0, 3];
  words.forEach((x, i) => (u32[(io + at) / 4 + i] = x));
  const n = w.bc_validate(at);
  u32 = new Uint32Array(w.memory.buffer);
  const io2 = u32[desc];
  assert.equal(u32[io2 / 4], 0, "invalid");
  assert.equal(u32[io2 / 4 + 1], n);
  // name, environment, apiToken required (templates), then devkey: FINDING_UNKNOWN
  // naming entry 1, whose key text the wrapper wrote.
  assert.equal(n, 4);
  const kinds = Array.from({ length: n }, (_, i) => u32[io2 / 4 + 2 + 3 * i]);
  assert.deepEqual(kinds, [0, 0, 0, 2]);
  assert.equal(u32[io2 / 4 + 2 + 9 + 1], 1, "the entry index of devkey");
  // The unknown_field template: `{key}` where the key goes.
  const len = w.bc_template(0xfffffffe);
  const io3 = new Uint32Array(w.memory.buffer)[desc];
  const item = JSON.parse(new TextDecoder().decode(new Uint8Array(w.memory.buffer, io3, len)))[0];
  assert.deepEqual([item.field, item.code], ["{key}", "unknown_field"]);
  assert.equal(item.message.split("{key}").length, 2);
  // A key the message does not show as given (over 40 chars) comes inline.
  assert.ok(w.bc_reserve(256) !== 0);
  const long = "k".repeat(41);
  const io4 = new Uint32Array(w.memory.buffer)[desc];
  const at4 = (new TextEncoder().encodeInto(long, new Uint8Array(w.memory.buffer, io4, 256)).written + 3) & ~3;
  [1, 0x100, 41, 1, 0].forEach((x, i) => (new Uint32Array(w.memory.buffer)[(io4 + at4) / 4 + i] = x));
  const n4 = w.bc_validate(at4);
  u32 = new Uint32Array(w.memory.buffer);
  const io5 = u32[desc];
  assert.equal(u32[io5 / 4 + 2 + 3 * (n4 - 1)], 1, "FINDING_INLINE");
  const a = u32[io5 / 4 + 2 + 3 * (n4 - 1) + 1], b = u32[io5 / 4 + 2 + 3 * (n4 - 1) + 2];
  // Its texts: the key as the message shows it, a NUL, the key as `field` holds it.
  const [shown, field] = new TextDecoder().decode(new Uint8Array(w.memory.buffer, io5 + a, b)).split("\0");
  assert.equal(field, long);
  assert.equal(shown, "k".repeat(40) + "…");
  // A header one word off is refused, never misread.
  assert.ok(w.bc_reserve(256) !== 0);
  assert.equal(w.bc_validate(at + 2), -3);
  // The same settings through the wrapper give the same items.
  assert.deepEqual(full.validate({ apiType: "spend-expense", devkey: "a b" }).errors.map((e) => e.code),
    ["required", "required", "required", "unknown_field"]);
  const last = full.validate({ apiType: "spend-expense", devkey: "a b" }).errors.at(-1);
  assert.deepEqual(last, { field: "devkey", code: "unknown_field", severity: "error",
    message: '"devkey" is not a setting of a Bill.com connection.' });
});

test("lone surrogates in two keys in a row are two unknown keys, not one char", () => {
  // "a\ud800" then "\udc00b": written one after the other, they would pair up.
  for (const pkg of [full, lean]) {
    const items = pkg.validate({ "a\ud800": 1, "\udc00b": 2, "\ud800": null, "\udc00": "x" }).errors.filter((e) => e.code === "unknown_field");
    assert.deepEqual(items.map((e) => e.field), ["a?", "?b", "?", "?"]);
    assert.ok(items[0].message.startsWith('"a?"'));
  }
});
