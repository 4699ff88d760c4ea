//! The submission body: the one JSON shape `ConnectionForm.submit()` sends and a
//! backend accepts, written and parsed here and nowhere else.
//!
//! ```json
//! { "name": "...", "apiType": "...", "environment": "...",
//!   "settings": { "organizationId": "...", "username": "..." },
//!   "secrets":  { "password": "...", "devKey": "..." } }
//! ```
//!
//! Placement is part of the contract: a secret sent in `settings` would be stored
//! in plain text and shown back, a non-secret in `secrets` hidden forever, so both
//! are refused (`unknown_field` with `params.expectedIn`). The values are checked by
//! the very same [`validate`] the browser runs.
//!
//! [`Json`] is any JSON value, read through serde (`serde_json` on a server,
//! `serde-wasm-bindgen` in a browser); every string in it is zeroized when dropped,
//! since any of them may be a secret, wherever it was put.

use crate::json;
use crate::prelude::*;
use crate::report::{Code, Issue, Param, Params, Report, Severity};
use crate::secret::Secret;
use crate::spec::{self, ApiType, Environment, COMMON_FIELDS};
use crate::validate::{is_known_key, normalize as normalize_value, unknown_key, validate, Entry, Value};
use core::fmt;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use zeroize::Zeroizing;

/// A JSON value as a submission holds it. Strings are zeroized on drop.
#[derive(Debug)]
pub enum Json {
    Null,
    Bool,
    Number,
    Text(Zeroizing<String>),
    Array(Vec<Json>),
    /// Keys in document order; a repeated key is kept each time (the last wins,
    /// as in `JSON.parse`).
    Object(Vec<(String, Json)>),
}

impl Json {
    /// A validator value: text moves over (still zeroized on drop); anything else
    /// names its JSON type.
    fn into_value(self) -> Value {
        match self {
            Json::Null => Value::Missing,
            Json::Text(mut s) => Value::Text(core::mem::take(&mut *s)),
            Json::Bool => Value::NotText("boolean"),
            Json::Number => Value::NotText("number"),
            Json::Array(_) => Value::NotText("array"),
            Json::Object(_) => Value::NotText("object"),
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Json, E> {
        Ok(Json::Bool)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Json, E> {
        Ok(Json::Number)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Json, E> {
        Ok(Json::Number)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Json, E> {
        Ok(Json::Number)
    }

    fn visit_str<E>(self, s: &str) -> Result<Json, E> {
        Ok(Json::Text(Zeroizing::new(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<Json, E> {
        Ok(Json::Text(Zeroizing::new(s)))
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        Json::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Json>()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Json>()? {
            entries.push((k, v));
        }
        Ok(Json::Object(entries))
    }
}

/// Why a body was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Not a JSON object of the expected shape (a 400), with this message.
    Malformed(&'static str),
    /// Well formed but invalid (a 422): every item of the report, warnings included.
    Invalid(Vec<Issue>),
    /// The tables and the validator disagree (a bug, not the caller's fault).
    Internal,
}

/// A valid submission, normalized: only the chosen API type's fields.
#[derive(Debug)]
pub struct Submission {
    pub name: String,
    pub api_type: ApiType,
    pub environment: &'static Environment,
    /// Non-secret credential fields, in display order.
    pub settings: Vec<(&'static str, String)>,
    /// Secret fields, in display order.
    pub secrets: Vec<(&'static str, Secret)>,
}

/// A valid submission and the warnings that did not block it (e.g. a username
/// that is not an email address).
#[derive(Debug)]
pub struct Accepted {
    pub submission: Submission,
    pub warnings: Vec<Issue>,
}

/// An `unknown_field` item for a known key in the wrong place, saying where it
/// belongs (`params.expectedIn`: `secrets`, `settings` or `top`).
fn misplaced(key: &str, expected_in: &'static str) -> Issue {
    let label = spec::field(key).map_or(key, |f| f.label);
    let message = match expected_in {
        "secrets" => format!("{label} is a secret: send it in secrets, not settings."),
        "settings" => format!("{label} is not a secret: send it in settings, not secrets."),
        _ => format!("{label} belongs at the top level of the request, not inside settings or secrets."),
    };
    Issue {
        field: Some(Cow::Owned(key.to_owned())),
        code: Code::UnknownField,
        severity: Severity::Error,
        message,
        params: Params(vec![("expectedIn", Param::Str(expected_in))]),
    }
}

/// `settings` or `secrets`: absent or null is empty (each missing field is then
/// `required`); anything but an object is malformed.
fn object(v: Option<Json>, malformed: &'static str) -> Result<Vec<(String, Json)>, Rejection> {
    match v {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::Object(m)) => Ok(m),
        Some(_) => Err(Rejection::Malformed(malformed)),
    }
}

/// The flat entries the validator checks, and the placement items, for a body.
fn flatten(body: Json) -> Result<(Vec<Entry>, Vec<Issue>), Rejection> {
    let Json::Object(top) = body else {
        return Err(Rejection::Malformed("the request body must be a JSON object"));
    };
    let mut entries: Vec<Entry> = Vec::new();
    let mut extra = Vec::new();
    let (mut settings, mut secrets) = (None, None);
    for (key, v) in top {
        match key.as_str() {
            "settings" => settings = Some(v),
            "secrets" => secrets = Some(v),
            // Top level holds only name, apiType, environment, settings and secrets
            // (baseUrl, id and timestamps are the server's to set).
            k if COMMON_FIELDS.contains(&k) => entries.push(Entry { key, value: v.into_value() }),
            k if is_known_key(k) => extra.push(misplaced(k, if spec::is_secret(k) { "secrets" } else { "settings" })),
            k => extra.push(unknown_key(k)),
        }
    }
    let settings = object(settings, "settings must be a JSON object");
    let secrets = object(secrets, "secrets must be a JSON object");
    let (settings, secrets) = (settings?, secrets?);
    for (key, v) in settings {
        if COMMON_FIELDS.contains(&key.as_str()) {
            extra.push(misplaced(&key, "top"));
        } else if spec::is_secret(&key) {
            extra.push(misplaced(&key, "secrets"));
        } else {
            entries.push(Entry { key, value: v.into_value() });
        }
    }
    for (key, v) in secrets {
        if COMMON_FIELDS.contains(&key.as_str()) {
            extra.push(misplaced(&key, "top"));
        } else if is_known_key(&key) && !spec::is_secret(&key) {
            extra.push(misplaced(&key, "settings"));
        } else {
            entries.push(Entry { key, value: v.into_value() });
        }
    }
    Ok((entries, extra))
}

/// Parses and validates a submission body. Owns it, so every string in it is
/// either moved into the result or zeroized.
pub fn parse(body: Json) -> Result<Accepted, Rejection> {
    let (entries, extra) = flatten(body)?;
    let mut items = validate(&entries).errors;
    items.extend(extra);
    if items.iter().any(Issue::is_error) {
        return Err(Rejection::Invalid(items));
    }
    let submission = build(&entries)?;
    Ok(Accepted { submission, warnings: items })
}

/// The report a backend gives for a body: the same items `parse` refuses it with
/// (or the warnings it accepts it with). `Err` only for a body that is not an
/// object with object `settings`/`secrets` (a 400, not a report).
pub fn validate_submission(body: Json) -> Result<Report, &'static str> {
    match flatten(body) {
        Ok((entries, extra)) => {
            let mut items = validate(&entries).errors;
            items.extend(extra);
            Ok(Report::new(items))
        }
        Err(Rejection::Malformed(m)) => Err(m),
        Err(_) => Err("the request body must be a JSON object"),
    }
}

/// What a backend stores for a valid body, as a body again: the chosen API type's
/// fields only, each normalized (trimmed where the tables say so). Zeroized when
/// dropped.
pub fn normalize(body: Json) -> Result<Zeroizing<String>, Rejection> {
    parse(body).map(|a| write(&a.submission))
}

/// [`normalize`] for the flat settings object `validate()` takes: the chosen API
/// type's fields, normalized, as one flat JSON object (zeroized when dropped); the
/// report when the settings are invalid.
pub fn normalize_settings(entries: &[Entry]) -> Result<Zeroizing<String>, Report> {
    let report = validate(entries);
    if !report.valid {
        return Err(report);
    }
    let Ok(s) = build(entries) else { return Err(report) };
    let mut pairs: Vec<(&str, &str)> =
        vec![("name", s.name.as_str()), ("apiType", s.api_type.id), ("environment", s.environment.id)];
    pairs.extend(s.settings.iter().map(|(k, v)| (*k, v.as_str())));
    pairs.extend(s.secrets.iter().map(|(k, v)| (*k, v.expose())));
    Ok(Zeroizing::new(json::object(&pairs)))
}

/// The normalized values of the chosen API type's fields, from entries the
/// validator passed. Fields of other API types are dropped (and zeroized).
fn build(entries: &[Entry]) -> Result<Submission, Rejection> {
    // The validator has accepted these, so each lookup succeeds; should the tables
    // and the validator ever disagree, this is an error rather than a panic.
    let internal = || Rejection::Internal;
    let text = |key: &str| {
        entries.iter().rev().find(|e| e.key == key).and_then(|e| match &e.value {
            Value::Text(s) => Some(s.as_str()),
            _ => None,
        })
    };
    let api_type = *text("apiType").and_then(spec::api_type).ok_or_else(internal)?;
    let environment = text("environment").and_then(spec::environment).ok_or_else(internal)?;
    let name_field = spec::field("name").ok_or_else(internal)?;
    let name = normalize_value(name_field, text("name").ok_or_else(internal)?).to_owned();
    let mut settings = Vec::new();
    let mut secrets = Vec::new();
    for f in api_type.fields().filter(|f| !COMMON_FIELDS.contains(&f.id)) {
        let Some(raw) = text(f.id) else {
            if f.required {
                return Err(internal());
            }
            continue;
        };
        let v = normalize_value(f, raw);
        if f.secret {
            secrets.push((f.id, Secret::new(v.to_owned())));
        } else {
            settings.push((f.id, v.to_owned()));
        }
    }
    Ok(Submission { name, api_type, environment, settings, secrets })
}

/// Writes a body from its three parts (the values as they are: normalizing is the
/// caller's). Zeroized when dropped.
pub fn write_parts(top: &[(&str, &str)], settings: &[(&str, &str)], secrets: &[(&str, &str)]) -> Zeroizing<String> {
    Zeroizing::new(json::payload(top, settings, secrets))
}

/// Writes a submission as its body.
pub fn write(s: &Submission) -> Zeroizing<String> {
    let top = [("name", s.name.as_str()), ("apiType", s.api_type.id), ("environment", s.environment.id)];
    let settings: Vec<(&str, &str)> = s.settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let secrets: Vec<(&str, &str)> = s.secrets.iter().map(|(k, v)| (*k, v.expose())).collect();
    write_parts(&top, &settings, &secrets)
}

/// Characters `encodeURIComponent` leaves as they are.
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')')
}

/// `encodeURIComponent`: UTF-8, every byte but the unreserved ones as `%XX`.
pub fn encode_component(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if unreserved(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
    out
}

/// Percent-decoding of a path segment; `None` when it is not valid UTF-8 after.
fn decode_component(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |j: usize| bytes.get(j).and_then(|c| char::from(*c).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push(u8::try_from(h * 16 + l).ok()?);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Where a save goes: the collection URL to create, or the record's URL to
/// replace (`{url}/{id}`, the id percent-encoded). A query and a fragment stay at
/// the end, trailing slashes are not doubled, and an id the path already ends
/// with (as is, or percent-encoded) is not added again.
pub fn target_url(url: &str, id: Option<&str>) -> String {
    let Some(id) = id else { return url.to_owned() };
    let (before_fragment, fragment) = url.split_once('#').map_or((url, None), |(a, b)| (a, Some(b)));
    let (path, query) = before_fragment.split_once('?').map_or((before_fragment, None), |(a, b)| (a, Some(b)));
    let path = path.trim_end_matches('/');
    let last = path.rsplit('/').next().unwrap_or_default();
    let has_id = !path.is_empty() && (last == id || decode_component(last).as_deref() == Some(id));
    let mut out = String::with_capacity(url.len() + id.len() * 3 + 1);
    out.push_str(path);
    if !has_id {
        out.push('/');
        out.push_str(&encode_component(id));
    }
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: serde_json::Value) -> Json {
        serde_json::from_value(v).unwrap()
    }

    fn good() -> serde_json::Value {
        json!({
            "name": " Ops ", "apiType": "ap-ar-v3", "environment": "sandbox",
            "settings": { "organizationId": " 00801ABCDEFGHIJKL ", "username": "ops@example.com" },
            "secrets": { "password": " pw ", "devKey": " k " },
        })
    }

    fn items(r: Rejection) -> Vec<(String, &'static str, Option<&'static str>)> {
        let Rejection::Invalid(items) = r else { panic!("{r:?}") };
        items
            .into_iter()
            .map(|i| {
                let expected = match i.params.get("expectedIn") {
                    Some(Param::Str(s)) => Some(*s),
                    _ => None,
                };
                (i.field.unwrap_or_default().into_owned(), i.code.as_str(), expected)
            })
            .collect()
    }

    #[test]
    fn a_valid_body_is_normalized_and_split() {
        let a = parse(body(good())).unwrap();
        let s = &a.submission;
        assert_eq!((s.name.as_str(), s.api_type, s.environment.id), ("Ops", ApiType::ApArV3, "sandbox"));
        assert_eq!(
            s.settings,
            [("organizationId", "00801ABCDEFGHIJKL".into()), ("username", "ops@example.com".into())]
        );
        let secrets: Vec<_> = s.secrets.iter().map(|(k, v)| (*k, v.expose())).collect();
        // The password is taken as typed (its spaces warn), the key trimmed.
        assert_eq!(secrets, [("password", " pw "), ("devKey", "k")]);
        assert_eq!(a.warnings.len(), 1);
        assert_eq!(a.warnings[0].field.as_deref(), Some("password"));
    }

    #[test]
    fn what_write_writes_parse_reads_back() {
        let text = normalize(body(good())).unwrap();
        let again = normalize(serde_json::from_str(&text).unwrap()).unwrap();
        assert_eq!(*text, *again);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["settings"]["organizationId"], "00801ABCDEFGHIJKL");
        assert_eq!(v["secrets"]["devKey"], "k");
    }

    #[test]
    fn flat_settings_normalize_to_the_chosen_types_fields() {
        let entries = [
            Entry::text("name", " Ops "),
            Entry::text("apiType", "spend-expense"),
            Entry::text("environment", "sandbox"),
            Entry::text("apiToken", " t0k "),
            Entry::text("devKey", "ignored: another type's field"),
        ];
        let text = normalize_settings(&entries).unwrap();
        assert_eq!(*text, r#"{"name":"Ops","apiType":"spend-expense","environment":"sandbox","apiToken":"t0k"}"#);
        let report = normalize_settings(&entries[..3]).unwrap_err();
        assert_eq!(report.errors[0].field.as_deref(), Some("apiToken"));
    }

    #[test]
    fn misplaced_and_unknown_keys() {
        let mut b = good();
        b["settings"]["devKey"] = json!("k2");
        b["secrets"]["username"] = json!("u");
        b["settings"]["name"] = json!("n");
        b["password"] = json!("p");
        b["colour"] = json!("blue");
        b["secrets"]["pin"] = json!("1");
        assert_eq!(
            items(parse(body(b)).unwrap_err()),
            [
                ("password".into(), "invalid_format", None), // the warning, kept
                ("pin".into(), "unknown_field", None),
                ("colour".into(), "unknown_field", None),
                ("password".into(), "unknown_field", Some("secrets")),
                ("devKey".into(), "unknown_field", Some("secrets")),
                ("name".into(), "unknown_field", Some("top")),
                ("username".into(), "unknown_field", Some("settings")),
            ]
        );
    }

    #[test]
    fn malformed_bodies() {
        for (b, m) in [
            (json!([]), "the request body must be a JSON object"),
            (json!("x"), "the request body must be a JSON object"),
            (json!({ "settings": [] }), "settings must be a JSON object"),
            (json!({ "secrets": "x" }), "secrets must be a JSON object"),
            (json!({ "settings": 1, "secrets": 2 }), "settings must be a JSON object"),
        ] {
            assert_eq!(parse(body(b.clone())).unwrap_err(), Rejection::Malformed(m), "{b}");
            assert_eq!(validate_submission(body(b)).unwrap_err(), m);
        }
        // Null or absent parts are empty: each field is then required.
        let r = validate_submission(body(
            json!({ "name": "n", "apiType": "spend-expense", "environment": "sandbox", "settings": null }),
        ))
        .unwrap();
        let codes: Vec<_> = r.errors.iter().map(|i| (i.field.as_deref().unwrap_or(""), i.code.as_str())).collect();
        assert_eq!(codes, [("apiToken", "required")]);
    }

    #[test]
    fn wrong_types_are_reported_by_kind() {
        let mut b = good();
        b["name"] = json!(5);
        b["settings"]["username"] = json!({ "a": "secret?" });
        b["secrets"]["devKey"] = json!(["x"]);
        let r = validate_submission(body(b)).unwrap();
        let got: Vec<_> = r
            .errors
            .iter()
            .filter(|i| i.code == Code::InvalidType)
            .map(|i| (i.field.as_deref().unwrap_or(""), i.params.get("received").cloned()))
            .collect();
        assert_eq!(
            got,
            [
                ("name", Some(Param::Str("number"))),
                ("username", Some(Param::Str("object"))),
                ("devKey", Some(Param::Str("array")))
            ]
        );
    }

    #[test]
    fn the_last_of_repeated_keys_wins() {
        let b: Json = serde_json::from_str(
            r#"{"name":"a","name":"b","apiType":"spend-expense","environment":"sandbox",
                "secrets":{"apiToken":"x"},"secrets":{"apiToken":"t2"}}"#,
        )
        .unwrap();
        let a = parse(b).unwrap();
        assert_eq!(a.submission.name, "b");
        assert_eq!(a.submission.secrets[0].1.expose(), "t2");
    }

    /// The cases live in tests/vectors/target-url.json: ConnectionForm's JS (which
    /// does this in the wrapper, 1.4 KB brotli smaller than calling in) is tested
    /// against the same file (tests/js/form.test.mjs).
    #[test]
    fn target_urls() {
        let cases: Vec<(String, Option<String>, String)> =
            serde_json::from_str(include_str!("../tests/vectors/target-url.json")).unwrap();
        assert!(cases.len() >= 16);
        for (url, id, want) in cases {
            assert_eq!(target_url(&url, id.as_deref()), want, "{url} {id:?}");
        }
    }
}
