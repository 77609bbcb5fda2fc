//! YAML (1.2, core schema) into the spanned tree, from saphyr-parser's event stream.
//!
//! Plain scalars are resolved by the YAML 1.2 core schema, so `NO`, `on` and `y` stay strings
//! (no YAML 1.1 surprises) and `2024-05-01` stays a string. Duplicate keys, non-scalar keys,
//! unknown tags and runaway alias expansion are errors.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as YamlSpan, Tag};

use super::tree::{Entry, Interner, KeyIndex, Node, NodeKind};
use super::SyntaxError;
use crate::source::{SourceFile, Span};

/// Alias expansion stops past this many nodes in one document (a "billion laughs" input).
/// Aliases may add at most this many nodes to a document, or one per byte of input when that
/// is more: enough for any real use of anchors, and a bound on memory for a "billion laughs".
const MIN_EXPANSION_BUDGET: usize = 100_000;

/// Collections nest at most this deep: a dossier needs a handful of levels, and the tree is
/// walked recursively.
pub const MAX_DEPTH: usize = 128;

enum Frame {
    Sequence {
        start: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Mapping {
        start: usize,
        anchor: usize,
        entries: Vec<Entry>,
        pending_key: Option<(Arc<str>, Span)>,
        keys: KeyIndex,
    },
}

struct Builder<'s> {
    source: &'s SourceFile,
    documents: Vec<Node>,
    stack: Vec<Frame>,
    /// Anchored nodes and their sizes in nodes.
    anchors: HashMap<usize, (Node, usize)>,
    expansion_budget: usize,
    expanded_nodes: usize,
    strings: Interner,
    /// The last marker's character index and byte offset.
    cursor: Cell<(usize, usize)>,
    /// Emptied vectors of finished collections, reused for the next ones.
    spare_items: Vec<Vec<Node>>,
    spare_entries: Vec<Vec<Entry>>,
    /// Added to the parser's character indices to give the source's (see [`parser_text`]).
    index_shift: isize,
}

/// What the parser is given, and what to add to its character indices to get the source's.
///
/// saphyr-parser 0.3 keeps a possible simple key at a document's opening `{` or `[` possible
/// for as long as that flow collection is open (its staleness check looks at the flow level
/// it is at, not the key's), and it cannot emit an event while the next token may still be a
/// key: a dossier written as one flow collection (JSON-like YAML) was scanned whole before its
/// first event, its tokens held at about 40 times the text (970 MB for a 25 MB list). No simple
/// key can start after `--- ` on the same line, so such a text is given behind that prefix,
/// its leading white space dropped, and every index is moved back by the difference. A text
/// with comments before its opening bracket is given as it is.
fn parser_text(text: &str) -> (std::borrow::Cow<'_, str>, isize) {
    const PREFIX: &str = "--- ";
    let body = text.trim_start_matches([' ', '\t', '\n', '\r', '\u{feff}']);
    if !(body.starts_with('{') || body.starts_with('[')) {
        return (std::borrow::Cow::Borrowed(text), 0);
    }
    let dropped = text[..text.len() - body.len()].chars().count() as isize;
    let mut given = String::with_capacity(PREFIX.len() + body.len());
    given.push_str(PREFIX);
    given.push_str(body);
    (
        std::borrow::Cow::Owned(given),
        dropped - PREFIX.len() as isize,
    )
}

/// Reads every document of a YAML stream. An empty stream has no documents.
pub fn parse_yaml(source: &SourceFile) -> Result<Vec<Node>, SyntaxError> {
    let mut builder = Builder {
        source,
        documents: Vec::new(),
        stack: Vec::new(),
        anchors: HashMap::new(),
        expanded_nodes: 0,
        expansion_budget: source.text.len().max(MIN_EXPANSION_BUDGET),
        strings: Interner::default(),
        cursor: Cell::new((0, 0)),
        spare_items: Vec::new(),
        spare_entries: Vec::new(),
        index_shift: 0,
    };
    let (text, index_shift) = parser_text(&source.text);
    builder.index_shift = index_shift;
    let mut parser = Parser::new_from_str(&text);
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|error| {
            let offset = builder.offset(error.marker());
            SyntaxError {
                message: format!("YAML syntax error: {}", error.info()),
                span: Span::new(offset, offset),
                label: "here".to_string(),
            }
        })?;
        builder.event(event, span)?;
    }
    Ok(builder.documents)
}

impl Builder<'_> {
    /// The byte offset of a marker. Markers come nearly in order, so the character index is
    /// walked from the last one, forward or back (the line and column way counted the
    /// characters of the line again for every marker, a twentieth of the parse). Only the
    /// index is used: saphyr ends a line at a lone CR too, where `SourceFile` counts only LF,
    /// so its line and column do not name the same place in such a text.
    fn offset(&self, marker: &saphyr_parser::Marker) -> usize {
        let (characters, bytes) = self.cursor.get();
        let text = &self.source.text;
        // the index in the source of the index in the text the parser was given
        let index = marker.index().saturating_add_signed(self.index_shift);
        let offset = if index >= characters {
            match nth_character_start(&text.as_bytes()[bytes..], index - characters) {
                Some(byte) => bytes + byte,
                // the end of the text: the cursor stays at a character it knows
                None => return text.len(),
            }
        } else {
            match text[..bytes]
                .char_indices()
                .rev()
                .nth(characters - index - 1)
            {
                Some((byte, _)) => byte,
                None => 0,
            }
        };
        self.cursor.set((index, offset));
        offset
    }

    fn span(&self, span: &YamlSpan) -> Span {
        Span::new(self.offset(&span.start), self.offset(&span.end))
    }

    fn event(&mut self, event: Event<'_>, span: YamlSpan) -> Result<(), SyntaxError> {
        match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => Ok(()),
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.expanded_nodes = 0;
                Ok(())
            }
            Event::DocumentEnd => Ok(()),
            Event::Alias(anchor) => {
                let span = self.span(&span);
                let Some((node, size)) = self.anchors.get(&anchor) else {
                    return Err(SyntaxError {
                        message: "alias to an unknown anchor".to_string(),
                        span,
                        label: "this alias".to_string(),
                    });
                };
                self.expanded_nodes += size;
                if self.expanded_nodes > self.expansion_budget {
                    return Err(SyntaxError {
                        message: format!(
                            "aliases expand this document past {} nodes",
                            self.expansion_budget
                        ),
                        span,
                        label: "expanded here".to_string(),
                    });
                }
                let node = node.clone();
                self.push_node(node, span)
            }
            Event::Scalar(value, style, anchor, tag) => {
                let span = self.span(&span);
                let node = self.scalar(value, style, tag.as_deref(), span)?;
                if anchor != 0 {
                    self.anchors.insert(anchor, (node.clone(), node.size()));
                }
                self.push_node(node, span)
            }
            Event::SequenceStart(anchor, tag) => {
                self.refuse_depth(&span)?;
                self.refuse_collection_tag(tag.as_deref(), "seq", &span)?;
                let start = self.offset(&span.start);
                self.stack.push(Frame::Sequence {
                    start,
                    anchor,
                    items: self.spare_items.pop().unwrap_or_default(),
                });
                Ok(())
            }
            Event::MappingStart(anchor, tag) => {
                self.refuse_depth(&span)?;
                self.refuse_collection_tag(tag.as_deref(), "map", &span)?;
                let start = self.offset(&span.start);
                self.stack.push(Frame::Mapping {
                    start,
                    anchor,
                    entries: self.spare_entries.pop().unwrap_or_default(),
                    pending_key: None,
                    keys: KeyIndex::default(),
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let end_marker = self.offset(&span.end);
                let Some(frame) = self.stack.pop() else {
                    return Ok(());
                };
                let (node, anchor) = match frame {
                    Frame::Sequence {
                        start,
                        anchor,
                        mut items,
                    } => {
                        let end = items.last().map_or(end_marker, |item| item.span.end());
                        // one allocation of the exact size; the vector goes back to be reused
                        // (growing a vector per collection left the heap full of holes)
                        let node = Node::new(
                            NodeKind::Seq(items.drain(..).collect()),
                            Span::new(start, end.max(start)),
                        );
                        self.spare_items.push(items);
                        (node, anchor)
                    }
                    Frame::Mapping {
                        start,
                        anchor,
                        mut entries,
                        ..
                    } => {
                        let end = entries.last().map_or(end_marker, |entry| {
                            entry.value.span.end().max(entry.key_span.end())
                        });
                        let node = Node::new(
                            NodeKind::Map(entries.drain(..).collect()),
                            Span::new(start, end.max(start)),
                        );
                        self.spare_entries.push(entries);
                        (node, anchor)
                    }
                };
                // a flow collection ends at its closing bracket
                let node = if self.source.text[node.span.end()..].starts_with([']', '}'])
                    && end_marker > node.span.end()
                {
                    Node::new(node.kind, Span::new(node.span.start(), end_marker))
                } else {
                    node
                };
                if anchor != 0 {
                    self.anchors.insert(anchor, (node.clone(), node.size()));
                }
                let span = node.span;
                self.push_node(node, span)
            }
        }
    }

    fn refuse_depth(&self, span: &YamlSpan) -> Result<(), SyntaxError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(SyntaxError {
                message: format!("collections are nested more than {MAX_DEPTH} levels deep"),
                span: self.span(span),
                label: "too deep".to_string(),
            });
        }
        Ok(())
    }

    fn refuse_collection_tag(
        &self,
        tag: Option<&Tag>,
        allowed: &str,
        span: &YamlSpan,
    ) -> Result<(), SyntaxError> {
        match tag {
            None => Ok(()),
            Some(tag) if tag.is_yaml_core_schema() && tag.suffix == allowed => Ok(()),
            Some(tag) => Err(SyntaxError {
                message: format!("unsupported YAML tag `{tag}`"),
                span: self.span(span),
                label: "remove this tag".to_string(),
            }),
        }
    }

    fn scalar(
        &mut self,
        value: Cow<'_, str>,
        style: ScalarStyle,
        tag: Option<&Tag>,
        span: Span,
    ) -> Result<Node, SyntaxError> {
        if let Some(tag) = tag {
            let core = tag.is_yaml_core_schema();
            let resolved = match (core, tag.suffix.as_str()) {
                (true, "str") => Some(NodeKind::Str(self.strings.intern(&value))),
                (true, "int") => match resolve_plain(&value) {
                    kind @ NodeKind::Int(_) => Some(kind),
                    _ => None,
                },
                (true, "float") => match resolve_plain(&value) {
                    NodeKind::Int(number) => Some(NodeKind::Float(number as f64)),
                    kind @ NodeKind::Float(_) => Some(kind),
                    _ => None,
                },
                (true, "bool") => match resolve_plain(&value) {
                    kind @ NodeKind::Bool(_) => Some(kind),
                    _ => None,
                },
                (true, "null") => match resolve_plain(&value) {
                    kind @ NodeKind::Null => Some(kind),
                    _ => None,
                },
                _ => None,
            };
            return resolved
                .map(|kind| Node::new(kind, span))
                .ok_or_else(|| SyntaxError {
                    message: format!("`{value}` cannot be read with the tag `{tag}`"),
                    span,
                    label: "unsupported or mismatched tag".to_string(),
                });
        }
        if style != ScalarStyle::Plain {
            return Ok(Node::new(NodeKind::Str(self.strings.intern(&value)), span));
        }
        let kind = match resolve_plain_scalar(&value) {
            Some(kind) => kind,
            None => {
                if looks_like_out_of_range_integer(&value) {
                    return Err(SyntaxError {
                        message: format!("the integer {value} is too large"),
                        span,
                        label: "quote it if it is a code".to_string(),
                    });
                }
                NodeKind::Str(self.strings.intern(&value))
            }
        };
        Ok(Node {
            kind,
            span,
            plain: true,
        })
    }

    fn push_node(&mut self, node: Node, span: Span) -> Result<(), SyntaxError> {
        match self.stack.last_mut() {
            None => {
                self.documents.push(node);
                Ok(())
            }
            Some(Frame::Sequence { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Mapping {
                entries,
                pending_key,
                keys,
                ..
            }) => match pending_key.take() {
                Some((key, key_span)) => {
                    entries.push(Entry {
                        key,
                        key_span,
                        value: node,
                    });
                    Ok(())
                }
                None => {
                    let key: Arc<str> = match &node.kind {
                        NodeKind::Str(text) => Arc::clone(text),
                        NodeKind::Null if node.span.is_empty() => {
                            return Err(SyntaxError {
                                message: "a mapping key is empty".to_string(),
                                span,
                                label: "key expected here".to_string(),
                            })
                        }
                        NodeKind::Seq(_) | NodeKind::Map(_) => {
                            return Err(SyntaxError {
                                message: "a mapping key must be a scalar".to_string(),
                                span,
                                label: "complex key".to_string(),
                            })
                        }
                        _ => self.strings.intern(self.source.slice(span)),
                    };
                    if let Some(previous) = keys.find(entries, &key) {
                        let first = self.source.line_column(previous.key_span.start());
                        return Err(SyntaxError {
                            message: format!(
                                "duplicate key `{key}` (first written at line {}, column {})",
                                first.line, first.column
                            ),
                            span,
                            label: "written again here".to_string(),
                        });
                    }
                    *pending_key = Some((key, span));
                    Ok(())
                }
            },
        }
    }
}

/// Where the `n`th character of `bytes` (valid UTF-8) starts, as `char_indices().nth(n)` says,
/// counted on the bytes: a character starts at every byte that does not continue one, and the
/// characters need not be decoded. The markers of a dossier come a few characters apart, so a
/// byte at a time (eight at a time, tried, was no faster).
fn nth_character_start(bytes: &[u8], n: usize) -> Option<usize> {
    let mut left = n;
    for (at, &byte) in bytes.iter().enumerate() {
        // continuation bytes are 0b10xxxxxx: -64..=-1 as a signed byte
        if (byte as i8) >= -0x40 {
            if left == 0 {
                return Some(at);
            }
            left -= 1;
        }
    }
    None
}

/// Resolves a plain scalar by the YAML 1.2 core schema.
fn resolve_plain(text: &str) -> NodeKind {
    resolve_plain_scalar(text).unwrap_or_else(|| NodeKind::Str(text.into()))
}

/// A plain scalar's null, boolean or number; `None` when it is a string.
fn resolve_plain_scalar(text: &str) -> Option<NodeKind> {
    // most scalars of a dossier are words: only these bytes can start anything else
    match text.as_bytes().first() {
        None => return Some(NodeKind::Null),
        Some(first) if !b"0123456789+-.~nNtTfF".contains(first) => return None,
        Some(_) => {}
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(NodeKind::Null),
        "true" | "True" | "TRUE" => return Some(NodeKind::Bool(true)),
        "false" | "False" | "FALSE" => return Some(NodeKind::Bool(false)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Some(NodeKind::Float(f64::INFINITY))
        }
        "-.inf" | "-.Inf" | "-.INF" => return Some(NodeKind::Float(f64::NEG_INFINITY)),
        ".nan" | ".NaN" | ".NAN" => return Some(NodeKind::Float(f64::NAN)),
        _ => {}
    }
    if let Some(octal) = text.strip_prefix("0o") {
        if !octal.is_empty() && octal.bytes().all(|byte| (b'0'..=b'7').contains(&byte)) {
            if let Ok(number) = i64::from_str_radix(octal, 8) {
                return Some(NodeKind::Int(number));
            }
        }
    }
    if let Some(hex) = text.strip_prefix("0x") {
        if !hex.is_empty() && hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            if let Ok(number) = i64::from_str_radix(hex, 16) {
                return Some(NodeKind::Int(number));
            }
        }
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit()) {
        if let Ok(number) = text.parse::<i64>() {
            return Some(NodeKind::Int(number));
        }
        return None;
    }
    if is_core_float(digits) {
        if let Ok(number) = text.parse::<f64>() {
            return Some(NodeKind::Float(number));
        }
    }
    None
}

/// `[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?` or `\.[0-9]+([eE][-+]?[0-9]+)?`, sign removed.
fn is_core_float(text: &str) -> bool {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(position) => (&text[..position], Some(&text[position + 1..])),
        None => (text, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => {
            (!whole.is_empty() || !fraction.is_empty())
                && whole.bytes().all(|byte| byte.is_ascii_digit())
                && fraction.bytes().all(|byte| byte.is_ascii_digit())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|byte| byte.is_ascii_digit()),
    };
    let exponent_ok = exponent.is_none_or(|exponent| {
        let digits = exponent.strip_prefix(['-', '+']).unwrap_or(exponent);
        !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit())
    });
    mantissa_ok && exponent_ok && (mantissa.contains('.') || exponent.is_some())
}

fn looks_like_out_of_range_integer(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    // a long run of digits with a leading zero is a code, not a number
    !digits.is_empty()
        && !digits.starts_with('0')
        && digits.bytes().all(|byte| byte.is_ascii_digit())
        && text.parse::<i64>().is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Node>, SyntaxError> {
        parse_yaml(&SourceFile::new("t.yaml", text))
    }

    /// The start of a character counted on the bytes is where `char_indices` puts it.
    #[test]
    fn character_starts_are_counted_as_char_indices_counts_them() {
        let long = "事项名称: 食品经营许可（变更）\n  - 😀 x: [甲, 'b']\n".repeat(3);
        for text in [
            "",
            "a",
            "事项名称: 食品经营许可\n  - 😀x",
            "ｘ\u{301}é\r\n",
            &long,
        ] {
            for from in (0..=text.len()).filter(|&at| text.is_char_boundary(at)) {
                for n in 0..=text[from..].chars().count() + 1 {
                    assert_eq!(
                        nth_character_start(&text.as_bytes()[from..], n),
                        text[from..].char_indices().nth(n).map(|(at, _)| at),
                        "{text:?} from {from}, character {n}"
                    );
                }
            }
        }
    }

    #[test]
    fn core_schema_has_no_yaml_1_1_surprises() {
        let documents =
            parse("a: NO\nb: on\nc: 2024-05-01\nd: 01\ne: 1.5\nf: ~\ng: true\n").expect("parses");
        let root = &documents[0];
        assert_eq!(root.get("a").and_then(Node::as_str), Some("NO"));
        assert_eq!(root.get("b").and_then(Node::as_str), Some("on"));
        assert_eq!(root.get("c").and_then(Node::as_str), Some("2024-05-01"));
        assert_eq!(
            root.get("d").map(|node| &node.kind),
            Some(&NodeKind::Int(1))
        );
        assert!(root.get("d").is_some_and(|node| node.plain));
        assert_eq!(
            root.get("e").map(|node| &node.kind),
            Some(&NodeKind::Float(1.5))
        );
        assert_eq!(root.get("f").map(|node| &node.kind), Some(&NodeKind::Null));
        assert_eq!(
            root.get("g").map(|node| &node.kind),
            Some(&NodeKind::Bool(true))
        );
    }

    #[test]
    fn spans_are_byte_ranges_under_chinese_text() {
        let text = "事项名称: 食品经营许可\n设定依据: 《食品安全法》\n";
        let source = SourceFile::new("t.yaml", text);
        let documents = parse_yaml(&source).expect("parses");
        let entry = documents[0].entry("设定依据").expect("key");
        assert_eq!(source.slice(entry.key_span), "设定依据");
        assert_eq!(source.slice(entry.value.span), "《食品安全法》");
    }

    #[test]
    fn duplicate_keys_are_refused_with_both_places() {
        let error = parse("name: a\nname: b\n").expect_err("duplicate");
        assert!(
            error.message.contains("duplicate key `name`"),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("line 1, column 1"),
            "{}",
            error.message
        );
        assert_eq!(error.span, Span::new(8, 12));
    }

    #[test]
    fn multi_document_streams_and_aliases() {
        let documents = parse("a: &x [1, 2]\nb: *x\n---\nc: 3\n").expect("parses");
        assert_eq!(documents.len(), 2);
        assert_eq!(documents[0].get("b").map(Node::size), Some(3));
    }

    #[test]
    fn alias_bombs_stop() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..9 {
            let previous = level - 1;
            let row = vec![format!("*a{previous}"); 10].join(", ");
            text.push_str(&format!("a{level}: &a{level} [{row}]\n"));
        }
        let error = parse(&text).expect_err("bomb");
        assert!(
            error.message.contains("aliases expand"),
            "{}",
            error.message
        );
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!(
            "{}1{}",
            "[".repeat(MAX_DEPTH + 1),
            "]".repeat(MAX_DEPTH + 1)
        );
        let error = parse(&text).expect_err("too deep");
        assert!(
            error.message.contains("nested more than"),
            "{}",
            error.message
        );
        let fine = format!("{}1{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&fine).is_ok());
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let error = parse("a: [1, 2\nb: c\n").expect_err("unclosed");
        assert!(
            error.message.starts_with("YAML syntax error"),
            "{}",
            error.message
        );
    }

    /// A document that is one flow collection is read as a block one is: the same spans at
    /// the same places (the parser is given the text behind `--- `), errors at their place,
    /// and a multi-document stream after it still read.
    #[test]
    fn a_flow_collection_document_keeps_its_places() {
        let text = "\n  {事项: [{名称: 食品, 编码: '01'}, {名称: x}],\n k: v}\n---\nnext: 1\n";
        let source = SourceFile::new("t.yaml", text);
        let documents = parse_yaml(&source).expect("parses");
        assert_eq!(documents.len(), 2);
        let root = &documents[0];
        assert_eq!(
            source.slice(root.span),
            &text[3..text.find("}\n---").expect("end") + 1]
        );
        let items = root.get("事项").expect("items");
        let first = &items.as_items().expect("list")[0];
        let name = first.entry("名称").expect("name");
        assert_eq!(source.slice(name.key_span), "名称");
        assert_eq!(source.slice(name.value.span), "食品");
        assert_eq!(source.slice(first.get("编码").expect("code").span), "'01'");
        assert_eq!(source.slice(root.entry("k").expect("k").key_span), "k");
        assert_eq!(
            documents[1].get("next").map(|n| &n.kind),
            Some(&NodeKind::Int(1))
        );

        let broken = "{a: [1, 2}\n";
        let source = SourceFile::new("t.yaml", broken);
        let error = parse_yaml(&source).expect_err("unbalanced");
        assert!(error.span.start() <= broken.len(), "{:?}", error.span);
        assert_eq!(source.line_column(error.span.start()).line, 1);
    }
}
