//! JSON Schema (draft 2020-12) of the settings object [`crate::validate()`] checks,
//! read off the tables: titles, descriptions, lengths and formats of every field,
//! secrets `writeOnly`, one `if`/`then` branch per API type keyed on `apiType`.
//!
//! It accepts exactly what `validate` accepts (`tests/schema.rs` runs ajv over
//! generated settings to check it). Two things take care:
//! - Trimmed fields: the rules apply to the value without its surrounding
//!   whitespace, which `minLength`/`maxLength` cannot say. Their length limits and
//!   rules are in `pattern` (whitespace, then the trimmed value, then whitespace),
//!   with a `$comment` saying so; untrimmed fields (the password) use
//!   `minLength`/`maxLength` as they are.
//! - Patterns use Unicode property escapes (`\p{White_Space}`, `\p{Cc}`, `\p{Cf}`),
//!   the same properties the validator uses (`char::is_whitespace`,
//!   `char::is_control`, its Cf table), so they need a `u`-flag regex engine (ajv's
//!   default). A JS engine on an older Unicode version than the validator's may
//!   disagree on a character assigned since. Every text field also refuses a lone
//!   UTF-16 surrogate (`\p{Cs}`), which only a JS string can hold and `validate`
//!   always reports.
//!
//! Warnings (an email-shaped username, spaces around a password) never make
//! settings invalid, so they are not in the schema; their `$comment` mentions them.

use crate::prelude::*;
use crate::spec::{self, ApiType, Field, Normalize, Options, Rule, API_TYPES, COMMON_FIELDS, ENVIRONMENTS, FIELDS};
use crate::tree::Node;
use crate::validate::{is_known_key, UsageError};

pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

const WS: &str = r"\p{White_Space}";
const NOT_WS: &str = r"\P{White_Space}";

/// A literal for a regex (the prefixes are plain, but escape what is special).
fn literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\^$.|?*+()[]{}/-".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The character class every character of the (normalized) value must be in.
fn class(rules: &[Rule]) -> String {
    if rules.contains(&Rule::Alphanumeric) {
        return "[A-Za-z0-9]".into();
    }
    // A lone UTF-16 surrogate (only a JS string can hold one) is always refused.
    let mut excluded = String::from(r"\p{Cs}");
    for r in rules {
        match r {
            Rule::NoControlChars => excluded.push_str(r"\p{Cc}"),
            Rule::NoWhitespace => excluded.push_str(WS),
            Rule::NoInvisible => excluded.push_str(r"\p{Cf}"),
            Rule::Alphanumeric | Rule::Prefix(_) | Rule::EmailExpected | Rule::NoSurroundingWhitespace => {}
        }
    }
    format!("[^{excluded}]")
}

fn repeat(class: &str, min: u32, max: Option<u32>) -> String {
    match max {
        Some(max) => format!("{class}{{{min},{max}}}"),
        None => format!("{class}{{{min},}}"),
    }
}

/// The `pattern` of a text field: its format rules and, when trimmed, its
/// lengths, applied to the value as the validator sees it.
fn pattern(f: &Field) -> String {
    let c = class(f.rules);
    let prefix = f.rules.iter().find_map(|r| match r {
        Rule::Prefix(p) => Some(*p),
        _ => None,
    });
    let prefix_len = prefix.map_or(0, |p| p.chars().count() as u32);
    match f.normalize {
        Normalize::Trim => {
            // The trimmed value: starts and ends with a non-space, `min..=max` chars.
            let min = f.min_len.unwrap_or(0).max(1).max(prefix_len);
            let body = repeat(&c, min - prefix_len, f.max_len.map(|m| m.saturating_sub(prefix_len)));
            let core = format!("(?={NOT_WS}){}{body}(?<={NOT_WS})", literal(prefix.unwrap_or_default()));
            if f.required {
                format!("^{WS}*{core}{WS}*$")
            } else {
                format!("^{WS}*(?:{core}{WS}*)?$")
            }
        }
        Normalize::None => {
            // Lengths are minLength/maxLength; blank is "required".
            let p = format!("^{}{c}*$", literal(prefix.unwrap_or_default()));
            if f.required {
                format!("^(?=[\\s\\S]*{NOT_WS}){}", p.trim_start_matches('^'))
            } else {
                p
            }
        }
    }
}

fn description(f: &Field) -> String {
    match f.details {
        Some(d) => format!("{} {d}", f.help),
        None => f.help.to_owned(),
    }
}

/// The schema of one field; `only` narrows `apiType` to one id.
fn field_schema(f: &Field, only: Option<ApiType>) -> Node {
    let mut n = Node::map().with("type", "string").with("title", f.label).with("description", description(f));
    if f.secret {
        n = n.with("writeOnly", true);
    }
    if let Some(options) = f.options {
        let ids: Vec<Node> = match (options, only) {
            (Options::ApiTypes, Some(t)) => vec![t.id.into()],
            (Options::ApiTypes, None) => API_TYPES.iter().map(|t| t.id.into()).collect(),
            (Options::Environments, _) => ENVIRONMENTS.iter().map(|e| e.id.into()).collect(),
        };
        return n.with("enum", ids);
    }
    if let Some(p) = f.placeholder {
        n = n.with("examples", vec![p.into()]);
    }
    let mut notes = Vec::new();
    match f.normalize {
        Normalize::Trim => {
            notes.push(format!(
                "Surrounding whitespace is trimmed before any rule applies, which minLength/maxLength cannot \
                 express: the length limits ({}..{} characters, trimmed) are in the pattern.",
                f.min_len.unwrap_or(1),
                f.max_len.map_or_else(String::new, |m| m.to_string())
            ));
        }
        Normalize::None => {
            if let Some(min) = f.min_len {
                n = n.with("minLength", min);
            }
            if let Some(max) = f.max_len {
                n = n.with("maxLength", max);
            }
        }
    }
    for r in f.rules.iter().filter(|r| r.warns_only()) {
        notes.push(format!("Rule {} only warns, so it is not part of this schema.", r.name()));
    }
    n = n.with("pattern", pattern(f));
    if !notes.is_empty() {
        n = n.with("$comment", notes.join(" "));
    }
    n
}

fn properties<'a>(fields: impl Iterator<Item = &'a Field>, only: Option<ApiType>) -> Node {
    Node::Map(fields.map(|f| (f.id.into(), field_schema(f, only))).collect())
}

fn required<'a>(fields: impl Iterator<Item = &'a Field>) -> Node {
    Node::List(fields.filter(|f| f.required).map(|f| f.id.into()).collect())
}

/// The fields after the common ones.
fn credentials(t: ApiType) -> impl Iterator<Item = &'static Field> {
    t.info().fields().filter(|f| !COMMON_FIELDS.contains(&f.id))
}

/// The schema of the settings of every API type (`None`) or of one.
pub fn json_schema(only: Option<ApiType>) -> Node {
    let common = || COMMON_FIELDS.iter().filter_map(|id| spec::field(id));
    let known: Vec<Node> = FIELDS.iter().filter(|f| is_known_key(f.id)).map(|f| f.id.into()).collect();
    let title = match only {
        Some(t) => format!("BILL connection settings: {}", t.label),
        None => "BILL connection settings".to_owned(),
    };
    let mut root = Node::map()
        .with("$schema", DIALECT)
        .with("title", title)
        .with(
            "description",
            "The flat settings object validate() checks: the common fields, then the credentials of the \
             chosen apiType. Fields of other API types are ignored; any other key is an error.",
        )
        .with("type", "object");
    match only {
        Some(t) => {
            root = root
                .with("properties", properties(common().chain(credentials(t)), Some(t)))
                .with("required", required(common().chain(credentials(t))));
        }
        None => {
            let branches = API_TYPES
                .iter()
                .map(|t| {
                    Node::map()
                        .with(
                            "if",
                            Node::map()
                                .with("type", "object")
                                .with("properties", Node::map().with("apiType", Node::map().with("const", t.id)))
                                .with("required", vec!["apiType".into()]),
                        )
                        .with(
                            "then",
                            Node::map()
                                .with("type", "object")
                                .with("properties", properties(credentials(*t), None))
                                .with("required", required(credentials(*t))),
                        )
                })
                .collect::<Vec<_>>();
            root = root
                .with("properties", properties(common(), None))
                .with("required", required(common()))
                .with("allOf", branches);
        }
    }
    root.with("propertyNames", Node::map().with("enum", known))
}

/// [`json_schema`] by id, as the JS export takes it.
pub fn json_schema_for(api_type: Option<&str>) -> Result<Node, UsageError> {
    match api_type {
        None => Ok(json_schema(None)),
        Some(id) => spec::api_type(id).map(|t| json_schema(Some(*t))).ok_or(UsageError::UnknownApiType),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_read_off_the_tables() {
        let org = spec::field("organizationId").unwrap();
        assert_eq!(
            pattern(org),
            r"^\p{White_Space}*(?=\P{White_Space})008[A-Za-z0-9]{12,17}(?<=\P{White_Space})\p{White_Space}*$"
        );
        let password = spec::field("password").unwrap();
        assert_eq!(pattern(password), r"^(?=[\s\S]*\P{White_Space})[^\p{Cs}\p{Cc}]*$");
        let key = spec::field("devKey").unwrap();
        assert_eq!(
            pattern(key),
            r"^\p{White_Space}*(?=\P{White_Space})[^\p{Cs}\p{Cc}\p{White_Space}]{1,256}(?<=\P{White_Space})\p{White_Space}*$"
        );
        assert_eq!(literal("a.b-c"), r"a\.b\-c");
    }

    #[test]
    fn secrets_are_write_only_and_branches_cover_every_type() {
        let v = serde_json::to_value(json_schema(None)).unwrap();
        assert_eq!(v["$schema"], DIALECT);
        assert_eq!(v["required"], serde_json::json!(["name", "apiType", "environment"]));
        let branches = v["allOf"].as_array().unwrap();
        assert_eq!(branches.len(), API_TYPES.len());
        let v2 = &branches[0]["then"];
        assert_eq!(v2["properties"]["devKey"]["writeOnly"], true);
        assert_eq!(v2["properties"]["username"].get("writeOnly"), None);
        assert_eq!(v2["required"], serde_json::json!(["organizationId", "username", "password", "devKey"]));
        assert_eq!(v2["properties"]["organizationId"]["title"], "Organization ID");
        let one = serde_json::to_value(json_schema_for(Some("partner")).unwrap()).unwrap();
        assert_eq!(one["properties"]["apiType"]["enum"], serde_json::json!(["partner"]));
        assert_eq!(one["properties"]["password"]["maxLength"], 256);
        assert_eq!(json_schema_for(Some("x")).unwrap_err(), UsageError::UnknownApiType);
    }
}
