// Ours, the `billcom-connection/validate` entry (no form), from its bytes.
import { readFileSync } from "node:fs";
import { initSync, validate } from "../../pkg/validate.js";
import { oursFields } from "./common.mjs";

initSync({ module: readFileSync(new URL("../../pkg/validate_bg.wasm", import.meta.url)) });

export { validate };
export const flagged = (settings) => oursFields(validate(settings));
