// Prints what ships: the wasm module and its JS glue, raw / gzip -9 / brotli -q 11.
import { readFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";

const files = ["pkg/billcom_connection_bg.wasm", "pkg/billcom_connection.js"];
const row = (name, buf) => {
  const gz = gzipSync(buf, { level: 9 }).length;
  const br = brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  console.log(`${name.padEnd(34)} ${String(buf.length).padStart(8)} ${String(gz).padStart(8)} ${String(br).padStart(8)}`);
  return br;
};
console.log(`${"file".padEnd(34)} ${"raw".padStart(8)} ${"gzip".padStart(8)} ${"brotli".padStart(8)}`);
const bufs = files.map((f) => readFileSync(new URL(`../${f}`, import.meta.url)));
files.forEach((f, i) => row(f, bufs[i]));
row("total (wasm + glue)", Buffer.concat(bufs));
