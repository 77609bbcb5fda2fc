//! JSON into the spanned tree, straight from jiter's iterator: no intermediate AST, each value's
//! byte range taken from the iterator's position before and after it. Strict JSON: no
//! comments, trailing commas, single quotes, bare words, NaN or Infinity.
//!
//! jiter is made for this (a pull parser that hands out values in order with their positions);
//! jsonc-parser's AST, which this replaced, cost more to build and to convert than the parse
//! itself and made JSON no faster to read than YAML (docs/PERFORMANCE.md). Keys need one thing
//! jiter does not give: their own range. It is found from the positions around them (only
//! white space, `{`, `,` and `:` can lie between a key and its neighbours).

use jiter::{Jiter, JiterError, Peek};

use super::tree::{Entry, Interner, KeyIndex, Node, NodeKind};
use super::SyntaxError;
use crate::source::{SourceFile, Span};

pub fn parse_json(source: &SourceFile) -> Result<Node, SyntaxError> {
    let bytes = source.text.as_bytes();
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(SyntaxError {
            message: "the JSON file is empty".to_string(),
            span: Span::new(0, 0),
            label: "a JSON object was expected".to_string(),
        });
    }
    let mut reader = Reader {
        source,
        jiter: Jiter::new(bytes),
        strings: Interner::default(),
        spare_items: Vec::new(),
        spare_entries: Vec::new(),
    };
    let peek = reader
        .jiter
        .peek()
        .map_err(|error| syntax_error(source, &error))?;
    let root = reader.value(peek, 0)?;
    reader
        .jiter
        .finish()
        .map_err(|error| syntax_error(source, &error))?;
    Ok(root)
}

struct Reader<'s> {
    source: &'s SourceFile,
    jiter: Jiter<'s>,
    strings: Interner,
    /// Vectors to fill, one a level deep, kept between collections: each collection is then
    /// one allocation of its exact size (vectors grown by doubling per collection left the heap
    /// full of holes: a third more memory than the same list read from YAML).
    spare_items: Vec<Vec<Node>>,
    spare_entries: Vec<Vec<Entry>>,
}

impl Reader<'_> {
    /// The value that starts at the iterator's position (its first byte was peeked), `depth`
    /// collections deep.
    fn value(&mut self, peek: Peek, depth: usize) -> Result<Node, SyntaxError> {
        let source = self.source;
        let start = self.jiter.current_index();
        let kind = match peek {
            Peek::Null => {
                self.jiter
                    .known_null()
                    .map_err(|error| syntax_error(source, &error))?;
                NodeKind::Null
            }
            Peek::True | Peek::False => NodeKind::Bool(
                self.jiter
                    .known_bool(peek)
                    .map_err(|error| syntax_error(source, &error))?,
            ),
            Peek::String => {
                let text = self
                    .jiter
                    .known_str()
                    .map_err(|error| syntax_error(source, &error))?;
                NodeKind::Str(self.strings.intern(text))
            }
            Peek::Array => return self.array(start, depth + 1),
            Peek::Object => return self.object(start, depth + 1),
            _ => {
                let number = self
                    .jiter
                    .known_number_bytes(peek)
                    .map_err(|error| syntax_error(source, &error))?;
                // the grammar was checked by jiter: ASCII digits, sign, point and exponent
                let number = std::str::from_utf8(number).unwrap_or_default();
                match number.parse::<i64>() {
                    Ok(integer) => NodeKind::Int(integer),
                    Err(_) => match number.parse::<f64>() {
                        Ok(float) if float.is_finite() => NodeKind::Float(float),
                        _ => {
                            return Err(SyntaxError {
                                message: format!("the number {number} is out of range"),
                                span: Span::new(start, self.jiter.current_index()),
                                label: "write it as a string if it is a code".to_string(),
                            })
                        }
                    },
                }
            }
        };
        Ok(Node::new(
            kind,
            Span::new(start, self.jiter.current_index()),
        ))
    }

    fn array(&mut self, start: usize, depth: usize) -> Result<Node, SyntaxError> {
        self.refuse_depth(start, depth)?;
        let source = self.source;
        let mut items = self.spare_items.pop().unwrap_or_default();
        let mut next = self
            .jiter
            .known_array()
            .map_err(|error| syntax_error(source, &error))?;
        while let Some(peek) = next {
            items.push(self.value(peek, depth)?);
            next = self
                .jiter
                .array_step()
                .map_err(|error| syntax_error(source, &error))?;
        }
        let node = Node::new(
            NodeKind::Seq(items.drain(..).collect()),
            Span::new(start, self.jiter.current_index()),
        );
        self.spare_items.push(items);
        Ok(node)
    }

    fn object(&mut self, start: usize, depth: usize) -> Result<Node, SyntaxError> {
        self.refuse_depth(start, depth)?;
        let source = self.source;
        let mut entries = self.spare_entries.pop().unwrap_or_default();
        let mut keys = KeyIndex::default();
        let mut before = self.jiter.current_index();
        let mut next = self
            .jiter
            .known_object()
            .map_err(|error| syntax_error(source, &error))?
            .map(|key| self.strings.intern(key));
        while let Some(key) = next {
            let key_span = self.key_span(before);
            if let Some(previous) = keys.find(&entries, &key) {
                let first = self.source.line_column(previous.key_span.start());
                return Err(SyntaxError {
                    message: format!(
                        "duplicate key `{key}` (first written at line {}, column {})",
                        first.line, first.column
                    ),
                    span: key_span,
                    label: "written again here".to_string(),
                });
            }
            let peek = self
                .jiter
                .peek()
                .map_err(|error| syntax_error(source, &error))?;
            let value = self.value(peek, depth)?;
            entries.push(Entry {
                key,
                key_span,
                value,
            });
            before = self.jiter.current_index();
            next = self
                .jiter
                .next_key()
                .map_err(|error| syntax_error(source, &error))?
                .map(|key| self.strings.intern(key));
        }
        let node = Node::new(
            NodeKind::Map(entries.drain(..).collect()),
            Span::new(start, self.jiter.current_index()),
        );
        self.spare_entries.push(entries);
        Ok(node)
    }

    /// The range of the key just read, quotes included: it opens at the first `"` after
    /// `before` (the position ahead of the `{` or `,`) and closes at the last `"` before the
    /// iterator's position (just past the `:`).
    fn key_span(&self, before: usize) -> Span {
        let bytes = self.source.text.as_bytes();
        let after = self.jiter.current_index().min(bytes.len());
        let open = bytes[before..after]
            .iter()
            .position(|&byte| byte == b'"')
            .map_or(before, |offset| before + offset);
        let close = bytes[open..after]
            .iter()
            .rposition(|&byte| byte == b'"')
            .map_or(after, |offset| open + offset + 1);
        Span::new(open, close)
    }

    /// Collections nested deeper than YAML allows are refused as they open: the reader descends
    /// recursively, and a file nested thousands deep would exhaust the stack.
    fn refuse_depth(&self, start: usize, depth: usize) -> Result<(), SyntaxError> {
        if depth > super::yaml::MAX_DEPTH {
            return Err(SyntaxError {
                message: format!(
                    "collections are nested more than {} levels deep",
                    super::yaml::MAX_DEPTH
                ),
                span: Span::new(start, start + 1),
                label: "too deep".to_string(),
            });
        }
        Ok(())
    }
}

/// jiter's error at its place: the byte it stopped at.
fn syntax_error(source: &SourceFile, error: &JiterError) -> SyntaxError {
    let offset = error.index.min(source.text.len());
    // a position inside a character (jiter counts bytes) moves back to its start
    let offset = (0..=offset)
        .rev()
        .find(|&offset| source.text.is_char_boundary(offset))
        .unwrap_or(0);
    let end = source.text[offset..]
        .chars()
        .next()
        .map_or(offset, |character| offset + character.len_utf8());
    SyntaxError {
        message: format!("JSON syntax error: {}", error.error_type),
        span: Span::new(offset, end),
        label: "here".to_string(),
    }
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
