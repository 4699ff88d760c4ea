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
//! FINDING_TEMPLATE = item template `a` (JS fetches a template's JSON text once, by
//! index); FINDING_INLINE = the JSON text `[item]` at byte offset `a`, `b` bytes
//! (unknown keys, whose message names the key).

use crate::prelude::*;
use billcom_connection::json;
use billcom_connection::report::{Code, Issue};
use billcom_connection::spec::{self, API_TYPES, FIELDS};
use billcom_connection::validate::{Entry, UsageError, Value};

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
/// At most this many distinct item templates are kept; any further item is sent
/// inline (the tables give about two hundred, so this is only a bound).
pub const MAX_TEMPLATES: usize = 1024;

/// The numbers an export answers with when the call was misuse.
pub const ERR_UNKNOWN_API_TYPE: i32 = -1;
pub const ERR_UNKNOWN_FIELD: i32 = -2;
pub const ERR_INVALID_ARGUMENT: i32 = -3;
pub const ERR_FORM_FREED: i32 = -4;
/// `payload`: the settings are invalid; the findings are in the block.
pub const PAYLOAD_INVALID: i32 = -16;

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
    // Most strings are ASCII: one byte per unit.
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
        let b = *bytes.get(i)?;
        let (width, u) = match b {
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

/// What JS wrote: the entries, and the id when one entry was `KEY_ID`.
pub struct Input {
    pub entries: Vec<Entry>,
    pub id: Option<String>,
}

/// Decodes the entries JS wrote, then zeroes what it read. `None` when the block
/// is not well formed (a bug in the wrapper, never the caller's input).
pub fn read(io: &mut Io, at: u32) -> Option<Input> {
    let out = decode(io, at as usize);
    let words = io.word(at as usize / 4).map_or(1, |n| 1 + n as usize * ENTRY_WORDS);
    io.zero((at as usize).saturating_add(words.saturating_mul(4)));
    out
}

fn decode(io: &Io, at: usize) -> Option<Input> {
    if at % 4 != 0 {
        return None;
    }
    let base = at / 4;
    let n = io.word(base)? as usize;
    let head = n.checked_mul(ENTRY_WORDS)?.checked_add(1)?;
    io.word(base + head - 1)?;
    let bytes = io.bytes().get(..at)?;
    let mut pos = 0;
    let mut entries = Vec::with_capacity(n);
    let mut id = None;
    for e in 0..n {
        let w = |k: usize| io.word(base + 1 + e * ENTRY_WORDS + k);
        let (key, key_units, tag, units) = (w(0)?, w(1)?, w(2)?, w(3)?);
        let key = match key {
            KEY_TEXT => Some(take(bytes, &mut pos, key_units)?.to_owned()),
            KEY_BAD => Some(take(bytes, &mut pos, key_units)?.replace('\u{FFFD}', "?")),
            KEY_ID => None,
            k => Some(FIELDS.get(k as usize)?.id.to_owned()),
        };
        let value = match tag {
            TAG_STRING => Value::Text(take(bytes, &mut pos, units)?.to_owned()),
            TAG_MISSING => Value::Missing,
            TAG_BAD_UNICODE => Value::InvalidUnicode,
            t => Value::NotText(NOT_TEXT.get(t.checked_sub(TAG_NOT_TEXT)? as usize)?),
        };
        match key {
            Some(key) => entries.push(Entry { key, value }),
            None => match &value {
                Value::Text(t) => id = Some(t.clone()),
                _ => id = Some(String::new()),
            },
        }
    }
    Some(Input { entries, id })
}

/// One value (the block's first entry), as `validateField` and `form.set` take it.
pub fn read_value(io: &mut Io, at: u32) -> Option<Value> {
    let mut input = read(io, at)?;
    input.entries.pop().map(|e| e.value.clone())
}

/// The item templates sent so far: JS keeps a copy of each, by index.
#[derive(Default)]
pub struct Templates {
    items: Vec<Issue>,
}

impl Templates {
    pub const fn new() -> Self {
        Templates { items: Vec::new() }
    }

    /// The template index for an item, adding it when new; `None` for items sent
    /// inline (an unknown key's message names the key).
    fn index(&mut self, item: &Issue) -> Option<u32> {
        if item.code == Code::UnknownField {
            return None;
        }
        if let Some(i) = self.items.iter().position(|t| t == item) {
            return u32::try_from(i).ok();
        }
        if self.items.len() >= MAX_TEMPLATES {
            return None;
        }
        self.items.push(item.clone());
        u32::try_from(self.items.len() - 1).ok()
    }

    /// Template `i` as the JSON text `[item]`.
    pub fn text(&self, i: u32) -> Option<String> {
        self.items.get(i as usize).map(|t| json::issues(core::slice::from_ref(t)))
    }
}

/// Writes the findings for `items`; their count, or `ERR_INVALID_ARGUMENT` when
/// memory cannot grow.
pub fn write_findings(io: &mut Io, templates: &mut Templates, valid: bool, items: &[Issue]) -> i32 {
    let n = items.len();
    let head = (2 + 3 * n) * 4;
    let mut words: Vec<u32> = Vec::with_capacity(2 + 3 * n);
    words.push(u32::from(valid));
    words.push(n as u32);
    let mut inline = String::new();
    for item in items {
        match templates.index(item) {
            Some(t) => words.extend([FINDING_TEMPLATE, t, 0]),
            None => {
                let start = inline.len();
                inline.push_str(&json::issues(core::slice::from_ref(item)));
                words.extend([FINDING_INLINE, (head + start) as u32, (inline.len() - start) as u32]);
            }
        }
    }
    if !io.reserve(head + inline.len()) {
        return ERR_INVALID_ARGUMENT;
    }
    for (dst, w) in io.words_mut().iter_mut().zip(&words) {
        *dst = *w;
    }
    for (dst, b) in io.bytes_mut().iter_mut().skip(head).zip(inline.as_bytes()) {
        *dst = *b;
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
