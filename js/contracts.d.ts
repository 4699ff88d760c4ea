// billcom-connection/contracts: the connection's HTTP view and JSON Schema as plain
// data (no WASM, no init), generated from the crate at build time.
import type { ApiTypeId, EnvironmentId } from "./billcom_connection.js";

/** One request of the HTTP view; every value is a `{{placeholder}}`, never a secret. */
export interface HttpRequest {
  method: "GET" | "POST";
  url: string;
  path: string;
  headers: { [name: string]: string };
  /** Body fields (form-encoded or JSON, per `headers["Content-Type"]`). */
  body?: { [name: string]: string };
  /** JSON pointer to the session id in the answer (the login only). */
  sessionFrom?: string;
  /** How BILL reports a failure for this request. */
  errors: string;
}

/** The connection as a universal HTTP connector describes it. */
export interface HttpSettings {
  apiType: ApiTypeId;
  environment: EnvironmentId;
  baseUri: string;
  mediaType: string;
  accept: string;
  /** `session`: a login gives a session id; `apiKeyHeader`: a token on every call. */
  auth: "session" | "apiKeyHeader";
  login: HttpRequest | null;
  authenticatedCalls: { carry: "headers" | "body"; values: { [name: string]: string } };
  ping: HttpRequest | null;
  logout: HttpRequest | null;
  /** The steps a connection test runs, in order. */
  test: string[];
}

/** The HTTP view of `apiType` in `environment` (a fresh copy each call).
 *  Throws RangeError `unknown_api_type`, TypeError `invalid_argument`. */
export function httpSettings(apiType: ApiTypeId, environment: EnvironmentId): HttpSettings;

/** JSON Schema (draft 2020-12) of the settings, of every API type or of one. */
export function jsonSchema(apiType?: ApiTypeId): { [key: string]: unknown };
