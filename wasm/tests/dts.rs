//! The hand-written `.d.ts` (wasm/js/billcom_connection.d.ts) against the crate's
//! tables: every union must list exactly what the tables and codes hold, and every
//! `params` key the crate or the backend writes must be typed. (The wasm-bindgen
//! design's hand-typed unions drifted: `params.retryAfter` was missing.)

use billcom_connection::connection_test::TestCode as CheckCode;
use billcom_connection::report::Code;
use billcom_connection::spec::{Rule, API_TYPES, ENVIRONMENTS, FIELDS};
use std::collections::BTreeSet;

fn dts() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/js/billcom_connection.d.ts")).unwrap()
}

/// The string literals of `export type NAME = "a" | "b" ...;`.
fn union(src: &str, name: &str) -> BTreeSet<String> {
    let start = src.find(&format!("export type {name} =")).unwrap_or_else(|| panic!("{name} missing"));
    let body = &src[start..start + src[start..].find(';').unwrap()];
    body.split('"').skip(1).step_by(2).map(str::to_owned).collect()
}

fn set<'a>(xs: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    xs.into_iter().map(str::to_owned).collect()
}

#[test]
fn unions_equal_the_tables() {
    let d = dts();
    assert_eq!(union(&d, "ApiTypeId"), set(API_TYPES.iter().map(|t| t.id)));
    assert_eq!(union(&d, "FieldId"), set(FIELDS.iter().map(|f| f.id)));
    assert_eq!(union(&d, "EnvironmentId"), set(ENVIRONMENTS.iter().map(|e| e.id)));
    assert_eq!(union(&d, "ReportCode"), set(Code::ALL.iter().map(|c| c.as_str())));
    let check_codes = [
        CheckCode::Rejected,
        CheckCode::AuthFailed,
        CheckCode::Locked,
        CheckCode::RateLimited,
        CheckCode::UpstreamError,
        CheckCode::Timeout,
        CheckCode::InvalidResponse,
        CheckCode::Unreachable,
    ];
    assert_eq!(union(&d, "TestCode"), set(check_codes.iter().map(|c| c.as_str())));
    // Every rule a field uses, and the rule for text that is not valid Unicode.
    let mut rules: BTreeSet<String> = FIELDS.iter().flat_map(|f| f.rules.iter().map(|r| r.name().to_owned())).collect();
    rules.insert(billcom_connection::messages::RULE_UNICODE.to_owned());
    let typed = union(&d, "FormatRule");
    assert!(rules.is_subset(&typed), "untyped rules: {:?}", rules.difference(&typed).collect::<Vec<_>>());
    let all_rules = [
        Rule::NoControlChars,
        Rule::NoWhitespace,
        Rule::Alphanumeric,
        Rule::Prefix(""),
        Rule::EmailExpected,
        Rule::NoInvisible,
        Rule::NoSurroundingWhitespace,
    ];
    let mut known: BTreeSet<String> = all_rules.iter().map(|r| r.name().to_owned()).collect();
    known.insert(billcom_connection::messages::RULE_UNICODE.to_owned());
    assert_eq!(typed, known, "FormatRule lists exactly the rules");
}

#[test]
fn every_params_key_written_is_typed() {
    let d = dts();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut keys = BTreeSet::new();
    for dir in ["src", "server/src"] {
        for entry in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "rs") {
                let src = std::fs::read_to_string(&path).unwrap();
                for (i, _) in src.match_indices("\", Param::") {
                    let open = src[..i].rfind('"').unwrap();
                    keys.insert(src[open + 1..i].to_owned());
                }
            }
        }
    }
    assert!(keys.len() >= 8, "{keys:?}");
    for k in keys {
        assert!(d.contains(&format!("{k}?:")), "params.{k} is not typed in the .d.ts");
    }
}
