// Fails when an entry's shipped files, brotli -q 11, exceed its budget (RATCHET in
// size.mjs); prints the goal (GOALS) beside it.
//   node bench/size-check.mjs
// Each file is compressed on its own, as a server sends them; an entry's figure is
// the sum over every file it loads (bench/size.mjs ENTRIES). Size is deterministic
// for a given toolchain, so CI gates on it.
import { existsSync } from "node:fs";
import { entrySizes, ENTRIES, GOALS, RATCHET, ROOT } from "./size.mjs";

for (const f of Object.values(ENTRIES).flat()) {
  if (!existsSync(new URL(f, ROOT))) {
    console.error(`size-check: ${f} missing; run \`npm run build\` first`);
    process.exit(2);
  }
}
let over = 0;
for (const [entry, s] of Object.entries(entrySizes())) {
  const budget = RATCHET[entry];
  const goal = GOALS[entry];
  const parts = Object.entries(s.files).map(([f, x]) => `${f.replace("pkg/", "")} ${x.brotli}`).join(" + ");
  const ok = s.total.brotli <= budget;
  if (!ok) over++;
  console.log(`size-check: ${entry}: ${parts} = ${s.total.brotli} bytes brotli -q 11 (raw ${s.total.raw}, gzip -9 ${s.total.gzip}); ` +
    `budget ${budget}: ${ok ? "ok" : `OVER BUDGET by ${s.total.brotli - budget} bytes`}; ` +
    `goal ${goal}: ${s.total.brotli <= goal ? "met" : `NOT met (${s.total.brotli - goal} bytes over)`}`);
}
process.exit(over ? 1 : 0);
