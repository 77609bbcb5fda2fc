//! CEL expressions of a pack: bounded in shape, compiled once per text, checked for names no
//! binding, variable or section gives and for invalid literal patterns, and every error placed
//! at its line and column inside the YAML scalar that holds it.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::reads::read_paths;
use super::Loader;
use crate::cel::cached_regex;
use crate::document::Node;
use crate::error::LocatedError;
use crate::pack::de::Spanned;
use crate::pack::{expression_limits, Expression, Origin};
use crate::source::{SourceFile, Span};

/// Names every rule can read besides its bindings and the pack's variables.
pub const BUILTIN_NAMES: &[&str] = &["doc", "as_of"];

/// CEL's type names and namespaces, which an expression may name (`type(x) == map`,
/// `math.greatest(…)`).
const CEL_NAMES: &[&str] = &[
    "bool",
    "bytes",
    "double",
    "duration",
    "int",
    "list",
    "map",
    "null_type",
    "string",
    "timestamp",
    "type",
    "uint",
    "dyn",
    "math",
    "strings",
    "optional",
    "optional_type",
];

impl Loader {
    /// Names an expression may read: dossier sections, built-ins, variables so far, bindings.
    pub(super) fn known_names(&self, bindings: &[String]) -> BTreeSet<String> {
        let mut names: BTreeSet<String> = self.sections.clone();
        names.extend(BUILTIN_NAMES.iter().map(|name| name.to_string()));
        names.extend(CEL_NAMES.iter().map(|name| name.to_string()));
        names.extend(self.variables.iter().map(|variable| variable.name.clone()));
        names.extend(bindings.iter().cloned());
        names
    }

    pub(super) fn compile(
        &mut self,
        file: &Arc<SourceFile>,
        node: Option<&Node>,
        text: &Spanned<String>,
        known: &BTreeSet<String>,
    ) -> Option<Expression> {
        let located = Located {
            file,
            node,
            value: text,
            offset: 0,
        };
        self.compile_located(&located, &text.value, known)
    }

    pub(super) fn compile_located(
        &mut self,
        located: &Located<'_>,
        expression_text: &str,
        known: &BTreeSet<String>,
    ) -> Option<Expression> {
        // a text too deep for the parser's stack is refused before it is parsed
        if let Err(error) = expression_limits::check_shape(expression_text) {
            let span = located.span(error.offset, 1);
            self.problems
                .add(located.file, span, error.message, "too deep here");
            return None;
        }
        // the same text is often written in many rules (`has(item.task_type)` …): compile it
        // once and share the program
        let cached = self.programs.get(expression_text).cloned();
        let program = match cached
            .map(Ok)
            .unwrap_or_else(|| crate::cel::parse(expression_text).map(std::sync::Arc::new))
        {
            Ok(program) => {
                self.programs
                    .entry(expression_text.to_string())
                    .or_insert_with(|| std::sync::Arc::clone(&program));
                program
            }
            Err(errors) => {
                for error in &errors.errors {
                    let offset = offset_of_line_column(expression_text, error.pos.0, error.pos.1);
                    let span = located.span(offset, 1);
                    let message = error
                        .msg
                        .strip_prefix("Syntax error: ")
                        .unwrap_or(&error.msg);
                    let depth_error = expression_limits::is_depth_error(message);
                    self.problems.add(
                        located.file,
                        span,
                        format!(
                            "CEL syntax error: {}",
                            expression_limits::parse_error_message(message)
                        ),
                        "here",
                    );
                    // what the parser says after its depth error is about its own state
                    if depth_error {
                        break;
                    }
                }
                return None;
            }
        };
        // the interpreter recurses once per level of the tree, on the stack of a rayon worker
        // (2 MiB): `1 + 1 + …` with 2,000 terms overflowed it (found by fuzzing)
        let depth = expression_depth(&program);
        if depth > MAX_EXPRESSION_DEPTH {
            self.problems.add_with_help(
                located.file,
                located.span(0, expression_text.len()),
                format!(
                    "the expression nests {depth} levels deep; at most {MAX_EXPRESSION_DEPTH} can be evaluated"
                ),
                "too deep",
                "split it into pack variables, or use `in` with a list instead of a long chain of `||` or `+`".to_string(),
            );
            return None;
        }
        let references = program.references();
        let introduced = comprehension_variables(&program);
        let mut variables: Vec<String> = Vec::new();
        let mut ok = true;
        // a misspelt function (`exsts`) is named as such; the variables it would have
        // introduced are then not reported as unknown names
        let mut static_problems = Vec::new();
        let mut unknown_call_arguments = BTreeSet::new();
        if self.lint {
            crate::pack::static_check::unknown_functions(
                &program.expr,
                expression_text,
                &mut static_problems,
                &mut unknown_call_arguments,
            );
        }
        for name in references.variables() {
            if introduced.contains(name) {
                continue;
            }
            if self.lint && !known.contains(name) && !unknown_call_arguments.contains(name) {
                let offset = find_identifier(expression_text, name).unwrap_or(0);
                self.problems.0.push(LocatedError::new(
                    located.file,
                    located.span(offset, name.len()),
                    format!("`{name}` is not a binding, a pack variable or a dossier section"),
                    "unknown name",
                    crate::pack::static_check::did_you_mean(name, known.iter().map(String::as_str)),
                ));
                ok = false;
            }
            variables.push(name.to_string());
        }
        let literal_patterns = if self.lint {
            super::names::literal_patterns(expression_text)
        } else {
            Vec::new()
        };
        for (start, pattern) in literal_patterns {
            // `matches` with a literal pattern: compiled (and checked) at load
            let unescaped = pattern.replace("\\\\", "\\");
            if let Err(error) = cached_regex(&unescaped) {
                self.problems.add(
                    located.file,
                    located.span(start, pattern.len()),
                    format!("invalid regular expression: {error}"),
                    "this pattern",
                );
                ok = false;
            }
        }
        variables.sort();
        variables.dedup();
        let mut fields = BTreeSet::new();
        let mut chains = BTreeSet::new();
        read_paths(&program.expr, &mut chains, &mut fields);
        let chains: Vec<crate::pack::ReadChain> = chains.into_iter().collect();
        if self.lint {
            static_problems.extend(crate::pack::static_check::unknown_fields(
                &self.schema,
                &self.scope,
                &chains,
                expression_text,
            ));
        }
        for problem in static_problems {
            self.problems.0.push(LocatedError::new(
                located.file,
                located.span(problem.offset, problem.length),
                problem.message,
                problem.label,
                problem.help,
            ));
            ok = false;
        }
        ok.then(|| Expression {
            source: expression_text.to_string(),
            native: crate::cel::Native::compile(&program).map(Box::new),
            program,
            variables,
            fields: fields.into_iter().collect(),
            chains,
            origin: Origin {
                file: Arc::clone(located.file),
                span: located.span(0, expression_text.len()),
            },
        })
    }
}

/// The deepest CEL expression a pack may hold: the interpreter uses about 2 KB of stack a
/// level in a release build, and an evaluation runs on a 2 MiB rayon worker. The national
/// pack's deepest expression nests 9 levels.
pub const MAX_EXPRESSION_DEPTH: usize = 100;

/// The variables the expression's comprehensions introduce (`xs.all(x, …)`,
/// `m.exists(k, v, …)`, `t.optMap(v, …)`), which are not names it reads: taken from the parsed
/// tree, so a macro's name inside a string literal introduces nothing.
fn comprehension_variables(root: &cel::common::ast::IdedExpr) -> BTreeSet<&str> {
    let mut names = BTreeSet::new();
    let mut pending = vec![root];
    while let Some(node) = pending.pop() {
        if let cel::common::ast::Expr::Comprehension(comprehension) = &node.expr {
            names.insert(comprehension.iter_var.as_str());
            names.extend(comprehension.iter_var2.as_deref());
            // `t.optMap(v, …)` and `optFlatMap` bind `v` as the accumulator of a comprehension
            // over nothing (the macros' own accumulators are named `@…`, never read as names)
            names.insert(comprehension.accu_var.as_str());
        }
        crate::cel::each_sub_expression(&node.expr, |child| pending.push(child));
    }
    names
}

/// How many levels a compiled expression nests (a literal is 1), counted without recursion so
/// that the count itself cannot overflow the stack.
fn expression_depth(root: &cel::common::ast::IdedExpr) -> usize {
    let mut deepest = 0;
    let mut pending = vec![(root, 1usize)];
    while let Some((node, depth)) = pending.pop() {
        deepest = deepest.max(depth);
        crate::cel::each_sub_expression(&node.expr, |child| pending.push((child, depth + 1)));
    }
    deepest
}

/// A text inside a pack value: maps offsets within an expression back to the pack file.
pub(super) struct Located<'a> {
    pub file: &'a Arc<SourceFile>,
    pub node: Option<&'a Node>,
    pub value: &'a Spanned<String>,
    /// Where the expression starts within the value's text.
    pub offset: usize,
}

impl Located<'_> {
    pub(super) fn span(&self, offset_in_expression: usize, length: usize) -> Span {
        value_span(
            self.file,
            self.node,
            self.value,
            self.offset + offset_in_expression,
            length,
        )
    }
}

/// Maps a byte offset within a YAML scalar's value to the file. Each line of the value is
/// found again in the scalar's source text (which may be quoted, folded or indented); where
/// escapes make that impossible, the scalar's start is used.
pub(super) fn value_span(
    file: &SourceFile,
    node: Option<&Node>,
    value: &Spanned<String>,
    offset: usize,
    length: usize,
) -> Span {
    let scalar_span = node.map(|node| node.span).unwrap_or(value.span);
    let raw = file.slice(scalar_span);
    let text = value.value.as_str();
    let offset = offset.min(text.len());
    let mut search_from = 0usize;
    let mut line_start_in_value = 0usize;
    for line in text.split('\n') {
        let line_end_in_value = line_start_in_value + line.len();
        let rest = &raw[search_from..];
        let found = if line.is_empty() || rest.starts_with(line) {
            Some(search_from)
        } else if rest.get(1..).is_some_and(|after| after.starts_with(line)) {
            // after the quote of a quoted scalar: the first place `find` would give, found
            // without building a searcher for the line (value_span runs for every expression
            // and placeholder of a pack)
            Some(search_from + 1)
        } else {
            rest.find(line).map(|at| search_from + at)
        };
        let Some(found) = found else {
            break;
        };
        if offset <= line_end_in_value {
            let start = scalar_span.start() + found + (offset - line_start_in_value);
            let mut end = (start + length)
                .min(scalar_span.start() + found + line.len())
                .max(start);
            // a one-byte span at a multi-byte character (where the CEL parser stopped at `关`)
            // covers the character: a span must not cut one (found by fuzzing)
            while !file.text.is_char_boundary(end) {
                end += 1;
            }
            return Span::new(start, end);
        }
        search_from = found + line.len();
        line_start_in_value = line_end_in_value + 1;
    }
    Span::new(scalar_span.start(), scalar_span.start())
}

/// Byte offset of a 1-based line and 1-based character column within a text.
fn offset_of_line_column(text: &str, line: isize, column: isize) -> usize {
    let line = line.max(1) as usize;
    let column = column.max(1) as usize;
    let mut line_start = 0usize;
    for (index, line_text) in text.split('\n').enumerate() {
        if index + 1 == line {
            return line_start
                + line_text
                    .char_indices()
                    .nth(column - 1)
                    .map_or(line_text.len(), |(byte, _)| byte);
        }
        line_start += line_text.len() + 1;
    }
    text.len()
}

fn find_identifier(text: &str, name: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let is_word = |byte: u8| byte.is_ascii_alphanumeric() || byte == b'_';
    let mut from = 0;
    while let Some(found) = text[from..].find(name) {
        let start = from + found;
        let end = start + name.len();
        let before = start == 0 || !is_word(bytes[start - 1]) && bytes[start - 1] != b'.';
        let after = end == bytes.len() || !is_word(bytes[end]);
        if before && after {
            return Some(start);
        }
        from = end;
    }
    None
}
