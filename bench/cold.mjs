// One cold start, in this fresh process; prints a JSON line of milliseconds.
//   node bench/cold.mjs ours|ajv|ajv-standalone|zod|valibot
// run.mjs spawns it several times and takes medians.
import { readFileSync } from "node:fs";

const which = process.argv[2];
const now = () => performance.now();
const sample = { name: "Ops", apiType: "spend-expense", environment: "sandbox", apiToken: " t0k " };
// Prime Node's ESM loader so the first real import is not charged for it.
await import("data:text/javascript,export default 0");

let out;
if (which === "ours") {
  const bytes = readFileSync(new URL("../pkg/billcom_connection_bg.wasm", import.meta.url));
  const t0 = now();
  const glue = await import("../pkg/billcom_connection.js");
  const t1 = now();
  const module = await WebAssembly.compile(bytes);
  const t2 = now();
  glue.initSync({ module });
  const t3 = now();
  glue.formSpec("ap-ar-v2");
  const t4 = now();
  glue.validate(sample);
  const t5 = now();
  out = { glueImport: t1 - t0, compile: t2 - t1, instantiate: t3 - t2, firstFormSpec: t4 - t3,
          bytesToFormSpec: t4 - t1, withGlueImport: t4 - t0, firstValidate: t5 - t4 };
} else if (which === "ajv") {
  const { schema, AJV_OPTIONS } = await import("./contenders/ajv-schema.mjs");
  const t0 = now();
  const { default: Ajv } = await import("ajv");
  const t1 = now();
  const validate = new Ajv(AJV_OPTIONS).compile(schema);
  const t2 = now();
  validate(sample);
  const t3 = now();
  out = { import: t1 - t0, compile: t2 - t1, importAndCompile: t2 - t0, firstValidate: t3 - t2 };
} else {
  const file = { "ajv-standalone": "./.cache/ajv-standalone.mjs", zod: "./contenders/zod.mjs", valibot: "./contenders/valibot.mjs" }[which];
  if (!file) throw new Error(`unknown contender ${which}`);
  await import("./rules.mjs");
  await import("./contenders/common.mjs");
  const t0 = now();
  const m = await import(file);
  const t1 = now();
  m.validate(sample);
  const t2 = now();
  out = { importAndBuild: t1 - t0, firstValidate: t2 - t1 };
}
console.log(JSON.stringify(out));
