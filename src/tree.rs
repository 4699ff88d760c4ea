//! A small JSON tree for documents built from the tables (the JSON Schema, the
//! HTTP view): keys keep their order, and it serializes with any serde serializer
//! (`serde_json` natively, `serde-wasm-bindgen` or JSON text in the browser).

use crate::prelude::*;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    Null,
    Bool(bool),
    Num(u32),
    Str(Cow<'static, str>),
    List(Vec<Node>),
    /// An object, keys in insertion order.
    Map(Vec<(Cow<'static, str>, Node)>),
}

impl Node {
    /// An empty object, to fill with [`Node::with`].
    pub fn map() -> Node {
        Node::Map(Vec::new())
    }

    /// This object with one more key (a no-op on anything but an object).
    pub fn with(mut self, key: impl Into<Cow<'static, str>>, value: impl Into<Node>) -> Node {
        if let Node::Map(m) = &mut self {
            m.push((key.into(), value.into()));
        }
        self
    }

    /// The value under `key`, if this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Compact JSON text, without a serializer (what the browser module hands to
    /// `JSON.parse`); the same text `serde_json::to_string` writes.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(256);
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Node::Null => out.push_str("null"),
            Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Node::Num(n) => crate::messages::push_num(out, *n),
            Node::Str(s) => write_str(out, s),
            Node::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Node::Map(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(out, k);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// A JSON string literal: `"`, `\` and control characters escaped as serde_json
/// does (short forms where JSON has them, else `\u00XX`).
fn write_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                let b = u32::from(c) as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[(b >> 4) & 0xf]));
                out.push(char::from(HEX[b & 0xf]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl From<&'static str> for Node {
    fn from(s: &'static str) -> Node {
        Node::Str(Cow::Borrowed(s))
    }
}

impl From<String> for Node {
    fn from(s: String) -> Node {
        Node::Str(Cow::Owned(s))
    }
}

impl From<bool> for Node {
    fn from(b: bool) -> Node {
        Node::Bool(b)
    }
}

impl From<u32> for Node {
    fn from(n: u32) -> Node {
        Node::Num(n)
    }
}

impl From<Vec<Node>> for Node {
    fn from(items: Vec<Node>) -> Node {
        Node::List(items)
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Null => s.serialize_unit(),
            Node::Bool(b) => s.serialize_bool(*b),
            Node::Num(n) => s.serialize_u32(*n),
            Node::Str(t) => s.serialize_str(t),
            Node::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            Node::Map(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_in_key_order() {
        let n = Node::map().with("b", 1u32).with("a", vec![Node::Null, true.into(), "x".into()]);
        assert_eq!(serde_json::to_string(&n).unwrap(), r#"{"b":1,"a":[null,true,"x"]}"#);
        assert_eq!(n.get("b"), Some(&Node::Num(1)));
        assert_eq!(Node::Null.with("k", 1u32), Node::Null);
    }

    #[test]
    fn json_text_is_what_serde_json_writes() {
        let tricky: String = (0u32..0x80).filter_map(char::from_u32).chain("é😀\u{2028}".chars()).collect();
        let n = Node::map()
            .with("s", tricky.clone())
            .with(tricky, vec![Node::Num(0), Node::Num(u32::MAX), false.into(), Node::map(), Node::List(vec![])]);
        assert_eq!(n.to_json(), serde_json::to_string(&n).unwrap());
        let schema = crate::schema::json_schema(None);
        assert_eq!(schema.to_json(), serde_json::to_string(&schema).unwrap());
    }
}
