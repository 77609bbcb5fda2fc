//! Dossiers: one per YAML document (or JSON file), with keys written in Chinese resolved to
//! their canonical names while every span still points at what the user wrote.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::document::{parse_documents, pointer_tokens, Node, NodeKind, Syntax};
use crate::error::{GuifanError, LocatedError};
use crate::source::{SourceFile, Span};

/// One dossier: a document of a file.
#[derive(Debug)]
pub struct Dossier {
    pub file: Arc<SourceFile>,
    /// Index of the document in its file, from 0.
    pub document: usize,
    pub root: Node,
    /// Which keys the dossier was written with; known once its aliases are resolved.
    pub keys: KeyStyle,
}

/// The keys a dossier was written with, so that help texts name its fields the way its writer
/// does: `legal_basis`, or 「设定依据」.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyStyle {
    /// The pack's canonical keys (or no key was aliased).
    #[default]
    Canonical,
    /// Chinese (aliased) keys: more of its keys were aliases than canonical keys.
    Aliased,
}

impl Dossier {
    /// Resolves the dossier's aliased keys (see [`resolve_aliases`]) and records which keys it
    /// was written with: a dossier mostly in Chinese keys with a stray `name` is still read as
    /// written in Chinese, and one stray Chinese key does not change a canonical dossier.
    pub fn resolve_aliases(&mut self, aliases: &BTreeMap<String, String>) -> Vec<KeyClash> {
        let mut counts = KeyCounts::default();
        let clashes = resolve_counted(&mut self.root, aliases, &mut counts);
        self.keys = if counts.aliased > counts.canonical {
            KeyStyle::Aliased
        } else {
            KeyStyle::Canonical
        };
        clashes
    }
}

#[derive(Default)]
struct KeyCounts {
    aliased: usize,
    canonical: usize,
}

/// Reads the dossiers of a file; a syntax error stops the file (exit code 2).
pub fn load_dossiers(file: &Arc<SourceFile>) -> Result<Vec<Dossier>, GuifanError> {
    let documents = parse_documents(file, Syntax::for_name(&file.name))
        .map_err(|error| LocatedError::new(file, error.span, error.message, error.label, None))?;
    // an empty document (a trailing `---`, a file of comments) is not a dossier
    let documents: Vec<Node> = documents
        .into_iter()
        .filter(|root| !(root.kind == NodeKind::Null && root.span.is_empty()))
        .collect();
    if documents.is_empty() {
        return Err(LocatedError::new(
            file,
            Span::new(0, 0),
            "the file holds no dossier (it is empty or only comments)",
            "a YAML mapping was expected",
            None,
        )
        .into());
    }
    Ok(documents
        .into_iter()
        .enumerate()
        .map(|(document, root)| Dossier {
            file: Arc::clone(file),
            document,
            root,
            keys: KeyStyle::Canonical,
        })
        .collect())
}

/// A key that means the same as another key of its mapping once aliases are resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyClash {
    /// JSON Pointer of the mapping.
    pub path: String,
    pub key: String,
    pub first: Span,
    pub second: Span,
}

/// Replaces every aliased key by its canonical key, in place. Spans stay where the user wrote
/// the key. Two keys that become the same key (`name` and `事项名称`) are reported; the second
/// is dropped so the rest of the dossier can still be checked.
pub fn resolve_aliases(root: &mut Node, aliases: &BTreeMap<String, String>) -> Vec<KeyClash> {
    resolve_counted(root, aliases, &mut KeyCounts::default())
}

fn resolve_counted(
    root: &mut Node,
    aliases: &BTreeMap<String, String>,
    counts: &mut KeyCounts,
) -> Vec<KeyClash> {
    let mut clashes = Vec::new();
    if !aliases.is_empty() {
        resolve_in(root, aliases, &mut String::new(), &mut clashes, counts);
    }
    clashes
}

fn resolve_in(
    node: &mut Node,
    aliases: &BTreeMap<String, String>,
    path: &mut String,
    clashes: &mut Vec<KeyClash>,
    counts: &mut KeyCounts,
) {
    match &mut node.kind {
        NodeKind::Map(entries) => {
            for entry in entries.iter_mut() {
                if let Some(canonical) = aliases.get(&*entry.key) {
                    entry.key = canonical.as_str().into();
                    counts.aliased += 1;
                } else {
                    counts.canonical += 1;
                }
            }
            let mut index = 0;
            while index < entries.len() {
                let duplicate = entries[..index]
                    .iter()
                    .position(|earlier| earlier.key == entries[index].key);
                if let Some(first) = duplicate {
                    clashes.push(KeyClash {
                        path: path.clone(),
                        key: entries[index].key.to_string(),
                        first: entries[first].key_span,
                        second: entries[index].key_span,
                    });
                    // the entries are a boxed slice (see `NodeKind`)
                    let mut kept = std::mem::take(entries).into_vec();
                    kept.remove(index);
                    *entries = kept.into_boxed_slice();
                } else {
                    index += 1;
                }
            }
            for entry in entries.iter_mut() {
                let length = path.len();
                path.push('/');
                path.push_str(&crate::document::escape_pointer_token(&entry.key));
                resolve_in(&mut entry.value, aliases, path, clashes, counts);
                path.truncate(length);
            }
        }
        NodeKind::Seq(items) => {
            for (position, item) in items.iter_mut().enumerate() {
                let length = path.len();
                path.push('/');
                path.push_str(&position.to_string());
                resolve_in(item, aliases, path, clashes, counts);
                path.truncate(length);
            }
        }
        _ => {}
    }
}

/// Reads a YAML plain scalar again as the text the user wrote (`01` → "01"), where the schema
/// wants a string. Returns false when the pointer does not name such a scalar.
pub fn read_as_written(root: &mut Node, pointer: &str, source: &SourceFile) -> bool {
    let Some(node) = node_at_mut(root, pointer) else {
        return false;
    };
    let convertible = node.plain
        && matches!(
            node.kind,
            NodeKind::Int(_) | NodeKind::Float(_) | NodeKind::Bool(_)
        );
    if convertible {
        node.kind = NodeKind::Str(source.slice(node.span).into());
    }
    convertible
}

fn node_at_mut<'a>(root: &'a mut Node, pointer: &str) -> Option<&'a mut Node> {
    let mut current = root;
    for token in pointer_tokens(pointer) {
        current = match &mut current.kind {
            NodeKind::Map(entries) => {
                &mut entries.iter_mut().find(|entry| *entry.key == *token)?.value
            }
            NodeKind::Seq(items) => items.get_mut(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::parse_yaml;

    #[test]
    fn chinese_keys_become_canonical_and_keep_their_spans() {
        let source = SourceFile::new(
            "d.yaml",
            "进驻事项:\n  - 事项名称: 食品经营许可\n    name: 重复\n",
        );
        let mut root = parse_yaml(&source).expect("yaml").remove(0);
        let aliases: BTreeMap<String, String> = [("进驻事项", "items"), ("事项名称", "name")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let clashes = resolve_aliases(&mut root, &aliases);
        let location = root.locate("/items/0/name");
        assert_eq!(source.slice(location.span), "食品经营许可");
        assert_eq!(clashes.len(), 1);
        assert_eq!(clashes[0].path, "/items/0");
        assert_eq!(source.slice(clashes[0].second), "name");
    }

    #[test]
    fn a_dossier_is_read_as_written_in_the_keys_most_of_it_uses() {
        let aliases: BTreeMap<String, String> = [
            ("进驻事项", "items"),
            ("事项名称", "name"),
            ("设定依据", "legal_basis"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let style = |text: &str| {
            let file = Arc::new(SourceFile::new("d.yaml", text));
            let mut dossier = load_dossiers(&file).expect("yaml").remove(0);
            assert_eq!(
                dossier.keys,
                KeyStyle::Canonical,
                "not known before resolution"
            );
            dossier.resolve_aliases(&aliases);
            dossier.keys
        };
        assert_eq!(
            style("进驻事项:\n  - 事项名称: 甲\n    legal_basis: []\n"),
            KeyStyle::Aliased
        );
        assert_eq!(
            style("items:\n  - name: 甲\n    设定依据: []\n"),
            KeyStyle::Canonical
        );
        assert_eq!(style("items: []\n"), KeyStyle::Canonical);
    }

    #[test]
    fn plain_scalars_are_read_again_as_written() {
        let source = SourceFile::new("d.yaml", "task_type: 01\nquoted: '02'\n");
        let mut root = parse_yaml(&source).expect("yaml").remove(0);
        assert!(read_as_written(&mut root, "/task_type", &source));
        assert_eq!(root.get("task_type").and_then(Node::as_str), Some("01"));
        assert!(!read_as_written(&mut root, "/quoted", &source));
    }
}
