// ajv standalone: the same schema compiled to source at bench start, written to a
// file, then imported like any module (no ajv at run time).
import { mkdirSync, writeFileSync } from "node:fs";
import Ajv from "ajv";
import standaloneCode from "ajv/dist/standalone/index.js";
import { schema, AJV_OPTIONS } from "./ajv-schema.mjs";
import { ajvFields } from "./common.mjs";

export const GENERATED = new URL("../.cache/ajv-standalone.mjs", import.meta.url);

/** Writes the generated module; returns its source. */
export function generate() {
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true, esm: true } });
  const source = standaloneCode(ajv, ajv.compile(schema));
  mkdirSync(new URL(".", GENERATED), { recursive: true });
  writeFileSync(GENERATED, source);
  return source;
}

export async function load() {
  generate();
  const validate = (await import(GENERATED.href)).default;
  return { validate, flagged: (settings) => (validate(settings) ? [] : ajvFields(validate.errors)) };
}
