// Fails when an entry's shipped files, brotli -q 11, exceed its budget.
//   node bench/size-check.mjs
// Each file is compressed on its own, as a server sends them; an entry's figure is
// the sum over every file it loads (bench/size.mjs ENTRIES). Size is deterministic
// for a given toolchain, so CI gates on it.
import { existsSync } from "node:fs";
import { entrySizes, ENTRIES, BUDGETS, ROOT } from "./size.mjs";

for (const f of Object.values(ENTRIES).flat()) {
  if (!existsSync(new URL(f, ROOT))) {
    console.error(`size-check: ${f} missing; run \`npm run build\` first`);
    process.exit(2);
  }
}
let over = 0;
for (const [entry, s] of Object.entries(entrySizes())) {
  const budget = BUDGETS[entry];
  const parts = Object.entries(s.files).map(([f, x]) => `${f.replace("pkg/", "")} ${x.brotli}`).join(" + ");
  const ok = s.total.brotli <= budget;
  if (!ok) over++;
  console.log(`size-check: ${entry}: ${parts} = ${s.total.brotli} bytes brotli -q 11 (raw ${s.total.raw}, gzip -9 ${s.total.gzip}); ` +
    `budget ${budget}: ${ok ? "ok" : `OVER BUDGET by ${s.total.brotli - budget} bytes`}`);
}
process.exit(over ? 1 : 0);
