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
//! FINDING_UNKNOWN = an unknown key shown as given: `a` is its entry's index in the
//! input, and JS builds the item from the template [`TEMPLATE_UNKNOWN_KEY`] and the
//! key text it wrote (kept until the items are built; the block is zeroed);
//! FINDING_RECEIVED = as FINDING_TEMPLATE, for `invalid_type`, whose
//! `params.received` JS sets to `NOT_TEXT[b]` (one template a field);
//! FINDING_INLINE = the other unknown keys' texts at byte offset `a`, `b` bytes:
//! the key as the message shows it, a NUL, then the key as `field` holds it (long
//! keys, or holding a control character or a lone surrogate).

use crate::prelude::*;
pub use crate::templates::{finding_at, template_of, KEY_MARK, TEMPLATE_STRIDE, TEMPLATE_UNKNOWN_KEY};
use billcom_connection::messages;
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
pub const FINDING_UNKNOWN: u32 = 2;
pub const FINDING_RECEIVED: u32 = 3;

/// The numbers an export answers with when the call was misuse.
pub const ERR_UNKNOWN_API_TYPE: i32 = -1;
pub const ERR_UNKNOWN_FIELD: i32 = -2;
pub const ERR_INVALID_ARGUMENT: i32 = -3;
pub const ERR_FORM_FREED: i32 = -4;
/// `payload`: the settings are invalid (`validate` gives their report).
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
    // Not inlined: it is called from most exports (measured: 44 B brotli).
    #[inline(never)]
    pub fn put_text(&mut self, text: &str) -> i32 {
        if !self.reserve(text.len()) {
            return ERR_INVALID_ARGUMENT;
        }
        if let Some(dst) = self.bytes_mut().get_mut(..text.len()) {
            dst.copy_from_slice(text.as_bytes());
        }
        i32::try_from(text.len()).unwrap_or(ERR_INVALID_ARGUMENT)
    }

    /// Zeroes the input JS wrote at `at` (its strings and words).
    // Not inlined into validate, validate_field, Forms::set and Forms::edit
    // (measured: 78 B brotli full, 28 B validate).
    #[inline(never)]
    pub fn zero_input(&mut self, at: u32) {
        self.zero(input_end(self, at));
    }

    /// Zeroes the first `bytes` bytes (what a call read or wrote).
    pub fn zero(&mut self, bytes: usize) {
        let end = bytes.min(self.size());
        if let Some(b) = self.bytes_mut().get_mut(..end) {
            b.fill(0);
        }
    }
}

/// The next `units` UTF-16 code units' worth of UTF-8 at `*pos`. `*ascii`: the
/// bytes from `*pos` up to it are known ASCII (it only grows, by [`ascii_to`],
/// from `*pos` or from where it stopped; the bytes before `*pos` are taken already,
/// and `*pos` only grows, so no later string starts before it).
fn take<'a>(bytes: &'a [u8], pos: &mut usize, units: u32, ascii: &mut usize) -> Option<&'a str> {
    let start = *pos;
    let rest = bytes.get(start..)?;
    // Most strings are ASCII: one byte per unit, and nothing more to check.
    let end = start.checked_add(units as usize)?;
    if end > *ascii {
        *ascii = ascii_to(bytes, start.max(*ascii));
    }
    if end <= *ascii {
        if let Some(run) = rest.get(..units as usize) {
            *pos = end;
            // SAFETY: ASCII bytes are valid UTF-8 (`ascii_to` checked them).
            return Some(unsafe { core::str::from_utf8_unchecked(run) });
        }
    }
    let len = utf8_len(rest, units)?;
    let text = rest.get(..len)?;
    // SAFETY: `utf8_len` checked that these bytes are well-formed UTF-8.
    let text = unsafe { core::str::from_utf8_unchecked(text) };
    *pos = start + len;
    Some(text)
}

/// The end of the ASCII run of `b` from `from` (`b.len()` when it runs to the end):
/// eight bytes a step, then byte by byte in the word that is not ASCII.
fn ascii_to(b: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(&[x0, x1, x2, x3, x4, x5, x6, x7]) = b.get(i..i + 8) {
        if u64::from_le_bytes([x0, x1, x2, x3, x4, x5, x6, x7]) & 0x8080_8080_8080_8080 != 0 {
            break;
        }
        i += 8;
    }
    while let Some(x) = b.get(i) {
        if *x >= 0x80 {
            break;
        }
        i += 1;
    }
    i
}

/// The byte length of the first `units` UTF-16 units of the UTF-8 in `b`, checking
/// it is well formed on the way (as `core::str::from_utf8` does: no stray
/// continuation byte, no overlong form, no surrogate, nothing past U+10FFFF); `None`
/// otherwise, or when `units` ends inside a char. One pass, one step a char (a run
/// of four-byte chars in a loop of its own).
fn utf8_len(b: &[u8], units: u32) -> Option<usize> {
    let mut i = 0;
    let mut left = units;
    while left > 0 {
        let x = *b.get(i)?;
        if x < 0x80 {
            i += 1;
            left -= 1;
            continue;
        }
        // Four-byte chars (emoji) come in runs: one tight loop over the run (a
        // four-byte char is only ever taken here).
        let run = i;
        while let Some(&[x0, x1, x2, x3]) = b.get(i..i + 4) {
            if left < 2 || !four(u32::from_le_bytes([x0, x1, x2, x3])) {
                break;
            }
            i += 4;
            left -= 2;
        }
        if i != run {
            continue;
        }
        // The lead and the continuation bytes as one little-endian word (zero
        // past the end), then per width: the continuation bytes' tags, and the
        // code point's range (no overlong form, no surrogate, nothing past U+10FFFF).
        let w = match b.get(i..i + 4) {
            Some(&[x, y, z, v]) => u32::from_le_bytes([x, y, z, v]),
            _ => b.get(i..)?.iter().rev().fold(0, |w, &y| w << 8 | u32::from(y)),
        };
        let c = |k: u32| (w >> (8 * k)) & 0x3F;
        let (width, u) = match x {
            0xC2..=0xDF if w & 0xC000 == 0x8000 => (2, 1),
            0xE0..=0xEF if w & 0xC0_C000 == 0x80_8000 => {
                let cp = (u32::from(x) & 0x0F) << 12 | c(1) << 6 | c(2);
                if cp < 0x800 || (0xD800..=0xDFFF).contains(&cp) {
                    return None;
                }
                (3, 1)
            }
            _ => return None,
        };
        left = left.checked_sub(u)?;
        i += width;
    }
    Some(i)
}

/// Whether the four bytes of `w` (little-endian) are one well-formed four-byte
/// char: a lead of 0xF0..=0xF7, three continuation bytes, and the code point
/// (whose bits from 12 up are the lead's three and the second byte's six) in
/// U+10000..=U+10FFFF (so no overlong form, and no lead past 0xF4).
fn four(w: u32) -> bool {
    w & 0xC0C0_C0F8 == 0x8080_80F0 && (0x10..=0x10F).contains(&((w & 0x07) << 6 | (w >> 8) & 0x3F))
}

#[cfg(test)]
mod tests {
    use super::{take, utf8_len};

    /// `take` over a run of strings answers what `utf8_len` alone answers, whatever
    /// the ASCII run it carries from one string to the next: with the right unit
    /// counts, counts one off, and a byte made invalid anywhere.
    #[test]
    fn take_agrees_with_utf8_len_across_strings() {
        let pool = ["", "a", "abcdefg", "abcdefgh", "0123456789abcdefghi", "é", "x😀", "ü 12345678", "\u{FFFD}z", "–"];
        let units = |s: &str| s.encode_utf16().count() as u32;
        for (i, a) in pool.iter().enumerate() {
            for b in &pool {
                for c in &pool[i..] {
                    let parts = [*a, *b, *c];
                    let text: Vec<u8> = parts.concat().into_bytes();
                    let mut bad = vec![text.clone()];
                    for k in 0..text.len() {
                        let mut t = text.clone();
                        t[k] = 0xFF;
                        bad.push(t);
                    }
                    for bytes in &bad {
                        for shift in [0, 1, u32::MAX] {
                            let (mut pos, mut ascii, mut want_pos) = (0, 0, 0);
                            for p in parts {
                                let n = units(p).wrapping_add(shift);
                                let got = take(bytes, &mut pos, n, &mut ascii);
                                let want = bytes.get(want_pos..).and_then(|r| utf8_len(r, n)).map(|len| {
                                    let s = core::str::from_utf8(&bytes[want_pos..want_pos + len]).unwrap();
                                    want_pos += len;
                                    s
                                });
                                assert_eq!(got, want, "{parts:?} {bytes:x?} shift {shift}");
                                if got.is_none() {
                                    break;
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `utf8_len` against `core::str::from_utf8` and UTF-16 lengths: whatever it
    /// answers is well formed, and a well-formed `b` is found whole.
    fn agrees(b: &[u8]) {
        for units in 0..=8 {
            if let Some(k) = utf8_len(b, units) {
                assert!(
                    core::str::from_utf8(&b[..k]).is_ok_and(|s| s.encode_utf16().count() == units as usize),
                    "{b:x?}"
                );
            }
        }
        let want = core::str::from_utf8(b).ok().map(|s| s.encode_utf16().count() as u32);
        match want {
            Some(units) => assert_eq!(utf8_len(b, units), Some(b.len()), "{b:x?}"),
            // Not UTF-8: no count of units may find it well formed to its end.
            None => {
                for units in 0..=8 {
                    assert_ne!(utf8_len(b, units), Some(b.len()), "{b:x?} as {units} units");
                }
            }
        }
    }

    #[test]
    fn utf8_len_checks_four_byte_runs() {
        // Runs of four-byte chars are taken by a loop of their own: pairs of them
        // at the ends of the four-byte range and between, with every byte of the pair
        // replaced by every value, alone and after one- and two-byte chars.
        let quads = ['\u{10000}', '\u{1F511}', '\u{1F600}', '\u{3FFFF}', '\u{40000}', '\u{FFFFF}', '\u{10FFFF}'];
        let mut buf = [0u8; 4];
        for a in quads {
            for b in quads {
                let mut pair = a.encode_utf8(&mut buf).as_bytes().to_vec();
                pair.extend_from_slice(b.encode_utf8(&mut buf).as_bytes());
                for k in 0..pair.len() {
                    for v in 0..=255u8 {
                        let mut p = pair.clone();
                        p[k] = v;
                        for front in [&b""[..], b"a", "\u{e9}".as_bytes()] {
                            agrees(&[front, &p[..]].concat());
                            agrees(&[front, &p[..], b"z"].concat());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn utf8_len_checks_what_from_utf8_checks() {
        // Every one- and two-byte sequence, every three-byte one with a lead of
        // 0xE0..=0xF4 or a stray byte, and every char's encoding.
        for a in 0..=255u8 {
            agrees(&[a]);
            for b in 0..=255u8 {
                agrees(&[a, b]);
                if a >= 0xC0 {
                    for c in (0..=255u8).step_by(3) {
                        agrees(&[a, b, c]);
                    }
                }
            }
        }
        let mut buf = [0u8; 4];
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let e = c.encode_utf8(&mut buf).as_bytes().to_vec();
            agrees(&e);
            // Cut short, or with the last byte replaced.
            if e.len() > 1 {
                agrees(&e[..e.len() - 1]);
                let mut f = e.clone();
                *f.last_mut().unwrap() = 0xC0;
                agrees(&f);
            }
        }
        // Surrogates and past U+10FFFF, four bytes.
        for b in [[0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF]] {
            agrees(&b);
        }
        for b in [[0xF4, 0x90, 0x80, 0x80], [0xF0, 0x80, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80]] {
            agrees(&b);
        }
        // Ends inside a char: refused at any count.
        assert_eq!(utf8_len("a😀".as_bytes(), 2), None);
        assert_eq!(utf8_len("a😀".as_bytes(), 3), Some(5));
    }
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

/// The first entry's value, borrowed from the block (`None`: no entry, or the
/// block is not well formed).
pub fn first_value(io: &Io, at: u32) -> Option<ValueRef<'_>> {
    let mut first = None;
    each_entry(io, at, &mut |i, _, value| {
        if i == 0 {
            first = Some(value);
        }
    })?;
    first
}

/// The entries JS wrote at `at`, borrowed in place (no copy of any string): calls
/// `each` with every entry's index, key and value, in order. `None` when the block
/// is not well formed (a bug in the wrapper, never the caller's input); `each` may
/// then have seen the entries before the fault, and the caller discards what it
/// gathered. The caller zeroes the block with [`input_end`] when done.
///
/// `each` is a `dyn` closure so that the loop exists once in the module rather
/// than once per caller (measured: 324 B brotli in the full module, 172 B in the
/// validate one, for one indirect call per entry).
pub fn each_entry<'a>(io: &'a Io, at: u32, each: &mut dyn FnMut(u32, Key<'a>, ValueRef<'a>)) -> Option<()> {
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
    let mut ascii = 0;
    for (i, w) in (0..).zip(words.chunks_exact(ENTRY_WORDS)) {
        let &[key, key_units, tag, units] = w else { return None };
        let key = match key {
            KEY_TEXT => Key::Text(take(bytes, &mut pos, key_units, &mut ascii)?),
            KEY_BAD => Key::Bad(take(bytes, &mut pos, key_units, &mut ascii)?),
            KEY_ID => Key::Id,
            k => Key::Field(k as usize),
        };
        let value = match tag {
            TAG_STRING => ValueRef::Text(take(bytes, &mut pos, units, &mut ascii)?),
            TAG_MISSING => ValueRef::Missing,
            TAG_BAD_UNICODE => ValueRef::InvalidUnicode,
            t => ValueRef::NotText(NOT_TEXT.get(t.checked_sub(TAG_NOT_TEXT)? as usize)?),
        };
        if let Key::Field(i) = key {
            FIELDS.get(i)?;
        }
        each(i, key, value);
    }
    Some(())
}

/// Where the input at `at` ends: everything before it is what JS wrote.
pub fn input_end(io: &Io, at: u32) -> usize {
    let words = io.word(at as usize / 4).map_or(1, |n| 1 + n as usize * ENTRY_WORDS);
    (at as usize).saturating_add(words.saturating_mul(4))
}

/// At most this many fields in the table (the form's bound; tests check it).
pub use billcom_connection::form::MAX_FIELDS;

/// An item after the table's findings: an unknown key's, in entry order.
pub enum Extra {
    /// A key shown as given: the entry's index (FINDING_UNKNOWN).
    Key(u32),
    /// The key as the message shows it, a NUL, the key as `field` holds it
    /// (FINDING_INLINE; the shown key never holds a NUL: controls show as U+FFFD).
    Inline(String),
}

/// A key that held a lone surrogate, as reports name it: each U+FFFD (what JS
/// wrote for the surrogate) shown as `?`. A plain char map, not `str::replace`
/// (measured: its searcher cost 155 B brotli in the full module, 213 in the
/// validate one).
fn bad_key(k: &str) -> String {
    k.chars().map(|c| if c == '\u{FFFD}' { '?' } else { c }).collect()
}

/// The item of entry `i`'s key when no API type has it, or `None` when the key is
/// a field's: the key's entry index when the message shows the key as given, else
/// the texts JS puts into the `unknown_field` template (a lone surrogate shows as
/// `?`). No item is written here: JS builds every unknown key's item from the
/// template, so the module carries no message or JSON writer.
pub fn unknown_key(i: u32, key: Key<'_>) -> Option<Extra> {
    let field = match key {
        Key::Text(k) if !validate::is_known_key(k) => {
            if messages::shows_key_unchanged(k) {
                return Some(Extra::Key(i));
            }
            k.to_owned()
        }
        Key::Bad(k) => bad_key(k),
        _ => return None,
    };
    let mut text = messages::shown_key(&field);
    text.push('\0');
    text.push_str(&field);
    Some(Extra::Inline(text))
}

/// What JS wrote, owned: the entries, and the id when one entry was `KEY_ID`.
pub struct Input {
    pub entries: Vec<Entry>,
    pub id: Option<String>,
}

/// Decodes the entries JS wrote into owned values, then zeroes what it read.
pub fn read(io: &mut Io, at: u32) -> Option<Input> {
    let mut entries = Vec::new();
    let mut id = None;
    let ok = each_entry(io, at, &mut |_, key, value| {
        let value = value.to_value();
        let key = match key {
            Key::Field(i) => field_id_at(i as u32).to_owned(),
            Key::Text(k) => k.to_owned(),
            Key::Bad(k) => bad_key(k),
            Key::Id => {
                id = Some(match &value {
                    Value::Text(t) => t.clone(),
                    _ => String::new(),
                });
                return;
            }
        };
        entries.push(Entry { key, value });
    })
    .is_some();
    io.zero(input_end(io, at));
    ok.then_some(Input { entries, id })
}

/// Writes the findings: the table's (`rows`, in order) as template numbers, then
/// the `extra` items (unknown keys); `valid` when there is no extra item and no
/// finding is an error. Their count, or `ERR_INVALID_ARGUMENT` when memory cannot
/// grow or a finding has no template number (none has: every finding the tables
/// can give is numbered, which `wasm/tests/layout.rs` checks; refusing is only the
/// answer that can never send a report with an item missing).
pub fn write_findings(io: &mut Io, rows: &[&[Finding]], extra: &[Extra]) -> i32 {
    let found = rows.iter().map(|r| r.len()).sum::<usize>();
    let n = found + extra.len();
    let head = (2 + 3 * n) * 4;
    let text_len = |e: &Extra| match e {
        Extra::Inline(t) => t.len(),
        Extra::Key(_) => 0,
    };
    let total = head + extra.iter().map(text_len).sum::<usize>();
    if !io.reserve(total) {
        return ERR_INVALID_ARGUMENT;
    }
    let mut text_at = head;
    let mut put_extra = |io: &mut Io, w: usize, e: &Extra| {
        let finding = match e {
            Extra::Key(i) => [FINDING_UNKNOWN, *i, 0],
            Extra::Inline(text) => {
                let end = text_at + text.len();
                if let Some(dst) = io.bytes_mut().get_mut(text_at..end) {
                    dst.copy_from_slice(text.as_bytes());
                }
                let at = text_at;
                text_at = end;
                [FINDING_INLINE, at as u32, text.len() as u32]
            }
        };
        if let Some(dst) = io.words_mut().get_mut(w..w + 3) {
            dst.copy_from_slice(&finding);
        }
    };
    let mut valid = extra.is_empty();
    let mut w = 2;
    // Nested loops, not `flatten` (measured: smaller and faster in the module).
    for row in rows {
        for f in *row {
            valid &= !f.is_error();
            let words = match (template_of(f), f.why) {
                (Some(t), Why::Received(k)) => match NOT_TEXT.iter().position(|n| *n == k) {
                    Some(r) => [FINDING_RECEIVED, t, r as u32],
                    None => return ERR_INVALID_ARGUMENT,
                },
                (Some(t), _) => [FINDING_TEMPLATE, t, 0],
                (None, _) => return ERR_INVALID_ARGUMENT,
            };
            if let Some(dst) = io.words_mut().get_mut(w..w + 3) {
                dst.copy_from_slice(&words);
            }
            w += 3;
        }
    }
    for e in extra {
        put_extra(io, w, e);
        w += 3;
    }
    if let Some(dst) = io.words_mut().get_mut(..2) {
        dst.copy_from_slice(&[u32::from(valid), n as u32]);
    }
    n as i32
}

/// Row `field` of `FIELDS` when API type `api` shows it (both table indices, as
/// JS sends them), else the usage error; no id is compared.
pub fn field_of(api: u32, field: u32) -> Result<&'static Field, UsageError> {
    let t = api_type_at(api).ok_or(UsageError::UnknownApiType)?;
    let field = field as usize;
    FIELDS.get(field).filter(|_| t.field_list().contains(field)).ok_or(UsageError::UnknownField)
}

/// The API type at a table index (`u32::MAX`: a name that is not an id).
pub fn api_type_at(i: u32) -> Option<&'static spec::ApiType> {
    API_TYPES.get(i as usize)
}

/// The field id at a table index, or `""` (which no API type has).
pub fn field_id_at(i: u32) -> &'static str {
    FIELDS.get(i as usize).map_or("", |f| f.id)
}
