// ajv 8, compiled at import.
import Ajv from "ajv";
import { schema, AJV_OPTIONS } from "./ajv-schema.mjs";
import { ajvFields } from "./common.mjs";

export const validate = new Ajv(AJV_OPTIONS).compile(schema);
export const flagged = (settings) => (validate(settings) ? [] : ajvFields(validate.errors));
