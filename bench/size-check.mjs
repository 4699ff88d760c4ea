// Fails when the shipped wasm + glue, brotli -q 11, exceed the budget.
//   node bench/size-check.mjs [BYTES]     (or SIZE_BUDGET_BROTLI=BYTES; default 15360)
// Each file is compressed on its own, as a server sends them; the figure is the sum.
import { existsSync } from "node:fs";
import { shipped, WASM, GLUE } from "./size.mjs";

const arg = process.argv[2] ?? process.env.SIZE_BUDGET_BROTLI ?? "15360";
const budget = Number(arg);
if (!Number.isInteger(budget) || budget <= 0) {
  console.error(`size-check: budget must be a positive integer of bytes, got ${JSON.stringify(arg)}`);
  process.exit(2);
}
for (const f of [WASM, GLUE]) {
  if (!existsSync(f)) {
    console.error(`size-check: ${f.pathname} missing; run \`npm run build\` first`);
    process.exit(2);
  }
}
const s = shipped();
const verdict = s.total.brotli <= budget ? "ok" : "OVER BUDGET";
console.log(
  `size-check: wasm ${s.wasm.brotli} + glue ${s.glue.brotli} = ${s.total.brotli} bytes brotli -q 11 ` +
    `(raw ${s.total.raw}, gzip -9 ${s.total.gzip}); budget ${budget}: ${verdict}` +
    (s.total.brotli > budget ? ` by ${s.total.brotli - budget} bytes` : ""),
);
process.exit(s.total.brotli <= budget ? 0 : 1);
