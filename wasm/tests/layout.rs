//! The IO block's layout, natively: the wrapper's constants equal Rust's, and a
//! block written by the documented layout decodes to the entries it describes (a
//! wrong offset or tag on either side fails here or in tests/js/boundary.test.mjs).

use billcom_connection::json;
use billcom_connection::spec::FIELDS;
use billcom_connection::validate::Why;
use billcom_connection::validate::{self, Entry, Value};
use billcom_connection_wasm::io::{self, *};
use billcom_connection_wasm::{templates, texts, State};

/// `NAME = value` of every one-line `export const NAME = value;` in wasm/js/core.js.
fn js_constants() -> Vec<(String, String)> {
    let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/js/core.js")).unwrap();
    src.lines()
        .filter_map(|l| l.strip_prefix("export const ")?.strip_suffix(';')?.split_once(" = "))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn num(v: &str) -> i64 {
    match v.strip_prefix("0x") {
        Some(hex) => i64::from_str_radix(hex, 16).unwrap(),
        None => v.parse().unwrap(),
    }
}

#[test]
fn the_wrapper_uses_the_same_constants() {
    let want: [(&str, i64); 18] = [
        ("FINDING_UNKNOWN", FINDING_UNKNOWN.into()),
        ("TEMPLATE_UNKNOWN_KEY", TEMPLATE_UNKNOWN_KEY.into()),
        ("KEY_TEXT", KEY_TEXT.into()),
        ("KEY_BAD", KEY_BAD.into()),
        ("KEY_ID", KEY_ID.into()),
        ("TAG_STRING", TAG_STRING.into()),
        ("TAG_MISSING", TAG_MISSING.into()),
        ("TAG_BAD_UNICODE", TAG_BAD_UNICODE.into()),
        ("TAG_NOT_TEXT", TAG_NOT_TEXT.into()),
        ("ENTRY_WORDS", ENTRY_WORDS as i64),
        ("FINDING_TEMPLATE", FINDING_TEMPLATE.into()),
        ("FINDING_INLINE", FINDING_INLINE.into()),
        ("FINDING_RECEIVED", FINDING_RECEIVED.into()),
        ("ERR_UNKNOWN_API_TYPE", ERR_UNKNOWN_API_TYPE.into()),
        ("ERR_UNKNOWN_FIELD", ERR_UNKNOWN_FIELD.into()),
        ("ERR_INVALID_ARGUMENT", ERR_INVALID_ARGUMENT.into()),
        ("ERR_FORM_FREED", ERR_FORM_FREED.into()),
        ("PAYLOAD_INVALID", PAYLOAD_INVALID.into()),
    ];
    let js = js_constants();
    for (k, v) in want {
        let got = js.iter().find(|(n, _)| n == k).unwrap_or_else(|| panic!("core.js lacks {k}"));
        assert_eq!(num(&got.1), v, "{k}");
    }
    let not_text = &js.iter().find(|(n, _)| n == "NOT_TEXT").expect("NOT_TEXT").1;
    let names: Vec<String> = NOT_TEXT.iter().map(|n| format!("\"{n}\"")).collect();
    assert_eq!(not_text, &format!("[{}]", names.join(", ")));
    // The wrapper's USAGE list maps -1, -2, -3 to these codes.
    let usage =
        [UsageErrorCode(ERR_UNKNOWN_API_TYPE), UsageErrorCode(ERR_UNKNOWN_FIELD), UsageErrorCode(ERR_INVALID_ARGUMENT)];
    let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/js/core.js")).unwrap();
    let want = format!(
        "const USAGE = [{}];",
        usage.iter().map(|c| format!("\"{}\"", c.name())).collect::<Vec<_>>().join(", ")
    );
    assert!(src.contains(&want), "core.js must declare {want}");
    let cat = billcom_connection_wasm::texts::CATALOGUE;
    for c in usage {
        assert!(cat.contains(&format!("\"{}\":", c.name())), "{cat}");
    }
}

/// The usage error an `ERR_*` answer stands for.
#[derive(Clone, Copy)]
struct UsageErrorCode(i32);

impl UsageErrorCode {
    fn name(self) -> &'static str {
        use billcom_connection::validate::UsageError::*;
        let e = [UnknownApiType, UnknownField, InvalidArgument]
            .into_iter()
            .find(|e| io::usage(e.clone()) == self.0)
            .unwrap();
        e.code()
    }
}

/// One entry to write: key (a field id, another key, or a lone-surrogate key) and value.
enum Key<'a> {
    Field(&'a str),
    Text(&'a str),
    Bad(&'a str),
}

/// Writes a block exactly as core.js does: the strings from byte 0, then the words.
fn write(state: &mut State, entries: &[(Key, Option<&str>, u32)]) -> u32 {
    let mut text = String::new();
    let mut words = vec![entries.len() as u32];
    for (key, value, tag) in entries {
        let (code, key_text) = match key {
            Key::Field(id) => (FIELDS.iter().position(|f| f.id == *id).unwrap() as u32, ""),
            Key::Text(t) => (KEY_TEXT, *t),
            Key::Bad(t) => (KEY_BAD, *t),
        };
        text.push_str(key_text);
        let v = value.unwrap_or("");
        text.push_str(v);
        let units = |s: &str| s.encode_utf16().count() as u32;
        words.extend([code, units(key_text), *tag, units(v)]);
    }
    let at = (text.len() + 3) & !3;
    assert_ne!(state.reserve((at + 4 * words.len()) as u32), 0);
    let bytes: Vec<u8> = text.bytes().chain(std::iter::repeat(0).take(at - text.len())).collect();
    let wbytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    state.io.bytes_mut()[..at].copy_from_slice(&bytes);
    state.io.bytes_mut()[at..at + wbytes.len()].copy_from_slice(&wbytes);
    at as u32
}

#[test]
fn a_block_decodes_to_the_entries_it_describes() {
    let mut s = State::new();
    let at = write(
        &mut s,
        &[
            (Key::Field("name"), Some("Ops é😀"), TAG_STRING),
            (Key::Field("apiType"), Some("spend-expense"), TAG_STRING),
            (Key::Field("environment"), None, TAG_MISSING),
            (Key::Field("apiToken"), None, TAG_NOT_TEXT + 5),
            (Key::Text("devkey"), Some("x"), TAG_STRING),
            (Key::Bad("k\u{FFFD}"), None, TAG_BAD_UNICODE),
        ],
    );
    let input = io::read(&mut s.io, at).expect("well formed");
    let got: Vec<(String, Value)> = input.entries.iter().map(|e| (e.key.clone(), e.value.clone())).collect();
    assert_eq!(
        got,
        [
            ("name".into(), Value::Text("Ops é😀".into())),
            ("apiType".into(), Value::Text("spend-expense".into())),
            ("environment".into(), Value::Missing),
            ("apiToken".into(), Value::NotText("array")),
            ("devkey".into(), Value::Text("x".into())),
            ("k?".into(), Value::InvalidUnicode),
        ]
    );
    // What was read is zeroed.
    assert!(s.io.bytes()[..at as usize + 4 * 25].iter().all(|&b| b == 0));
}

#[test]
fn a_wrong_offset_or_length_is_rejected_not_misread() {
    let mut s = State::new();
    let entries = [(Key::Field("name"), Some("Ops"), TAG_STRING), (Key::Text("x"), Some("yy"), TAG_STRING)];
    let at = write(&mut s, &entries);
    assert!(io::read(&mut s.io, at + 1).is_none(), "unaligned");
    let at = write(&mut s, &entries);
    assert!(io::read(&mut s.io, at + 4).map_or(true, |i| i.entries.len() != 2), "shifted");
    let at = write(&mut s, &entries);
    s.io.words_mut()[at as usize / 4 + 4] = 99; // value units past the text
    assert!(io::read(&mut s.io, at).is_none());
    let at = write(&mut s, &entries);
    s.io.words_mut()[at as usize / 4 + 3] = 99; // unknown tag
    assert!(io::read(&mut s.io, at).is_none());
    let at = write(&mut s, &entries);
    s.io.words_mut()[at as usize / 4] = 1_000_000; // more entries than the block holds
    assert!(io::read(&mut s.io, at).is_none());
}

#[test]
fn findings_name_templates_whose_text_is_the_report_item() {
    let mut s = State::new();
    let at = write(
        &mut s,
        &[
            (Key::Field("apiType"), Some("partner"), TAG_STRING),
            (Key::Field("name"), Some(""), TAG_STRING),
            (Key::Text("extra"), Some("1"), TAG_STRING),
            (Key::Text(&"long".repeat(11)), Some("1"), TAG_STRING),
            (Key::Text("ctl\u{1}"), Some("1"), TAG_STRING),
            (Key::Text("é😀\"q"), Some("1"), TAG_STRING),
        ],
    );
    let n = s.validate(at);
    let keys = ["apiType", "name", "extra", &"long".repeat(11), "ctl\u{1}", "é😀\"q"];
    let entries: Vec<Entry> =
        keys.iter().zip(["partner", "", "1", "1", "1", "1"]).map(|(k, v)| Entry::text(k, v)).collect();
    let want = validate::validate(&entries);
    assert_eq!(n as usize, want.errors.len());
    let words: Vec<u32> = (0..2 + 3 * n as usize).map(|i| s.io.word(i).unwrap()).collect();
    assert_eq!(words[0], u32::from(want.valid));
    let mut inline = Vec::new();
    let mut template_ids = Vec::new();
    let mut unknown = Vec::new();
    for i in 0..n as usize {
        let (kind, a, b) = (words[2 + 3 * i], words[3 + 3 * i], words[4 + 3 * i]);
        match kind {
            FINDING_TEMPLATE | FINDING_RECEIVED => template_ids.push((i, a)),
            FINDING_INLINE => {
                inline.push((i, String::from_utf8(s.io.bytes()[a as usize..(a + b) as usize].to_vec()).unwrap()))
            }
            FINDING_UNKNOWN => unknown.push((i, a)),
            k => panic!("kind {k}"),
        }
    }
    // The long key and the one with a control char go inline; the others by
    // template, naming their entry.
    assert_eq!(inline.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [n as usize - 3, n as usize - 2]);
    assert_eq!(unknown, [(n as usize - 4, 2), (n as usize - 1, 5)]);
    // JS's item for an unknown key: the template, `{key}` replaced by the key as
    // shown in the message, `field` the key as given (inline: both texts, split at
    // the NUL; FINDING_UNKNOWN: the entry's own key for both).
    let len = s.template(TEMPLATE_UNKNOWN_KEY);
    let template = std::str::from_utf8(&s.io.bytes()[..len as usize]).unwrap().to_owned();
    for (i, text) in inline {
        let (shown, field) = text.split_once('\0').unwrap();
        let item: serde_json::Value = serde_json::from_str(&template).unwrap();
        assert_eq!(want.errors[i].message, item[0]["message"].as_str().unwrap().replace(KEY_MARK, shown));
        assert_eq!(want.errors[i].field.as_deref(), Some(field));
        assert_eq!(want.errors[i].code.as_str(), item[0]["code"]);
    }
    assert_eq!(template.matches(KEY_MARK).count(), 2, "field and message: {template}");
    for (i, entry) in unknown {
        let json_key = billcom_connection::json::issues(&[validate::unknown_key(keys[entry as usize])]);
        assert_eq!(json_key, billcom_connection::json::issues(&want.errors[i..=i]));
        let item: serde_json::Value = serde_json::from_str(&template).unwrap();
        let key = keys[entry as usize];
        assert_eq!(item[0]["field"], KEY_MARK);
        let message = item[0]["message"].as_str().unwrap().replace(KEY_MARK, key);
        assert_eq!(want.errors[i].message, message);
        assert_eq!(want.errors[i].field.as_deref(), Some(key));
        assert!(item[0].get("params").is_none());
    }
    for (i, t) in template_ids {
        let len = s.template(t);
        let text = std::str::from_utf8(&s.io.bytes()[..len as usize]).unwrap().to_owned();
        assert_eq!(text, billcom_connection::json::issues(&want.errors[i..=i]));
    }
}

#[test]
fn template_numbers_stand_for_one_finding_each() {
    use billcom_connection::validate::{check, ValueRef};
    // Every finding the tables can give, from values that break each rule.
    let values = ["", " ", "x", "a b", "\u{7}", "\u{200B}x", " x ", "0071", "008 1", "not-an-email", &"y".repeat(2000)];
    let mut all = Vec::new();
    for f in FIELDS {
        for v in values {
            check(f, ValueRef::Text(v), &mut all);
        }
        check(f, ValueRef::Missing, &mut all);
        check(f, ValueRef::InvalidUnicode, &mut all);
        for k in NOT_TEXT {
            check(f, ValueRef::NotText(k), &mut all);
        }
    }
    let mut seen = std::collections::BTreeMap::new();
    let mut s = State::new();
    for f in &all {
        let t = io::template_of(f).unwrap_or_else(|| panic!("no template for {f:?}"));
        // invalid_type's template leaves `received` to the finding (JS fills it in).
        let mut as_template = *f;
        if let Why::Received(_) = f.why {
            as_template.why = Why::Received(templates::RECEIVED_SLOT);
        }
        assert_eq!(io::finding_at(t), Some(as_template), "{f:?}");
        let len = s.template(t);
        assert!(len > 0, "template {t} is printed");
        let mut item: serde_json::Value = serde_json::from_slice(&s.io.bytes()[..len as usize]).unwrap();
        if let Why::Received(k) = f.why {
            item[0]["params"]["received"] = k.into();
        }
        assert_eq!(item, serde_json::from_str::<serde_json::Value>(&json::issues(&[f.issue()])).unwrap());
        if let Some(other) = seen.insert(t, as_template) {
            assert_eq!(other, as_template, "two findings share template {t}");
        }
    }
    // Every template printed at build time is a finding the rules can give, and
    // the other way round: the table holds exactly the numbers seen.
    let printed: Vec<u32> = texts::TEMPLATES.iter().map(|(n, _)| *n).filter(|n| *n != TEMPLATE_UNKNOWN_KEY).collect();
    assert_eq!(printed, seen.keys().copied().collect::<Vec<_>>());
    assert_eq!(printed, templates::numbers().collect::<Vec<_>>());
    assert!(seen.len() > 40, "{}", seen.len());
    // Numbers that stand for nothing are refused, not misread.
    for t in [6, 7, 15, 9 * io::TEMPLATE_STRIDE, u32::MAX] {
        assert!(io::finding_at(t).is_none(), "{t}");
        assert_eq!(s.template(t), ERR_INVALID_ARGUMENT);
    }
}

#[test]
fn every_field_has_a_value_slot_and_its_index() {
    assert!(FIELDS.len() <= io::MAX_FIELDS);
    for (i, f) in FIELDS.iter().enumerate() {
        assert_eq!(billcom_connection::spec::row(f), Some(i), "{}", f.id);
    }
}

/// The texts printed at build time are what the core's writer prints now (a stale
/// build script output would fail here).
#[test]
fn build_time_texts_are_the_writers_output() {
    use billcom_connection::{json, spec::API_TYPES};
    use billcom_connection_wasm::texts;
    assert_eq!(texts::CATALOGUE, json::catalogue());
    assert_eq!(texts::API_TYPES, json::api_types());
    assert_eq!(texts::FORM_SPECS.len(), API_TYPES.len());
    for (t, text) in API_TYPES.iter().zip(texts::FORM_SPECS) {
        assert_eq!(text, json::form_spec(t), "{}", t.id);
    }
    // And each is JSON.
    for text in [texts::CATALOGUE, texts::API_TYPES].into_iter().chain(texts::FORM_SPECS) {
        serde_json::from_str::<serde_json::Value>(text).expect(text);
    }
}

/// The bindings name API types and fields by table index: the enum's order is the
/// table's, and `io::field_of` agrees with the core's lookup by id.
#[test]
fn indices_name_the_tables_rows() {
    use billcom_connection::spec::API_TYPES;
    for (i, t) in API_TYPES.iter().enumerate() {
        assert_eq!(*t as usize, i, "{}", t.id);
        for (j, f) in FIELDS.iter().enumerate() {
            let by_id = validate::field_of(t, f.id).map(|g| g.id);
            assert_eq!(io::field_of(i as u32, j as u32).map(|g| g.id), by_id, "{} {}", t.id, f.id);
        }
        assert_eq!(io::field_of(i as u32, FIELDS.len() as u32).map(|g| g.id), Err(validate::UsageError::UnknownField));
        assert_eq!(io::field_of(i as u32, u32::MAX).map(|g| g.id), Err(validate::UsageError::UnknownField));
    }
    assert_eq!(io::field_of(API_TYPES.len() as u32, 0).map(|g| g.id), Err(validate::UsageError::UnknownApiType));
}
