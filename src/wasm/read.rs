//! Reading JS values without trusting them.
//!
//! Only own enumerable string keys are read (never the prototype chain), every
//! property read goes through `Reflect.get` with exceptions caught, and every
//! JS call that could throw is imported with `catch`, so a hostile object
//! (a Proxy whose traps throw, a getter that throws, a revoked Proxy) becomes an
//! error value instead of an exception unwinding through WASM.

use crate::validate::{Entry, UsageError, Value};
use js_sys::{Array, JsString, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn object_keys(v: &JsValue) -> Result<Array, JsValue>;

    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn is_array(v: &JsValue) -> Result<bool, JsValue>;

    /// `String.prototype.isWellFormed.call(s)`: false when a lone surrogate is present.
    #[wasm_bindgen(js_namespace = ["String", "prototype", "isWellFormed"], js_name = call)]
    fn is_well_formed(s: &JsString) -> bool;
}

/// A string argument, or `invalid_argument`.
pub fn string_arg(v: &JsValue) -> Result<String, UsageError> {
    match value(v) {
        Value::Text(_) => v.as_string().ok_or(UsageError::InvalidArgument),
        _ => Err(UsageError::InvalidArgument),
    }
}

/// A settings object's own enumerable string keys and their values.
pub fn settings(v: &JsValue) -> Result<Vec<Entry>, UsageError> {
    if !v.is_object() || is_array(v).unwrap_or(true) {
        return Err(UsageError::InvalidArgument);
    }
    let keys = object_keys(v).map_err(|_| UsageError::InvalidArgument)?;
    let mut entries = Vec::with_capacity(keys.length() as usize);
    for key in keys.iter() {
        let Some(name) = key.as_string() else { continue };
        let value = match Reflect::get(v, &key) {
            Ok(val) => value(&val),
            Err(_) => Value::NotText("unreadable"),
        };
        entries.push(Entry { key: name, value });
    }
    Ok(entries)
}

/// One JS value as the validator sees it.
pub fn value(v: &JsValue) -> Value {
    if v.is_undefined() || v.is_null() {
        return Value::Missing;
    }
    if let Some(s) = v.dyn_ref::<JsString>() {
        if !is_well_formed(s) {
            return Value::InvalidUnicode;
        }
        return v.as_string().map_or(Value::InvalidUnicode, Value::Text);
    }
    Value::NotText(type_name(v))
}

fn type_name(v: &JsValue) -> &'static str {
    if v.as_bool().is_some() {
        "boolean"
    } else if v.as_f64().is_some() {
        "number"
    } else if v.is_bigint() {
        "bigint"
    } else if v.is_symbol() {
        "symbol"
    } else if v.is_function() {
        "function"
    } else if is_array(v).unwrap_or(false) {
        "array"
    } else {
        "object"
    }
}
