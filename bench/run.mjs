// npm run bench            full run (~1.5 min on 2 cores; includes the speed loop in headless Chromium)
// node bench/run.mjs --smoke   quick run for CI: proves it runs, never gates on timing
//
// 1. generates the mix, 2. checks every contender flags exactly the same fields
// (exit 1 on any mismatch), 3. ns per validation, 4. cold start (fresh child
// processes), 5. sizes, 6. twiggy's breakdown of the module (when twiggy is on PATH).
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import os from "node:os";
import { makeMix, describeMix } from "./mix.mjs";
import { API_TYPES, COMMON } from "./rules.mjs";
import { entrySizes, bundles, sizeTable, WASM, GLUE, GOALS, RATCHET } from "./size.mjs";

const SMOKE = process.argv.includes("--smoke");
const t00 = performance.now();
const log = (...a) => console.log(...a);
const fail = (msg) => {
  console.error(`\nbench: ${msg}`);
  process.exit(1);
};

for (const f of [WASM, GLUE]) if (!existsSync(f)) fail(`${f.pathname} missing: run \`npm run build\` first`);

log(`billcom-connection bench${SMOKE ? " (smoke)" : ""}: node ${process.version}, ${os.cpus()[0]?.model ?? "?"} x${os.cpus().length}, ${new Date().toISOString()}`);
log(`pkg/ built ${statSync(WASM).mtime.toISOString()}`);

// ---------------------------------------------------------------- 1. the mix
const mix = makeMix();
const d = describeMix(mix);
log(`\nmix: ${d.size} settings; per API type ${JSON.stringify(d.perType)}; ${d.valid} meant valid ` +
    `(${d.trimmed} of them valid only after trimming), ${d.size - d.valid} with 1-3 broken fields; ` +
    `${d.unknown} with an unknown key, ${d.nonString} with a non-string value, ${d.astral} with astral chars`);

// ---------------------------------------------------------- 2. the contenders
const ours = await import("./contenders/ours.mjs");
const oursLean = await import("./contenders/ours-validate.mjs");
const ajv = await import("./contenders/ajv.mjs");
const ajvStandalone = await (await import("./contenders/ajv-standalone.mjs")).load();
const zod = await import("./contenders/zod.mjs");
const valibot = await import("./contenders/valibot.mjs");
const { GENERATED } = await import("./contenders/ajv-standalone.mjs");

const others = { "ours (validate entry)": oursLean, ajv, "ajv standalone": ajvStandalone, "zod 4": zod, "valibot 1": valibot };
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const show = (v) => JSON.stringify(v, (_, x) => (x === undefined ? "<undefined>" : x));

let mismatches = 0;
const report = (i, who, got, want) => {
  if (++mismatches <= 20) log(`  MISMATCH #${i} ${who}: flags ${show(got)}, ours ${show(want)}\n    settings ${show(mix[i].settings)}`);
};
const forms = Object.fromEntries(Object.keys(API_TYPES).map((t) => [t, new ours.ConnectionForm({ apiType: t })]));
let ourValid = 0;
for (let i = 0; i < mix.length; i++) {
  const { settings, apiType, intendedValid } = mix[i];
  const want = ours.flagged(settings);
  if (want.length === 0) ourValid++;
  if ((want.length === 0) !== intendedValid) report(i, "the mix itself (meant " + (intendedValid ? "valid" : "invalid") + ")", want, want);
  for (const [who, c] of Object.entries(others)) {
    const got = c.flagged(settings);
    if (!same(got, want)) report(i, who, got, want);
  }
  // The keystroke path, loaded with the same values: flags the same fields, less
  // the keys a form cannot hold (unknown keys, other API types' fields).
  const own = [...COMMON, ...API_TYPES[apiType]];
  const form = forms[apiType];
  for (const f of own) form.set(f, settings[f]);
  const got = [...new Set(form.validate().errors.filter((e) => e.severity === "error").map((e) => e.field))].sort();
  const wantForm = want.filter((f) => own.includes(f));
  if (!same(got, wantForm)) report(i, "ours keystroke (ConnectionForm)", got, wantForm);
}
if (mismatches) fail(`${mismatches} mismatch(es) between contenders: not measuring`);
log(`check: all ${2 + Object.keys(others).length} contenders flag exactly the same fields on all ${mix.length} settings ` +
    `(${ourValid} valid, ${mix.length - ourValid} invalid)`);

// ---------------------------------------------------------------- 3. speed
// Reset each form to a valid settings object of its type before timing keystrokes.
for (const [t, form] of Object.entries(forms)) {
  const ok = mix.find((m) => m.apiType === t && m.intendedValid).settings;
  for (const f of [...COMMON, ...API_TYPES[t]]) form.set(f, ok[f]);
}
const S = mix.map((m) => m.settings);
const K = mix.map((m) => ({ form: forms[m.apiType], field: m.keystroke.field, value: m.keystroke.value }));
const contenders = {
  "ours validate()": (i) => ours.validate(S[i]).valid,
  "ours validate() (validate entry)": (i) => oursLean.validate(S[i]).valid,
  "ours keystroke (set + validate)": (i) => {
    const k = K[i];
    k.form.set(k.field, k.value);
    return k.form.validate().valid;
  },
  ajv: (i) => ajv.validate(S[i]),
  "ajv standalone": (i) => ajvStandalone.validate(S[i]),
  "zod 4": (i) => zod.validate(S[i]).success,
  "valibot 1": (i) => valibot.validate(S[i]).success,
};

let sink = 0;
function timeOps(fn, ops) {
  const n = S.length;
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < ops; k++) if (fn(k % n)) sink++;
  return Number(process.hrtime.bigint() - t0) / ops;
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const ROUNDS = SMOKE ? 1 : 7;
const ROUND_MS = 200;
const opsPer = {};
for (const [name, fn] of Object.entries(contenders)) {
  if (SMOKE) {
    opsPer[name] = 50;
    continue;
  }
  timeOps(fn, 2 * S.length); // warm-up: every object twice
  const ns = timeOps(fn, S.length);
  // Whole passes over the mix, so every round sees the same objects.
  opsPer[name] = Math.max(1, Math.round((ROUND_MS * 1e6) / ns / S.length)) * S.length;
}
const samples = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
const names = Object.keys(contenders);
for (let r = 0; r < ROUNDS; r++) {
  // Rotate the order each round, so no contender always runs right after another's garbage.
  for (let j = 0; j < names.length; j++) {
    const name = names[(j + r) % names.length];
    samples[name].push(timeOps(contenders[name], opsPer[name]));
  }
}
const med = Object.fromEntries(names.map((k) => [k, median(samples[k])]));
const w = Math.max(...names.map((k) => k.length));
log(`\nspeed: ns per validation, median of ${ROUNDS} round(s) of ${SMOKE ? "50 validations" : `~${ROUND_MS} ms (whole passes over the mix)`}`);
log(`${"contender".padEnd(w)}  ${"median ns".padStart(10)}  ${"min..max ns".padStart(15)}  ${"x ajv".padStart(6)}`);
for (const k of names) {
  const lo = Math.min(...samples[k]), hi = Math.max(...samples[k]);
  log(`${k.padEnd(w)}  ${med[k].toFixed(0).padStart(10)}  ${`${lo.toFixed(0)}..${hi.toFixed(0)}`.padStart(15)}  ${(med[k] / med.ajv).toFixed(2).padStart(6)}`);
}
const goal = (label, got, limit) => `  ${label}: ${got.toFixed(2)}x ajv (goal <= ${limit}x): ${got <= limit ? "met" : "NOT met"}`;
log(goal("stateless validate", med["ours validate()"] / med.ajv, 1.5));
log(goal("keystroke path", med["ours keystroke (set + validate)"] / med.ajv, 0.5));

// ----------------------------------------------- 3b. the same loop in Chromium
if (!SMOKE) {
  const { chromiumSpeed } = await import("./browser.mjs");
  const c = await chromiumSpeed({ rounds: ROUNDS, roundMs: ROUND_MS });
  const cm = Object.fromEntries(Object.entries(c.samples).map(([k, v]) => [k, median(v)]));
  log(`\nspeed in headless Chromium (${c.ua.match(/Chrome\/[\d.]+/)?.[0] ?? "?"}): same mix and rounds, ns per validation`);
  log(`${"contender".padEnd(w)}  ${"median ns".padStart(10)}  ${"x ajv".padStart(6)}  ${"Node x ajv".padStart(10)}`);
  for (const k of Object.keys(cm)) {
    log(`${k.padEnd(w)}  ${cm[k].toFixed(0).padStart(10)}  ${(cm[k] / cm.ajv).toFixed(2).padStart(6)}  ${(med[k] / med.ajv).toFixed(2).padStart(10)}`);
  }
  log(goal("stateless validate (Chromium)", cm["ours validate()"] / cm.ajv, 1.5));
  log(goal("keystroke path (Chromium)", cm["ours keystroke (set + validate)"] / cm.ajv, 0.5));
}

// ------------------------------------------------------------ 4. cold start
if (!SMOKE) {
  const RUNS = 7;
  const cold = (which) => {
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      const r = spawnSync(process.execPath, [new URL("cold.mjs", import.meta.url).pathname, which], { encoding: "utf8" });
      if (r.status !== 0) fail(`cold start of ${which} failed:\n${r.stderr}`);
      runs.push(JSON.parse(r.stdout.trim().split("\n").pop()));
    }
    return Object.fromEntries(Object.keys(runs[0]).map((k) => [k, median(runs.map((x) => x[k]))]));
  };
  const ms = (x) => `${x.toFixed(2)} ms`;
  const o = cold("ours"), a = cold("ajv"), s = cold("ajv-standalone"), z = cold("zod"), v = cold("valibot");
  log(`\ncold start: fresh node process each, median of ${RUNS}`);
  const rows = [
    ["ours: wasm bytes -> WebAssembly.compile + initSync + first formSpec()", o.bytesToFormSpec,
      `compile ${ms(o.compile)}, instantiate ${ms(o.instantiate)}, first formSpec ${ms(o.firstFormSpec)}`],
    ["ours: the same plus importing the glue", o.withGlueImport, `glue import ${ms(o.glueImport)}; first validate() after: ${ms(o.firstValidate)}`],
    ["ajv: import + compile", a.importAndCompile, `import ${ms(a.import)}, compile ${ms(a.compile)}; first validate after: ${ms(a.firstValidate)}`],
    ["ajv standalone: import generated module", s.importAndBuild, `first validate after: ${ms(s.firstValidate)}`],
    ["zod 4: import + build schemas", z.importAndBuild, `first validate after: ${ms(z.firstValidate)}`],
    ["valibot 1: import + build schemas", v.importAndBuild, `first validate after: ${ms(v.firstValidate)}`],
  ];
  const cw = Math.max(...rows.map((r) => r[0].length));
  for (const [k, t, detail] of rows) log(`${k.padEnd(cw)}  ${ms(t).padStart(10)}   ${detail}`);
  log(`  cold start (bytes -> first formSpec): ${ms(o.bytesToFormSpec)} (goal <= 2 ms): ${o.bytesToFormSpec <= 2 ? "met" : "NOT met"}`);
}

// ---------------------------------------------------------------- 5. size
const es = entrySizes();
const bu = await bundles({ standaloneFile: GENERATED.pathname });
log(`\nsize: bytes; each file compressed on its own; an entry is every file it loads`);
const rows = {};
for (const [entry, x] of Object.entries(es)) {
  for (const [f, v] of Object.entries(x.files)) rows[`${entry}: ${f}`] = v;
  rows[`${entry}: total`] = x.total;
}
log(sizeTable({ ...rows, ...Object.fromEntries(Object.entries(bu).map(([k, v]) => [`${k}${k.startsWith("ours") ? "" : " (esbuild)"}`, v])) }));
for (const [entry, x] of Object.entries(es)) {
  const g = GOALS[entry];
  log(`  ${entry}: ${x.total.brotli} bytes brotli (goal <= ${g}, CI ratchet ${RATCHET[entry]}): ${x.total.brotli <= g ? "met" : `NOT met, by ${x.total.brotli - g}`}`);
}
log(`  (contenders carry no labels, help texts or messages; ours carries all of them)`);

// ---------------------------------------------------------------- 6. twiggy
if (!SMOKE) {
  const { twiggyReport } = await import("./twiggy.mjs");
  twiggyReport(log);
}

if (sink < 0) log("unreachable"); // keeps the results alive, so no call is optimized away
log(`\ndone in ${((performance.now() - t00) / 1000).toFixed(1)} s`);
