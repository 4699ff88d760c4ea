//! Reading JS values without trusting them.
//!
//! `read.js` walks a settings object in JS (own enumerable string keys only, never
//! the prototype chain; every read guarded) and hands it over as one JSON string,
//! which `crate::packed` decodes. A hostile object (a Proxy whose traps throw, a
//! revoked Proxy, a getter that throws) becomes an error value, never an exception
//! unwinding through WASM, and the whole object crosses the boundary once.

use crate::packed;
use crate::validate::{Entry, UsageError, Value};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/wasm/read.js")]
extern "C" {
    #[wasm_bindgen(js_name = packSettings)]
    fn pack_settings(v: &JsValue) -> Option<String>;

    #[wasm_bindgen(js_name = packValue)]
    fn pack_value(v: &JsValue) -> String;

    /// `JSON.parse` of text this crate wrote (always well formed, so no `catch`
    /// wrapper on the hot path).
    #[wasm_bindgen(js_name = parseJson)]
    pub fn parse_json(text: &str) -> JsValue;

    /// False when the string holds a lone surrogate.
    #[wasm_bindgen(js_name = isWellFormed)]
    fn is_well_formed(s: &JsValue) -> bool;
}

/// A string argument (an id), or `invalid_argument`. A lone surrogate in it just
/// makes an id that matches nothing.
pub fn string_arg(v: &JsValue) -> Result<String, UsageError> {
    v.as_string().ok_or(UsageError::InvalidArgument)
}

/// A settings object's own enumerable string keys and their values.
pub fn settings(v: &JsValue) -> Result<Vec<Entry>, UsageError> {
    pack_settings(v).as_deref().and_then(packed::decode).ok_or(UsageError::InvalidArgument)
}

/// One JS value as the validator sees it.
pub fn value(v: &JsValue) -> Value {
    // Fast path for a string: one crossing. The conversion turns a lone surrogate
    // into U+FFFD, so only a string holding U+FFFD needs asking about.
    if let Some(s) = v.as_string() {
        return if !s.chars().any(|c| c == '\u{FFFD}') || is_well_formed(v) {
            Value::Text(s)
        } else {
            Value::InvalidUnicode
        };
    }
    let mut entries = packed::decode(&pack_value(v)).unwrap_or_default();
    entries.pop().map_or(Value::NotText("unreadable"), |e| e.value)
}
