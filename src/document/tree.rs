//! The spanned tree: values with the byte span of every node and every mapping key.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use crate::source::Span;

/// One value of a document with the byte span where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
    /// The value was a YAML plain (unquoted) scalar: its source text may be read again as a
    /// string where the schema wants one (`task_type: 01` is the code "01", not the number 1).
    pub plain: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Shared: a parser keeps one copy of each distinct string of a document.
    Str(Arc<str>),
    /// Boxed slices, not vectors: a node is 40 bytes rather than 48.
    Seq(Box<[Node]>),
    Map(Box<[Entry]>),
}

/// A mapping entry. `key` is the canonical key (after alias resolution); `key_span` is where
/// the key was written, so a diagnostic points at the word the user typed.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Shared: a parser keeps one copy of each distinct key of a document.
    pub key: Arc<str>,
    pub key_span: Span,
    pub value: Node,
}

impl Node {
    pub fn new(kind: NodeKind, span: Span) -> Node {
        Node {
            kind,
            span,
            plain: false,
        }
    }

    /// The entry of a mapping with the given canonical key.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.kind {
            NodeKind::Map(entries) => entries.iter().find(|entry| &*entry.key == key),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|entry| &entry.value)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_entries(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_items(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// A mapping or a list.
    pub fn is_collection(&self) -> bool {
        matches!(self.kind, NodeKind::Map(_) | NodeKind::Seq(_))
    }

    /// The word a message uses for the kind of value (`mapping`, `string` …).
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "boolean",
            NodeKind::Int(_) => "integer",
            NodeKind::Float(_) => "number",
            NodeKind::Str(_) => "string",
            NodeKind::Seq(_) => "sequence",
            NodeKind::Map(_) => "mapping",
        }
    }

    /// How many nodes the subtree holds; bounds alias expansion.
    pub fn size(&self) -> usize {
        1 + match &self.kind {
            NodeKind::Seq(items) => items.iter().map(Node::size).sum(),
            NodeKind::Map(entries) => entries.iter().map(|entry| entry.value.size()).sum(),
            _ => 0,
        }
    }

    /// The value as JSON, for schema validation and the `eval` command.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(value) => Value::Bool(*value),
            NodeKind::Int(value) => Value::from(*value),
            NodeKind::Float(value) => serde_json::Number::from_f64(*value)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            NodeKind::Str(text) => Value::String(text.to_string()),
            NodeKind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|entry| (entry.key.to_string(), entry.value.to_json()))
                    .collect(),
            ),
        }
    }
}

/// One copy of each distinct string (keys and string values) while a document is read: a
/// dossier repeats its keys, dates, codes and law titles thousands of times, and a shared copy
/// costs a pointer where a copy of its own cost an allocation.
#[derive(Default)]
pub(crate) struct Interner {
    strings: HashSet<Arc<str>, BuildHasherDefault<WordHasher>>,
    /// What was last written at each place of a mapping, by level: [`Interner::intern_at`].
    places: Vec<Vec<Option<Arc<str>>>>,
}

impl Interner {
    /// The places of a mapping remembered at each level: a key or value further on is
    /// interned as any other string.
    const PLACES: usize = 64;

    pub(crate) fn intern(&mut self, text: &str) -> Arc<str> {
        if let Some(found) = self.strings.get(text) {
            return Arc::clone(found);
        }
        let text: Arc<str> = text.into();
        self.strings.insert(Arc::clone(&text));
        text
    }

    /// `text`, written at `place` of a mapping `depth` levels deep (its `n`th key is place
    /// `2n`, a string value of that key place `2n + 1`): the objects of a list repeat their
    /// keys, and often their codes and units, in the same order, so the string the last
    /// mapping at that level had there is compared first, and the set is hashed and searched
    /// only when it differs. The string is the set's own either way: sharing is unchanged.
    pub(crate) fn intern_at(&mut self, depth: usize, place: usize, text: &str) -> Arc<str> {
        if place >= Self::PLACES {
            return self.intern(text);
        }
        if let Some(Some(last)) = self.places.get(depth).and_then(|row| row.get(place)) {
            if **last == *text {
                return Arc::clone(last);
            }
        }
        let interned = self.intern(text);
        if self.places.len() <= depth {
            self.places.resize_with(depth + 1, Vec::new);
        }
        let row = &mut self.places[depth];
        if row.len() <= place {
            row.resize(place + 1, None);
        }
        row[place] = Some(Arc::clone(&interned));
        interned
    }
}

/// The keys of a mapping being built, to find a key written twice: a scan while the mapping is
/// small, a hash look-up once it is large (a scan for each key of a mapping of 100,000 keys is
/// 5·10⁹ comparisons, and one such line is all a hostile dossier needs).
#[derive(Default)]
pub(crate) struct KeyIndex {
    /// Each key of the entries indexed so far, with its position; filled lazily.
    positions: HashMap<Arc<str>, usize, BuildHasherDefault<WordHasher>>,
}

impl KeyIndex {
    /// Below this many entries a scan is as fast as a look-up.
    const SCAN: usize = 16;

    /// The entry of `entries` (the mapping's entries so far, which have no key twice) whose key
    /// is `key`.
    pub(crate) fn find<'e>(&mut self, entries: &'e [Entry], key: &Arc<str>) -> Option<&'e Entry> {
        if entries.len() < Self::SCAN {
            return entries.iter().find(|entry| entry.key == *key);
        }
        // the entries pushed since the last look-up; each key is new, so the count of keys
        // indexed is the count of entries indexed
        for (position, entry) in entries.iter().enumerate().skip(self.positions.len()) {
            self.positions.insert(Arc::clone(&entry.key), position);
        }
        self.positions
            .get(key)
            .and_then(|&position| entries.get(position))
    }
}

/// A small multiplicative hash (FxHash's), a word at a time: the interner hashes every scalar
/// of a document, and SipHash cost more than the allocation it saves.
#[derive(Default)]
pub(crate) struct WordHasher(u64);

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
