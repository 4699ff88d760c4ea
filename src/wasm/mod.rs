//! The JS API. Every `#[wasm_bindgen]` item of the crate lives under this module.
//!
//! Each export does the same three things: read its arguments off JS values
//! (defensively: any JS value may arrive, including Proxies whose traps throw),
//! call the core, hand the result back as JSON text parsed once by `JSON.parse`.
//! No rule lives here.

mod form;
mod read;

pub use form::ConnectionForm;

use crate::json;
use crate::spec;
use crate::validate::{self, UsageError};
use js_sys::Reflect;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
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
/** The `code` property of an Error thrown on misuse. */
export type UsageErrorCode = "unknown_api_type" | "unknown_field" | "invalid_argument";

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
  /** invalid_format: the rule broken (no_control_chars, no_whitespace, alphanumeric, prefix, email, no_invisible, surrounding_whitespace, unicode). */
  rule?: string;
  /** invalid_format with rule "prefix": the required prefix. */
  prefix?: string;
  /** invalid_option: the accepted values. */
  allowed?: string[];
  /** invalid_type: what was received (number, boolean, object, array, ...). */
  received?: string;
}

export interface ReportItem {
  /** The field id (for unknown_field, the key as given); null for the form as a whole. */
  field: string | null;
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
"#;

/// A JS `Error` (`RangeError` for an unknown name, `TypeError` for a wrong value)
/// with a stable `code` property.
pub(crate) fn throw(e: UsageError) -> JsValue {
    let err: js_sys::Error = match e {
        UsageError::InvalidArgument => js_sys::TypeError::new(e.message()).into(),
        UsageError::UnknownApiType | UsageError::UnknownField => js_sys::RangeError::new(e.message()).into(),
    };
    // Setting a data property on a fresh Error cannot fail.
    let _ = Reflect::set(&err, &JsValue::from_str("code"), &JsValue::from_str(e.code()));
    err.into()
}

/// Parses JSON text that this crate wrote; it is always well formed.
pub(crate) fn parsed(text: &str) -> JsValue {
    read::parse_json(text)
}

fn api_type_arg(v: &JsValue) -> Result<&'static spec::ApiType, UsageError> {
    spec::api_type(&read::string_arg(v)?).ok_or(UsageError::UnknownApiType)
}

/// The API types, in the order the form lists them.
///
/// @example
/// apiTypes().map((t) => t.id); // ["ap-ar-v2", "ap-ar-v3", "partner", "spend-expense"]
#[wasm_bindgen(js_name = apiTypes, unchecked_return_type = "ApiTypeInfo[]")]
pub fn api_types() -> JsValue {
    parsed(&json::api_types())
}

/// The fields to render for an API type, in display order. Throws a
/// `BillcomUsageError` with code `unknown_api_type` for an id not in `apiTypes()`.
///
/// @example
/// formSpec("partner").fields.map((f) => f.id);
/// // ["name", "apiType", "environment", "appKey", "username", "password"]
#[wasm_bindgen(js_name = formSpec, unchecked_return_type = "FormSpec")]
pub fn form_spec(
    #[wasm_bindgen(js_name = apiType, unchecked_param_type = "ApiTypeId")] api_type: JsValue,
) -> Result<JsValue, JsValue> {
    let t = api_type_arg(&api_type).map_err(throw)?;
    Ok(parsed(&json::form_spec(t)))
}

/// Validates a whole settings object and returns every problem at once. Invalid
/// input is reported, never thrown; only a non-object (`undefined`, `null`, a
/// number, a string, an array) or an object that cannot be read throws, with code
/// `invalid_argument`.
///
/// @example
/// validate({ name: "Ops", apiType: "spend-expense", environment: "sandbox", apiToken: " t0k " }).valid; // true
#[wasm_bindgen(unchecked_return_type = "ValidationReport")]
pub fn validate(#[wasm_bindgen(unchecked_param_type = "Settings")] settings: JsValue) -> Result<JsValue, JsValue> {
    let entries = read::settings(&settings).map_err(throw)?;
    Ok(parsed(&json::report(&validate::validate(&entries))))
}

/// Validates one field's value as typed; the items about it (`[]` when fine).
/// Throws `unknown_api_type`, or `unknown_field` for a field the API type lacks.
///
/// @example
/// validateField("ap-ar-v3", "organizationId", "0081")[0].code; // "too_short"
#[wasm_bindgen(js_name = validateField, unchecked_return_type = "ReportItem[]")]
pub fn validate_field(
    #[wasm_bindgen(js_name = apiType, unchecked_param_type = "ApiTypeId")] api_type: JsValue,
    #[wasm_bindgen(js_name = fieldId, unchecked_param_type = "FieldId")] field_id: JsValue,
    #[wasm_bindgen(unchecked_param_type = "unknown")] value: JsValue,
) -> Result<JsValue, JsValue> {
    let t = read::string_arg(&api_type).map_err(throw)?;
    let id = read::string_arg(&field_id).map_err(throw)?;
    let items = validate::validate_field(&t, &id, &read::value(&value)).map_err(throw)?;
    Ok(parsed(&json::issues(&items)))
}
