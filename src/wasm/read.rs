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
}

/// A string argument, or `invalid_argument`.
pub fn string_arg(v: &JsValue) -> Result<String, UsageError> {
    match &value(v) {
        Value::Text(t) => Ok(t.clone()),
        _ => Err(UsageError::InvalidArgument),
    }
}

/// A settings object's own enumerable string keys and their values.
pub fn settings(v: &JsValue) -> Result<Vec<Entry>, UsageError> {
    pack_settings(v).as_deref().and_then(packed::decode).ok_or(UsageError::InvalidArgument)
}

/// One JS value as the validator sees it.
pub fn value(v: &JsValue) -> Value {
    let mut entries = packed::decode(&pack_value(v)).unwrap_or_default();
    entries.pop().map_or(Value::NotText("unreadable"), |e| e.value)
}
