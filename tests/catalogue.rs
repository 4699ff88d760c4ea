//! The English catalogue a frontend translates from is the crate's own text.
//!
//! `js/locales/en.json` holds every label, help line, option label and message the
//! crate can produce, keyed as the element's French catalogue is keyed. This test
//! proves (1) each message template in `messages::TEMPLATES` reproduces the message
//! functions' output for every field of the tables, and (2) the committed JSON is
//! exactly what the tables and templates say. After a table edit, rewrite it with
//! `UPDATE_CATALOGUE=1 cargo test --test catalogue` and translate the new keys.

use billcom_connection::connection_test;
use billcom_connection::messages::{self, TEMPLATES};
use billcom_connection::report::Code;
use billcom_connection::spec::{API_TYPES, ENVIRONMENTS, FIELDS};
use std::collections::BTreeMap;

fn template(key: &str) -> &'static str {
    TEMPLATES.iter().find(|(k, _)| *k == key).map(|(_, t)| *t).unwrap_or_else(|| panic!("no template {key}"))
}

fn fill(key: &str, params: &[(&str, &str)]) -> String {
    let mut s = template(key).to_owned();
    for (name, value) in params {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    assert!(!s.contains('{'), "{key}: a placeholder was left unfilled in {s:?}");
    s
}

#[test]
fn every_template_reproduces_the_message_for_every_field() {
    let mut used = std::collections::BTreeSet::new();
    for f in FIELDS {
        let label = [("label", f.label)];
        for code in [Code::Required, Code::InvalidType, Code::InvalidOption] {
            let key = code.as_str();
            assert_eq!(messages::plain(code, f.label), fill(key, &label), "{} {key}", f.id);
            used.insert(key.to_owned());
        }
        if let Some(min) = f.min_len {
            let n = min.to_string();
            assert_eq!(messages::length(Code::TooShort, f.label, min), fill("too_short", &[label[0], ("min", &n)]));
            used.insert("too_short".to_owned());
        }
        if let Some(max) = f.max_len {
            let n = max.to_string();
            assert_eq!(messages::length(Code::TooLong, f.label, max), fill("too_long", &[label[0], ("max", &n)]));
            used.insert("too_long".to_owned());
        }
        for rule in f.rules.iter().copied().map(Some).chain([None]) {
            let name = rule.map_or(messages::RULE_UNICODE, |r| r.name());
            let key = format!("invalid_format.{name}");
            let prefix = match rule {
                Some(billcom_connection::spec::Rule::Prefix(p)) => p,
                _ => "",
            };
            assert_eq!(messages::format(rule, f.label), fill(&key, &[label[0], ("prefix", prefix)]), "{}", f.id);
            used.insert(key);
        }
    }
    assert_eq!(messages::unknown_field("devkey"), fill("unknown_field", &[("key", "devkey")]));
    used.insert("unknown_field".to_owned());
    let all: std::collections::BTreeSet<_> = TEMPLATES.iter().map(|(k, _)| (*k).to_owned()).collect();
    assert_eq!(used, all, "every template is reachable from the tables, and every message has one");
}

/// The English catalogue, from the tables.
fn catalogue() -> BTreeMap<String, String> {
    let mut c = BTreeMap::new();
    let mut put = |k: String, v: &str| assert!(c.insert(k.clone(), v.to_owned()).is_none(), "duplicate key {k}");
    for f in FIELDS {
        put(format!("field.{}.label", f.id), f.label);
        put(format!("field.{}.help", f.id), f.help);
        if let Some(d) = f.details {
            put(format!("field.{}.details", f.id), d);
        }
    }
    for t in API_TYPES {
        put(format!("apiType.{}.label", t.id), t.label);
        put(format!("apiType.{}.shortLabel", t.id), t.short_label);
        put(format!("apiType.{}.description", t.id), t.description);
        if let Some(n) = t.environment_note {
            put(format!("apiType.{}.environmentNote", t.id), n);
        }
    }
    for e in ENVIRONMENTS {
        put(format!("environment.{}.label", e.id), e.label);
    }
    for (k, v) in TEMPLATES {
        put(format!("msg.{k}"), v);
    }
    for (k, v) in connection_test::catalogue() {
        put(k, v);
    }
    c
}

#[test]
fn the_committed_english_catalogue_is_the_crates_text() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/js/locales/en.json");
    let want = serde_json::to_string_pretty(&catalogue()).expect("a map of strings serializes") + "\n";
    if std::env::var_os("UPDATE_CATALOGUE").is_some() {
        std::fs::write(path, &want).expect("js/locales/en.json is writable");
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(have == want, "js/locales/en.json is stale: run `UPDATE_CATALOGUE=1 cargo test --test catalogue`");
}
