//! JSON Pointer (RFC 6901) look-ups in a spanned tree: from a finding's path back to the span of
//! the node, or of the nearest ancestor that exists when the path names a missing field.

use super::tree::{Node, NodeKind};
use crate::source::Span;

/// Where a pointer leads in a document.
#[derive(Clone, Debug, PartialEq)]
pub struct Location {
    /// The span to underline: the node itself, or the key of the deepest existing ancestor
    /// entry when the node is missing.
    pub span: Span,
    /// The pointer resolved all the way (false: `span` is an ancestor that lacks the rest).
    pub exact: bool,
    /// The part of the pointer that was not found (the missing field), unescaped.
    pub missing: Option<String>,
}

/// Escapes one reference token of a JSON Pointer.
pub fn escape_pointer_token(token: &str) -> String {
    let mut escaped = String::with_capacity(token.len());
    push_pointer_token(&mut escaped, token);
    escaped
}

/// `token` escaped as a JSON Pointer reference token (`~` as `~0`, `/` as `~1`), written at the
/// end of `pointer`: a path built a token at a time makes no string per token.
pub fn push_pointer_token(pointer: &mut String, token: &str) {
    // nearly every key has neither: one copy
    if !token.contains(['~', '/']) {
        pointer.push_str(token);
        return;
    }
    for character in token.chars() {
        match character {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            other => pointer.push(other),
        }
    }
}

fn unescape_pointer_token(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// The unescaped reference tokens of a JSON Pointer (none for the empty pointer).
pub fn pointer_tokens(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer
        .strip_prefix('/')
        .into_iter()
        .flat_map(|rest| rest.split('/'))
        .map(unescape_pointer_token)
}

impl Node {
    /// The node a JSON Pointer names, if it exists.
    pub fn at(&self, pointer: &str) -> Option<&Node> {
        let mut current = self;
        for token in pointer_tokens(pointer) {
            current = match &current.kind {
                NodeKind::Map(_) => current.get(&token)?,
                NodeKind::Seq(items) => items.get(token.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(current)
    }

    /// Finds the node a JSON Pointer names. A value is underlined by its own span; for a
    /// mapping entry, a missing value or a whole mapping, the key the user wrote is the
    /// anchor, so the label sits on the line a person looks at.
    pub fn locate(&self, pointer: &str) -> Location {
        let mut current = self;
        // a field missing from the root is shown at the document's first key, never as the
        // whole document (a missing section once underlined every line of a dossier)
        let mut anchor = head_span(self, None);
        if pointer.is_empty() {
            return Location {
                span: head_span(self, None),
                exact: true,
                missing: None,
            };
        }
        let tokens: Vec<String> = pointer_tokens(pointer).collect();
        for (index, token) in tokens.iter().enumerate() {
            let next = match &current.kind {
                NodeKind::Map(entries) => entries
                    .iter()
                    .find(|entry| &*entry.key == token.as_str())
                    .map(|entry| (&entry.value, Some(entry.key_span))),
                NodeKind::Seq(items) => token
                    .parse::<usize>()
                    .ok()
                    .and_then(|position| items.get(position))
                    .map(|item| (item, None)),
                _ => None,
            };
            match next {
                Some((node, key_span)) => {
                    anchor = head_span(node, key_span);
                    current = node;
                }
                None => {
                    return Location {
                        span: anchor,
                        exact: false,
                        missing: Some(tokens[index..].join("/")),
                    }
                }
            }
        }
        Location {
            span: anchor,
            exact: true,
            missing: None,
        }
    }
}

/// The span that stands for a node: a scalar or a flow collection by itself, a block
/// collection by its key (its own span covers many lines), or by its first line.
fn head_span(node: &Node, key_span: Option<Span>) -> Span {
    match (&node.kind, key_span) {
        (NodeKind::Map(_) | NodeKind::Seq(_), Some(key)) => key,
        (NodeKind::Null, Some(key)) if node.span.is_empty() => key,
        (NodeKind::Map(entries), None) => entries
            .first()
            .map(|entry| entry.key_span)
            .unwrap_or(node.span),
        (NodeKind::Seq(items), None) => items
            .first()
            .map(|item| head_span(item, None))
            .unwrap_or(node.span),
        _ => node.span,
    }
}

#[cfg(test)]
mod tests {
    use crate::document::parse_yaml;
    use crate::source::SourceFile;

    #[test]
    fn pointer_finds_values_keys_and_missing_fields() {
        let text = "items:\n  - name: 食品经营许可\n    task_type: '01'\n";
        let source = SourceFile::new("a.yaml", text);
        let documents = parse_yaml(&source).expect("parses");
        let root = &documents[0];
        let found = root.locate("/items/0/task_type");
        assert!(found.exact);
        assert_eq!(source.slice(found.span), "'01'");
        let missing = root.locate("/items/0/legal_basis");
        assert!(!missing.exact);
        assert_eq!(missing.missing.as_deref(), Some("legal_basis"));
        assert_eq!(source.slice(missing.span), "name");
        let block = root.locate("/items");
        assert_eq!(source.slice(block.span), "items");
    }
}
