// The element's size on top of the core (issue 10: <= 6 KB brotli for pkg/element.js),
// with the French catalogue and the stylesheet beside it (both loaded only on demand).
// Prints raw, gzip -9 and brotli -q 11 bytes; exits 1 over the budget.
//   node scripts/element-size.mjs [budgetBrotliBytes]
import { readFileSync } from "node:fs";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const budget = Number(process.argv[2] ?? 6144);
const sizes = (file) => {
  const b = readFileSync(new URL(`../pkg/${file}`, import.meta.url));
  const br = brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  return { file, raw: b.length, gzip: gzipSync(b, { level: 9 }).length, brotli: br };
};
const rows = ["element.js", "locales/fr.js", "style.css"].map(sizes);
for (const r of rows) console.log(`${r.file.padEnd(14)} raw ${r.raw}  gzip ${r.gzip}  brotli ${r.brotli}`);
const el = rows[0].brotli;
console.log(`element: ${el} bytes brotli on top of the core (budget ${budget})`);
if (el > budget) {
  console.error(`element.js is over its budget: ${el} > ${budget} bytes brotli`);
  process.exit(1);
}
