//! The exported JSON Schema accepts exactly what `validate` accepts.
//!
//! Generates settings (valid ones, then padded, too long or short at the limits,
//! wrong types, missing fields, control, invisible and whitespace characters,
//! unknown keys, other types' keys, bad options, and random combinations of those),
//! takes `validate`'s verdict on each, writes the schemas and the cases to
//! `target/schema/`, and runs ajv over them (`tests/schema/ajv-agree.mjs`, Node,
//! with the project's `ajv` devDependency): every verdict must agree.
//!
//! Exceptions: none. (Lone UTF-16 surrogates exist only in JS strings; the Node
//! side checks those against the validator's fixed verdict, always invalid.)

use billcom_connection::schema::json_schema;
use billcom_connection::spec::{self, ApiType, API_TYPES, COMMON_FIELDS, FIELDS};
use billcom_connection::{validate, Entry, Value};
use serde_json::{json, Map, Value as Json};
use std::path::PathBuf;
use std::process::Command;

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn entries(settings: &Map<String, Json>) -> Vec<Entry> {
    settings
        .iter()
        .map(|(k, v)| {
            let value = match v {
                Json::Null => Value::Missing,
                Json::String(s) => Value::Text(s.clone()),
                Json::Bool(_) => Value::NotText("boolean"),
                Json::Number(_) => Value::NotText("number"),
                Json::Array(_) => Value::NotText("array"),
                Json::Object(_) => Value::NotText("object"),
            };
            Entry { key: k.clone(), value }
        })
        .collect()
}

fn good_value(id: &str, variant: usize) -> String {
    let options: &[&str] = match id {
        "name" => &["Ops", "BILL production - AP", "Ünïcødé 名前 😀", "a  b"],
        "environment" => &["production", "sandbox"],
        "organizationId" => &["00801ABCDEFGHIJKL", "008123456789012", "00801234567890123456", "008abcdefghijklm"],
        "username" => &["ops@example.com", "sync-token-name", "名前@例え.jp"],
        "password" => &["Correct-Horse-1", " pw with spaces ", "p", "pässwörd 😀"],
        "devKey" | "appKey" => &["MOCK-DEV-KEY-0001", "k", "ключ-😀"],
        "apiToken" => &["t0k", "MOCK-SPEND-TOKEN-0001"],
        _ => &["x"],
    };
    options[variant % options.len()].to_owned()
}

fn valid(t: ApiType, variant: usize) -> Map<String, Json> {
    let mut m = Map::new();
    for f in t.fields() {
        let v = if f.id == "apiType" { t.id.to_owned() } else { good_value(f.id, variant) };
        m.insert(f.id.to_owned(), Json::String(v));
    }
    m
}

const PADS: &[&str] = &[" ", "\t", "\n", "\r\n", "\u{3000}", "\u{85}", "\u{a0}", "\u{2028}", "\u{feff}", "\u{200b}"];
const INSIDE: &[&str] = &[
    " ",
    "\t",
    "\u{0}",
    "\u{7f}",
    "\u{9f}",
    "\u{3000}",
    "\u{200b}",
    "\u{202e}",
    "\u{ad}",
    "\u{2066}",
    "-",
    ".",
    "é",
    "😀",
    "\u{e0041}",
    "\u{85}",
];
const FILL: &[&str] = &["a", "é", "😀", "0"];

/// One random change to a copy of `m`.
fn mutate(rng: &mut Rng, t: ApiType, m: &mut Map<String, Json>) {
    let kind = rng.below(12);
    mutate_with(rng, t, m, kind);
}

fn mutate_with(rng: &mut Rng, t: ApiType, m: &mut Map<String, Json>, kind: usize) {
    let ids: Vec<&str> = t.fields().map(|f| f.id).collect();
    let id = *rng.pick(&ids);
    let cur = m.get(id).and_then(Json::as_str).unwrap_or("").to_owned();
    let field = spec::field(id).unwrap();
    match kind {
        0 => {
            let p = rng.pick(PADS);
            m.insert(id.into(), Json::String(format!("{p}{cur}")));
        }
        1 => {
            let p = rng.pick(PADS);
            m.insert(id.into(), Json::String(format!("{cur}{p}")));
        }
        2 => {
            // Around a length limit, keeping the prefix.
            let limit = if rng.below(2) == 0 { field.max_len } else { field.min_len };
            let Some(limit) = limit else { return };
            let n = (limit as usize + rng.below(3)).saturating_sub(1);
            let fill = if id == "organizationId" { "0" } else { *rng.pick(FILL) };
            let mut s: String = if id == "organizationId" { "008".into() } else { String::new() };
            while s.chars().count() < n {
                s.push_str(fill);
            }
            m.insert(id.into(), Json::String(s));
        }
        3 => {
            let c = rng.pick(INSIDE);
            let mut chars: Vec<char> = cur.chars().collect();
            let at = rng.below(chars.len() + 1);
            for (i, x) in c.chars().enumerate() {
                chars.insert(at + i, x);
            }
            m.insert(id.into(), Json::String(chars.into_iter().collect()));
        }
        4 => {
            let v =
                rng.pick(&[json!(5), json!(true), Json::Null, json!({ "a": "b" }), json!(["x"]), json!(0.5)]).clone();
            m.insert(id.into(), v);
        }
        5 => {
            m.remove(id);
        }
        6 => {
            m.insert(id.into(), Json::String(rng.pick(&["", " ", "\t\n", "\u{3000}"]).to_string()));
        }
        7 => {
            m.insert(rng.pick(&["colour", "devkey", "baseUrl", "id", "__proto__x", ""]).to_string(), json!("v"));
        }
        8 => {
            // A field of another API type: ignored whatever it holds.
            let other = rng.pick(&["organizationId", "username", "password", "devKey", "appKey", "apiToken"]);
            if !t.has_field(other) {
                m.insert(other.to_string(), rng.pick(&[json!(1), json!(" bad\u{0} "), Json::Null]).clone());
            }
        }
        9 => {
            let v = rng.pick(&["AP-AR-V2", " partner", "partner ", "spend_expense", "", "unknown"]);
            m.insert("apiType".into(), json!(v));
        }
        10 => {
            let v = rng.pick(&["Production", "prod", " sandbox", "", "staging"]);
            m.insert("environment".into(), json!(v));
        }
        _ => {
            if id == "organizationId" {
                let v = rng.pick(&["009ABCDEFGHIJKLM", "0081234567890_12", "00 801234567890123", "80012345678901234"]);
                m.insert(id.into(), json!(v));
            }
        }
    }
}

fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("schema")
}

#[test]
fn ajv_with_the_exported_schema_agrees_with_validate() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut cases = Vec::new();
    let mut push = |m: Map<String, Json>, t: ApiType| {
        let verdict = validate(&entries(&m)).valid;
        let credentials: Vec<&str> = t.fields().map(|f| f.id).filter(|id| !COMMON_FIELDS.contains(id)).collect();
        cases.push(json!({ "settings": m, "valid": verdict, "credentials": credentials }));
    };
    for t in API_TYPES {
        for variant in 0..4 {
            push(valid(*t, variant), *t);
        }
        // Padded and with other types' keys: mostly valid (trimmed), unless the
        // "padding" is not whitespace (a BOM, a zero-width space).
        for round in 0..100 {
            let mut m = valid(*t, round);
            for f in t.fields().filter(|f| f.options.is_none()) {
                if rng.below(2) == 0 {
                    let (a, b) = (rng.pick(PADS), rng.pick(PADS));
                    let v = format!("{a}{}{b}", m[f.id].as_str().unwrap_or(""));
                    m.insert(f.id.into(), Json::String(v));
                }
            }
            if rng.below(2) == 0 {
                mutate_with(&mut rng, *t, &mut m, 8);
            }
            push(m, *t);
        }
        for round in 0..400 {
            let mut m = valid(*t, round);
            for _ in 0..=(round % 3) {
                mutate(&mut rng, *t, &mut m);
            }
            push(m, *t);
        }
    }
    let total = cases.len();
    let valid_count = cases.iter().filter(|c| c["valid"] == true).count();
    assert!(total >= 1000, "{total}");
    // Both verdicts well represented, or the agreement proves little.
    assert!(valid_count > total / 5 && valid_count < total * 4 / 5, "{valid_count} of {total} valid");

    let dir = schema_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, v: &dyn erased::Ser| std::fs::write(dir.join(name), v.to_json()).unwrap();
    write("settings.schema.json", &json_schema(None));
    let ids: Vec<&str> = API_TYPES.iter().map(|t| t.id).collect();
    for t in API_TYPES {
        write(&format!("{}.schema.json", t.id), &json_schema(Some(*t)));
    }
    write("cases.json", &json!({ "apiTypes": ids, "cases": cases }));

    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/schema/ajv-agree.mjs");
    let ajv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node_modules/ajv");
    assert!(ajv.exists(), "node_modules/ajv is missing: run `npm ci` (or `npm test`, which does) first");
    let out = Command::new("node")
        .arg(&script)
        .arg(&dir)
        .output()
        .unwrap_or_else(|e| panic!("could not run node (is it on PATH?): {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ajv disagrees with validate:\n{stdout}\n{stderr}");
    let summary: Json = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(summary["cases"], total);
    assert_eq!(summary["disagreements"], 0);
    assert!(summary["loneSurrogates"].as_u64().unwrap_or(0) > 100, "{summary}");
    eprintln!("schema agreement: {summary} ({valid_count} valid)");
    // Every field of the tables is in the schema.
    let text = std::fs::read_to_string(dir.join("settings.schema.json")).unwrap();
    for f in FIELDS {
        assert!(text.contains(&format!("\"{}\"", f.id)), "{}", f.id);
    }
}

/// Serializes either a schema tree or a JSON value, pretty.
mod erased {
    pub trait Ser {
        fn to_json(&self) -> String;
    }

    impl<T: serde::Serialize> Ser for T {
        fn to_json(&self) -> String {
            serde_json::to_string_pretty(self).unwrap_or_default()
        }
    }
}
