//! A small JSON tree for documents built from the tables (the JSON Schema, the
//! HTTP view): keys keep their order, and it serializes with any serde serializer
//! (`serde_json` natively, `serde-wasm-bindgen` or JSON text in the browser).

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use std::borrow::Cow;

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
}
