// Checks that ajv, given the exported JSON Schema, agrees with validate() on which
// settings are valid. Run by `cargo test --test schema`, which writes the schemas
// and the generated cases (each with validate()'s verdict) into the directory
// given as the only argument. Prints a JSON summary; exits 1 on any disagreement.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";

const dir = process.argv[2];
const read = (name) => JSON.parse(readFileSync(join(dir, name), "utf8"));
// strict: unknown keywords, missing types and the like throw instead of passing.
const ajv = new Ajv2020({ strict: true });
const all = ajv.compile(read("settings.schema.json"));
const { apiTypes, cases } = read("cases.json");
const one = Object.fromEntries(apiTypes.map((id) => [id, ajv.compile(read(`${id}.schema.json`))]));

const disagreements = [];
let checks = 0;
const check = (which, validateFn, settings, expected) => {
  checks++;
  const got = validateFn(settings);
  if (got !== expected) {
    disagreements.push({ which, expected, got, settings, ajvErrors: validateFn.errors?.slice(0, 3) });
  }
};

for (const c of cases) {
  check("all", all, c.settings, c.valid);
  const id = c.settings.apiType;
  if (typeof id === "string" && Object.hasOwn(one, id)) check(id, one[id], c.settings, c.valid);
}

// JS strings can hold a lone surrogate, which JSON text from Rust cannot: the
// validator always refuses one (invalid_format, rule "unicode"), so the schema must.
let loneSurrogates = 0;
for (const c of cases.filter((c) => c.valid)) {
  for (const [k, v] of Object.entries(c.settings)) {
    if (typeof v !== "string" || k === "apiType" || k === "environment") continue;
    const credentialOfType = c.credentials.includes(k) || ["name"].includes(k);
    if (!credentialOfType) continue;
    const broken = { ...c.settings, [k]: v.slice(0, 1) + "\uD800" + v.slice(1) };
    check("all", all, broken, false);
    loneSurrogates++;
  }
}

console.log(JSON.stringify({ cases: cases.length, checks, loneSurrogates, disagreements: disagreements.length,
  first: disagreements.slice(0, 10) }));
process.exit(disagreements.length ? 1 : 0);
