//! The shapes of a pack's names (clause numbers, rule and pack ids, identifiers) and the
//! literal patterns given to `matches`, found in an expression's text.
//!
//! Written by hand, not as regular expressions: each is a few comparisons of ASCII bytes, and
//! the `regex` crate compiled its patterns at every run of the program, Unicode classes and
//! all, an eighth of the instructions of a check of 10 items (docs/PERFORMANCE.md, point 54).
//! `regex-lite`, which compiles quickly, matched slowly: `pack lint` of the national pack
//! took 19 % more instructions. The tests compare each with the pattern it replaced.

/// `5.2.1.1`; an overlay's own standard may prefix its numbers (`DB-4.1`) so that they never
/// clash with its base's: `^([A-Z][A-Z0-9]*-)?[0-9]+(\.[0-9]+)*$`.
pub(super) fn is_clause_number(text: &str) -> bool {
    let number = match text.split_once('-') {
        Some((prefix, number)) => {
            let mut bytes = prefix.bytes();
            if !bytes.next().is_some_and(|byte| byte.is_ascii_uppercase())
                || !bytes.all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit())
            {
                return false;
            }
            number
        }
        None => text,
    };
    number
        .split('.')
        .all(|part| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit()))
}

/// Lowercase words of letters and digits joined by `-`, the first starting with a letter:
/// `^[a-z][a-z0-9]*(-[a-z0-9]+)*$`.
pub(super) fn is_rule_id(text: &str) -> bool {
    text.bytes()
        .next()
        .is_some_and(|byte| byte.is_ascii_lowercase())
        && words_joined(text, |byte| byte == b'-')
}

/// Lowercase words of letters and digits joined by `.` or `-`: `^[a-z0-9]+([.-][a-z0-9]+)*$`.
pub(super) fn is_pack_id(text: &str) -> bool {
    words_joined(text, |byte| byte == b'.' || byte == b'-')
}

/// Nonempty words of `[a-z0-9]` between the joining bytes.
fn words_joined(text: &str, joins: impl Fn(u8) -> bool) -> bool {
    text.as_bytes().split(|&byte| joins(byte)).all(|word| {
        !word.is_empty()
            && word
                .iter()
                .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit())
    })
}

/// A name CEL can read as one identifier: `^[A-Za-z_][A-Za-z0-9_]*$`.
pub(super) fn is_identifier(text: &str) -> bool {
    let mut bytes = text.bytes();
    bytes
        .next()
        .is_some_and(|byte| byte.is_ascii_alphabetic() || byte == b'_')
        && bytes.all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
}

/// The string literals given to `matches` in an expression's text (`x.matches('p')`,
/// `matches(x, "p")`), each as the byte offset of its text between the quotes and that text
/// as written (escapes not undone). The same as the matches, in order, of
/// `matches\((?:[^,()]*,\s*)?(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\)`.
pub(super) fn literal_patterns(text: &str) -> Vec<(usize, &str)> {
    const CALL: &str = "matches(";
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = memchr::memmem::find(&text.as_bytes()[from..], CALL.as_bytes()) {
        let arguments = from + at + CALL.len();
        // the pattern as the second argument (after a first one without `,()`), else as the
        // only one
        let second = text[arguments..]
            .find([',', '(', ')'])
            .filter(|&end| text[arguments + end..].starts_with(','))
            .map(|end| after_space(text, arguments + end + 1))
            .and_then(|start| literal_then_close(text, start));
        match second.or_else(|| literal_then_close(text, arguments)) {
            Some((pattern, end)) => {
                found.push(pattern);
                from = end;
            }
            None => from = from + at + 1,
        }
    }
    found
}

/// A quoted literal at `start` followed by white space and `)`: its text's offset and text,
/// and where the `)` ends.
fn literal_then_close(text: &str, start: usize) -> Option<((usize, &str), usize)> {
    let quote = *text.as_bytes().get(start)?;
    if quote != b'\'' && quote != b'"' {
        return None;
    }
    let mut chars = text[start + 1..].char_indices();
    let end = loop {
        match chars.next()? {
            (_, '\\') => {
                // `\\.`: any character but a newline after a backslash
                let (_, escaped) = chars.next()?;
                if escaped == '\n' {
                    return None;
                }
            }
            (offset, character) if character as u32 == u32::from(quote) => {
                break start + 1 + offset
            }
            _ => {}
        }
    };
    let close = after_space(text, end + 1);
    text[close..]
        .starts_with(')')
        .then(|| ((start + 1, &text[start + 1..end]), close + 1))
}

/// Where the text goes on after the white space (Unicode's, as the regex's `\s`) at `at`.
fn after_space(text: &str, at: usize) -> usize {
    text.len() - text[at..].trim_start().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Strings made of the bytes that matter to the patterns, every one up to a length, and
    /// longer ones from a fixed pseudo-random sequence.
    fn strings(alphabet: &[&str], exhaustive: usize, random: usize, length: usize) -> Vec<String> {
        let mut all = vec![String::new()];
        let mut level = vec![String::new()];
        for _ in 0..exhaustive {
            level = level
                .iter()
                .flat_map(|prefix| alphabet.iter().map(move |piece| format!("{prefix}{piece}")))
                .collect();
            all.extend(level.iter().cloned());
        }
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..random {
            let mut text = String::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            for _ in 0..(state % length as u64) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            all.push(text);
        }
        all
    }

    #[test]
    fn names_are_recognised_as_the_patterns_they_replace_recognise() {
        type Recognise = fn(&str) -> bool;
        // rule and pack ids: lowercase words and the joins of both
        let words: &[&str] = &["a", "z", "A", "0", "9", "-", ".", "_", "é", "\n"];
        let cases: [(&str, Recognise, &[&str]); 4] = [
            (
                r"^([A-Z][A-Z0-9]*-)?[0-9]+(\.[0-9]+)*$",
                is_clause_number,
                &["A", "Z", "b", "0", "9", "-", ".", " ", "号", "\n"],
            ),
            (r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", is_rule_id, words),
            (r"^[a-z0-9]+([.-][a-z0-9]+)*$", is_pack_id, words),
            (
                r"^[A-Za-z_][A-Za-z0-9_]*$",
                is_identifier,
                &["a", "Z", "0", "9", "_", "-", ".", " ", "名", "\n"],
            ),
        ];
        for (pattern, recognise, alphabet) in cases {
            let regex = regex::Regex::new(pattern).expect("the pattern replaced");
            let texts = strings(alphabet, 5, 20_000, 24);
            let accepted = texts.iter().filter(|text| regex.is_match(text)).count();
            assert!(
                accepted > 100,
                "{pattern}: too few accepted texts to compare"
            );
            for text in texts {
                assert_eq!(
                    recognise(&text),
                    regex.is_match(&text),
                    "{pattern} on {text:?}"
                );
            }
        }
    }

    #[test]
    fn literal_patterns_are_found_as_the_pattern_they_replace_finds_them() {
        let regex = regex::Regex::new(
            r#"matches\((?:[^,()]*,\s*)?(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\)"#,
        )
        .expect("the pattern replaced");
        let alphabet = [
            "matches(",
            "matches('",
            "matches(x, '",
            "matches(\"",
            "')",
            "\")",
            "' )",
            "'",
            "\"",
            "\\",
            ",",
            " ",
            "\n",
            "(",
            ")",
            "a",
            "x.",
            "　",
            "名",
        ];
        let mut texts = strings(&alphabet, 3, 100_000, 12);
        texts.extend(
            [
                "item.task_type.matches('^[0-9]{2}$')",
                r#"matches(item.name, "^\\p{Han}+$") && x.matches('a\'b')"#,
                "x.matches('a,b') || matches(y, 'c' )",
                "matches( 'no')",
                "matches(a, 'one', 'two')",
                "matches(matches('inner'))",
                "x.matches('line\\\nbreak')",
            ]
            .map(str::to_string),
        );
        let mut seen = 0;
        for text in texts {
            let expected: Vec<(usize, &str)> = regex
                .captures_iter(&text)
                .map(|captures| {
                    let pattern = captures
                        .get(1)
                        .or_else(|| captures.get(2))
                        .expect("one of the two quotes");
                    (pattern.start(), pattern.as_str())
                })
                .collect();
            seen += expected.len();
            assert_eq!(literal_patterns(&text), expected, "on {text:?}");
        }
        assert!(seen > 1_000, "too few literal patterns to compare: {seen}");
    }
}
