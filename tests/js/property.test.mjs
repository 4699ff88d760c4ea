// The new boundary against a reference: the native validator (wasm/examples/
// reference.rs) on the same 100,000 generated inputs must give identical reports,
// with String.prototype.isWellFormed and without it (older engines' fallback).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { rng, generate, describe } from "./property-gen.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const N = 100_000;
const SEED = 9;

function reference() {
  execFileSync("cargo", ["build", "--quiet", "-p", "billcom-connection-wasm", "--example", "reference"], { cwd: root, stdio: "inherit" });
  const r = rng(SEED);
  const lines = [];
  for (let i = 0; i < N; i++) lines.push(JSON.stringify(describe(generate(r))));
  const out = execFileSync(`${root}target/debug/examples/reference`, { input: lines.join("\n") + "\n", encoding: "utf8", maxBuffer: 1 << 30 });
  return out.trimEnd().split("\n");
}

function ours(nodeArgs = []) {
  const gen = fileURLToPath(new URL("property-gen.mjs", import.meta.url));
  return execFileSync(process.execPath, [...nodeArgs, gen, String(N), String(SEED)], { cwd: root, encoding: "utf8", maxBuffer: 1 << 30 }).trimEnd().split("\n");
}

function compare(got, want) {
  assert.equal(got.length, want.length);
  let diffs = 0, first = -1;
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i] && diffs++ === 0) first = i;
  assert.equal(diffs, 0, diffs ? `input #${first}:\n ours ${got[first]}\n  ref ${want[first]}` : "");
}

const want = reference();

test(`${N.toLocaleString("en")} generated inputs: identical reports to the native validator`, () => {
  assert.ok(want.filter((l) => l.startsWith('{"valid":true')).length > 100, "the mix has valid inputs too");
  compare(ours(), want);
});

test("the same without String.prototype.isWellFormed (Chrome < 111, Firefox < 119, Safari < 16.4)", () => {
  const drop = "data:text/javascript,delete String.prototype.isWellFormed";
  compare(ours(["--import", drop]), want);
});
