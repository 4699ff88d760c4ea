// The `billcom-connection` entry: the tables, the validator and ConnectionForm.
// Bundled by scripts/build.sh into pkg/billcom_connection.js (beside
// pkg/billcom_connection_bg.wasm, which it loads by default).
import { init as initWith } from "./core.js";

export { initSync, apiTypes, formSpec, validate, validateField, isApiTypeId } from "./core.js";
export { ConnectionForm } from "./form.js";

/** Instantiates the module: from `billcom_connection_bg.wasm` beside this file
 *  unless given a URL, Response, bytes or `WebAssembly.Module`. */
export default function init(input) {
  return initWith(input, () => new URL("./billcom_connection_bg.wasm", import.meta.url));
}
export { init };
