//! A small JSON writer for what crosses to JS: the report, the API types and the
//! form spec. The WASM layer hands the text to `JSON.parse` once; that is smaller
//! and faster than building JS objects field by field or linking a serializer.
//! `tests/json_matches_serde.rs` checks the report's text against serde's.

use crate::messages::push_num;
use crate::prelude::*;
use crate::report::{Issue, Param, Report};
use crate::spec::{self, ApiType, Options, API_TYPES, ENVIRONMENTS};
use crate::validate::UsageError;

/// JSON text being written. Commas are the caller's job, via [`Writer::sep`].
struct Writer(String);

impl Writer {
    // Not inlined: every piece of text goes through it, so `push_str` is in the
    // module once rather than at each call (measured: 109 B brotli).
    #[inline(never)]
    fn raw(&mut self, s: &str) {
        self.0.push_str(s);
    }

    /// Writes `s` as a JSON string literal.
    fn str(&mut self, s: &str) {
        self.raw("\"");
        let mut rest = s;
        // Copy runs that need no escaping in one go (most strings are one run).
        // The byte found is ASCII, so `i` and `i + 1` are char boundaries.
        while let Some((i, b)) = rest.bytes().enumerate().find(|&(_, b)| b == b'"' || b == b'\\' || b < 0x20) {
            self.raw(rest.get(..i).unwrap_or_default());
            self.escape(b);
            rest = rest.get(i + 1..).unwrap_or_default();
        }
        self.raw(rest);
        self.raw("\"");
    }

    /// The escape of one ASCII byte that JSON requires escaped.
    fn escape(&mut self, b: u8) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        match b {
            b'"' => self.raw("\\\""),
            b'\\' => self.raw("\\\\"),
            b'\n' => self.raw("\\n"),
            b'\r' => self.raw("\\r"),
            b'\t' => self.raw("\\t"),
            _ => {
                self.raw("\\u00");
                self.0.push(char::from(HEX[usize::from(b >> 4) & 0xf]));
                self.0.push(char::from(HEX[usize::from(b & 0xf)]));
            }
        }
    }

    /// `"key":`, preceded by a comma unless `first`.
    fn key(&mut self, first: bool, k: &str) {
        self.sep(first);
        self.str(k);
        self.raw(":");
    }

    fn sep(&mut self, first: bool) {
        if !first {
            self.raw(",");
        }
    }

    fn bool(&mut self, b: bool) {
        self.raw(if b { "true" } else { "false" });
    }

    fn num(&mut self, n: u32) {
        push_num(&mut self.0, n);
    }

    fn str_list(&mut self, items: &[&str]) {
        self.raw("[");
        for (i, s) in items.iter().enumerate() {
            self.sep(i == 0);
            self.str(s);
        }
        self.raw("]");
    }
}

fn write_issue(w: &mut Writer, item: &Issue) {
    w.key(true, "field");
    match &item.field {
        Some(f) => w.str(f),
        None => w.raw("null"),
    }
    w.key(false, "code");
    w.str(item.code.as_str());
    w.key(false, "severity");
    w.str(item.severity.as_str());
    w.key(false, "message");
    w.str(&item.message);
    if !item.params.is_empty() {
        w.key(false, "params");
        w.raw("{");
        for (i, (k, v)) in item.params.0.iter().enumerate() {
            w.key(i == 0, k);
            match v {
                Param::Num(n) => w.num(*n),
                Param::Str(s) => w.str(s),
                Param::Owned(s) => w.str(s),
                Param::List(l) => w.str_list(l),
            }
        }
        w.raw("}");
    }
}

/// `[item, ...]`: the items of a report, as `validateField` returns them.
pub fn issues(items: &[Issue]) -> String {
    let mut w = Writer(String::with_capacity(64 + items.len() * 160));
    write_issues(&mut w, items);
    w.0
}

fn write_issues(w: &mut Writer, items: &[Issue]) {
    w.raw("[");
    for (i, item) in items.iter().enumerate() {
        w.sep(i == 0);
        w.raw("{");
        write_issue(w, item);
        w.raw("}");
    }
    w.raw("]");
}

/// `{ valid, errors }`.
pub fn report(r: &Report) -> String {
    let mut w = Writer(String::with_capacity(64 + r.errors.len() * 160));
    w.raw("{\"valid\":");
    w.bool(r.valid);
    w.raw(",\"errors\":");
    write_issues(&mut w, &r.errors);
    w.raw("}");
    w.0
}

/// `[{ id, label, description }]` in display order.
pub fn api_types() -> String {
    let mut w = Writer(String::with_capacity(1024));
    w.raw("[");
    for (i, t) in API_TYPES.iter().enumerate() {
        w.sep(i == 0);
        w.raw("{");
        w.key(true, "id");
        w.str(t.id);
        w.key(false, "label");
        w.str(t.label);
        w.key(false, "shortLabel");
        w.str(t.short_label);
        w.key(false, "description");
        w.str(t.description);
        w.raw("}");
    }
    w.raw("]");
    w.0
}

/// `{ apiType, fields: [...] }` for one API type, fields in display order.
pub fn form_spec(t: &ApiType) -> String {
    let mut w = Writer(String::with_capacity(4096));
    w.raw("{");
    w.key(true, "apiType");
    w.str(t.id);
    w.key(false, "shortLabel");
    w.str(t.short_label);
    if let Some(note) = t.environment_note {
        w.key(false, "environmentNote");
        w.str(note);
    }
    w.key(false, "fields");
    w.raw("[");
    for (i, f) in t.fields().enumerate() {
        w.sep(i == 0);
        w.raw("{");
        w.key(true, "id");
        w.str(f.id);
        w.key(false, "label");
        w.str(f.label);
        w.key(false, "help");
        w.str(f.help);
        if let Some(d) = f.details {
            w.key(false, "details");
            w.str(d);
        }
        w.key(false, "kind");
        w.str(f.kind.as_str());
        if let Some(m) = f.input_mode {
            w.key(false, "inputMode");
            w.str(m);
        }
        w.key(false, "required");
        w.bool(f.required);
        w.key(false, "secret");
        w.bool(f.secret);
        w.key(false, "autocomplete");
        w.str(f.autocomplete);
        if let Some(p) = f.placeholder {
            w.key(false, "placeholder");
            w.str(p);
        }
        if let Some(n) = f.min_len {
            w.key(false, "minLength");
            w.num(n);
        }
        if let Some(n) = f.max_len {
            w.key(false, "maxLength");
            w.num(n);
        }
        if let Some(options) = f.options {
            w.key(false, "options");
            write_options(&mut w, t, options);
        }
        w.raw("}");
    }
    w.raw("]}");
    w.0
}

fn write_options(w: &mut Writer, t: &ApiType, options: Options) {
    w.raw("[");
    match options {
        Options::ApiTypes => {
            for (i, o) in API_TYPES.iter().enumerate() {
                w.sep(i == 0);
                w.raw("{");
                w.key(true, "value");
                w.str(o.id);
                w.key(false, "label");
                w.str(o.label);
                w.key(false, "shortLabel");
                w.str(o.short_label);
                w.raw("}");
            }
        }
        Options::Environments => {
            for (i, e) in ENVIRONMENTS.iter().enumerate() {
                w.sep(i == 0);
                w.raw("{");
                w.key(true, "value");
                w.str(e.id);
                w.key(false, "label");
                w.str(e.label);
                if let Some(url) = spec::base_url(t.id, e.id) {
                    w.key(false, "baseUrl");
                    w.str(url);
                }
                w.raw("}");
            }
        }
    }
    w.raw("]");
}

/// `"k":"v",...` without braces.
fn write_pairs(w: &mut Writer, pairs: &[(&str, &str)]) {
    for (i, (k, v)) in pairs.iter().enumerate() {
        w.key(i == 0, k);
        w.str(v);
    }
}

fn write_object(w: &mut Writer, pairs: &[(&str, &str)]) {
    w.raw("{");
    write_pairs(w, pairs);
    w.raw("}");
}

/// `{ "k": "v", ... }` of string pairs.
pub fn object(pairs: &[(&str, &str)]) -> String {
    let mut w = Writer(String::with_capacity(256));
    write_object(&mut w, pairs);
    w.0
}

/// What the JS wrapper needs once: the field ids in table order (the keys of
/// `fields`) and the usage errors' messages by code.
pub fn catalogue() -> String {
    let fields: Vec<(&str, &str)> = spec::FIELDS.iter().map(|f| (f.id, "")).collect();
    let usage = [UsageError::UnknownApiType, UsageError::UnknownField, UsageError::InvalidArgument]
        .map(|e| (e.code(), e.message()));
    let mut w = Writer(String::with_capacity(512));
    w.raw("{\"fields\":");
    write_object(&mut w, &fields);
    w.raw(",\"usage\":");
    write_object(&mut w, &usage);
    w.raw("}");
    w.0
}

/// `{ "k": true, ... }` of flags.
pub fn flags(pairs: &[(&str, bool)]) -> String {
    let mut w = Writer(String::with_capacity(128));
    w.raw("{");
    for (i, (k, v)) in pairs.iter().enumerate() {
        w.key(i == 0, k);
        w.bool(*v);
    }
    w.raw("}");
    w.0
}

/// The most bytes `"k":"v",` of each pair can take (every byte of `v` escaped as
/// `\u00XX`). Not inlined into `payload`'s three uses (measured: 47 B brotli).
#[inline(never)]
fn size(pairs: &[(&str, &str)]) -> usize {
    pairs.iter().map(|(k, v)| k.len() + 6 * v.len() + 8).sum()
}

/// The backend request body: the top-level pairs, then `settings` and `secrets`.
pub fn payload(top: &[(&str, &str)], settings: &[(&str, &str)], secrets: &[(&str, &str)]) -> String {
    // Sized for the worst case (every byte escaped as \u00XX) so the buffer never
    // reallocates: a reallocation would leave a stray copy of the secrets behind.
    let mut w = Writer(String::with_capacity(64 + size(top) + size(settings) + size(secrets)));
    w.raw("{");
    write_pairs(&mut w, top);
    w.key(top.is_empty(), "settings");
    write_object(&mut w, settings);
    w.key(false, "secrets");
    write_object(&mut w, secrets);
    w.raw("}");
    w.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        let mut w = Writer(String::new());
        w.str("a\"b\\c\nd\u{1}e\u{7f}é");
        assert_eq!(w.0, "\"a\\\"b\\\\c\\nd\\u0001e\u{7f}é\"");
    }
}
