//! Native, table-driven tests of every rule and code, for every API type.

use billcom_connection::spec::{self, Kind, API_TYPES, FIELDS};
use billcom_connection::validate::{validate, validate_field, Entry, UsageError, Value};
use billcom_connection::{Code, Severity};

const ORG: &str = "00801ABCDEFGHIJKL"; // 17 chars, alphanumeric, 008 prefix

/// A complete, valid settings object for an API type.
fn valid(api: &str) -> Vec<Entry> {
    let mut e =
        vec![Entry::text("name", "Finance BILL"), Entry::text("apiType", api), Entry::text("environment", "sandbox")];
    let t = spec::api_type(api).expect("known api type");
    for id in t.credentials {
        let v = match *id {
            "organizationId" => ORG,
            "username" => "ops@example.com",
            "password" => "correct horse battery staple",
            "devKey" => "01ABCDEF-2345-6789-ABCD-EF0123456789",
            "appKey" => "app-key-0123456789",
            "apiToken" => "tok_abcDEF0123456789-_.~",
            other => panic!("no sample for {other}"),
        };
        e.push(Entry::text(id, v));
    }
    e
}

fn with(mut entries: Vec<Entry>, key: &str, value: Value) -> Vec<Entry> {
    entries.retain(|e| e.key != key);
    entries.push(Entry { key: key.into(), value });
    entries
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

#[test]
fn complete_settings_are_valid_for_every_api_type() {
    for t in API_TYPES {
        let r = validate(&valid(t.id));
        assert!(r.valid, "{}: {:?}", t.id, r.errors);
        assert!(r.errors.is_empty(), "{}: {:?}", t.id, r.errors);
    }
}

/// (field, value, expected code, expected severity). Each row runs for every API
/// type that has the field.
const CASES: &[(&str, Option<&str>, Code, Severity)] = &[
    // required: missing, empty, whitespace only — for every field
    ("name", None, Code::Required, Severity::Error),
    ("name", Some(""), Code::Required, Severity::Error),
    ("name", Some("   \t "), Code::Required, Severity::Error),
    ("apiType", Some(" "), Code::Required, Severity::Error),
    ("environment", None, Code::Required, Severity::Error),
    ("organizationId", None, Code::Required, Severity::Error),
    ("organizationId", Some("  "), Code::Required, Severity::Error),
    ("username", Some(""), Code::Required, Severity::Error),
    ("password", None, Code::Required, Severity::Error),
    ("password", Some("   "), Code::Required, Severity::Error),
    ("devKey", Some(""), Code::Required, Severity::Error),
    ("appKey", None, Code::Required, Severity::Error),
    ("apiToken", Some("\n"), Code::Required, Severity::Error),
    // options
    ("environment", Some("prod"), Code::InvalidOption, Severity::Error),
    ("environment", Some("Production"), Code::InvalidOption, Severity::Error),
    // lengths
    ("name", Some("<101 chars>"), Code::TooLong, Severity::Error), // a long value, made below
    ("organizationId", Some("0081234"), Code::TooShort, Severity::Error),
    ("organizationId", Some("008123456789012345678"), Code::TooLong, Severity::Error),
    // formats
    ("organizationId", Some("00912345678901234"), Code::InvalidFormat, Severity::Error),
    ("organizationId", Some("008-2345678901234"), Code::InvalidFormat, Severity::Error),
    ("organizationId", Some("008 2345678901234"), Code::InvalidFormat, Severity::Error),
    ("name", Some("line\nbreak"), Code::InvalidFormat, Severity::Error),
    ("name", Some("nul\u{0}"), Code::InvalidFormat, Severity::Error),
    ("username", Some("tab\there@example.com"), Code::InvalidFormat, Severity::Error),
    ("password", Some("pass\u{7f}word"), Code::InvalidFormat, Severity::Error),
    ("devKey", Some("has space"), Code::InvalidFormat, Severity::Error),
    ("devKey", Some("has\u{a0}nbsp"), Code::InvalidFormat, Severity::Error),
    ("appKey", Some("a\tb"), Code::InvalidFormat, Severity::Error),
    ("apiToken", Some("tok en"), Code::InvalidFormat, Severity::Error),
    ("apiToken", Some("tok\u{85}en"), Code::InvalidFormat, Severity::Error),
    // warnings
    ("username", Some("sync-token-name"), Code::InvalidFormat, Severity::Warning),
    ("username", Some("a@b"), Code::InvalidFormat, Severity::Warning),
    ("username", Some("a@@b.com"), Code::InvalidFormat, Severity::Warning),
    // Invisible format characters in a name: a bidi override, a zero-width space, a BOM.
    ("name", Some("Payables \u{202E}lanigiro"), Code::InvalidFormat, Severity::Error),
    ("name", Some("Ops\u{200B}"), Code::InvalidFormat, Severity::Error),
    ("name", Some("\u{FEFF}Ops"), Code::InvalidFormat, Severity::Error),
    ("name", Some("Ops \u{2067}x\u{2069}"), Code::InvalidFormat, Severity::Error),
    // A password is never trimmed: surrounding whitespace warns, never blocks.
    ("password", Some(" secret"), Code::InvalidFormat, Severity::Warning),
    ("password", Some("secret "), Code::InvalidFormat, Severity::Warning),
];

#[test]
fn every_rule_reports_its_code_for_every_api_type() {
    let mut ran = 0;
    for &(field, value, code, severity) in CASES {
        let long;
        let value = match (field, code) {
            ("name", Code::TooLong) => {
                long = "n".repeat(101);
                Some(long.as_str())
            }
            _ => value,
        };
        for t in API_TYPES.iter().filter(|t| t.has_field(field)) {
            let v = value.map_or(Value::Missing, text);
            let r = validate(&with(valid(t.id), field, v.clone()));
            let items: Vec<_> = r.for_field(field).collect();
            assert_eq!(items.len(), 1, "{} {field}={value:?}: {items:?}", t.id);
            assert_eq!((items[0].code, items[0].severity), (code, severity), "{} {field}={value:?}", t.id);
            assert_eq!(r.valid, severity == Severity::Warning, "{} {field}={value:?}", t.id);
            // validateField agrees with validate.
            let single = validate_field(t.id, field, &v).expect("field of type");
            assert_eq!(single, items.into_iter().cloned().collect::<Vec<_>>());
            ran += 1;
        }
    }
    assert!(ran > CASES.len(), "cases ran across API types: {ran}");
}

#[test]
fn keys_are_trimmed_but_passwords_never() {
    for t in API_TYPES {
        let mut e = valid(t.id);
        for entry in &mut e {
            if let Value::Text(s) = &mut entry.value {
                if matches!(entry.key.as_str(), "organizationId" | "devKey" | "appKey" | "apiToken") {
                    *s = format!("  {s} \t");
                }
            }
        }
        assert!(validate(&e).valid, "{}: {:?}", t.id, validate(&e).errors);
    }
    // A password is taken as typed: surrounding spaces are part of it, not an error
    // (a warning says they are there), and a password with a tab at the end is a
    // control-character error (not trimmed away), which replaces the warning.
    let r = validate(&with(valid("partner"), "password", text(" spaced ")));
    assert!(r.valid);
    let rules: Vec<_> = r.errors.iter().map(|i| (i.severity, i.params.get("rule"))).collect();
    assert_eq!(rules.len(), 1, "{rules:?}");
    assert_eq!(r.errors[0].severity, Severity::Warning);
    assert!(r.errors[0].message.contains("begins or ends with a space"));
    assert!(validate(&with(valid("partner"), "password", text("in side"))).errors.is_empty());
    let r = validate(&with(valid("partner"), "password", text("secret\t")));
    assert_eq!(r.errors[0].code, Code::InvalidFormat);
}

#[test]
fn organization_id_length_bounds_are_inclusive() {
    for (v, ok) in [
        ("008123456789012", true),        // 15
        ("00812345678901", false),        // 14
        ("00812345678901234567", true),   // 20
        ("008123456789012345678", false), // 21
        ("008abcDEF012345", true),
    ] {
        let items = validate_field("ap-ar-v2", "organizationId", &text(v)).unwrap();
        assert_eq!(items.is_empty(), ok, "{v}: {items:?}");
    }
}

#[test]
fn a_value_of_one_megabyte_is_too_long_for_every_field() {
    let big = "x".repeat(1 << 20);
    for f in FIELDS.iter().filter(|f| f.kind != Kind::Select) {
        let t = API_TYPES.iter().find(|t| t.has_field(f.id)).unwrap();
        let items = validate_field(t.id, f.id, &text(&big)).unwrap();
        assert!(items.iter().any(|i| i.code == Code::TooLong), "{}: {items:?}", f.id);
    }
}

#[test]
fn non_strings_are_invalid_type() {
    for kind in ["number", "boolean", "object", "array", "unreadable"] {
        let r = validate(&with(valid("ap-ar-v3"), "devKey", Value::NotText(kind)));
        let item = r.for_field("devKey").next().unwrap();
        assert_eq!(item.code, Code::InvalidType);
        assert_eq!(item.params.get("received"), Some(&billcom_connection::Param::Str(kind)));
    }
    let r = validate(&with(valid("ap-ar-v3"), "apiType", Value::NotText("number")));
    assert_eq!(r.for_field("apiType").next().unwrap().code, Code::InvalidType);
}

#[test]
fn invalid_unicode_is_invalid_format() {
    let r = validate(&with(valid("partner"), "username", Value::InvalidUnicode));
    let item = r.for_field("username").next().unwrap();
    assert_eq!((item.code, item.severity), (Code::InvalidFormat, Severity::Error));
}

#[test]
fn unknown_keys_are_errors_and_other_types_fields_are_ignored() {
    let e = with(valid("spend-expense"), "devkey", text("x"));
    let r = validate(&e);
    assert!(!r.valid);
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].field.as_deref(), Some("devkey"));
    assert_eq!(r.errors[0].code, Code::UnknownField);

    // A user who switched from ap-ar-v3 to spend-expense keeps what they typed,
    // even invalid values: not errors for spend-expense.
    let mut e = valid("spend-expense");
    e.push(Entry::text("organizationId", "bad"));
    e.push(Entry::text("devKey", "with space"));
    e.push(Entry::text("password", ""));
    assert!(validate(&e).valid, "{:?}", validate(&e).errors);
}

#[test]
fn every_problem_is_reported_at_once() {
    let e = vec![
        Entry::text("apiType", "ap-ar-v2"),
        Entry::text("environment", "staging"),
        Entry::text("organizationId", "123"),
        Entry::text("username", "bob"),
        Entry::text("devKey", "a b"),
        Entry::text("bogus", "1"),
    ];
    let r = validate(&e);
    let got: Vec<_> = r.errors.iter().map(|i| (i.field.as_deref().unwrap(), i.code.as_str())).collect();
    assert_eq!(
        got,
        [
            ("name", "required"),
            ("environment", "invalid_option"),
            ("organizationId", "too_short"),
            ("organizationId", "invalid_format"),
            ("username", "invalid_format"),
            ("password", "required"),
            ("devKey", "invalid_format"),
            ("bogus", "unknown_field"),
        ]
    );
}

#[test]
fn missing_or_unknown_api_type_still_checks_the_common_fields() {
    let r = validate(&[Entry::text("apiType", "ap-ar-v4")]);
    let got: Vec<_> = r.errors.iter().map(|i| (i.field.as_deref().unwrap(), i.code)).collect();
    assert_eq!(got, [("name", Code::Required), ("apiType", Code::InvalidOption), ("environment", Code::Required)]);
    let r = validate(&[]);
    assert_eq!(r.errors.len(), 3);
    assert!(!r.valid);
}

#[test]
fn valid_is_false_exactly_when_an_error_is_present() {
    let warn_only = with(valid("ap-ar-v3"), "username", text("token-name"));
    let r = validate(&warn_only);
    assert!(r.valid && r.errors.len() == 1 && r.errors[0].severity == Severity::Warning);
    let both = with(warn_only, "name", text(""));
    assert!(!validate(&both).valid);
}

#[test]
fn messages_name_the_label_and_never_contain_a_secret() {
    let secret = "S3cr3t-Value-That-Must-Not-Leak";
    for t in API_TYPES {
        for f in t.fields() {
            for bad in [format!("{secret} {secret}"), format!("{secret}\u{1}"), "x".repeat(2000) + secret] {
                let items = validate_field(t.id, f.id, &Value::Text(bad)).unwrap();
                for i in items {
                    assert!(!i.message.contains(secret), "{}: {}", f.id, i.message);
                    assert!(i.message.contains(f.label), "{}: {}", f.id, i.message);
                }
            }
        }
    }
}

#[test]
fn usage_errors_have_stable_codes() {
    assert_eq!(validate_field("ap-ar-v4", "name", &Value::Missing), Err(UsageError::UnknownApiType));
    assert_eq!(validate_field("partner", "devKey", &Value::Missing), Err(UsageError::UnknownField));
    assert_eq!(UsageError::UnknownApiType.code(), "unknown_api_type");
    assert_eq!(UsageError::InvalidArgument.code(), "invalid_argument");
    for e in [UsageError::UnknownApiType, UsageError::UnknownField, UsageError::InvalidArgument] {
        assert_eq!(e.to_string(), e.message());
    }
}
