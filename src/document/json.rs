//! JSON into the spanned tree, through jsonc-parser's AST (byte ranges on every value and
//! key). Strict JSON: no comments, trailing commas, single quotes or bare words.

use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::{parse_to_ast, CollectOptions, CommentCollectionStrategy, ParseOptions};

use super::tree::{Entry, Interner, Node, NodeKind};
use super::SyntaxError;
use crate::source::{SourceFile, Span};

pub fn parse_json(source: &SourceFile) -> Result<Node, SyntaxError> {
    refuse_deep_nesting(&source.text)?;
    let options = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let collect = CollectOptions {
        comments: CommentCollectionStrategy::Off,
        tokens: false,
    };
    let parsed = parse_to_ast(&source.text, &collect, &options).map_err(|error| {
        let range = error.range();
        SyntaxError {
            message: format!("JSON syntax error: {}", error.kind()),
            span: Span::new(range.start, range.end),
            label: "here".to_string(),
        }
    })?;
    match parsed.value {
        Some(value) => convert(source, &mut Interner::default(), value),
        None => Err(SyntaxError {
            message: "the JSON file is empty".to_string(),
            span: Span::new(0, 0),
            label: "a JSON object was expected".to_string(),
        }),
    }
}

/// jsonc-parser descends recursively: a file nested thousands deep would exhaust the stack, so
/// nesting is measured first (brackets outside strings).
fn refuse_deep_nesting(text: &str) -> Result<(), SyntaxError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, byte) in text.bytes().enumerate() {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > super::yaml::MAX_DEPTH {
                    return Err(SyntaxError {
                        message: format!(
                            "collections are nested more than {} levels deep",
                            super::yaml::MAX_DEPTH
                        ),
                        span: Span::new(offset, offset + 1),
                        label: "too deep".to_string(),
                    });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn convert(
    source: &SourceFile,
    strings: &mut Interner,
    value: Value<'_>,
) -> Result<Node, SyntaxError> {
    Ok(match value {
        Value::StringLit(text) => Node::new(
            NodeKind::Str(strings.intern(&text.value)),
            Span::new(text.range.start, text.range.end),
        ),
        Value::NumberLit(number) => {
            let span = Span::new(number.range.start, number.range.end);
            let kind = match number.value.parse::<i64>() {
                Ok(integer) => NodeKind::Int(integer),
                Err(_) => match number.value.parse::<f64>() {
                    Ok(float) if float.is_finite() => NodeKind::Float(float),
                    _ => {
                        return Err(SyntaxError {
                            message: format!("the number {} is out of range", number.value),
                            span,
                            label: "write it as a string if it is a code".to_string(),
                        })
                    }
                },
            };
            Node::new(kind, span)
        }
        Value::BooleanLit(boolean) => Node::new(
            NodeKind::Bool(boolean.value),
            Span::new(boolean.range.start, boolean.range.end),
        ),
        Value::NullKeyword(null) => {
            Node::new(NodeKind::Null, Span::new(null.range.start, null.range.end))
        }
        Value::Array(array) => {
            let span = Span::new(array.range.start, array.range.end);
            let items = array
                .elements
                .into_iter()
                .map(|element| convert(source, strings, element))
                .collect::<Result<Vec<_>, _>>()?;
            Node::new(NodeKind::Seq(items.into_boxed_slice()), span)
        }
        Value::Object(object) => {
            let span = Span::new(object.range.start, object.range.end);
            let mut entries: Vec<Entry> = Vec::with_capacity(object.properties.len());
            for property in object.properties {
                let (key, key_span): (std::sync::Arc<str>, Span) = match &property.name {
                    ObjectPropName::String(text) => (
                        strings.intern(&text.value),
                        Span::new(text.range.start, text.range.end),
                    ),
                    ObjectPropName::Word(word) => (
                        strings.intern(word.value),
                        Span::new(word.range.start, word.range.end),
                    ),
                };
                if let Some(previous) = entries.iter().find(|entry| entry.key == key) {
                    let first = source.line_column(previous.key_span.start());
                    return Err(SyntaxError {
                        message: format!(
                            "duplicate key `{key}` (first written at line {}, column {})",
                            first.line, first.column
                        ),
                        span: key_span,
                        label: "written again here".to_string(),
                    });
                }
                let value = convert(source, strings, property.value)?;
                entries.push(Entry {
                    key,
                    key_span,
                    value,
                });
            }
            Node::new(NodeKind::Map(entries.into_boxed_slice()), span)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keeps_byte_ranges_and_surrogate_pairs() {
        let text = "{\"事项名称\": \"食品\\ud83d\\ude00\", \"n\": 20}";
        let source = SourceFile::new("a.json", text);
        let root = parse_json(&source).expect("parses");
        let entry = root.entry("事项名称").expect("key");
        assert_eq!(source.slice(entry.key_span), "\"事项名称\"");
        assert_eq!(entry.value.as_str(), Some("食品😀"));
        assert_eq!(
            root.get("n").map(|node| &node.kind),
            Some(&NodeKind::Int(20))
        );
    }

    #[test]
    fn json_refuses_deep_nesting_without_overflowing() {
        let text = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        let error = parse_json(&SourceFile::new("a.json", text)).expect_err("too deep");
        assert!(
            error.message.contains("nested more than"),
            "{}",
            error.message
        );
        let strings = format!("[\"{}\"]", "[".repeat(1000));
        assert!(parse_json(&SourceFile::new("a.json", strings)).is_ok());
    }

    #[test]
    fn json_refuses_comments_and_duplicates() {
        let comment = parse_json(&SourceFile::new("a.json", "{\"a\": 1 // x\n}"));
        assert!(comment.is_err());
        let duplicate =
            parse_json(&SourceFile::new("a.json", "{\"a\": 1, \"a\": 2}")).expect_err("duplicate");
        assert!(duplicate.message.contains("duplicate key `a`"));
        assert_eq!(duplicate.span, Span::new(9, 12));
    }
}
