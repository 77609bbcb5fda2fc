//! Dossiers: one per YAML document (or JSON file), with keys written in Chinese resolved to
//! their canonical names while every span still points at what the user wrote.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasherDefault;
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
        let mut resolver = Resolver {
            aliases,
            canonical: BTreeMap::new(),
            clashes: &mut clashes,
            counts,
            looked_up: HashMap::default(),
        };
        resolver.resolve_in(root, &mut String::new());
    }
    clashes
}

/// What resolving a dossier's aliases carries down its tree.
struct Resolver<'a> {
    aliases: &'a BTreeMap<String, String>,
    /// One copy of each canonical key put in place of an alias, made when first needed: a
    /// dossier written in Chinese keys has thousands of each.
    canonical: BTreeMap<&'a str, Arc<str>>,
    clashes: &'a mut Vec<KeyClash>,
    counts: &'a mut KeyCounts,
    /// The shared canonical key of each key met that is an alias, by the key's copy: a parser
    /// keeps one copy of each distinct key of a document, so the aliases are searched once per
    /// distinct key, not once for each of the thousands of keys of a list of items. The copies
    /// are held, so no other key can take a copy's address while it is here.
    looked_up: HashMap<KeyCopy, Option<Arc<str>>, BuildHasherDefault<crate::document::WordHasher>>,
}

/// A key's copy, hashed and compared by its address.
struct KeyCopy(Arc<str>);

impl PartialEq for KeyCopy {
    fn eq(&self, other: &KeyCopy) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for KeyCopy {}

impl std::hash::Hash for KeyCopy {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_usize(Arc::as_ptr(&self.0).cast::<u8>() as usize);
    }
}

impl Resolver<'_> {
    /// The shared copy of the canonical key `key` is an alias of, if it is one.
    fn canonical_of(&mut self, key: &Arc<str>) -> Option<Arc<str>> {
        let Resolver {
            aliases,
            canonical,
            looked_up,
            ..
        } = self;
        looked_up
            .entry(KeyCopy(Arc::clone(key)))
            .or_insert_with(|| {
                let name = aliases.get(&**key)?.as_str();
                Some(Arc::clone(
                    canonical.entry(name).or_insert_with(|| Arc::from(name)),
                ))
            })
            .clone()
    }

    /// Resolves the keys below `node`, whose JSON Pointer is `path`.
    fn resolve_in(&mut self, node: &mut Node, path: &mut String) {
        match &mut node.kind {
            NodeKind::Map(entries) => {
                for entry in entries.iter_mut() {
                    if let Some(canonical) = self.canonical_of(&entry.key) {
                        entry.key = canonical;
                        self.counts.aliased += 1;
                    } else {
                        self.counts.canonical += 1;
                    }
                }
                self.drop_clashes(entries, path);
                // the path is written only where there are keys below
                for entry in entries
                    .iter_mut()
                    .filter(|entry| entry.value.is_collection())
                {
                    let length = path.len();
                    path.push('/');
                    crate::document::push_pointer_token(path, &entry.key);
                    self.resolve_in(&mut entry.value, path);
                    path.truncate(length);
                }
            }
            NodeKind::Seq(items) => {
                for (position, item) in items.iter_mut().enumerate() {
                    if !item.is_collection() {
                        continue;
                    }
                    let length = path.len();
                    use std::fmt::Write;
                    let _ = write!(path, "/{position}");
                    self.resolve_in(item, path);
                    path.truncate(length);
                }
            }
            _ => {}
        }
    }

    /// Keys that became the same key (`name` and `事项名称`) are reported, and all but the first
    /// dropped. Found by hash in a large mapping, where a scan of the keys before each key was
    /// quadratic (a mapping of 200,000 keys took two minutes); the entries are rebuilt only
    /// when two keys clash.
    fn drop_clashes(&mut self, entries: &mut Box<[crate::document::Entry]>, path: &str) {
        let mut keys = crate::document::KeyIndex::default();
        let Some(start) = (0..entries.len())
            .find(|&index| keys.find(&entries[..index], &entries[index].key).is_some())
        else {
            return;
        };
        let mut rest = std::mem::take(entries).into_vec().into_iter();
        let mut kept: Vec<crate::document::Entry> = rest.by_ref().take(start).collect();
        for entry in rest {
            match keys.find(&kept, &entry.key) {
                Some(first) => self.clashes.push(KeyClash {
                    path: path.to_string(),
                    key: entry.key.to_string(),
                    first: first.key_span,
                    second: entry.key_span,
                }),
                None => kept.push(entry),
            }
        }
        *entries = kept.into_boxed_slice();
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

    /// In a mapping of many keys (found by hash past 16), every key that becomes one already
    /// there is reported at both places, with the mapping's escaped pointer, and dropped; the
    /// others stay in their order.
    #[test]
    fn clashes_in_a_large_mapping_are_found_at_their_places() {
        let mut text = String::from("a~/b:\n");
        for index in 0..40 {
            text.push_str(&format!("  k{index}: {index}\n"));
            if index == 5 || index == 30 {
                text.push_str(&format!("  名称{index}: 重复{index}\n"));
            }
        }
        text.push_str("  名称2: 再一次\n");
        let source = SourceFile::new("d.yaml", text);
        let mut root = parse_yaml(&source).expect("yaml").remove(0);
        let aliases: BTreeMap<String, String> =
            [("名称5", "k2"), ("名称30", "k30"), ("名称2", "k2")]
                .into_iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
        let clashes = resolve_aliases(&mut root, &aliases);
        let found: Vec<(&str, &str, &str, &str)> = clashes
            .iter()
            .map(|clash| {
                (
                    clash.path.as_str(),
                    clash.key.as_str(),
                    source.slice(clash.first),
                    source.slice(clash.second),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("/a~0~1b", "k2", "k2", "名称5"),
                ("/a~0~1b", "k30", "k30", "名称30"),
                ("/a~0~1b", "k2", "k2", "名称2"),
            ]
        );
        let department = root.get("a~/b").and_then(Node::as_entries).expect("map");
        let keys: Vec<&str> = department.iter().map(|entry| &*entry.key).collect();
        let expected: Vec<String> = (0..40).map(|index| format!("k{index}")).collect();
        assert_eq!(keys, expected);
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
