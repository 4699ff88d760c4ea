// The `billcom-connection/validate` entry: the tables and the validator, without
// ConnectionForm. Bundled by scripts/build.sh into pkg/validate.js (beside
// pkg/validate_bg.wasm, a module built without the form's exports).
import { init as initWith } from "./core.js";

export { initSync, apiTypes, formSpec, validate, validateField, isApiTypeId } from "./core.js";

/** Instantiates the module: from `validate_bg.wasm` beside this file unless given
 *  a URL, Response, bytes or `WebAssembly.Module`. */
export default function init(input) {
  return initWith(input, () => new URL("./validate_bg.wasm", import.meta.url));
}
export { init };
