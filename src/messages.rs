//! The English message catalogue, keyed by code (and, for `invalid_format`, by rule).
//!
//! Messages name the field by its label and quote only table data (limits, prefixes,
//! option ids), never what the user typed, so a message may be logged or shown safely.
//! A frontend that wants other words keys off `code` and `params` instead.
//!
//! Built with `push_str` rather than `format!`: the `core::fmt` machinery is the
//! largest thing a WASM module can pull in.

use crate::prelude::*;
use crate::report::Code;
use crate::spec::Rule;

/// Why a value failed `invalid_format`, when it is not one of the table's rules.
pub const RULE_UNICODE: &str = "unicode";

pub(crate) fn push_num(out: &mut String, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    for d in digits.iter().skip(i) {
        out.push(char::from(*d));
    }
}

fn sentence(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// A message for a length code.
pub fn length(code: Code, label: &str, limit: u32) -> String {
    let mut s = sentence(&[label, if code == Code::TooShort { " must be at least " } else { " must be at most " }]);
    push_num(&mut s, limit);
    s.push_str(if limit == 1 { " character." } else { " characters." });
    s
}

/// A message for any code but the length codes and `invalid_format`.
pub fn plain(code: Code, label: &str) -> String {
    let tail = match code {
        Code::Required => " is required.",
        Code::InvalidOption => " must be one of the listed options.",
        Code::InvalidType => " must be text.",
        Code::UnknownField => " is not a setting of a Bill.com connection.",
        // Reached only by a caller mixing up helpers; still a sensible sentence.
        Code::TooShort | Code::TooLong | Code::InvalidFormat => " is not valid.",
    };
    sentence(&[label, tail])
}

/// A message for `invalid_format`, by rule.
pub fn format(rule: Option<Rule>, label: &str) -> String {
    match rule {
        Some(Rule::NoControlChars) => {
            sentence(&[label, " must not contain control characters such as tabs or line breaks."])
        }
        Some(Rule::NoWhitespace) => sentence(&[label, " must not contain spaces."]),
        Some(Rule::Alphanumeric) => sentence(&[label, " may contain only letters and digits."]),
        Some(Rule::Prefix(p)) => sentence(&[label, " must begin with ", p, "."]),
        Some(Rule::EmailExpected) => {
            sentence(&[label, " is usually an email address. Check it, unless you sign in with a sync token."])
        }
        Some(Rule::NoInvisible) => sentence(&[
            label,
            " must not contain invisible characters such as zero-width spaces or text-direction marks.",
        ]),
        Some(Rule::NoSurroundingWhitespace) => sentence(&[
            label,
            " begins or ends with a space. BILL compares it exactly: remove the space unless it is really part of it.",
        ]),
        None => sentence(&[label, " contains characters that are not valid text."]),
    }
}

/// A message for `unknown_field`, naming the key as given (a key, never a value).
pub fn unknown_field(key: &str) -> String {
    sentence(&["\"", &shown_key(key), "\" is not a setting of a Bill.com connection."])
}

/// A key as [`unknown_field`] shows it: a key may hold anything, so at most 40
/// chars (then `…`), control characters as U+FFFD.
pub fn shown_key(key: &str) -> String {
    let mut shown = String::with_capacity(key.len());
    // One `push` for every char (each inlined `push` is a UTF-8 encoder): the
    // 41st char, if any, shows as the ellipsis and ends the key.
    for (n, c) in key.chars().enumerate() {
        let long = n == 40;
        shown.push(if long {
            '…'
        } else if c.is_control() {
            '\u{FFFD}'
        } else {
            c
        });
        if long {
            break;
        }
    }
    shown
}

/// Whether [`unknown_field`] surely shows `key` exactly as given: at most 40
/// bytes (so at most 40 chars) and no byte of a control character (C0 and DEL,
/// or 0xC2, the lead byte of the C1 controls; a few other keys are refused too,
/// which only costs them the general path). Its message is then the
/// `unknown_field` template with `{key}` replaced by the key, and the bindings
/// build it from that template.
pub fn shows_key_unchanged(key: &str) -> bool {
    key.len() <= 40 && !key.bytes().any(|b| b < 0x20 || b == 0x7F || b == 0xC2)
}

/// Every message above as a template keyed by code (`invalid_format`: `invalid_format.{rule}`),
/// with `{label}`, `{min}`, `{max}`, `{prefix}` and `{key}` for what the functions fill in.
/// Not used to build messages (that stays allocation-light); a frontend translating by
/// code uses these keys, and `tests/catalogue.rs` proves each template reproduces its
/// function's output for every field of the tables.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("required", "{label} is required."),
    ("too_short", "{label} must be at least {min} characters."),
    ("too_long", "{label} must be at most {max} characters."),
    ("invalid_option", "{label} must be one of the listed options."),
    ("invalid_type", "{label} must be text."),
    ("unknown_field", "\"{key}\" is not a setting of a Bill.com connection."),
    ("invalid_format.no_control_chars", "{label} must not contain control characters such as tabs or line breaks."),
    ("invalid_format.no_whitespace", "{label} must not contain spaces."),
    ("invalid_format.alphanumeric", "{label} may contain only letters and digits."),
    ("invalid_format.prefix", "{label} must begin with {prefix}."),
    ("invalid_format.email", "{label} is usually an email address. Check it, unless you sign in with a sync token."),
    (
        "invalid_format.no_invisible",
        "{label} must not contain invisible characters such as zero-width spaces or text-direction marks.",
    ),
    (
        "invalid_format.surrounding_whitespace",
        "{label} begins or ends with a space. BILL compares it exactly: remove the space unless it is really part of it.",
    ),
    ("invalid_format.unicode", "{label} contains characters that are not valid text."),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in [0u32, 7, 10, 15, 254, 1024, u32::MAX] {
            let mut s = String::new();
            push_num(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }

    #[test]
    fn length_messages_use_singular_for_one() {
        assert_eq!(length(Code::TooShort, "X", 1), "X must be at least 1 character.");
        assert_eq!(length(Code::TooLong, "X", 20), "X must be at most 20 characters.");
    }

    /// `shown_key` against its definition: 40 chars at most, mapped, then `…`.
    #[test]
    fn shown_key_is_the_first_40_chars_then_an_ellipsis() {
        let spec = |k: &str| {
            let mut s: String = k.chars().take(40).map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect();
            if k.chars().count() > 40 {
                s.push('…');
            }
            s
        };
        for unit in ["k", "é", "\n", "\u{85}", "😀", "\u{7f}"] {
            for n in [0, 1, 39, 40, 41, 42, 100] {
                for key in [unit.repeat(n), format!("{}x", unit.repeat(n)), format!("x{}", unit.repeat(n))] {
                    assert_eq!(shown_key(&key), spec(&key), "{key:?}");
                }
            }
        }
    }

    #[test]
    fn unknown_field_message_shortens_long_keys() {
        let key = "k".repeat(1000);
        let m = unknown_field(&key);
        assert!(m.len() < 120, "{m}");
        assert!(m.contains('…'));
    }
}
