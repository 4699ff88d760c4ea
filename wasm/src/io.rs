//! The IO block: one buffer in WASM memory that the JS wrapper writes arguments
//! into and reads answers out of. Plain functions over [`Io`], so the layout is
//! tested natively; `wasm/tests/layout.rs` checks that `wasm/js/core.js` uses the
//! same constants.
//!
//! Input (written by JS): the strings' UTF-8 bytes from byte 0 (one encodeInto of
//! their concatenation), then, at the 4-aligned byte offset `at` the export is
//! given, little-endian `u32` words:
//!
//! ```text
//! [n] then n x [key, key_units, tag, value_units]
//! strings, in entry order: each entry's key text (key KEY_TEXT / KEY_BAD / KEY_ID),
//!   then its value text (tag TAG_STRING).
//! key:  0..FIELDS.len() = spec::FIELDS index; KEY_TEXT = any other key;
//!       KEY_BAD = a key holding a lone surrogate (U+FFFD in the bytes);
//!       KEY_ID = the saved connection's id (ConnectionForm.edit).
//! tag:  TAG_STRING, TAG_MISSING, TAG_BAD_UNICODE, or TAG_NOT_TEXT + i (NOT_TEXT[i]).
//! units: the string's length in UTF-16 code units (JS `length`).
//! ```
//!
//! Findings (written by Rust): `[valid, n]` then n x `[kind, a, b]`: kind
//! FINDING_TEMPLATE = item template number `a` ([`template_of`]: field and rule, a
//! fixed numbering; JS fetches a template's JSON text once, by number);
//! FINDING_INLINE = the JSON text `[item]` at byte offset `a`, `b` bytes (unknown
//! keys, whose message names the key).

use crate::prelude::*;
use billcom_connection::json;
use billcom_connection::report::Code;
use billcom_connection::spec::{self, Field, API_TYPES, FIELDS};
use billcom_connection::validate::{self, Entry, Finding, UsageError, Value, ValueRef, Why};

pub const KEY_TEXT: u32 = 0x100;
pub const KEY_BAD: u32 = 0x101;
pub const KEY_ID: u32 = 0x102;
pub const TAG_STRING: u32 = 0;
pub const TAG_MISSING: u32 = 1;
pub const TAG_BAD_UNICODE: u32 = 2;
pub const TAG_NOT_TEXT: u32 = 3;
/// What a non-string value was, as `params.received` names it.
pub const NOT_TEXT: [&str; 8] = ["number", "boolean", "bigint", "symbol", "function", "array", "object", "unreadable"];
pub const ENTRY_WORDS: usize = 4;
pub const FINDING_TEMPLATE: u32 = 0;
pub const FINDING_INLINE: u32 = 1;

/// The numbers an export answers with when the call was misuse.
pub const ERR_UNKNOWN_API_TYPE: i32 = -1;
pub const ERR_UNKNOWN_FIELD: i32 = -2;
pub const ERR_INVALID_ARGUMENT: i32 = -3;
pub const ERR_FORM_FREED: i32 = -4;
/// `payload`: the settings are invalid; the findings are in the block.
pub const PAYLOAD_INVALID: i32 = -16;
/// `normalize`: the settings are not valid (nothing to normalize).
pub const NOT_VALID: i32 = -17;

pub fn usage(e: UsageError) -> i32 {
    match e {
        UsageError::UnknownApiType => ERR_UNKNOWN_API_TYPE,
        UsageError::UnknownField => ERR_UNKNOWN_FIELD,
        UsageError::InvalidArgument => ERR_INVALID_ARGUMENT,
    }
}

/// The block. Kept as `u32` words so its address is 4-aligned for JS's `Uint32Array`.
#[derive(Default)]
pub struct Io {
    words: Vec<u32>,
    /// The block's address and size in bytes, kept current: the wrapper reads them
    /// here after each call (the block moves when it grows).
    desc: [u32; 2],
}

impl Io {
    pub const fn new() -> Self {
        Io { words: Vec::new(), desc: [0, 0] }
    }

    /// Where the descriptor lives (fixed once the state is in its static).
    pub fn desc_ptr(&self) -> usize {
        self.desc.as_ptr() as usize
    }

    /// Grows the block to at least `bytes`; false when memory cannot grow. Never
    /// shrinks, so the address changes only here.
    pub fn reserve(&mut self, bytes: usize) -> bool {
        let want = bytes.div_ceil(4);
        if want > self.words.len() {
            if self.words.try_reserve_exact(want - self.words.len()).is_err() {
                return false;
            }
            self.words.resize(want, 0);
            self.desc = [self.words.as_ptr() as usize as u32, (self.words.len() * 4) as u32];
        }
        true
    }

    pub fn ptr(&self) -> usize {
        self.words.as_ptr() as usize
    }

    /// Capacity in bytes.
    pub fn size(&self) -> usize {
        self.words.len() * 4
    }

    pub fn word(&self, i: usize) -> Option<u32> {
        self.words.get(i).copied()
    }

    pub fn words_mut(&mut self) -> &mut [u32] {
        &mut self.words
    }

    pub fn bytes(&self) -> &[u8] {
        // SAFETY: u8 has alignment 1 and every bit pattern is a valid u8; the
        // slice covers exactly the words' memory and borrows `self`.
        unsafe { core::slice::from_raw_parts(self.words.as_ptr().cast::<u8>(), self.words.len() * 4) }
    }

    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `bytes`, and every u8 pattern written is a valid u32.
        unsafe { core::slice::from_raw_parts_mut(self.words.as_mut_ptr().cast::<u8>(), self.words.len() * 4) }
    }

    /// Writes `text` at byte 0; its length, or `ERR_INVALID_ARGUMENT` when memory
    /// cannot grow.
    pub fn put_text(&mut self, text: &str) -> i32 {
        if !self.reserve(text.len()) {
            return ERR_INVALID_ARGUMENT;
        }
        if let Some(dst) = self.bytes_mut().get_mut(..text.len()) {
            dst.copy_from_slice(text.as_bytes());
        }
        i32::try_from(text.len()).unwrap_or(ERR_INVALID_ARGUMENT)
    }

    /// Zeroes the first `bytes` bytes (what a call read or wrote).
    pub fn zero(&mut self, bytes: usize) {
        let end = bytes.min(self.size());
        if let Some(b) = self.bytes_mut().get_mut(..end) {
            b.fill(0);
        }
    }
}

/// The next `units` UTF-16 code units' worth of UTF-8 at `*pos`.
fn take<'a>(bytes: &'a [u8], pos: &mut usize, units: u32) -> Option<&'a str> {
    let start = *pos;
    // Most strings are ASCII: one byte per unit, and nothing more to check.
    if let Some(run) = bytes.get(start..start.checked_add(units as usize)?) {
        if run.is_ascii() {
            *pos = start + run.len();
            // SAFETY: ASCII bytes are valid UTF-8 (checked on the line above).
            return Some(unsafe { core::str::from_utf8_unchecked(run) });
        }
    }
    let mut i = start;
    let mut left = units;
    while left > 0 {
        let (width, u) = match *bytes.get(i)? {
            0x00..=0x7F => (1, 1),
            0x80..=0xDF => (2, 1),
            0xE0..=0xEF => (3, 1),
            _ => (4, 2),
        };
        i += width;
        left = left.checked_sub(u)?;
    }
    *pos = i;
    core::str::from_utf8(bytes.get(start..i)?).ok()
}

/// An entry's key as JS wrote it.
#[derive(Clone, Copy)]
pub enum Key<'a> {
    /// A key of the field table: its index in [`FIELDS`] (JS sends the index).
    Field(usize),
    /// Any other key.
    Text(&'a str),
    /// A key holding a lone surrogate (U+FFFD in its text).
    Bad(&'a str),
    /// The saved connection's id (`ConnectionForm.edit`).
    Id,
}

/// One entry, borrowed from the block.
#[derive(Clone, Copy)]
pub struct Raw<'a> {
    pub key: Key<'a>,
    pub value: ValueRef<'a>,
}

/// The entries JS wrote at `at`, borrowed in place (no copy of any string). `None`
/// when the block is not well formed (a bug in the wrapper, never the caller's
/// input). The caller zeroes the block with [`input_end`] when done.
pub fn decode(io: &Io, at: u32) -> Option<Vec<Raw<'_>>> {
    let mut entries = Vec::new();
    each_entry(io, at, |key, value| entries.push(Raw { key, value }))?;
    Some(entries)
}

/// [`decode`] without the `Vec`: calls `each` with every entry in order, borrowed in
/// place. `None` when the block is not well formed (then `each` may have seen the
/// entries before the fault: the caller discards what it gathered).
pub fn each_entry<'a>(io: &'a Io, at: u32, mut each: impl FnMut(Key<'a>, ValueRef<'a>)) -> Option<()> {
    let at = at as usize;
    if at % 4 != 0 {
        return None;
    }
    let base = at / 4;
    let n = io.word(base)? as usize;
    let end = n.checked_mul(ENTRY_WORDS)?.checked_add(base + 1)?;
    let words = io.words.get(base + 1..end)?;
    let bytes = io.bytes().get(..at)?;
    let mut pos = 0;
    for w in words.chunks_exact(ENTRY_WORDS) {
        let &[key, key_units, tag, units] = w else { return None };
        let key = match key {
            KEY_TEXT => Key::Text(take(bytes, &mut pos, key_units)?),
            KEY_BAD => Key::Bad(take(bytes, &mut pos, key_units)?),
            KEY_ID => Key::Id,
            k => Key::Field(k as usize),
        };
        let value = match tag {
            TAG_STRING => ValueRef::Text(take(bytes, &mut pos, units)?),
            TAG_MISSING => ValueRef::Missing,
            TAG_BAD_UNICODE => ValueRef::InvalidUnicode,
            t => ValueRef::NotText(NOT_TEXT.get(t.checked_sub(TAG_NOT_TEXT)? as usize)?),
        };
        if let Key::Field(i) = key {
            FIELDS.get(i)?;
        }
        each(key, value);
    }
    Some(())
}

/// Where the input at `at` ends: everything before it is what JS wrote.
pub fn input_end(io: &Io, at: u32) -> usize {
    let words = io.word(at as usize / 4).map_or(1, |n| 1 + n as usize * ENTRY_WORDS);
    (at as usize).saturating_add(words.saturating_mul(4))
}

/// At most this many fields in the table (`wasm/tests/layout.rs` checks it).
pub const MAX_FIELDS: usize = 16;

/// The table index of a field of [`FIELDS`].
pub fn index_of(f: &'static Field) -> Option<usize> {
    let i = (f as *const Field as usize).wrapping_sub(FIELDS.as_ptr() as usize) / core::mem::size_of::<Field>();
    FIELDS.get(i).filter(|g| core::ptr::eq(*g, f)).map(|_| i)
}

/// An unknown key's item as the JSON text `[item]` (the message names the key;
/// a lone surrogate shows as `?`), or `None` when the key is a field's.
pub fn unknown_key_json(key: Key<'_>) -> Option<String> {
    let item = match key {
        Key::Text(k) if !validate::is_known_key(k) => validate::unknown_key(k),
        Key::Bad(k) => validate::unknown_key(&k.replace('\u{FFFD}', "?")),
        _ => return None,
    };
    Some(json::issues(core::slice::from_ref(&item)))
}

/// What JS wrote, owned: the entries, and the id when one entry was `KEY_ID`.
pub struct Input {
    pub entries: Vec<Entry>,
    pub id: Option<String>,
}

/// Decodes the entries JS wrote into owned values, then zeroes what it read.
pub fn read(io: &mut Io, at: u32) -> Option<Input> {
    let out = decode(io, at).map(|raw| {
        let mut entries = Vec::with_capacity(raw.len());
        let mut id = None;
        for e in raw {
            let value = owned(e.value);
            let key = match e.key {
                Key::Field(i) => field_id_at(i as u32).to_owned(),
                Key::Text(k) => k.to_owned(),
                Key::Bad(k) => k.replace('\u{FFFD}', "?"),
                Key::Id => {
                    id = Some(match &value {
                        Value::Text(t) => t.clone(),
                        _ => String::new(),
                    });
                    continue;
                }
            };
            entries.push(Entry { key, value });
        }
        Input { entries, id }
    });
    io.zero(input_end(io, at));
    out
}

/// One value (the block's first entry), owned, as `form.set` takes it; the block
/// is zeroed.
pub fn read_value(io: &mut Io, at: u32) -> Option<Value> {
    let value = decode(io, at).and_then(|e| e.first().map(|e| owned(e.value)));
    io.zero(input_end(io, at));
    value
}

fn owned(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Text(t) => Value::Text(t.to_owned()),
        ValueRef::Missing => Value::Missing,
        ValueRef::NotText(k) => Value::NotText(k),
        ValueRef::InvalidUnicode => Value::InvalidUnicode,
    }
}

/// Template numbers: `field index * TEMPLATE_STRIDE + sub`, where `sub` is
/// `SUB_*`, `SUB_RECEIVED + i` (`invalid_type` with `NOT_TEXT[i]`) or
/// `SUB_RULE + i` (`invalid_format`, the field's rule `i`). A number stands for
/// one item for good, so JS keeps each template's text once, by number.
pub const TEMPLATE_STRIDE: u32 = 32;
const SUB_REQUIRED: u32 = 0;
const SUB_TOO_SHORT: u32 = 1;
const SUB_TOO_LONG: u32 = 2;
const SUB_OPTION: u32 = 3;
const SUB_UNICODE: u32 = 4;
const SUB_RECEIVED: u32 = 8;
const SUB_RULE: u32 = 16;

/// The template number of a finding (`None`: sent inline; never for the tables'
/// findings, but a bound all the same).
pub fn template_of(f: &Finding) -> Option<u32> {
    let field = index_of(f.field)? as u32;
    let sub = match (f.code, f.why) {
        (Code::Required, _) => SUB_REQUIRED,
        (Code::TooShort, _) => SUB_TOO_SHORT,
        (Code::TooLong, _) => SUB_TOO_LONG,
        (Code::InvalidOption, _) => SUB_OPTION,
        (Code::InvalidFormat, Why::Unicode) => SUB_UNICODE,
        (Code::InvalidType, Why::Received(k)) => SUB_RECEIVED + NOT_TEXT.iter().position(|n| *n == k)? as u32,
        (Code::InvalidFormat, Why::Rule(r)) => SUB_RULE + f.field.rules.iter().position(|x| *x == r)? as u32,
        _ => return None,
    };
    (sub < TEMPLATE_STRIDE).then_some(field * TEMPLATE_STRIDE + sub)
}

/// The finding a template number stands for (`None`: no such template).
pub fn finding_at(i: u32) -> Option<Finding> {
    let field = FIELDS.get((i / TEMPLATE_STRIDE) as usize)?;
    let (code, why) = match i % TEMPLATE_STRIDE {
        SUB_REQUIRED => (Code::Required, Why::Code),
        SUB_TOO_SHORT => (Code::TooShort, Why::Code),
        SUB_TOO_LONG => (Code::TooLong, Why::Code),
        SUB_OPTION => (Code::InvalidOption, Why::Code),
        SUB_UNICODE => (Code::InvalidFormat, Why::Unicode),
        s if s >= SUB_RULE => (Code::InvalidFormat, Why::Rule(*field.rules.get((s - SUB_RULE) as usize)?)),
        s if s >= SUB_RECEIVED => (Code::InvalidType, Why::Received(NOT_TEXT.get((s - SUB_RECEIVED) as usize)?)),
        _ => return None,
    };
    let f = Finding { field, code, why };
    (template_of(&f) == Some(i)).then_some(f)
}

/// Template `i` as the JSON text `[item]`.
pub fn template_text(i: u32) -> Option<String> {
    finding_at(i).map(|f| json::issues(core::slice::from_ref(&f.issue())))
}

/// Writes the findings: the table's as template numbers, then `inline` items (JSON
/// `[item]` texts). Their count, or `ERR_INVALID_ARGUMENT` when memory cannot grow
/// or a finding has no template number (none has: every finding the tables can
/// give is numbered, which `wasm/tests/layout.rs` checks; refusing is only the
/// answer that can never send a report with an item missing).
pub fn write_findings(io: &mut Io, valid: bool, found: &[Finding], inline: &[String]) -> i32 {
    let n = found.len() + inline.len();
    let head = (2 + 3 * n) * 4;
    let total = head + inline.iter().map(String::len).sum::<usize>();
    if !io.reserve(total) {
        return ERR_INVALID_ARGUMENT;
    }
    let mut text_at = head;
    let mut put_inline = |io: &mut Io, w: usize, text: &str| {
        let end = text_at + text.len();
        if let Some(dst) = io.bytes_mut().get_mut(text_at..end) {
            dst.copy_from_slice(text.as_bytes());
        }
        let words = io.words_mut();
        if let Some(dst) = words.get_mut(w..w + 3) {
            dst.copy_from_slice(&[FINDING_INLINE, text_at as u32, text.len() as u32]);
        }
        text_at = end;
    };
    for (i, f) in found.iter().enumerate() {
        let w = 2 + 3 * i;
        match template_of(f) {
            Some(t) => {
                if let Some(dst) = io.words_mut().get_mut(w..w + 3) {
                    dst.copy_from_slice(&[FINDING_TEMPLATE, t, 0]);
                }
            }
            None => return ERR_INVALID_ARGUMENT,
        }
    }
    for (i, text) in inline.iter().enumerate() {
        put_inline(io, 2 + 3 * (found.len() + i), text);
    }
    if let Some(dst) = io.words_mut().get_mut(..2) {
        dst.copy_from_slice(&[u32::from(valid), n as u32]);
    }
    n as i32
}

/// What the wrapper needs once: the field ids in table order (the keys of
/// `fields`) and the usage errors' messages by code.
pub fn catalogue_json() -> String {
    let fields: Vec<(&str, &str)> = FIELDS.iter().map(|f| (f.id, "")).collect();
    let usage = [UsageError::UnknownApiType, UsageError::UnknownField, UsageError::InvalidArgument]
        .map(|e| (e.code(), e.message()));
    let mut s = String::from("{\"fields\":");
    s.push_str(&json::object(&fields));
    s.push_str(",\"usage\":");
    s.push_str(&json::object(&usage));
    s.push('}');
    s
}

/// The API type at a table index (`u32::MAX`: a name that is not an id).
pub fn api_type_at(i: u32) -> Option<&'static spec::ApiType> {
    API_TYPES.get(i as usize)
}

/// The field id at a table index, or `""` (which no API type has).
pub fn field_id_at(i: u32) -> &'static str {
    FIELDS.get(i as usize).map_or("", |f| f.id)
}
