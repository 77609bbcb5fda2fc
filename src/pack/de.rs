//! serde over the spanned tree, so a pack is typed (`#[derive(Deserialize)]`) and every typed
//! field can keep where it was written ([`Spanned`]).
//!
//! Why by hand: serde-saphyr's `Spanned` stops at the first error of a file, and a rule author
//! wants every error of a pack in one run with its line and column. Deserializing each rule
//! from the already-parsed tree lets the loader collect them all; this module is the small
//! adapter that makes that possible.

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::document::{Node, NodeKind};
use crate::source::{SourceFile, Span};

/// A value and the span where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    pub span: Span,
    pub value: T,
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

const SPANNED_NAME: &str = "$guifan::Spanned";
const SPANNED_FIELDS: &[&str] = &["$start", "$end", "$value"];

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SpannedVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for SpannedVisitor<T> {
            type Value = Spanned<T>;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Spanned<T>, A::Error> {
                let mut start = 0u32;
                let mut end = 0u32;
                let mut value = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "$start" => start = map.next_value()?,
                        "$end" => end = map.next_value()?,
                        _ => value = Some(map.next_value()?),
                    }
                }
                let value = value.ok_or_else(|| de::Error::custom("a spanned value is missing"))?;
                Ok(Spanned {
                    span: Span { start, end },
                    value,
                })
            }
        }
        deserializer.deserialize_struct(
            SPANNED_NAME,
            SPANNED_FIELDS,
            SpannedVisitor(std::marker::PhantomData),
        )
    }
}

/// A field error, with the span once the adapter knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub message: String,
    pub span: Option<Span>,
    pub help: Option<String>,
    /// Further errors of the same entry (every unknown key of a rule, not only the first),
    /// each with its own span.
    pub also: Vec<FieldError>,
}

impl fmt::Display for FieldError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for FieldError {}

impl de::Error for FieldError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        FieldError {
            message: message.to_string(),
            span: None,
            help: None,
            also: Vec::new(),
        }
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        FieldError {
            message: format!("unknown key `{field}`"),
            span: None,
            help: suggest(field, expected),
            also: Vec::new(),
        }
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        FieldError {
            message: format!("unknown value `{variant}`"),
            span: None,
            help: suggest(variant, expected),
            also: Vec::new(),
        }
    }
}

/// The longest list of known words a help text spells out; beyond it only the closest is named.
const LISTED_WORDS: usize = 20;

/// "did you mean `x`?" when a known word is close, and the list of known words when it is
/// short; nothing when there is nothing to say (never an empty "expected one of").
pub fn suggest(word: &str, expected: &[&str]) -> Option<String> {
    let closest = super::static_check::did_you_mean(word, expected.iter().copied());
    if expected.is_empty() || expected.len() > LISTED_WORDS {
        return closest;
    }
    let list = expected
        .iter()
        .map(|candidate| format!("`{candidate}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Some(match closest {
        Some(closest) => format!("{closest} expected one of {list}"),
        None => format!("expected one of {list}"),
    })
}

impl FieldError {
    fn at(mut self, span: Span) -> Self {
        if self.span.is_none() {
            self.span = Some(span);
        }
        self
    }
}

/// Deserializes `T` from a node of `source`.
pub fn from_node<'a, T: Deserialize<'a>>(
    source: &'a SourceFile,
    node: &'a Node,
) -> Result<T, FieldError> {
    T::deserialize(NodeDeserializer { source, node }).map_err(|error| error.at(node.span))
}

#[derive(Clone, Copy)]
struct NodeDeserializer<'a> {
    source: &'a SourceFile,
    node: &'a Node,
}

impl<'de> NodeDeserializer<'de> {
    fn invalid_type(&self, expected: &str) -> FieldError {
        FieldError {
            message: format!("expected {expected}, found a {}", self.node.type_name()),
            span: Some(self.node.span),
            help: None,
            also: Vec::new(),
        }
    }

    /// The text of a scalar: strings as they are, plain numbers and booleans as written
    /// (`version: 1.0` is the text "1.0").
    fn text(&self) -> Option<&'de str> {
        match &self.node.kind {
            NodeKind::Str(text) => Some(text),
            NodeKind::Int(_) | NodeKind::Float(_) | NodeKind::Bool(_) => {
                Some(self.source.slice(self.node.span))
            }
            _ => None,
        }
    }
}

impl<'de> de::Deserializer<'de> for NodeDeserializer<'de> {
    type Error = FieldError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        let span = self.node.span;
        match &self.node.kind {
            NodeKind::Null => visitor.visit_unit(),
            NodeKind::Bool(value) => visitor.visit_bool(*value),
            NodeKind::Int(value) => visitor.visit_i64(*value),
            NodeKind::Float(value) => visitor.visit_f64(*value),
            NodeKind::Str(text) => visitor.visit_borrowed_str(text),
            NodeKind::Seq(items) => visitor.visit_seq(NodeSeq {
                source: self.source,
                items: items.iter(),
            }),
            NodeKind::Map(_) => visitor.visit_map(NodeMap {
                source: self.source,
                node: self.node,
                index: 0,
                value_next: None,
                only: None,
            }),
        }
        .map_err(|error| error.at(span))
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        match self.text() {
            Some(text) => visitor.visit_borrowed_str(text),
            None => Err(self.invalid_type("a string")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        match self.node.kind {
            NodeKind::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, FieldError> {
        if name == SPANNED_NAME {
            return visitor.visit_map(SpannedMap {
                deserializer: self,
                state: 0,
            });
        }
        let Some(entries) = self.node.as_entries() else {
            return Err(self.invalid_type("a mapping"));
        };
        // serde stops at the first unknown key; an author wants every one of them (and what
        // else is wrong with the entry) in one run: the unknown keys are collected here and
        // the known ones deserialized without them
        let unknown: Vec<FieldError> = entries
            .iter()
            .filter(|entry| !fields.contains(&&*entry.key))
            .map(|entry| FieldError {
                message: format!("unknown key `{}`", entry.key),
                span: Some(entry.key_span),
                help: suggest(&entry.key, fields),
                also: Vec::new(),
            })
            .collect();
        if unknown.is_empty() {
            return self.deserialize_any(visitor);
        }
        let rest = visitor
            .visit_map(NodeMap {
                source: self.source,
                node: self.node,
                index: 0,
                value_next: None,
                only: Some(fields),
            })
            .err()
            .map(|error| error.at(self.node.span))
            // `asert` for `assert` already says what is missing
            .filter(|error| {
                !entries.iter().any(|entry| {
                    !fields.contains(&&*entry.key)
                        && super::static_check::closest(&entry.key, fields.iter().copied())
                            .is_some_and(|closest| {
                                error.message == format!("missing field `{closest}`")
                            })
                })
            });
        let mut errors: Vec<FieldError> = Vec::new();
        for error in unknown.into_iter().chain(rest) {
            let mut error = error;
            let also = std::mem::take(&mut error.also);
            errors.push(error);
            errors.extend(also);
        }
        let mut first = errors.remove(0);
        first.also = errors;
        Err(first)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, FieldError> {
        match self.text() {
            Some(text) => visitor
                .visit_enum(text.into_deserializer())
                .map_err(|error: FieldError| error.at(self.node.span)),
            None => Err(self.invalid_type("one of the listed words")),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        match self.node.kind {
            NodeKind::Seq(_) => self.deserialize_any(visitor),
            _ => Err(self.invalid_type("a list")),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        match self.node.kind {
            NodeKind::Map(_) => self.deserialize_any(visitor),
            _ => Err(self.invalid_type("a mapping")),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit
        unit_struct newtype_struct tuple tuple_struct identifier ignored_any
    }
}

struct NodeSeq<'a> {
    source: &'a SourceFile,
    items: std::slice::Iter<'a, Node>,
}

impl<'de> SeqAccess<'de> for NodeSeq<'de> {
    type Error = FieldError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, FieldError> {
        match self.items.next() {
            Some(node) => seed
                .deserialize(NodeDeserializer {
                    source: self.source,
                    node,
                })
                .map(Some)
                .map_err(|error| error.at(node.span)),
            None => Ok(None),
        }
    }
}

struct NodeMap<'a> {
    source: &'a SourceFile,
    node: &'a Node,
    index: usize,
    value_next: Option<&'a Node>,
    /// Only these keys are given to the visitor (the others are reported by the caller).
    only: Option<&'static [&'static str]>,
}

impl<'de> MapAccess<'de> for NodeMap<'de> {
    type Error = FieldError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, FieldError> {
        let Some(entries) = self.node.as_entries() else {
            return Ok(None);
        };
        let entry = loop {
            let Some(entry) = entries.get(self.index) else {
                return Ok(None);
            };
            self.index += 1;
            if self.only.is_none_or(|only| only.contains(&&*entry.key)) {
                break entry;
            }
        };
        self.value_next = Some(&entry.value);
        let key: &'de str = &entry.key;
        seed.deserialize(key.into_deserializer())
            .map(Some)
            .map_err(|error: FieldError| error.at(entry.key_span))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, FieldError> {
        let node = self
            .value_next
            .take()
            .ok_or_else(|| <FieldError as de::Error>::custom("a value without a key"))?;
        seed.deserialize(NodeDeserializer {
            source: self.source,
            node,
        })
        .map_err(|error| error.at(node.span))
    }
}

struct SpannedMap<'a> {
    deserializer: NodeDeserializer<'a>,
    state: u8,
}

impl<'de> MapAccess<'de> for SpannedMap<'de> {
    type Error = FieldError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, FieldError> {
        match SPANNED_FIELDS.get(self.state as usize) {
            Some(field) => seed.deserialize(field.into_deserializer()).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, FieldError> {
        let span = self.deserializer.node.span;
        self.state += 1;
        match self.state {
            1 => seed.deserialize(span.start.into_deserializer()),
            2 => seed.deserialize(span.end.into_deserializer()),
            _ => seed.deserialize(self.deserializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::parse_yaml;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        id: Spanned<String>,
        version: String,
        #[serde(default)]
        tags: Vec<Spanned<String>>,
    }

    fn load(text: &str) -> (SourceFile, Result<Sample, FieldError>) {
        let source = SourceFile::new("p.yaml", text);
        let documents = parse_yaml(&source).expect("yaml");
        let result = from_node::<Sample>(&source, &documents[0]);
        (source, result)
    }

    #[test]
    fn spans_reach_typed_fields() {
        let (source, sample) = load("id: 事项\nversion: 1.0\ntags: [a, b]\n");
        let sample = sample.expect("loads");
        assert_eq!(source.slice(sample.id.span), "事项");
        assert_eq!(sample.version, "1.0");
        assert_eq!(source.slice(sample.tags[1].span), "b");
    }

    #[test]
    fn unknown_keys_point_at_the_key_with_a_suggestion() {
        let (source, sample) = load("id: a\nversoin: 1\n");
        let error = sample.expect_err("unknown key");
        assert_eq!(error.message, "unknown key `versoin`");
        assert_eq!(source.slice(error.span.expect("span")), "versoin");
        assert!(error
            .help
            .expect("help")
            .starts_with("did you mean `version`?"));
    }

    #[test]
    fn every_unknown_key_is_reported_with_what_else_is_wrong() {
        let (source, sample) = load("id: a\nverson: 1\ntagz: []\n");
        // `verson` is taken for `version`: its absence is not reported again
        let error = sample.expect_err("unknown keys");
        let mut all = vec![error.clone()];
        all.extend(error.also.iter().cloned());
        let texts: Vec<(String, &str)> = all
            .iter()
            .map(|error| {
                (
                    error.message.clone(),
                    source.slice(error.span.expect("span")),
                )
            })
            .collect();
        assert_eq!(
            texts,
            vec![
                ("unknown key `verson`".to_string(), "verson"),
                ("unknown key `tagz`".to_string(), "tagz"),
            ]
        );
    }

    #[test]
    fn missing_fields_point_at_the_mapping() {
        let (_, sample) = load("id: a\n");
        let error = sample.expect_err("missing");
        assert!(
            error.message.contains("missing field `version`"),
            "{}",
            error.message
        );
        assert!(error.span.is_some());
    }
}
