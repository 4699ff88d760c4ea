// billcom-connection: the tables, the validator and ConnectionForm.
// Written by hand; tests/js/types.test.mjs checks every union below against the
// crate's tables (API types, fields, codes, rules, params), so it cannot drift.

/** API type ids, in the order the form lists them. */
export type ApiTypeId = "ap-ar-v2" | "ap-ar-v3" | "partner" | "spend-expense";
/** Every field id any API type uses. */
export type FieldId =
  | "name" | "apiType" | "environment"
  | "organizationId" | "username" | "password" | "devKey" | "appKey" | "apiToken";
/** Environment ids. */
export type EnvironmentId = "production" | "sandbox";
/** The closed set of report codes. */
export type ReportCode =
  | "required" | "too_short" | "too_long" | "invalid_format"
  | "invalid_option" | "invalid_type" | "unknown_field";
/** The rules `invalid_format` names in `params.rule`. */
export type FormatRule =
  | "no_control_chars" | "no_whitespace" | "alphanumeric" | "prefix" | "email"
  | "no_invisible" | "surrounding_whitespace" | "unicode";
/** The `code` property of an Error thrown on misuse. */
export type UsageErrorCode = "unknown_api_type" | "unknown_field" | "invalid_argument" | "not_initialized" | "form_freed";

/** An Error thrown on misuse (never for invalid input, which is reported). */
export interface BillcomUsageError extends Error {
  code: UsageErrorCode;
}

export interface ApiTypeInfo {
  id: ApiTypeId;
  label: string;
  /** Fits a closed select on a phone, e.g. "AP/AR V2". */
  shortLabel: string;
  description: string;
}

export interface FieldOption {
  value: string;
  label: string;
  /** For API type options: the short label. */
  shortLabel?: string;
  /** For environment options: BILL's base URL for the form's API type. */
  baseUrl?: string;
}

export interface FieldSpec {
  id: FieldId;
  label: string;
  /** One line. */
  help: string;
  /** Where to find the value in BILL: for a disclosure under the help line. */
  details?: string;
  kind: "text" | "password" | "select";
  /** A keyboard hint for `inputmode` (never a syntax to enforce). */
  inputMode?: string;
  required: boolean;
  /** Never persisted, logged or shown back; re-entered on every edit. */
  secret: boolean;
  autocomplete: string;
  placeholder?: string;
  /** In characters (Unicode scalar values), after trimming where the field trims. */
  minLength?: number;
  maxLength?: number;
  options?: FieldOption[];
}

export interface FormSpec {
  apiType: ApiTypeId;
  shortLabel: string;
  /** Said beside the environment choice, for this API type only. */
  environmentNote?: string;
  /** Display order: name, apiType, environment, then the credentials. */
  fields: FieldSpec[];
}

export interface ReportParams {
  /** too_short: the minimum length. */
  min?: number;
  /** too_long: the maximum length. */
  max?: number;
  /** invalid_format: the rule broken. */
  rule?: FormatRule;
  /** invalid_format with rule "prefix": the required prefix. */
  prefix?: string;
  /** invalid_option: the accepted values. */
  allowed?: string[];
  /** invalid_type: what was received (number, boolean, object, array, ...). */
  received?: string;
  /** unknown_field in a submission body (validateSubmission, the backend): where the
   *  field belongs — "secrets", "settings" or "top". */
  expectedIn?: "secrets" | "settings" | "top";
}

export interface ReportItem {
  /** The field id; for unknown_field, the key as given; null for the form as a whole. */
  field: FieldId | (string & {}) | null;
  code: ReportCode;
  severity: "error" | "warning";
  /** English, naming the field by its label; never contains a secret. */
  message: string;
  params?: ReportParams;
}

export interface ValidationReport {
  /** False exactly when some item has severity "error". */
  valid: boolean;
  errors: ReportItem[];
}

/** A settings object as a form holds it. Unknown keys are reported, not thrown. */
export type Settings = { [K in FieldId]?: string } & { [key: string]: unknown };

/**
 * The API types, in the order the form lists them.
 *
 * @example
 * apiTypes().map((t) => t.id); // ["ap-ar-v2", "ap-ar-v3", "partner", "spend-expense"]
 */
export function apiTypes(): ApiTypeInfo[];

/** Whether `x` is one of the API type ids: narrows a string from a URL, a select or
 *  a request body to `ApiTypeId`. */
export function isApiTypeId(x: unknown): x is ApiTypeId;

/**
 * The fields to render for an API type, in display order. Throws a
 * `BillcomUsageError` with code `unknown_api_type` for an id not in `apiTypes()`.
 *
 * @example
 * formSpec("partner").fields.map((f) => f.id);
 * // ["name", "apiType", "environment", "appKey", "username", "password"]
 */
export function formSpec(apiType: ApiTypeId): FormSpec;

/**
 * Validates a whole settings object and returns every problem at once. Invalid
 * input is reported, never thrown; only a non-object (`undefined`, `null`, a
 * number, a string, an array) or an object that cannot be read throws, with code
 * `invalid_argument`.
 *
 * @example
 * validate({ name: "Ops", apiType: "spend-expense", environment: "sandbox", apiToken: " t0k " }).valid; // true
 */
export function validate(settings: Settings): ValidationReport;

/**
 * Validates one field's value as typed; the items about it (`[]` when fine).
 * Throws `unknown_api_type`, or `unknown_field` for a field the API type lacks.
 *
 * @example
 * validateField("ap-ar-v3", "organizationId", "0081")[0].code; // "too_short"
 */
export function validateField(apiType: ApiTypeId, fieldId: FieldId, value: unknown): ReportItem[];

/** A saved connection, as the backend returns it (never with a secret value). */
export interface SavedConnection {
  id: string;
  name: string;
  apiType: ApiTypeId;
  environment: EnvironmentId;
  baseUrl?: string;
  settings: { [K in FieldId]?: string };
  secretsSet?: FieldId[];
  createdAt?: string;
  updatedAt?: string;
  /** Bumped by every write; `ConnectionForm.edit` sends it back as `If-Match`. */
  version?: number;
}

/** The non-secret values of the form's current API type, as typed. */
export type FormValues = { [K in FieldId]?: string };

/** What `fetch` accepts as headers, typed without the DOM library (a `Headers`
 *  object is one: it has `forEach`). */
export type HeaderPairs =
  | { [name: string]: string }
  | ReadonlyArray<readonly [string, string]>
  | { forEach(callback: (value: string, name: string) => void): void };

export interface SubmitOptions {
  /** Defaults to POST in create mode and PUT in edit mode. */
  method?: "POST" | "PUT" | "PATCH";
  /** Extra headers, e.g. a CSRF token or Authorization: an object, `[name, value]`
   *  pairs or a `Headers`. Content-Type is always application/json. */
  headers?: HeaderPairs;
  /** Abandon the request after this many milliseconds (default 15000). */
  timeoutMs?: number;
}

/** Why `submit()` or `test()` got no usable answer; every typed value is kept. */
export interface RequestFailure {
  ok: false;
  /** The HTTP status, or 0 when no answer came (invalid, in_flight, network, timeout). */
  status: number;
  /** `conflict`: the connection changed since it was loaded (HTTP 412, `If-Match`);
   *  load it again. */
  reason: "invalid" | "in_flight" | "network" | "timeout" | "http" | "conflict";
  message: string;
  /** Items in the validator's shape, mapped onto fields (a 422's items included). */
  errors: ReportItem[];
}

export type SubmitResult = { ok: true; status: number; connection: SavedConnection } | RequestFailure;

/** The codes of a connection test's items (README: "Connection test codes"). */
export type TestCode =
  | "rejected" | "auth_failed" | "locked" | "rate_limited"
  | "upstream_error" | "timeout" | "invalid_response" | "unreachable";

export interface TestItem {
  /** The field BILL blamed, or null for the connection as a whole. */
  field: string | null;
  code: TestCode | ReportCode;
  severity: "error" | "warning";
  message: string;
  /** `billCode`: BILL's error code, e.g. "BDC_1101"; `retryAfter`: seconds to wait (rate_limited by the backend). */
  params?: { billCode?: string; retryAfter?: number } & ReportParams;
}

/** The backend's answer (`ok` false when BILL refused), or a request failure. */
export type TestResult = { ok: boolean; status: number; message: string; errors: TestItem[] } | RequestFailure;

/**
 * A Bill.com connection form whose secret values never leave WASM memory except
 * in the body of `submit()`'s request.
 *
 * @example
 * const form = new ConnectionForm({ apiType: "spend-expense" });
 * form.set("name", "Team cards");
 * form.set("environment", "sandbox");
 * form.set("apiToken", tokenInput.value);
 * const result = await form.submit("/api/connections", { headers: { "X-CSRF-Token": csrf } });
 */
export class ConnectionForm {
  /** A new, empty form in create mode. Throws `unknown_api_type`. */
  constructor(options: { apiType: ApiTypeId });
  /** A form for a saved connection (a GET response): its non-secret values are
   *  loaded; every secret starts empty and is required again. */
  static edit(saved: SavedConnection): ConnectionForm;
  /** Sets one field of the current API type; returns that field's report items.
   *  Setting `apiType` switches the API type. Throws `unknown_field`. */
  set(field: FieldId, value: unknown): ReportItem[];
  /** Switches API type; every value typed is kept for switching back, and only
   *  the current type's fields are validated, listed and sent. */
  setApiType(apiType: ApiTypeId): void;
  /** The current API type id. */
  readonly apiType: ApiTypeId;
  /** `"create"` or `"edit"`. */
  readonly mode: "create" | "edit";
  /** The saved connection's id in edit mode, else `undefined`. */
  readonly connectionId: string | undefined;
  /** The non-secret values of the current API type's fields. */
  values(): FormValues;
  /** For each secret field of the current API type, whether it holds a value. */
  secretsFilled(): { [K in FieldId]?: boolean };
  /** The same report as `validate()` for the form's current settings. */
  validate(): ValidationReport;
  /** Zeroizes and forgets every secret value. */
  clearSecrets(): void;
  /**
   * Validates, then sends the settings to the backend in one `fetch`: POST in
   * create mode, PUT to the connection's URL in edit mode. Sends nothing when
   * invalid or while another request is in flight. On success the secrets are
   * zeroized and the form switches to editing the saved connection; on any
   * failure every value is kept (in memory only) so a retry needs no retyping.
   */
  submit(url: string, options?: SubmitOptions): Promise<SubmitResult>;
  /**
   * Asks the backend to log in to BILL with these (unsaved) settings: one POST
   * of the same body as a save, e.g. to `/api/connections/test`. Same custody as
   * `submit()`. Resolves to the backend's `{ ok, message, errors }`, or a failure
   * as for `submit()`.
   */
  test(url: string, options?: SubmitOptions): Promise<TestResult>;
  /** Zeroizes every value and releases the form; later calls throw `form_freed`. */
  free(): void;
  // Also `[Symbol.dispose]()` at run time (`using form = ...`); not declared here, so
  // the types compile under any `lib` (ES5's has no Symbol.dispose).
}

/** The module's bytes, or a compiled `WebAssembly.Module`. Typed structurally, so
 *  the types compile without the DOM library (a Node-only project). */
export type SyncInitInput = ArrayBuffer | ArrayBufferView | object;
/** What `init` accepts: a URL (string or `URL`), a `Request` or `Response`, the
 *  module's bytes, or a compiled `WebAssembly.Module`. */
export type InitInput = string | SyncInitInput;
/** The instantiated module (its exports are internal). */
export interface InitOutput {
  readonly memory: { readonly buffer: ArrayBuffer };
}

/** Instantiates the module synchronously (e.g. in Node, from the .wasm file's bytes). */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/** Instantiates the module: from `billcom_connection_bg.wasm` beside this file by
 *  default. Every other export throws `not_initialized` until this resolves. */
export default function init(
  module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>,
): Promise<InitOutput>;
export { init };
