//! Turns a request body into a validated [`NewConnection`], or the errors to send.
//!
//! The body is `{ name, apiType, environment, settings: {...}, secrets: {...} }`.
//! It is flattened into the core crate's [`Entry`] list and checked by the very same
//! [`validate`] the browser runs, so both sides give the same codes.

use crate::store::NewConnection;
use billcom_connection::report::{Code, Issue, Params, Severity};
use billcom_connection::spec::{self, COMMON_FIELDS, ENVIRONMENTS};
use billcom_connection::validate::{is_known_key, normalize};
use billcom_connection::{messages, validate, Entry, Secret, Value};
use serde_json::Value as Json;
use std::borrow::Cow;
use zeroize::Zeroize;

/// Why a body was refused.
#[derive(Debug)]
pub enum Rejection {
    /// Not a JSON object of the expected shape: 400 with this message.
    Malformed(&'static str),
    /// Well formed but invalid: 422 with every item of the report.
    Invalid(Vec<Issue>),
    /// The tables and the validator disagree (a bug, not the caller's fault): 500.
    Internal,
}

/// The validated submission, plus any warnings (e.g. a username that is not an
/// email address) that did not block it.
#[derive(Debug)]
pub struct Accepted {
    pub connection: NewConnection,
    pub warnings: Vec<Issue>,
}

/// Overwrites every string in a JSON value before it is dropped: a value we do not
/// keep (a misplaced or unknown key, a number, an object) may still be a secret.
pub fn scrub(v: &mut Json) {
    match v {
        Json::String(s) => s.zeroize(),
        Json::Array(a) => a.iter_mut().for_each(scrub),
        Json::Object(m) => {
            for (_, x) in m.iter_mut() {
                scrub(x);
            }
        }
        Json::Null | Json::Bool(_) | Json::Number(_) => {}
    }
}

/// A JSON value as the validator sees it. Strings are moved, not copied, into a
/// core `Value`, which zeroizes its text when dropped.
fn to_value(v: Option<Json>) -> Value {
    match v {
        None | Some(Json::Null) => Value::Missing,
        Some(Json::String(s)) => Value::Text(s),
        Some(mut other) => {
            let kind = match &other {
                Json::Bool(_) => "boolean",
                Json::Number(_) => "number",
                Json::Array(_) => "array",
                _ => "object",
            };
            scrub(&mut other);
            Value::NotText(kind)
        }
    }
}

/// `settings` or `secrets`: absent or null is an empty object (the validator then
/// reports each missing field as `required`); anything but an object is malformed.
fn take_object(
    body: &mut serde_json::Map<String, Json>,
    key: &str,
) -> Result<serde_json::Map<String, Json>, Rejection> {
    match body.remove(key) {
        None | Some(Json::Null) => Ok(serde_json::Map::new()),
        Some(Json::Object(m)) => Ok(m),
        Some(mut other) => {
            scrub(&mut other);
            Err(Rejection::Malformed(if key == "secrets" {
                "secrets must be a JSON object"
            } else {
                "settings must be a JSON object"
            }))
        }
    }
}

/// An `unknown_field` item for a key in the wrong place. It uses the core's
/// `unknown_field` code (the code set is closed) with a message saying where the
/// key belongs; `params.expectedIn` names that place for a frontend.
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
        params: Params(vec![("expectedIn", billcom_connection::Param::Str(expected_in))]),
    }
}

fn unknown(key: &str) -> Issue {
    Issue {
        field: Some(Cow::Owned(key.to_owned())),
        code: Code::UnknownField,
        severity: Severity::Error,
        message: messages::unknown_field(key),
        params: Params::default(),
    }
}

/// Validates a parsed body. Owns it, so every string in it is either moved into
/// the result or zeroized.
pub fn check(body: Json) -> Result<Accepted, Rejection> {
    let mut body = match body {
        Json::Object(m) => m,
        mut other => {
            scrub(&mut other);
            return Err(Rejection::Malformed("the request body must be a JSON object"));
        }
    };
    let mut entries: Vec<Entry> = Vec::new();
    for key in COMMON_FIELDS {
        let value = to_value(body.remove(*key));
        entries.push(Entry { key: (*key).to_owned(), value });
    }
    let settings = take_object(&mut body, "settings");
    let secrets = take_object(&mut body, "secrets");
    let (mut settings, mut secrets) = match (settings, secrets) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            // Whatever else the body held may be secret too.
            let mut first = None;
            for r in [a, b] {
                match r {
                    Ok(mut m) => m.iter_mut().for_each(|(_, v)| scrub(v)),
                    Err(e) => {
                        first.get_or_insert(e);
                    }
                }
            }
            body.iter_mut().for_each(|(_, v)| scrub(v));
            return Err(first.unwrap_or(Rejection::Malformed("settings must be a JSON object")));
        }
    };

    // Placement matters as much as the value: a secret sent in `settings` would be
    // stored in plain text and shown back in every response, and a non-secret in
    // `secrets` would be hidden forever. Both are refused as `unknown_field` on that
    // key (the field is not known *there*), with a message saying where it belongs.
    // Keys no API type has go to the validator, which reports them itself.
    let mut extra = Vec::new();
    for (key, mut v) in std::mem::take(&mut body) {
        // Top level holds only name, apiType, environment, settings and secrets
        // (baseUrl, id and timestamps are the server's to set).
        scrub(&mut v);
        extra.push(if is_known_key(&key) && !COMMON_FIELDS.contains(&key.as_str()) {
            misplaced(&key, if spec::is_secret(&key) { "secrets" } else { "settings" })
        } else {
            unknown(&key)
        });
    }
    for (key, v) in std::mem::take(&mut settings) {
        if COMMON_FIELDS.contains(&key.as_str()) {
            drop(to_value(Some(v))); // zeroized on drop
            extra.push(misplaced(&key, "top"));
        } else if spec::is_secret(&key) {
            drop(to_value(Some(v))); // zeroized on drop
            extra.push(misplaced(&key, "secrets"));
        } else {
            entries.push(Entry { key, value: to_value(Some(v)) });
        }
    }
    for (key, v) in std::mem::take(&mut secrets) {
        if COMMON_FIELDS.contains(&key.as_str()) {
            drop(to_value(Some(v))); // zeroized on drop
            extra.push(misplaced(&key, "top"));
        } else if is_known_key(&key) && !spec::is_secret(&key) {
            drop(to_value(Some(v))); // zeroized on drop
            extra.push(misplaced(&key, "settings"));
        } else {
            entries.push(Entry { key, value: to_value(Some(v)) });
        }
    }

    let report = validate(&entries);
    let mut items = report.errors;
    items.extend(extra);
    if items.iter().any(Issue::is_error) {
        return Err(Rejection::Invalid(items));
    }
    let connection = build(&entries)?;
    Ok(Accepted { connection, warnings: items })
}

/// The normalized values of the chosen API type's fields, from entries the
/// validator passed. Fields of other API types are dropped (and zeroized).
fn build(entries: &[Entry]) -> Result<NewConnection, Rejection> {
    // The validator has accepted these, so each lookup succeeds; should the tables
    // and the validator ever disagree, this is a 500 rather than a panic.
    let internal = || Rejection::Internal;
    let text = |key: &str| {
        entries.iter().rev().find(|e| e.key == key).and_then(|e| match &e.value {
            Value::Text(s) => Some(s.as_str()),
            _ => None,
        })
    };
    let api_type = text("apiType").and_then(spec::api_type).ok_or_else(internal)?;
    let environment =
        text("environment").and_then(|v| ENVIRONMENTS.iter().find(|e| e.id == v)).map(|e| e.id).ok_or_else(internal)?;
    let name_field = spec::field("name").ok_or_else(internal)?;
    let name = normalize(name_field, text("name").ok_or_else(internal)?).to_owned();
    let mut settings = Vec::new();
    let mut secrets = Vec::new();
    for f in api_type.fields().filter(|f| !COMMON_FIELDS.contains(&f.id)) {
        let Some(raw) = text(f.id) else {
            if f.required {
                return Err(internal());
            }
            continue;
        };
        let v = normalize(f, raw);
        if f.secret {
            secrets.push((f.id, Secret::new(v.to_owned())));
        } else {
            settings.push((f.id, v.to_owned()));
        }
    }
    Ok(NewConnection { name, api_type: api_type.id, environment, settings, secrets })
}
