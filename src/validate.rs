//! The one engine that interprets the tables in [`crate::spec`].
//!
//! It runs unchanged in the browser (through `src/wasm/`) and natively (in the
//! reference backend), so both sides reach the very same verdict.

use crate::messages;
use crate::prelude::*;
use crate::report::{Code, Issue, Param, Params, Report, Severity};
use crate::spec::{self, ApiType, Field, Normalize, Options, Rule, API_TYPES, COMMON_FIELDS, ENVIRONMENTS};

/// A settings value as the caller handed it over, before any rule looks at it.
///
/// It may hold a secret, so its `Debug` shows only the length, and its text is
/// zeroized when dropped.
#[derive(Clone, PartialEq, Eq)]
pub enum Value {
    /// Absent, `undefined` or `null`.
    Missing,
    Text(String),
    /// Not a string; names what it was (`number`, `boolean`, `object`, ...).
    NotText(&'static str),
    /// A string that is not valid Unicode (a lone UTF-16 surrogate).
    InvalidUnicode,
}

impl Drop for Value {
    fn drop(&mut self) {
        if let Value::Text(s) = self {
            zeroize::Zeroize::zeroize(s);
        }
    }
}

impl core::fmt::Debug for Value {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Value::Missing => f.write_str("Missing"),
            Value::Text(s) => write!(f, "Text(<{} bytes>)", s.len()),
            Value::NotText(kind) => write!(f, "NotText({kind})"),
            Value::InvalidUnicode => f.write_str("InvalidUnicode"),
        }
    }
}

/// One key of a settings object and its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: Value,
}

impl Entry {
    pub fn text(key: &str, value: &str) -> Self {
        Entry { key: key.to_owned(), value: Value::Text(value.to_owned()) }
    }
}

/// Why a call was misuse rather than invalid input. Thrown in JS, never reported.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    #[error("unknown API type; expected one of ap-ar-v2, ap-ar-v3, partner, spend-expense")]
    UnknownApiType,
    #[error("this API type has no such field")]
    UnknownField,
    #[error("settings must be a plain object")]
    InvalidArgument,
}

impl UsageError {
    /// The same text as `Display`, as a `&'static str` (no formatting machinery).
    pub const fn message(&self) -> &'static str {
        match self {
            UsageError::UnknownApiType => {
                "unknown API type; expected one of ap-ar-v2, ap-ar-v3, partner, spend-expense"
            }
            UsageError::UnknownField => "this API type has no such field",
            UsageError::InvalidArgument => "settings must be a plain object",
        }
    }

    /// The stable `code` property of the thrown JS error.
    pub const fn code(&self) -> &'static str {
        match self {
            UsageError::UnknownApiType => "unknown_api_type",
            UsageError::UnknownField => "unknown_field",
            UsageError::InvalidArgument => "invalid_argument",
        }
    }
}

/// The value after the field's declared normalization.
pub fn normalize<'a>(field: &Field, raw: &'a str) -> &'a str {
    match field.normalize {
        Normalize::None => raw,
        Normalize::Trim => raw.trim(),
    }
}

static MISSING: Value = Value::Missing;

fn lookup<'a>(entries: &'a [Entry], key: &str) -> &'a Value {
    entries
        .iter()
        .rev() // the last of duplicated keys wins, as in JSON.parse
        .find(|e| e.key == key)
        .map_or(&MISSING, |e| &e.value)
}

/// Whether any API type has a field with this key.
pub fn is_known_key(key: &str) -> bool {
    COMMON_FIELDS.contains(&key) || API_TYPES.iter().any(|t| t.credentials.contains(&key))
}

/// Validates a whole settings object and reports every problem at once.
///
/// Fields of API types other than the chosen one are ignored; keys no API type has
/// are `unknown_field` errors. When `apiType` is missing or unknown, only the common
/// fields can be checked.
pub fn validate(entries: &[Entry]) -> Report {
    let chosen = match lookup(entries, "apiType") {
        Value::Text(id) => spec::api_type(id),
        _ => None,
    };
    let mut out = Vec::new();
    let fields: &mut dyn Iterator<Item = &'static Field> = match chosen {
        Some(t) => &mut t.fields(),
        None => &mut COMMON_FIELDS.iter().filter_map(|id| spec::field(id)),
    };
    for f in fields {
        check(f, lookup(entries, f.id), &mut out);
    }
    for e in entries {
        if !is_known_key(&e.key) {
            out.push(Issue {
                field: Some(Cow::Owned(e.key.clone())),
                code: Code::UnknownField,
                severity: Severity::Error,
                message: messages::unknown_field(&e.key),
                params: Params::default(),
            });
        }
    }
    Report::new(out)
}

/// Validates one field of an API type; the items about it, or none.
pub fn validate_field(api_type: &str, field_id: &str, value: &Value) -> Result<Vec<Issue>, UsageError> {
    let t = spec::api_type(api_type).ok_or(UsageError::UnknownApiType)?;
    Ok(check_field(field_of(t, field_id)?, value))
}

/// The items about one field's value, for a field already looked up.
pub fn check_field(f: &'static Field, value: &Value) -> Vec<Issue> {
    let mut out = Vec::new();
    check(f, value, &mut out);
    out
}

/// The field `id` of API type `t`, or misuse.
pub fn field_of(t: &ApiType, id: &str) -> Result<&'static Field, UsageError> {
    if t.has_field(id) {
        spec::field(id).ok_or(UsageError::UnknownField)
    } else {
        Err(UsageError::UnknownField)
    }
}

fn issue(f: &Field, code: Code, severity: Severity, message: String, params: Params) -> Issue {
    Issue { field: Some(Cow::Borrowed(f.id)), code, severity, message, params }
}

/// The option ids a select field accepts.
pub fn option_ids(options: Options) -> Vec<&'static str> {
    match options {
        Options::ApiTypes => API_TYPES.iter().map(|t| t.id).collect(),
        Options::Environments => ENVIRONMENTS.iter().map(|e| e.id).collect(),
    }
}

fn is_option(options: Options, v: &str) -> bool {
    match options {
        Options::ApiTypes => API_TYPES.iter().any(|t| t.id == v),
        Options::Environments => ENVIRONMENTS.iter().any(|e| e.id == v),
    }
}

/// Runs one field's rules, in a fixed order: type, required, option, length, format.
/// A missing or mistyped value stops there; length and format are reported together.
fn check(f: &'static Field, value: &Value, out: &mut Vec<Issue>) {
    let raw = match value {
        Value::Text(s) => s.as_str(),
        Value::Missing => {
            if f.required {
                out.push(issue(
                    f,
                    Code::Required,
                    Severity::Error,
                    messages::plain(Code::Required, f.label),
                    Params::default(),
                ));
            }
            return;
        }
        Value::NotText(kind) => {
            let params = Params(vec![("received", Param::Str(kind))]);
            out.push(issue(f, Code::InvalidType, Severity::Error, messages::plain(Code::InvalidType, f.label), params));
            return;
        }
        Value::InvalidUnicode => {
            let params = Params(vec![("rule", Param::Str(messages::RULE_UNICODE))]);
            out.push(issue(f, Code::InvalidFormat, Severity::Error, messages::format(None, f.label), params));
            return;
        }
    };
    let v = normalize(f, raw);
    if v.trim().is_empty() {
        if f.required {
            out.push(issue(
                f,
                Code::Required,
                Severity::Error,
                messages::plain(Code::Required, f.label),
                Params::default(),
            ));
        }
        return;
    }
    if let Some(options) = f.options {
        if !is_option(options, v) {
            let params = Params(vec![("allowed", Param::List(option_ids(options)))]);
            out.push(issue(
                f,
                Code::InvalidOption,
                Severity::Error,
                messages::plain(Code::InvalidOption, f.label),
                params,
            ));
        }
        return;
    }
    let len = char_len(v, f.max_len);
    if let Some(min) = f.min_len.filter(|&m| len < m) {
        let params = Params(vec![("min", Param::Num(min))]);
        out.push(issue(f, Code::TooShort, Severity::Error, messages::length(Code::TooShort, f.label, min), params));
    }
    if let Some(max) = f.max_len.filter(|&m| len > m) {
        let params = Params(vec![("max", Param::Num(max))]);
        out.push(issue(f, Code::TooLong, Severity::Error, messages::length(Code::TooLong, f.label, max), params));
    }
    // One format error a field (the first rule broken is the one to fix first);
    // warnings only when there is no format error.
    let broken = f.rules.iter().copied().find(|r| !r.warns_only() && !passes(*r, v));
    let failing: &mut dyn Iterator<Item = Rule> = match broken {
        Some(rule) => &mut core::iter::once(rule),
        None => &mut f.rules.iter().copied().filter(|r| r.warns_only() && !passes(*r, v)),
    };
    for rule in failing {
        let mut params = Params(vec![("rule", Param::Str(rule.name()))]);
        if let Rule::Prefix(p) = rule {
            params.0.push(("prefix", Param::Str(p)));
        }
        let severity = if rule.warns_only() { Severity::Warning } else { Severity::Error };
        out.push(issue(f, Code::InvalidFormat, severity, messages::format(Some(rule), f.label), params));
    }
}

/// Length in chars, counting no further than one past `cap` (a 1 MB value is
/// rejected without walking all of it).
fn char_len(v: &str, cap: Option<u32>) -> u32 {
    let limit = cap.map_or(usize::MAX, |c| c as usize + 1);
    v.chars().take(limit).count() as u32
}

fn passes(rule: Rule, v: &str) -> bool {
    match rule {
        Rule::NoControlChars => !v.chars().any(char::is_control),
        Rule::NoWhitespace => !v.chars().any(char::is_whitespace),
        Rule::Alphanumeric => v.bytes().all(|b| b.is_ascii_alphanumeric()),
        Rule::Prefix(p) => v.starts_with(p),
        Rule::EmailExpected => looks_like_email(v),
        Rule::NoInvisible => !v.chars().any(is_invisible_format),
        Rule::NoSurroundingWhitespace => v.trim() == v,
    }
}

/// Unicode general category Cf (format characters), as of Unicode 16: invisible,
/// and some (bidi overrides, isolates) reorder the text around them.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

/// A deliberately loose shape check: one `@`, something before it, a dotted domain
/// after it, no whitespace. Only ever a warning.
fn looks_like_email(v: &str) -> bool {
    let mut parts = v.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !local.is_empty()
        && !v.chars().any(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| !label.is_empty())
}
