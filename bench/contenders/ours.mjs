// Ours: the shipped package, instantiated synchronously from its bytes.
import { readFileSync } from "node:fs";
import { initSync, validate, ConnectionForm } from "../../pkg/billcom_connection.js";
import { oursFields } from "./common.mjs";

initSync({ module: readFileSync(new URL("../../pkg/billcom_connection_bg.wasm", import.meta.url)) });

export { validate, ConnectionForm };
export const flagged = (settings) => oursFields(validate(settings));
