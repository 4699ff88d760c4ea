// Our rules as one JSON Schema (draft 2020-12 subset ajv 8 compiles by default).
// Trimming is expressed by patterns that allow surrounding whitespace; lengths in
// chars by `u`-regex quantifiers on the trimmed part (ajv's regexes are `u`).
import { API_TYPES, API_TYPE_IDS, ENVIRONMENTS, CREDENTIALS, WS, CC, CS } from "../rules.mjs";

const str = (pattern) => ({ type: "string", pattern });
/** Trimmed, 1..max chars, no control chars (inner whitespace allowed). */
const trimmedText = (max) => str(`^[${WS}]*[^${WS}${CC}${CS}](?:[^${CC}${CS}]{0,${max - 2}}[^${WS}${CC}${CS}])?[${WS}]*$`);
/** Trimmed, 1..max chars, no control chars, no whitespace. */
const trimmedKey = (max) => str(`^[${WS}]*[^${WS}${CC}${CS}]{1,${max}}[${WS}]*$`);

export const FIELD_SCHEMAS = {
  name: trimmedText(100),
  apiType: { enum: API_TYPE_IDS },
  environment: { enum: ENVIRONMENTS },
  organizationId: str(`^[${WS}]*008[A-Za-z0-9]{12,17}[${WS}]*$`),
  username: trimmedText(254),
  // Not trimmed: not whitespace-only, 1..256 chars, no control chars anywhere.
  password: str(`^(?![${WS}]*$)[^${CC}${CS}]{1,256}$`),
  devKey: trimmedKey(256),
  appKey: trimmedKey(256),
  apiToken: trimmedKey(1024),
};

export const schema = {
  type: "object",
  properties: {
    name: FIELD_SCHEMAS.name,
    apiType: FIELD_SCHEMAS.apiType,
    environment: FIELD_SCHEMAS.environment,
    // Known keys; checked only for the API type that has them.
    ...Object.fromEntries(CREDENTIALS.map((k) => [k, true])),
  },
  required: ["name", "apiType", "environment"],
  additionalProperties: false,
  allOf: API_TYPE_IDS.map((id) => ({
    if: { properties: { apiType: { const: id } }, required: ["apiType"] },
    then: {
      properties: Object.fromEntries(API_TYPES[id].map((k) => [k, FIELD_SCHEMAS[k]])),
      required: API_TYPES[id],
    },
  })),
};

export const AJV_OPTIONS = { allErrors: true, strictTypes: false };
