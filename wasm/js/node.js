// The `billcom-connection/node` entry: the whole API, ready on import in Node 20+,
// plus what a JS backend needs. Bundled by scripts/build.sh into pkg/node.js, beside
// pkg/node_bg.wasm (built with the `node` feature), which it reads synchronously at
// import: no network, no fetch, nothing to await.
import { readFileSync } from "node:fs";
import { formSpec } from "./core.js";
import { API, begin, need, pushSettings, put, putText, text, usage, initSync, ERR_UNKNOWN_API_TYPE, ERR_INVALID_ARGUMENT, NOT_VALID } from "./core.js";

export { apiTypes, formSpec, validate, validateField, isApiTypeId } from "./core.js";
export { ConnectionForm } from "./form.js";

initSync(readFileSync(new URL("./node_bg.wasm", import.meta.url)));

/** Already initialized on import; kept so code shared with the browser entry runs unchanged. */
export default async function init() {}
export { init, initSync };

/**
 * The report the reference backend gives for a submission body (what
 * `ConnectionForm.submit()` sends): the same items, codes and fields.
 */
export function validateSubmission(body) {
  const w = need();
  let json;
  try {
    json = JSON.stringify(body);
  } catch {
    json = undefined; // a cycle or a BigInt: not a JSON body
  }
  if (typeof json !== "string" || json[0] !== "{") throw usage(ERR_INVALID_ARGUMENT);
  return JSON.parse(text(w.bc_validate_submission(putText(json))));
}

/** The settings as the reference backend stores them (the chosen type's fields, trimmed where the tables trim); `null` when they are not valid. */
export function normalize(settings) {
  const w = need();
  begin();
  if (!pushSettings(settings)) throw usage(ERR_INVALID_ARGUMENT);
  const n = w.bc_normalize(put());
  return n === NOT_VALID ? null : JSON.parse(text(n));
}

/** JSON Schema (2020-12) of the settings: every API type (discriminated by `apiType`), or one. */
export function jsonSchema(apiType) {
  const w = need();
  if (apiType === undefined) return JSON.parse(text(w.bc_json_schema(0xffffffff)));
  const i = typeof apiType === "string" ? API.get(apiType) : undefined;
  if (i === undefined) throw usage(typeof apiType === "string" ? ERR_UNKNOWN_API_TYPE : ERR_INVALID_ARGUMENT);
  return JSON.parse(text(w.bc_json_schema(i)));
}

/** The connection as a universal HTTP connector sees it; secrets as `{{placeholders}}`, never values. */
export function httpSettings(apiType, environment) {
  const w = need();
  const i = typeof apiType === "string" ? API.get(apiType) : undefined;
  if (i === undefined) throw usage(typeof apiType === "string" ? ERR_UNKNOWN_API_TYPE : ERR_INVALID_ARGUMENT);
  const envs = formSpec(apiType).fields.find((f) => f.id === "environment").options.map((o) => o.value);
  const e = envs.indexOf(environment);
  if (e < 0) throw usage(ERR_INVALID_ARGUMENT);
  return JSON.parse(text(w.bc_http_settings(i, e)));
}
