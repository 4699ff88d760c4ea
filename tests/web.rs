//! The JS boundary, in real headless Chromium (wasm-bindgen-test): every export,
//! and every hostile value a page could hand over. Run by
//! `cargo test --target wasm32-unknown-unknown` (see .cargo/config.toml).
#![cfg(target_arch = "wasm32")]

use billcom_connection::wasm::{api_types, form_spec, validate, validate_field};
use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Evaluates a JS expression (test set-up only).
fn js(expr: &str) -> JsValue {
    js_sys::eval(&format!("({expr})")).expect("test expression evaluates")
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).expect("readable")
}

fn s(v: &JsValue, key: &str) -> String {
    get(v, key).as_string().unwrap_or_default()
}

const VALID_V3: &str = r#"{ name: "Ops", apiType: "ap-ar-v3", environment: "production",
    organizationId: " 00801ABCDEFGHIJKL ", username: "ops@example.com",
    password: "pw", devKey: "01AB-CD" }"#;

/// The codes of a report's items, as "field:code".
fn codes(report: &JsValue) -> Vec<String> {
    let items: Array = get(report, "errors").unchecked_into();
    items.iter().map(|i| format!("{}:{}", s(&i, "field"), s(&i, "code"))).collect()
}

/// The export still answers correctly: nothing before it left the module broken.
fn assert_still_usable() {
    let r = validate(js(VALID_V3)).expect("valid settings validate");
    assert_eq!(get(&r, "valid"), JsValue::TRUE, "{:?}", codes(&r));
}

fn assert_throws(result: Result<JsValue, JsValue>, code: &str) {
    let err = result.expect_err("should throw");
    assert!(err.is_instance_of::<js_sys::Error>(), "a real Error");
    assert_eq!(s(&err, "code"), code);
    assert!(!s(&err, "message").is_empty());
}

#[wasm_bindgen_test]
fn api_types_lists_the_four_in_order() {
    let list: Array = api_types().unchecked_into();
    let ids: Vec<String> = list.iter().map(|t| s(&t, "id")).collect();
    assert_eq!(ids, ["ap-ar-v2", "ap-ar-v3", "partner", "spend-expense"]);
    assert!(list.iter().all(|t| !s(&t, "label").is_empty() && !s(&t, "description").is_empty()));
}

#[wasm_bindgen_test]
fn form_spec_returns_fields_in_display_order() {
    let spec = form_spec(JsValue::from_str("partner")).unwrap();
    assert_eq!(s(&spec, "apiType"), "partner");
    let fields: Array = get(&spec, "fields").unchecked_into();
    let ids: Vec<String> = fields.iter().map(|f| s(&f, "id")).collect();
    assert_eq!(ids, ["name", "apiType", "environment", "appKey", "username", "password"]);
    let app_key = fields.get(3);
    assert_eq!(get(&app_key, "secret"), JsValue::TRUE);
    assert_eq!(s(&app_key, "autocomplete"), "off");
}

#[wasm_bindgen_test]
fn form_spec_misuse_throws_coded_errors() {
    assert_throws(form_spec(JsValue::from_str("ap-ar-v4")), "unknown_api_type");
    assert_throws(form_spec(JsValue::UNDEFINED), "invalid_argument");
    assert_throws(form_spec(js("42")), "invalid_argument");
    assert_still_usable();
}

#[wasm_bindgen_test]
fn validate_reports_every_problem() {
    let r = validate(js(r#"{ apiType: "ap-ar-v2", environment: "prod", organizationId: "123",
        username: "bob", password: 5, devkey: "x" }"#))
    .unwrap();
    assert_eq!(get(&r, "valid"), JsValue::FALSE);
    assert_eq!(
        codes(&r),
        [
            "name:required",
            "environment:invalid_option",
            "organizationId:too_short",
            "organizationId:invalid_format",
            "username:invalid_format",
            "password:invalid_type",
            "devKey:required",
            "devkey:unknown_field"
        ]
    );
    assert_still_usable();
}

#[wasm_bindgen_test]
fn validate_field_returns_items_or_an_empty_array() {
    let ok = validate_field("ap-ar-v3".into(), "organizationId".into(), " 008123456789012 ".into()).unwrap();
    assert_eq!(Array::from(&ok).length(), 0);
    let bad: Array =
        validate_field("ap-ar-v3".into(), "organizationId".into(), "0081".into()).unwrap().unchecked_into();
    assert_eq!(s(&bad.get(0), "code"), "too_short");
    assert_eq!(get(&get(&bad.get(0), "params"), "min").as_f64(), Some(15.0));
    assert_throws(validate_field("nope".into(), "name".into(), "x".into()), "unknown_api_type");
    assert_throws(validate_field("partner".into(), "devKey".into(), "x".into()), "unknown_field");
    assert_throws(validate_field("partner".into(), JsValue::NULL, "x".into()), "invalid_argument");
}

#[wasm_bindgen_test]
fn non_objects_throw_invalid_argument() {
    for bad in ["undefined", "null", "42", "'settings'", "[]", "[1,2]", "true", "() => 1", "Symbol('s')", "10n"] {
        assert_throws(validate(js(bad)), "invalid_argument");
    }
    assert_still_usable();
}

#[wasm_bindgen_test]
fn hostile_objects_never_break_the_module() {
    // Proxy whose every trap throws: unreadable, so misuse.
    let trap_all = js(r#"new Proxy({}, {
        ownKeys() { throw new Error("ownKeys"); }, get() { throw new Error("get"); },
        getOwnPropertyDescriptor() { throw new Error("gopd"); }, has() { throw new Error("has"); } })"#);
    assert_throws(validate(trap_all), "invalid_argument");
    assert_still_usable();

    // A revoked Proxy: even Array.isArray throws on it.
    let revoked = js("(() => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; })()");
    assert_throws(validate(revoked), "invalid_argument");
    assert_still_usable();

    // Keys readable, but reading a value throws: that field is reported, not thrown.
    let get_throws = js(r#"new Proxy({ name: "n", apiType: "spend-expense", environment: "sandbox", apiToken: "t" },
        { get(t, k) { if (k === "apiToken") throw new Error("get"); return t[k]; } })"#);
    let r = validate(get_throws).unwrap();
    assert_eq!(codes(&r), ["apiToken:invalid_type"]);

    // A getter that throws on a plain object.
    let getter = js(r#"{ name: "n", apiType: "partner", environment: "sandbox", appKey: "k", username: "u@x.io",
        get password() { throw new Error("nope"); } }"#);
    assert_eq!(codes(&validate(getter).unwrap()), ["password:invalid_type"]);

    // A getter returning a Proxy, a nested object, a Symbol: invalid_type each.
    let odd = js(r#"{ name: new Proxy({}, {}), apiType: "spend-expense", environment: Symbol("e"), apiToken: {} }"#);
    assert_eq!(
        codes(&validate(odd).unwrap()),
        ["name:invalid_type", "environment:invalid_type", "apiToken:invalid_type"]
    );
    assert_still_usable();
}

#[wasm_bindgen_test]
fn proto_keys_and_inherited_values_are_handled() {
    // JSON.parse makes "__proto__" an own key: an unknown field, not a prototype.
    let parsed = js(
        r#"JSON.parse('{"name":"n","apiType":"spend-expense","environment":"sandbox","apiToken":"t","__proto__":{"x":1}}')"#,
    );
    assert_eq!(codes(&validate(parsed).unwrap()), ["__proto__:unknown_field"]);
    // Inherited values are not the caller's settings: only own keys count.
    let inherited = js(r#"Object.assign(Object.create({ apiToken: "from-proto" }),
        { name: "n", apiType: "spend-expense", environment: "sandbox" })"#);
    assert_eq!(codes(&validate(inherited).unwrap()), ["apiToken:required"]);
    // A null-prototype object is fine.
    let bare = js(
        r#"Object.assign(Object.create(null), { name: "n", apiType: "spend-expense", environment: "sandbox", apiToken: "t" })"#,
    );
    assert_eq!(get(&validate(bare).unwrap(), "valid"), JsValue::TRUE);
}

#[wasm_bindgen_test]
fn lone_surrogates_and_huge_strings_are_reported() {
    let lone = js(r#"{ name: "a\uD800b", apiType: "spend-expense", environment: "sandbox", apiToken: "\uDC00" }"#);
    assert_eq!(codes(&validate(lone).unwrap()), ["name:invalid_format", "apiToken:invalid_format"]);
    let items: Array =
        validate_field("partner".into(), "username".into(), js(r#""x\uDFFF@y.io""#)).unwrap().unchecked_into();
    assert_eq!(s(&get(&items.get(0), "params"), "rule"), "unicode");

    let huge = js(
        r#"{ name: "n".repeat(1 << 20), apiType: "spend-expense", environment: "sandbox", apiToken: "t".repeat(1 << 20) }"#,
    );
    assert_eq!(codes(&validate(huge).unwrap()), ["name:too_long", "apiToken:too_long"]);
    // A million keys' worth of junk would be slow; a thousand unknown keys is fine.
    let many = js(r#"Object.fromEntries(Array.from({ length: 1000 }, (_, i) => ["k" + i, i]))"#);
    let r = validate(many).unwrap();
    assert_eq!(Array::from(&get(&r, "errors")).length(), 1000 + 3);
    assert_still_usable();
}

#[wasm_bindgen_test]
fn messages_never_echo_a_secret() {
    let secret = "Sup3rS3cret-DoNotEcho";
    let settings = js(&format!(
        r#"{{ name: "x", apiType: "ap-ar-v2", environment: "sandbox", organizationId: "{secret}",
        username: "{secret}", password: "{secret}\u0001", devKey: "{secret} {secret}" }}"#
    ));
    let r = validate(settings).unwrap();
    let text = js_sys::JSON::stringify(&r).unwrap().as_string().unwrap();
    assert!(!text.contains(secret), "{text}");
    assert!(codes(&r).len() >= 3);
}
