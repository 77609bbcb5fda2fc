//! The spanned tree as an instance the `jsonschema` crate validates in place, so the structure
//! check needs no `serde_json` copy of the dossier (which cost as much memory as the tree and a
//! tenth of a check's time).
//!
//! The representation answers exactly as [`Node::to_json`] would: integers are JSON integers,
//! finite floats JSON numbers, and a NaN or an infinity (which JSON cannot hold) is `null`.
//! Keys keep their order, so errors come out in the same order as from the copy.

use std::borrow::Cow;

use jsonschema::json::{cmp, Array, Json, JsonNumber, Node as JsonNode, NodeIdentity, Object};
use jsonschema::JsonType;
use serde_json::Value;

use super::tree::{Entry, Node, NodeKind};
use crate::source::Span;

/// The `jsonschema` representation of a [`Node`]: build a validator for it with
/// `jsonschema::options_for::<NodeJson>()`.
pub struct NodeJson;

impl Json for NodeJson {
    type Node<'a> = &'a Node;
    type PreparedKey = Box<str>;
    type StringBuffer = Option<Node>;

    // Lookups scan the entries, so one pass over the members always beats repeated lookups.
    const KEYS_PER_LOOKUP: usize = 1 << 20;

    fn prepare_key(key: &str) -> Box<str> {
        key.into()
    }

    fn with_string_node<T>(
        buffer: &mut Option<Node>,
        string: &str,
        f: impl FnOnce(&Node) -> T,
    ) -> T {
        let node = buffer.insert(Node::new(NodeKind::Str(string.into()), Span::default()));
        f(node)
    }
}

/// A number of the tree: an integer, or a finite float.
#[derive(Clone, Copy, Debug)]
pub enum NodeNumber {
    Int(i64),
    Float(f64),
}

impl JsonNumber for NodeNumber {
    fn as_u64(&self) -> Option<u64> {
        match *self {
            NodeNumber::Int(value) => u64::try_from(value).ok(),
            NodeNumber::Float(_) => None,
        }
    }

    fn as_i64(&self) -> Option<i64> {
        match *self {
            NodeNumber::Int(value) => Some(value),
            NodeNumber::Float(_) => None,
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match *self {
            NodeNumber::Int(value) => Some(value as f64),
            NodeNumber::Float(value) => Some(value),
        }
    }

    fn as_str(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_number().to_string())
    }

    fn to_number(&self) -> Cow<'_, serde_json::Number> {
        Cow::Owned(match *self {
            NodeNumber::Int(value) => serde_json::Number::from(value),
            NodeNumber::Float(value) => {
                serde_json::Number::from_f64(value).unwrap_or_else(|| serde_json::Number::from(0))
            }
        })
    }

    fn is_written_as_integer(&self) -> bool {
        matches!(self, NodeNumber::Int(_))
    }
}

/// A scalar that JSON equality compares by kind and value alone (no numbers, no containers).
#[derive(PartialEq, Eq, Hash)]
enum PlainScalar<'a> {
    Null,
    Bool(bool),
    Str(&'a str),
}

fn plain_scalar(node: &Node) -> Option<PlainScalar<'_>> {
    match &node.kind {
        NodeKind::Null => Some(PlainScalar::Null),
        NodeKind::Float(value) if !value.is_finite() => Some(PlainScalar::Null),
        NodeKind::Bool(value) => Some(PlainScalar::Bool(*value)),
        NodeKind::Str(text) => Some(PlainScalar::Str(text)),
        _ => None,
    }
}

impl<'a> JsonNode<'a, NodeJson> for &'a Node {
    type Object = &'a [Entry];
    type Array = &'a [Node];
    type Number = NodeNumber;

    fn as_object(&self) -> Option<&'a [Entry]> {
        match &self.kind {
            NodeKind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<&'a [Node]> {
        match &self.kind {
            NodeKind::Seq(items) => Some(items),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match &self.kind {
            NodeKind::Str(text) => Some(Cow::Borrowed(text)),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<NodeNumber> {
        match self.kind {
            NodeKind::Int(value) => Some(NodeNumber::Int(value)),
            NodeKind::Float(value) if value.is_finite() => Some(NodeNumber::Float(value)),
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        match self.kind {
            NodeKind::Bool(value) => Some(value),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        match self.kind {
            NodeKind::Null => true,
            NodeKind::Float(value) => !value.is_finite(),
            _ => false,
        }
    }

    fn json_type(&self) -> JsonType {
        match &self.kind {
            NodeKind::Null => JsonType::Null,
            NodeKind::Bool(_) => JsonType::Boolean,
            NodeKind::Int(_) => JsonType::Number,
            NodeKind::Float(value) if value.is_finite() => JsonType::Number,
            NodeKind::Float(_) => JsonType::Null,
            NodeKind::Str(_) => JsonType::String,
            NodeKind::Seq(_) => JsonType::Array,
            NodeKind::Map(_) => JsonType::Object,
        }
    }

    fn string_length(&self) -> Option<u64> {
        match &self.kind {
            NodeKind::Str(text) => Some(text.chars().count() as u64),
            _ => None,
        }
    }

    fn equals_value(&self, expected: &Value) -> bool {
        match (&self.kind, expected) {
            (NodeKind::Str(text), Value::String(other)) => **text == **other,
            (NodeKind::Bool(value), Value::Bool(other)) => value == other,
            (NodeKind::Int(_) | NodeKind::Float(_), Value::Number(other)) => match self.as_number()
            {
                Some(number) => cmp::equal_numbers(&number, other),
                None => false,
            },
            (NodeKind::Float(value), Value::Null) => !value.is_finite(),
            (NodeKind::Null, Value::Null) => true,
            (NodeKind::Seq(_) | NodeKind::Map(_), _) => cmp::equal(&self.to_json(), expected),
            _ => false,
        }
    }

    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(self.to_json())
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::new(std::ptr::from_ref::<Node>(*self) as usize))
    }
}

pub struct Members<'a>(std::slice::Iter<'a, Entry>);

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, &'a Node);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|entry| (&*entry.key, &entry.value))
    }
}

impl<'a> Object<'a, NodeJson> for &'a [Entry] {
    type Node = &'a Node;
    type MemberName = &'a str;
    type MembersIter = Members<'a>;

    fn len(&self) -> usize {
        <[Entry]>::len(self)
    }

    fn get(&self, key: &Box<str>) -> Option<&'a Node> {
        self.iter()
            .find(|entry| *entry.key == **key)
            .map(|entry| &entry.value)
    }

    fn members(&self) -> Members<'a> {
        Members(self.iter())
    }
}

impl<'a> Array<'a, NodeJson> for &'a [Node] {
    type Node = &'a Node;
    type ElementsIter = std::slice::Iter<'a, Node>;

    fn len(&self) -> usize {
        <[Node]>::len(self)
    }

    fn elements(&self) -> std::slice::Iter<'a, Node> {
        self.iter()
    }

    fn is_unique(&self) -> bool {
        // strings, booleans and nulls are equal only to the same kind and value: compare them
        // in place; anything holding a number or a container goes the general way
        let scalars: Option<Vec<PlainScalar<'a>>> = self.iter().map(plain_scalar).collect();
        match scalars {
            Some(scalars) if scalars.len() <= 16 => scalars
                .iter()
                .enumerate()
                .all(|(index, scalar)| !scalars[index + 1..].contains(scalar)),
            Some(scalars) => {
                let mut seen = std::collections::HashSet::with_capacity(scalars.len());
                scalars.into_iter().all(|scalar| seen.insert(scalar))
            }
            None => {
                let values: Vec<Value> = self.iter().map(Node::to_json).collect();
                jsonschema::json::unique::is_unique(&values)
            }
        }
    }
}
