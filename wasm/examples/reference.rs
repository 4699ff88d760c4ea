//! The reference for tests/js/property.test.mjs: the native validator on the same
//! inputs. Reads JSON lines `[[key, tag, value], ...]` (tag "s" text, "m" missing,
//! "u" invalid Unicode, else the name of a non-string type) and writes each report
//! as serde writes it.

use billcom_connection::validate::{validate, Entry, Value};
use std::io::{BufRead, Write};

fn main() {
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout());
    for line in stdin.lock().lines() {
        let line = line.expect("a line");
        let rows: Vec<(String, String, String)> = serde_json::from_str(&line).expect("[[key, tag, value]]");
        let entries: Vec<Entry> = rows
            .into_iter()
            .map(|(key, tag, value)| {
                let value = match tag.as_str() {
                    "s" => Value::Text(value),
                    "m" => Value::Missing,
                    "u" => Value::InvalidUnicode,
                    other => Value::NotText(
                        billcom_connection_wasm::io::NOT_TEXT.iter().find(|n| **n == other).expect("a type"),
                    ),
                };
                Entry { key, value }
            })
            .collect();
        serde_json::to_writer(&mut out, &validate(&entries)).expect("write");
        out.write_all(b"\n").expect("write");
    }
}
