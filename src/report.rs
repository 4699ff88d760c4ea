//! The validation report: a flat list of items, each with a stable code.
//!
//! Codes are a closed set ([`Code`]); messages come from one catalogue
//! ([`crate::messages`]) and never contain a value the user typed.

use crate::prelude::*;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

/// Every code a report item can carry. Closed: adding one is a breaking change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// Missing, empty, or whitespace only.
    Required,
    /// Fewer characters than `params.min`.
    TooShort,
    /// More characters than `params.max`.
    TooLong,
    /// Breaks a format rule named in `params.rule`.
    InvalidFormat,
    /// Not one of `params.allowed`.
    InvalidOption,
    /// Not a string (`params.received` names what it was).
    InvalidType,
    /// A key no API type has.
    UnknownField,
}

impl Code {
    /// Every code, in declaration order (the `.d.ts` test compares its union with it).
    pub const ALL: [Code; 7] = [
        Code::Required,
        Code::TooShort,
        Code::TooLong,
        Code::InvalidFormat,
        Code::InvalidOption,
        Code::InvalidType,
        Code::UnknownField,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Code::Required => "required",
            Code::TooShort => "too_short",
            Code::TooLong => "too_long",
            Code::InvalidFormat => "invalid_format",
            Code::InvalidOption => "invalid_option",
            Code::InvalidType => "invalid_type",
            Code::UnknownField => "unknown_field",
        }
    }
}

/// An `error` makes the settings invalid; a `warning` is shown but does not block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A value in an item's `params`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Param {
    Num(u32),
    Str(&'static str),
    /// Text that is not table data (e.g. an error code BILL sent).
    Owned(String),
    List(Vec<&'static str>),
}

impl Serialize for Param {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Param::Num(n) => s.serialize_u32(*n),
            Param::Str(v) => s.serialize_str(v),
            Param::Owned(v) => s.serialize_str(v),
            Param::List(v) => v.serialize(s),
        }
    }
}

/// Named parameters of an item, in a fixed order; serialized as a JSON object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params(pub Vec<(&'static str, Param)>);

impl Params {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, key: &str) -> Option<&Param> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

impl Serialize for Params {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// One problem with one field (or, with `field: None`, with the form as a whole).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// The field id; for `unknown_field`, the key as given.
    pub field: Option<Cow<'static, str>>,
    pub code: Code,
    pub severity: Severity,
    /// English, naming the field by its label; never contains a typed value.
    pub message: String,
    #[serde(skip_serializing_if = "Params::is_empty")]
    pub params: Params,
}

impl Issue {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The result of validating a whole settings object: every problem at once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// False exactly when some item is an error.
    pub valid: bool,
    pub errors: Vec<Issue>,
}

impl Report {
    pub fn new(errors: Vec<Issue>) -> Self {
        Report { valid: !errors.iter().any(Issue::is_error), errors }
    }

    /// The items about one field.
    pub fn for_field<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Issue> + 'a {
        self.errors.iter().filter(move |i| i.field.as_deref() == Some(id))
    }
}
