// billcom-connection/node: the browser entry's API, ready on import in Node 20+
// (no init to await), plus what a JS backend needs. Compiles without the DOM library.
import type { ApiTypeId, EnvironmentId, Settings, ValidationReport } from "./billcom_connection.js";
export * from "./billcom_connection.js";
export { default } from "./billcom_connection.js";

/** A submission body as `ConnectionForm.submit()` sends it and the reference backend
 *  accepts it: `{ name, apiType, environment, settings: {...}, secrets: {...} }`. */
export interface Submission {
  name?: unknown;
  apiType?: unknown;
  environment?: unknown;
  settings?: { [key: string]: unknown };
  secrets?: { [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * The report the reference backend gives for a submission body: the same items,
 * codes and fields (a secret sent in `settings`, or a setting in `secrets`, is
 * `unknown_field` with `params.expectedIn`). Throws `invalid_argument` for a body
 * that is not an object with object `settings` and `secrets`.
 */
export function validateSubmission(body: unknown): ValidationReport;

/** The settings as the reference backend stores them: the chosen API type's fields,
 *  trimmed where the tables say so; `null` when the settings are not valid. */
export function normalize(settings: Settings): { [key: string]: string } | null;

/** JSON Schema (draft 2020-12) of the settings, for every API type (discriminated
 *  by `apiType`) or one; secrets are `writeOnly`. */
export function jsonSchema(apiType?: ApiTypeId): { [key: string]: unknown };

/** The connection as a universal HTTP connector describes it: base URI, auth style,
 *  the login request with secrets as `{{placeholders}}`, the headers of later calls,
 *  the ping request. Never a secret's value. */
export function httpSettings(apiType: ApiTypeId, environment: EnvironmentId): { [key: string]: unknown };
