//! The one engine that interprets the tables in [`crate::spec`].
//!
//! It runs unchanged in the browser (through `src/wasm/`) and natively (in the
//! reference backend), so both sides reach the very same verdict.

use crate::messages;
use crate::prelude::*;
use crate::report::{Code, Issue, Param, Params, Report, Severity};
use crate::spec::{self, ApiType, Field, Normalize, Options, Rule, API_TYPES, ENVIRONMENTS, FIELDS};

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
        Normalize::Trim => trim(raw),
    }
}

/// A value borrowed for one rules pass: what [`Value`] holds, without owning the
/// text (the bindings check values in place in their IO block, with no copy).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ValueRef<'a> {
    Missing,
    Text(&'a str),
    NotText(&'static str),
    InvalidUnicode,
}

impl ValueRef<'_> {
    /// The value, owned (copies the text).
    pub fn to_value(self) -> Value {
        match self {
            ValueRef::Text(t) => Value::Text(t.to_owned()),
            ValueRef::Missing => Value::Missing,
            ValueRef::NotText(k) => Value::NotText(k),
            ValueRef::InvalidUnicode => Value::InvalidUnicode,
        }
    }
}

impl Value {
    /// The value, borrowed.
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Missing => ValueRef::Missing,
            Value::Text(s) => ValueRef::Text(s),
            Value::NotText(k) => ValueRef::NotText(k),
            Value::InvalidUnicode => ValueRef::InvalidUnicode,
        }
    }
}

/// What made a finding: the rule broken, or what a mistyped value was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// Nothing more than the code (`required`, `too_short`, `too_long`, `invalid_option`).
    Code,
    /// `invalid_type`: what the value was (`params.received`).
    Received(&'static str),
    /// `invalid_format`: a rule of the field's table row.
    Rule(Rule),
    /// `invalid_format`: not valid Unicode (`params.rule` = `unicode`).
    Unicode,
}

/// One problem a rules pass found, as data: no text is built. [`Finding::issue`]
/// turns it into the report item (message, params), the same every time.
#[derive(Clone, Copy, Debug)]
pub struct Finding {
    pub field: &'static Field,
    pub code: Code,
    pub why: Why,
}

impl PartialEq for Finding {
    fn eq(&self, other: &Self) -> bool {
        core::ptr::eq(self.field, other.field) && self.code == other.code && self.why == other.why
    }
}

impl Eq for Finding {}

impl Finding {
    pub fn severity(&self) -> Severity {
        match self.why {
            Why::Rule(r) if r.warns_only() => Severity::Warning,
            _ => Severity::Error,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }

    /// The report item: message from the catalogue, params from the tables.
    pub fn issue(&self) -> Issue {
        let f = self.field;
        let (message, params) = match (self.code, self.why) {
            (Code::TooShort, _) => {
                let min = f.min_len.unwrap_or(0);
                (messages::length(Code::TooShort, f.label, min), vec![("min", Param::Num(min))])
            }
            (Code::TooLong, _) => {
                let max = f.max_len.unwrap_or(0);
                (messages::length(Code::TooLong, f.label, max), vec![("max", Param::Num(max))])
            }
            (Code::InvalidFormat, Why::Rule(rule)) => {
                let mut params = vec![("rule", Param::Str(rule.name()))];
                if let Rule::Prefix(p) = rule {
                    params.push(("prefix", Param::Str(p)));
                }
                (messages::format(Some(rule), f.label), params)
            }
            (Code::InvalidFormat, _) => {
                (messages::format(None, f.label), vec![("rule", Param::Str(messages::RULE_UNICODE))])
            }
            (Code::InvalidOption, _) => {
                let allowed = f.options.map_or_else(Vec::new, option_ids);
                (messages::plain(Code::InvalidOption, f.label), vec![("allowed", Param::List(allowed))])
            }
            (code, Why::Received(kind)) => (messages::plain(code, f.label), vec![("received", Param::Str(kind))]),
            (code, _) => (messages::plain(code, f.label), Vec::new()),
        };
        Issue {
            field: Some(Cow::Borrowed(f.id)),
            code: self.code,
            severity: self.severity(),
            message,
            params: Params(params),
        }
    }
}

fn lookup<'a>(entries: &'a [Entry], key: &str) -> ValueRef<'a> {
    entries
        .iter()
        .rev() // the last of duplicated keys wins, as in JSON.parse
        .find(|e| e.key == key)
        .map_or(ValueRef::Missing, |e| e.value.as_ref())
}

/// Whether any API type has a field with this key: every row of [`FIELDS`] is a
/// field some API type shows, and every id the API types list has a row (the
/// field lists fail the build otherwise; `tests/spec.rs` checks the former).
pub fn is_known_key(key: &str) -> bool {
    spec::field(key).is_some()
}

/// Validates a whole settings object and reports every problem at once.
///
/// Fields of API types other than the chosen one are ignored; keys no API type has
/// are `unknown_field` errors. When `apiType` is missing or unknown, only the common
/// fields can be checked.
pub fn validate(entries: &[Entry]) -> Report {
    let mut found = Vec::new();
    check_settings(|f| lookup(entries, f.id), &mut found);
    let mut out: Vec<Issue> = found.iter().map(Finding::issue).collect();
    for e in entries {
        if !is_known_key(&e.key) {
            out.push(unknown_key(&e.key));
        }
    }
    Report::new(out)
}

/// The `unknown_field` item for a key no API type has (it names the key, so it is
/// not a [`Finding`] of a table row).
pub fn unknown_key(key: &str) -> Issue {
    Issue {
        field: Some(Cow::Owned(key.to_owned())),
        code: Code::UnknownField,
        severity: Severity::Error,
        message: messages::unknown_field(key),
        params: Params::default(),
    }
}

/// The rules pass of [`validate`] over the fields, allocation-free but for `out`:
/// `value_of` gives each field's value (the last of duplicated keys). Appends the
/// findings in report order; unknown keys are the caller's (see [`is_known_key`]).
pub fn check_settings<'v>(value_of: impl Fn(&'static Field) -> ValueRef<'v>, out: &mut Vec<Finding>) {
    check_fields(|i| FIELDS.get(i).map_or(ValueRef::Missing, &value_of), out);
}

/// [`check_settings`], with each field's value by its index in [`FIELDS`]: the
/// fields are walked by table index, nothing is looked up by id.
pub fn check_fields<'v>(value_at: impl Fn(usize) -> ValueRef<'v>, out: &mut Vec<Finding>) {
    let chosen = match value_at(spec::API_TYPE_FIELD) {
        ValueRef::Text(id) => spec::api_type(id),
        _ => None,
    };
    let list = chosen.map_or(&spec::COMMON_LIST, ApiType::field_list);
    for &i in list.indices() {
        let i = usize::from(i);
        // An apiType that names an API type has nothing to report (a test checks
        // each): not checked again.
        if i == spec::API_TYPE_FIELD && chosen.is_some() {
            continue;
        }
        if let Some(f) = FIELDS.get(i) {
            check(f, value_at(i), out);
        }
    }
}

/// Validates one field of an API type; the items about it, or none.
pub fn validate_field(api_type: &str, field_id: &str, value: &Value) -> Result<Vec<Issue>, UsageError> {
    let t = spec::api_type(api_type).ok_or(UsageError::UnknownApiType)?;
    Ok(check_field(field_of(t, field_id)?, value))
}

/// The items about one field's value, for a field already looked up.
pub fn check_field(f: &'static Field, value: &Value) -> Vec<Issue> {
    let mut out = Vec::new();
    check(f, value.as_ref(), &mut out);
    out.iter().map(Finding::issue).collect()
}

/// The field `id` of API type `t`, or misuse.
pub fn field_of(t: &ApiType, id: &str) -> Result<&'static Field, UsageError> {
    if t.has_field(id) {
        spec::field(id).ok_or(UsageError::UnknownField)
    } else {
        Err(UsageError::UnknownField)
    }
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
/// Appends to `out` and allocates nothing else.
pub fn check(f: &'static Field, value: ValueRef<'_>, out: &mut Vec<Finding>) {
    let mut push = |code, why| out.push(Finding { field: f, code, why });
    let raw = match value {
        ValueRef::Text(s) => s,
        // As blank as an empty text (one `required` finding in the module).
        ValueRef::Missing => "",
        ValueRef::NotText(kind) => return push(Code::InvalidType, Why::Received(kind)),
        ValueRef::InvalidUnicode => return push(Code::InvalidFormat, Why::Unicode),
    };
    // One trim: the normalized value, whether it is blank, and whether the value
    // as taken has whitespace at its ends.
    let t = trim(raw);
    let v = match f.normalize {
        Normalize::None => raw,
        Normalize::Trim => t,
    };
    if t.is_empty() {
        if f.required {
            push(Code::Required, Why::Code);
        }
        return;
    }
    if let Some(options) = f.options {
        if !is_option(options, v) {
            push(Code::InvalidOption, Why::Code);
        }
        return;
    }
    // One pass classes the value (and counts its chars); every rule reads the answer.
    let (mut class, len) = scan(v);
    if t.len() != v.len() {
        class |= C_EDGE_SPACE;
    }
    if f.min_len.is_some_and(|m| len < m) {
        push(Code::TooShort, Why::Code);
    }
    if f.max_len.is_some_and(|m| len > m) {
        push(Code::TooLong, Why::Code);
    }
    // One format error a field (the first rule broken is the one to fix first);
    // warnings only when there is no format error.
    let fails = |r: Rule| !passes(r, v, class);
    match f.rules.iter().copied().find(|r| !r.warns_only() && fails(*r)) {
        Some(rule) => push(Code::InvalidFormat, Why::Rule(rule)),
        None => {
            for rule in f.rules.iter().copied().filter(|r| r.warns_only() && fails(*r)) {
                push(Code::InvalidFormat, Why::Rule(rule));
            }
        }
    }
}

/// `char::is_whitespace` for an ASCII byte (U+0009..U+000D and the space; unlike
/// `u8::is_ascii_whitespace`, it includes the vertical tab).
const fn ascii_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ')
}

/// `str::trim`, without decoding anything when neither end is whitespace or non-ASCII.
#[inline(never)]
pub fn trim(v: &str) -> &str {
    let b = v.as_bytes();
    match (b.first(), b.last()) {
        (Some(&x), Some(&y)) if x < 0x80 && y < 0x80 && !ascii_space(x) && !ascii_space(y) => v,
        _ => v.trim(),
    }
}

/// Char classes, found over a value by [`scan`].
const C_CONTROL: u8 = 1;
const C_SPACE: u8 = 2;
const C_INVISIBLE: u8 = 16;
/// Whitespace at either end (set by [`check`], which has the trimmed value).
const C_EDGE_SPACE: u8 = 32;

/// The class bits of each ASCII byte: Cc controls, `char::is_whitespace`.
static CLASS: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        let mut k = 0;
        if c < 0x20 || c == 0x7F {
            k |= C_CONTROL;
        }
        if ascii_space(c) {
            k |= C_SPACE;
        }
        t[b] = k;
        b += 1;
    }
    t
};

/// Whether a non-ASCII char is surely none of control, whitespace or invisible
/// format: those are all below U+3001 or in a few ranges above it (a test checks
/// every char). CJK, most symbols and emoji skip the three lookups.
const fn plain(c: char) -> bool {
    matches!(c as u32, 0x3001..=0xFEFE | 0xFFFC..=0x110BC | 0x1D17B..=0xE0000)
}

/// The classes of every char of `v` (`C_*` bits) and its length in chars: four
/// bytes a step while they are printable ASCII other than the space (no class at
/// all: most keys, tokens and addresses are nothing else), then a char at a time:
/// ASCII by the table, emoji skipped undecoded, the others decoded.
fn scan(v: &str) -> (u8, u32) {
    let b = v.as_bytes();
    let mut i = 0;
    while let Some(&[x0, x1, x2, x3]) = b.get(i..i + 4) {
        let w = u32::from_le_bytes([x0, x1, x2, x3]);
        // A byte below 0x21, or above 0x7E, sets its top bit here (a borrow or a
        // carry may set another byte's too: then the chars are looked at instead).
        let below = w.wrapping_sub(0x2121_2121) & !w;
        let above = w.wrapping_add(0x0101_0101) | w;
        if (below | above) & 0x8080_8080 != 0 {
            break;
        }
        i += 4;
    }
    let mut class = 0;
    let mut len = i as u32;
    while let Some(&x) = b.get(i) {
        len = len.saturating_add(1);
        if let Some(k) = CLASS.get(usize::from(x)) {
            class |= k;
            i += 1;
            continue;
        }
        // Emoji (U+1F000..U+1FFFF, four bytes from F0 9F) are plain: not decoded.
        if x == 0xF0 && b.get(i + 1) == Some(&0x9F) {
            i += 4;
            continue;
        }
        let Some(c) = v.get(i..).and_then(|s| s.chars().next()) else { break };
        i += c.len_utf8();
        if plain(c) {
            continue;
        }
        if c.is_control() {
            class |= C_CONTROL;
        }
        if c.is_whitespace() {
            class |= C_SPACE;
        }
        if is_invisible_format(c) {
            class |= C_INVISIBLE;
        }
    }
    (class, len)
}

/// Whether `v` passes `rule`, given `class` = `scan(v).0`, with [`C_EDGE_SPACE`]
/// when `trim(v) != v`.
fn passes(rule: Rule, v: &str, class: u8) -> bool {
    match rule {
        Rule::NoControlChars => class & C_CONTROL == 0,
        Rule::NoWhitespace => class & C_SPACE == 0,
        Rule::Alphanumeric => v.bytes().all(|b| b.is_ascii_alphanumeric()),
        Rule::Prefix(p) => v.starts_with(p),
        Rule::EmailExpected => class & C_SPACE == 0 && email_shape(v),
        Rule::NoInvisible => class & C_INVISIBLE == 0,
        Rule::NoSurroundingWhitespace => class & C_EDGE_SPACE == 0,
    }
}

/// The rules over chars: the definition [`passes`] must agree with.
#[cfg(test)]
fn passes_chars(rule: Rule, v: &str) -> bool {
    match rule {
        Rule::NoControlChars => !v.chars().any(char::is_control),
        Rule::NoWhitespace => !v.chars().any(char::is_whitespace),
        Rule::Alphanumeric => v.bytes().all(|b| b.is_ascii_alphanumeric()),
        Rule::Prefix(p) => v.starts_with(p),
        Rule::EmailExpected => !v.chars().any(char::is_whitespace) && email_shape(v),
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
/// after it (and, checked by the caller, no whitespace). Only ever a warning.
fn email_shape(v: &str) -> bool {
    // Over bytes: `@` and `.` are ASCII, so they never match inside a UTF-8 sequence.
    let b = v.as_bytes();
    let Some(at) = b.iter().position(|&c| c == b'@') else { return false };
    // Dotted: at least two labels, none empty (one pass: no `@`, no dot first, last
    // or after a dot, one dot at least).
    let mut prev = b'.';
    let mut dots = 0;
    for &c in b.get(at + 1..).unwrap_or_default() {
        if c == b'@' || (c == b'.' && prev == b'.') {
            return false;
        }
        dots += usize::from(c == b'.');
        prev = c;
    }
    at > 0 && dots > 0 && prev != b'.'
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Strings over every ASCII byte at each end and in the middle, plus a few
    /// non-ASCII ones (which take the char path on both sides).
    fn samples() -> Vec<String> {
        let mut out = vec![String::new(), "abc".into(), "a@b.c".into(), "008ABC".into()];
        for b in 0u8..0x80 {
            let c = char::from(b);
            out.extend([c.to_string(), format!("{c}x"), format!("x{c}"), format!("x{c}y"), format!("a@{c}.b")]);
            // At each place of a value long enough for whole words, after ASCII or emoji.
            for k in 0..10 {
                let mut s = String::from("abcdefghi");
                s.insert(k, c);
                out.push(s.clone());
                out.push(format!("😀{s}😀😀"));
            }
        }
        out.extend(
            [
                "é",
                " é ",
                "\u{0085}x",
                "x\u{00A0}",
                "\u{200B}",
                "\u{3000}",
                "a\u{202E}b",
                "x\u{1}é",
                "é@b.c",
                "é @b.c",
                "é\u{7F}",
                "😀😀😀x\u{1}",
                "🔑🔑 🔑",
                "a😀😀\u{200B}😀😀",
                "😀😀😀😀\u{E0001}",
            ]
            .map(String::from),
        );
        out
    }

    #[test]
    fn one_scan_agrees_with_the_char_definitions() {
        let rules = [
            Rule::NoControlChars,
            Rule::NoWhitespace,
            Rule::Alphanumeric,
            Rule::Prefix("008"),
            Rule::EmailExpected,
            Rule::NoInvisible,
            Rule::NoSurroundingWhitespace,
        ];
        for s in samples() {
            assert_eq!(trim(&s), s.trim(), "trim {s:?}");
            assert_eq!(scan(&s).1 as usize, s.chars().count(), "length of {s:?}");
            let class = scan(&s).0 | if trim(&s) == s { 0 } else { C_EDGE_SPACE };
            for r in rules {
                assert_eq!(passes(r, &s, class), passes_chars(r, &s), "{r:?} on {s:?}");
            }
        }
    }

    #[test]
    fn trim_cuts_what_str_trim_cuts_for_every_char() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            for s in
                [format!("{c}"), format!("{c}a{c}"), format!("{c}{c} \u{3000}é{c}"), format!("x{c}"), format!("{c}x")]
            {
                assert_eq!(trim(&s), s.trim(), "{s:?}");
            }
        }
    }

    #[test]
    fn plain_chars_are_no_control_whitespace_or_invisible_char() {
        for c in (0x80..=0x10FFFF).filter_map(char::from_u32).filter(|c| plain(*c)) {
            assert!(!c.is_control() && !c.is_whitespace() && !is_invisible_format(c), "{c:?}");
        }
        assert!(plain('😀') && plain('🔑') && plain('日') && !plain('\u{3000}') && !plain('\u{FEFF}'));
        assert!(!plain('\u{E0001}') && !plain('\u{1D173}') && !plain('é'));
    }

    #[test]
    fn an_api_type_id_is_a_valid_api_type_field() {
        for t in API_TYPES {
            let mut found = Vec::new();
            check(spec::API_TYPE_ROW, ValueRef::Text(t.id), &mut found);
            assert!(found.is_empty(), "{}", t.id);
        }
    }

    #[test]
    fn email_shape_wants_one_at_and_a_dotted_domain() {
        for ok in ["a@b.c", "first.last@mail.example.com", "é@b.co"] {
            assert!(email_shape(ok), "{ok}");
        }
        for bad in ["", "a", "a@b", "@b.c", "a@.b", "a@b.", "a@b..c", "a@@b.c", "a@b@c.d", "a@"] {
            assert!(!email_shape(bad), "{bad}");
        }
        // Every string of up to six chars over `a`, `@`, `.` and `é`: as the split does.
        let mut all = vec![String::new()];
        let mut last = all.clone();
        for _ in 0..6 {
            last = last.iter().flat_map(|s| ['a', '@', '.', 'é'].map(|c| format!("{s}{c}"))).collect();
            all.extend(last.iter().cloned());
        }
        assert_eq!(all.len(), 5461);
        for s in all {
            assert_eq!(email_shape(&s), email_shape_split(&s), "{s:?}");
        }
    }

    /// The shape check as first written (split on `@`, then on `.`): the
    /// definition the one-pass [`email_shape`] must agree with.
    fn email_shape_split(v: &str) -> bool {
        let mut parts = v.as_bytes().split(|&c| c == b'@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return false;
        };
        let mut labels = 0;
        !local.is_empty()
            && domain.split(|&c| c == b'.').all(|label| {
                labels += 1;
                !label.is_empty()
            })
            && labels > 1
    }

    #[test]
    fn a_finding_is_the_item_it_stands_for() {
        let f = spec::field("organizationId").unwrap();
        let mut found = Vec::new();
        check(f, ValueRef::Text(" 0071 "), &mut found);
        let codes: Vec<_> = found.iter().map(|x| (x.code, x.why)).collect();
        assert_eq!(codes, [(Code::TooShort, Why::Code), (Code::InvalidFormat, Why::Rule(Rule::Prefix("008")))]);
        let item = found[1].issue();
        assert_eq!(item.message, "Organization ID must begin with 008.");
        assert_eq!(item.params.get("prefix"), Some(&Param::Str("008")));
        assert_eq!(found[0].issue().params.get("min"), Some(&Param::Num(15)));
    }
}
