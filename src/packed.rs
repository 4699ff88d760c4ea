//! Decodes the packed settings the browser hands over (see `src/wasm/read.js`):
//! a JSON array of strings, `["key", "tag", "value", ...]`. A tiny parser for just
//! that shape keeps serde's deserializer out of the WASM module.

use crate::validate::{Entry, Value};

/// The entries, or `None` when the text is not a well-formed packed array.
pub fn decode(text: &str) -> Option<Vec<Entry>> {
    let mut p = Parser { s: text.as_bytes(), i: 0 };
    p.eat(b'[')?;
    let mut out = Vec::new();
    if p.peek() == Some(b']') {
        p.i += 1;
        return p.at_end().then_some(out);
    }
    loop {
        let (key, key_ok) = p.string()?;
        p.eat(b',')?;
        let tag = p.tag()?;
        p.eat(b',')?;
        let (text, text_ok) = p.string()?;
        let value = match tag {
            "s" if text_ok => Value::Text(text),
            "s" => Value::InvalidUnicode,
            "m" => Value::Missing,
            other => Value::NotText(type_name(other)),
        };
        // A key with a lone surrogate cannot name a field; keep it visible as unknown.
        let key = if key_ok { key } else { key.replace('\u{FFFD}', "?") };
        out.push(Entry { key, value });
        match p.next()? {
            b',' => continue,
            b']' => return p.at_end().then_some(out),
            _ => return None,
        }
    }
}

fn type_name(tag: &str) -> &'static str {
    match tag {
        "number" => "number",
        "boolean" => "boolean",
        "bigint" => "bigint",
        "symbol" => "symbol",
        "function" => "function",
        "array" => "array",
        "unreadable" => "unreadable",
        _ => "object",
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        (self.next()? == b).then_some(())
    }

    fn at_end(&self) -> bool {
        self.i == self.s.len()
    }

    fn hex4(&mut self) -> Option<u16> {
        let mut n: u16 = 0;
        for _ in 0..4 {
            let d = char::from(self.next()?).to_digit(16)?;
            n = (n << 4) | d as u16;
        }
        Some(n)
    }

    /// A tag: a short string without escapes, borrowed from the text.
    fn tag(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        let len = self.s.get(start..)?.iter().position(|&b| b == b'"')?;
        self.i = start + len + 1;
        let s: &'a [u8] = self.s;
        std::str::from_utf8(s.get(start..start + len)?).ok()
    }

    /// A JSON string: its text, and whether it was valid Unicode (a lone
    /// surrogate escape becomes U+FFFD and `false`).
    fn string(&mut self) -> Option<(String, bool)> {
        self.eat(b'"')?;
        let mut out = String::new();
        let mut ok = true;
        loop {
            // Copy the run up to the next quote or backslash in one go.
            let start = self.i;
            let run = self.s.get(start..)?.iter().position(|&b| b == b'"' || b == b'\\')?;
            self.i = start + run;
            out.push_str(std::str::from_utf8(self.s.get(start..self.i)?).ok()?);
            match self.next()? {
                b'"' => return Some((out, ok)),
                _ => {
                    let c = match self.next()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            match hi {
                                0xD800..=0xDBFF if self.s.get(self.i..self.i + 2) == Some(b"\\u") => {
                                    let save = self.i;
                                    self.i += 2;
                                    let lo = self.hex4()?;
                                    if (0xDC00..=0xDFFF).contains(&lo) {
                                        let cp = 0x10000 + ((u32::from(hi) - 0xD800) << 10) + (u32::from(lo) - 0xDC00);
                                        char::from_u32(cp)?
                                    } else {
                                        self.i = save;
                                        ok = false;
                                        '\u{FFFD}'
                                    }
                                }
                                0xD800..=0xDFFF => {
                                    ok = false;
                                    '\u{FFFD}'
                                }
                                _ => char::from_u32(u32::from(hi))?,
                            }
                        }
                        _ => return None,
                    };
                    out.push(c);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(e: &Entry) -> Option<&str> {
        match &e.value {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }

    #[test]
    fn decodes_keys_tags_and_values() {
        let e = decode(r#"["name","s","Ops \"A\"\n\u00e9","n","m","","x","number","","y","array","","z","weird",""]"#)
            .unwrap();
        assert_eq!(e.len(), 5);
        assert_eq!((e[0].key.as_str(), text(&e[0])), ("name", Some("Ops \"A\"\né")));
        assert_eq!(e[1].value, Value::Missing);
        assert_eq!(e[2].value, Value::NotText("number"));
        assert_eq!(e[3].value, Value::NotText("array"));
        assert_eq!(e[4].value, Value::NotText("object"));
        assert_eq!(decode("[]").unwrap().len(), 0);
    }

    #[test]
    fn surrogate_pairs_decode_and_lone_ones_are_flagged() {
        let e = decode(r#"["k","s","\ud83d\ude00 ok","l","s","a\ud800b","m","s","\udc00"]"#).unwrap();
        assert_eq!(text(&e[0]), Some("😀 ok"));
        assert_eq!(e[1].value, Value::InvalidUnicode);
        assert_eq!(e[2].value, Value::InvalidUnicode);
        let e = decode(r#"["a\ud800","s","v"]"#).unwrap();
        assert_eq!(e[0].key, "a?");
    }

    #[test]
    fn malformed_text_is_rejected_not_panicked_on() {
        for bad in [
            "",
            "[",
            "[\"a\"]",
            "[\"a\",\"s\"]",
            "[\"a\",\"s\",\"v\"",
            "[\"a\",\"s\",\"v\"]x",
            "[\"\\u12\"]",
            "[\"\\q\",\"s\",\"v\"]",
            "{}",
            "[1,2,3]",
        ] {
            assert!(decode(bad).is_none(), "{bad}");
        }
    }
}
