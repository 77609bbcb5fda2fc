//! Limits an expression's text must meet before the CEL parser sees it, and the words of the
//! parser's own depth error.
//!
//! The parser and the interpreter recurse once per level of the expression's tree: `1 + 1 + …`
//! with 5,000 terms or `has(a.a.a…)` 20,000 deep overflowed the stack and aborted the process,
//! in `check` and in `pack lint`. A cheap scan of the text bounds the depth first, so that such
//! a rule is a located load error like any other.

/// The longest expression read, in bytes (cel-go's default limit is 100,000 code points).
pub const MAX_EXPRESSION_BYTES: usize = 100_000;
/// The deepest nesting of brackets: `(`, `[` and `{`.
pub const MAX_NESTING: usize = 32;
/// The longest chain of operators and field selections along a path of the expression's tree,
/// brackets included: about the depth of the tree the parser builds.
pub const MAX_DEPTH: usize = 128;

/// The deepest nesting of comprehensions (`all`, `exists`, `map`, `filter` …) a rule may
/// have: the cost estimate of a comprehension is the size of its list times the cost of its
/// body, so four nested over a dossier's list of n elements cost n⁴ — 10²⁰ steps over 100,000
/// items, a rule no budget can run. Three are allowed (the runtime budget bounds them).
pub const MAX_COMPREHENSION_NESTING: usize = 3;

/// The CEL macros that iterate a list or a map.
const COMPREHENSIONS: &[&str] = &[
    "all",
    "exists",
    "exists_one",
    "existsOne",
    "map",
    "filter",
    "sortBy",
    "transformList",
    "transformMap",
];

/// Why an expression's text is refused, and the byte offset in it where the limit was passed.
#[derive(Debug, PartialEq, Eq)]
pub struct ShapeError {
    pub offset: usize,
    pub message: String,
}

/// Checks the size, the bracket nesting and the depth of an expression's text. String literals
/// are skipped (a `(` in a message is text); the count of operators is an upper bound of the
/// tree's depth, exact for the chains that matter (`a + b + c …`, `a.b.c …`).
pub fn check_shape(text: &str) -> Result<(), ShapeError> {
    if text.len() > MAX_EXPRESSION_BYTES {
        return Err(ShapeError {
            offset: 0,
            message: format!(
                "the expression is {} bytes long, more than the {MAX_EXPRESSION_BYTES} an expression may have; split it into pack variables",
                text.len()
            ),
        });
    }
    // operators of each open bracket's current argument, outermost first
    let mut frames: Vec<usize> = vec![0];
    // whether each open bracket is a comprehension's (the root is not)
    let mut comprehension_frames: Vec<bool> = vec![false];
    let bytes = text.as_bytes();
    let mut position = 0;
    while position < bytes.len() {
        let byte = bytes[position];
        match byte {
            b'\'' | b'"' => {
                position = skip_string(bytes, position);
                continue;
            }
            b'/' if bytes.get(position + 1) == Some(&b'/') => {
                // a comment runs to the end of the line
                while position < bytes.len() && bytes[position] != b'\n' {
                    position += 1;
                }
                continue;
            }
            b'(' | b'[' | b'{' => {
                frames.push(0);
                let comprehension = byte == b'(' && called_macro(&text[..position]);
                comprehension_frames.push(comprehension);
                if comprehension
                    && comprehension_frames.iter().filter(|open| **open).count()
                        > MAX_COMPREHENSION_NESTING
                {
                    return Err(ShapeError {
                        offset: position,
                        message: format!(
                            "the rule nests comprehensions more than {MAX_COMPREHENSION_NESTING} deep: its cost grows as the power of the list's length, more than any budget; iterate with for_each or a pack variable"
                        ),
                    });
                }
                if frames.len() - 1 > MAX_NESTING {
                    return Err(ShapeError {
                        offset: position,
                        message: format!(
                            "the expression nests brackets more than {MAX_NESTING} deep; split it into pack variables"
                        ),
                    });
                }
            }
            // an unbalanced closing bracket is left to the parser to report
            b')' | b']' | b'}' if frames.len() > 1 => {
                frames.pop();
                comprehension_frames.pop();
            }
            b',' => {
                if let Some(current) = frames.last_mut() {
                    *current = 0;
                }
            }
            b'.' | b'+' | b'-' | b'*' | b'/' | b'%' | b'!' | b'?' | b'<' | b'>' | b'=' | b'&'
            | b'|' => {
                // a two-character operator counts once
                let pair = bytes.get(position + 1).is_some_and(|next| {
                    matches!(
                        (byte, next),
                        (b'&', b'&')
                            | (b'|', b'|')
                            | (b'=', b'=')
                            | (b'!', b'=')
                            | (b'<', b'=')
                            | (b'>', b'=')
                    )
                });
                if let Some(current) = frames.last_mut() {
                    *current += 1;
                }
                let depth = frames.iter().sum::<usize>() + frames.len() - 1;
                if depth > MAX_DEPTH {
                    return Err(ShapeError {
                        offset: position,
                        message: format!(
                            "the expression is deeper than {MAX_DEPTH} levels of operators, field selections and brackets; split it into pack variables"
                        ),
                    });
                }
                if pair {
                    position += 1;
                }
            }
            _ => {}
        }
        position += 1;
    }
    Ok(())
}

/// Whether the text before a `(` ends with `.name` of a comprehension macro.
fn called_macro(before: &str) -> bool {
    let trimmed = before.trim_end();
    let name_start = trimmed
        .rfind(|character: char| !(character.is_ascii_alphanumeric() || character == '_'))
        .map_or(0, |index| index + 1);
    let name = &trimmed[name_start..];
    COMPREHENSIONS.contains(&name) && trimmed[..name_start].trim_end().ends_with('.')
}

/// The position after the string literal that starts at `start` (a quote; triple quotes and
/// backslash escapes understood; raw strings have no escapes but a backslash never ends one).
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let triple = bytes.get(start + 1) == Some(&quote) && bytes.get(start + 2) == Some(&quote);
    let mut position = start + if triple { 3 } else { 1 };
    while position < bytes.len() {
        let byte = bytes[position];
        if byte == b'\\' {
            position += 2;
            continue;
        }
        if byte == quote {
            if !triple {
                return position + 1;
            }
            if bytes.get(position + 1) == Some(&quote) && bytes.get(position + 2) == Some(&quote) {
                return position + 3;
            }
        }
        position += 1;
    }
    bytes.len()
}

/// A message of the CEL parser in words: its depth error (`OtherError(ParseError { … msg:
/// "Recursion limit of 96 exceeded" … })`, Rust's debug text) becomes a sentence.
pub fn parse_error_message(raw: &str) -> String {
    let inner = raw
        .find("msg: \"")
        .map(|start| &raw[start + 6..])
        .and_then(|rest| rest.find('"').map(|end| &rest[..end]))
        .unwrap_or(raw);
    if let Some(limit) = inner
        .strip_prefix("Recursion limit of ")
        .and_then(|rest| rest.strip_suffix(" exceeded"))
    {
        return format!(
            "the expression nests deeper than the CEL parser allows ({limit} levels); split it into pack variables"
        );
    }
    inner.to_string()
}

/// Whether a parser message is its depth error (the errors after it are noise).
pub fn is_depth_error(raw: &str) -> bool {
    raw.contains("Recursion limit of")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_rules_pass() {
        for text in [
            "has(item.promised_limit) && item.promised_limit <= item.statutory_limit",
            "doc.items.filter(i, has(i.task_code)).map(i, i.task_code)",
            "'(((((((((((((((((((((((((((((((((((((' + \"a.b.c\" == x",
            "[1, 2, 3].all(x, x > 0) ? {'a': 1}['a'] : -1",
        ] {
            assert_eq!(check_shape(text), Ok(()), "{text}");
        }
    }

    #[test]
    fn long_chains_and_deep_nesting_are_refused_where_they_pass_the_limit() {
        let sum = vec!["1"; 5000].join(" + ");
        let error = check_shape(&sum).expect_err("too deep");
        assert!(
            error.message.contains("deeper than 128"),
            "{}",
            error.message
        );
        assert_eq!(&sum[error.offset..error.offset + 1], "+");
        let selections = format!("has(a{})", ".a".repeat(20_000));
        assert!(check_shape(&selections).is_err());
        let parentheses = format!("{}1{}", "(".repeat(40), ")".repeat(40));
        let error = check_shape(&parentheses).expect_err("too deep");
        assert_eq!(error.offset, 32);
    }

    #[test]
    fn four_nested_comprehensions_are_refused_three_pass() {
        let three = "l.all(x, l.exists(y, l.map(z, z).size() > 0))";
        assert_eq!(check_shape(three), Ok(()));
        let four = "l.all(x, l.exists(y, l.map(z, l.filter(w, w == z)).size() > 0))";
        let error = check_shape(four).expect_err("four deep");
        assert!(
            error.message.contains("comprehensions"),
            "{}",
            error.message
        );
        assert_eq!(&four[error.offset - 6..error.offset], "filter");
        // a function called map is not a macro without a receiver
        assert_eq!(check_shape("map(map(map(map(1))))"), Ok(()));
    }

    #[test]
    fn the_parsers_depth_error_reads_as_a_sentence() {
        let raw = "OtherError(ParseError { source: None, pos: (96, -1), msg: \"Recursion limit of 96 exceeded\", expr_id: 0, source_info: None })";
        assert_eq!(
            parse_error_message(raw),
            "the expression nests deeper than the CEL parser allows (96 levels); split it into pack variables"
        );
        assert_eq!(
            parse_error_message("mismatched input ')'"),
            "mismatched input ')'"
        );
    }
}

/// An estimate, at load, of the longest string a pack variable can hold when it is built only
/// from literals and earlier variables (`b: a + a`, `c: b + b` …): each occurrence of a variable
/// counts its whole estimate, each string literal its length. A chain of doublings that passes
/// the runtime limit of a variable's value is refused at load, where it is written, instead of
/// at every dossier. Variables that read the dossier are not estimated here (their size follows
/// the input, which has its own limit); the runtime check bounds them.
pub fn estimated_string_bytes(
    text: &str,
    reads: &[String],
    estimates: &std::collections::BTreeMap<String, usize>,
) -> Option<usize> {
    if reads.iter().any(|name| !estimates.contains_key(name)) {
        return None;
    }
    let mut total = string_literal_bytes(text);
    for name in reads {
        let occurrences = identifier_occurrences(text, name);
        let size = estimates.get(name).copied().unwrap_or(0);
        total = total.saturating_add(occurrences.saturating_mul(size));
    }
    Some(total)
}

/// The bytes of the string literals of an expression (quotes excluded).
fn string_literal_bytes(text: &str) -> usize {
    let mut total = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for character in text.chars() {
        match quote {
            Some(open) => {
                if escaped {
                    escaped = false;
                    total += character.len_utf8();
                } else if character == '\\' {
                    escaped = true;
                } else if character == open {
                    quote = None;
                } else {
                    total += character.len_utf8();
                }
            }
            None if character == '\'' || character == '"' => quote = Some(character),
            None => {}
        }
    }
    total
}

/// How often `name` occurs in `text` as a whole identifier.
fn identifier_occurrences(text: &str, name: &str) -> usize {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(name)
        .filter(|(start, _)| {
            let before = text[..*start].chars().next_back();
            let after = text[start + name.len()..].chars().next();
            !before.is_some_and(|c| is_word(c) || c == '.') && !after.is_some_and(is_word)
        })
        .count()
}

#[cfg(test)]
mod growth_tests {
    use super::estimated_string_bytes;
    use std::collections::BTreeMap;

    #[test]
    fn doubling_chains_are_estimated_and_dossier_reads_are_not() {
        let mut estimates = BTreeMap::new();
        let a = estimated_string_bytes("'xxxxxxxxxx'", &[], &estimates);
        assert_eq!(a, Some(10));
        estimates.insert("a".to_string(), 10);
        assert_eq!(
            estimated_string_bytes("a + a + 'y'", &["a".to_string()], &estimates),
            Some(21)
        );
        assert_eq!(
            estimated_string_bytes("items.map(i, i.name)", &["items".to_string()], &estimates),
            None
        );
        assert_eq!(
            estimated_string_bytes("ab + a", &["a".to_string()], &estimates),
            Some(10)
        );
    }
}
