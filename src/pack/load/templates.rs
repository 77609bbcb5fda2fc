//! Message templates: literal text with `{expression}` interpolations (`{{` and `}}` are
//! literal braces), each expression compiled and located in the message's text.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::expressions::{value_span, Located};
use super::Loader;
use crate::document::Node;
use crate::pack::de::Spanned;
use crate::pack::spec::TextSpec;
use crate::pack::{Localized, Template, TemplatePart};
use crate::source::SourceFile;

impl Loader {
    pub(super) fn localized_template(
        &mut self,
        file: &Arc<SourceFile>,
        node: Option<&Node>,
        text: &TextSpec,
        known: &BTreeSet<String>,
    ) -> Option<Localized<Template>> {
        let zh = self.template(file, node.and_then(|node| node.get("zh")), &text.zh, known);
        let en = self.template(file, node.and_then(|node| node.get("en")), &text.en, known);
        Some(Localized { zh: zh?, en: en? })
    }

    /// `{expression}` interpolates a CEL value; `{{` and `}}` are literal braces.
    fn template(
        &mut self,
        file: &Arc<SourceFile>,
        node: Option<&Node>,
        text: &Spanned<String>,
        known: &BTreeSet<String>,
    ) -> Option<Template> {
        let mut parts = Vec::new();
        let mut ok = true;
        for piece in scan_template(&text.value) {
            match piece {
                TemplatePiece::Literal(literal) => parts.push(TemplatePart::Literal(literal)),
                TemplatePiece::Expression { start, end } => {
                    let located = Located {
                        file,
                        node,
                        value: text,
                        offset: start,
                    };
                    match self.compile_located(&located, &text.value[start..end], known) {
                        Some(expression) => parts.push(TemplatePart::Expression(expression)),
                        None => ok = false,
                    }
                }
                TemplatePiece::LoneClose(at) => {
                    let span = value_span(file, node, text, at, 1);
                    self.problems
                        .add(file, span, "a lone `}` in a message (write `}}`)", "here");
                    ok = false;
                }
                TemplatePiece::Unclosed(at) => {
                    let span = value_span(file, node, text, at, 1);
                    self.problems.add(
                        file,
                        span,
                        "an interpolation `{` is not closed",
                        "opened here",
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(Template { parts })
    }
}

/// A message template cut into its pieces; offsets are bytes of the template's text.
enum TemplatePiece {
    Literal(String),
    /// `{expression}`: the expression is `text[start..end]`.
    Expression {
        start: usize,
        end: usize,
    },
    /// A `}` that closes nothing, at this offset.
    LoneClose(usize),
    /// A `{` that is never closed, at this offset (the scan stops there).
    Unclosed(usize),
}

/// `{expression}` interpolates a CEL value; `{{` and `}}` are literal braces.
fn scan_template(text: &str) -> Vec<TemplatePiece> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut offset = 0usize;
    while let Some(found) = text[offset..].find(['{', '}']) {
        let position = offset + found;
        literal.push_str(&text[offset..position]);
        let brace = &text[position..];
        if brace.starts_with("{{") || brace.starts_with("}}") {
            literal.push(brace.as_bytes()[0] as char);
            offset = position + 2;
            continue;
        }
        if brace.starts_with('}') {
            pieces.push(TemplatePiece::LoneClose(position));
            offset = position + 1;
            continue;
        }
        let Some(close) = matching_brace(brace) else {
            pieces.push(TemplatePiece::Unclosed(position));
            offset = text.len();
            break;
        };
        if !literal.is_empty() {
            pieces.push(TemplatePiece::Literal(std::mem::take(&mut literal)));
        }
        pieces.push(TemplatePiece::Expression {
            start: position + 1,
            end: position + close,
        });
        offset = position + close + 1;
    }
    literal.push_str(&text[offset..]);
    if !literal.is_empty() {
        pieces.push(TemplatePiece::Literal(literal));
    }
    pieces
}

/// The offset of the `}` that closes the `{` at the start of `text`, skipping nested braces
/// (a map literal) and braces inside CEL string literals.
fn matching_brace(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (offset, character) in text.char_indices() {
        if let Some(open) = quote {
            match (escaped, character) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, c) if c == open => quote = None,
                _ => {}
            }
            continue;
        }
        match character {
            '\'' | '"' => quote = Some(character),
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(offset);
                }
            }
            _ => {}
        }
    }
    None
}
