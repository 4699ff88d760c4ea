// Sizes: what each entry ships (every file it loads: its .wasm and its one JS
// file) and each contender's esbuild bundle, raw / gzip -9 / brotli -q 11 (node:zlib).
import { readFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";

export const ROOT = new URL("../", import.meta.url);
export const WASM = new URL("pkg/billcom_connection_bg.wasm", ROOT);
export const GLUE = new URL("pkg/billcom_connection.js", ROOT);
/** Every file each entry loads at run time (the .d.ts files are not shipped to browsers). */
export const ENTRIES = {
  "billcom-connection": ["pkg/billcom_connection.js", "pkg/billcom_connection_bg.wasm"],
  "billcom-connection/validate": ["pkg/validate.js", "pkg/validate_bg.wasm"],
};
/** The goals (issue 9), brotli -q 11 bytes, each file compressed on its own. */
export const GOALS = { "billcom-connection": 15360, "billcom-connection/validate": 12288 };
/** What CI gates on: a ratchet just above what ships today, below each goal
 *  (both met; lower it as the modules shrink, never raise it above a goal). */
export const RATCHET = { "billcom-connection": 14710, "billcom-connection/validate": 10180 };

export function sizes(buf) {
  return {
    raw: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: buf.length },
    }).length,
  };
}

const add = (a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli });

/** Each entry's files, each compressed on its own (as a server sends them), and their sum. */
export function entrySizes() {
  const out = {};
  for (const [entry, files] of Object.entries(ENTRIES)) {
    const each = Object.fromEntries(files.map((f) => [f, sizes(readFileSync(new URL(f, ROOT)))]));
    out[entry] = { files: each, total: Object.values(each).reduce(add) };
  }
  return out;
}

/** The full entry's two files and their sum (the bench's historical view). */
export function shipped() {
  const wasm = sizes(readFileSync(WASM));
  const glue = sizes(readFileSync(GLUE));
  return { wasm, glue, total: add(wasm, glue) };
}

/** esbuild --bundle --minify --format=esm of a small entry per contender. */
export async function bundles({ standaloneFile }) {
  const esbuild = await import("esbuild");
  const entries = {
    "ours: glue (esbuild) + wasm": `export { default as init, initSync, validate, formSpec, ConnectionForm } from "./pkg/billcom_connection.js";`,
    "ours validate entry: glue (esbuild) + wasm": `export { default as init, initSync, validate, formSpec } from "./pkg/validate.js";`,
    "ajv (runtime, compiles at load)": `export { validate } from "./bench/contenders/ajv.mjs";`,
    "ajv standalone": `export { default as validate } from ${JSON.stringify(standaloneFile)};`,
    "zod 4": `export { validate } from "./bench/contenders/zod.mjs";`,
    "valibot 1": `export { validate } from "./bench/contenders/valibot.mjs";`,
  };
  const wasmOf = (name) => sizes(readFileSync(new URL(name.includes("validate") ? "pkg/validate_bg.wasm" : "pkg/billcom_connection_bg.wasm", ROOT)));
  const out = {};
  for (const [name, contents] of Object.entries(entries)) {
    const r = await esbuild.build({
      stdin: { contents, resolveDir: ROOT.pathname, sourcefile: "entry.mjs", loader: "js" },
      bundle: true, minify: true, format: "esm", platform: "browser", write: false, logLevel: "error",
      // The glue's `new URL("…_bg.wasm", import.meta.url)` stays a URL; the wasm is counted below.
    });
    const js = sizes(Buffer.from(r.outputFiles[0].contents));
    out[name] = name.startsWith("ours") ? add(js, wasmOf(name)) : js;
  }
  return out;
}

export function sizeTable(rows) {
  const w = Math.max(...Object.keys(rows).map((k) => k.length), 8);
  const lines = [`${"module".padEnd(w)}  ${"raw".padStart(8)}  ${"gzip -9".padStart(8)}  ${"br -q 11".padStart(8)}`];
  for (const [k, s] of Object.entries(rows)) {
    lines.push(`${k.padEnd(w)}  ${String(s.raw).padStart(8)}  ${String(s.gzip).padStart(8)}  ${String(s.brotli).padStart(8)}`);
  }
  return lines.join("\n");
}
