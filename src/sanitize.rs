//! The one sanitiser every byte of text output passes through: control characters, bidi
//! overrides and noncharacters escaped, text XML cannot hold dropped, long values cut with
//! their length.
//!
//! A dossier comes from many hands and its values reach a terminal, a CI log or an XML parser.
//! An ESC in a value (`\u{1b}[2J`) would clear the reader's screen even with `--color never`; a
//! right-to-left override (U+202E) reorders what a reviewer reads (Trojan Source); U+FFFE makes
//! a JUnit report ill-formed. Each is shown as a Rust-style escape (`\u{1b}`), so that what was
//! written can still be read and searched for.

use std::borrow::Cow;

/// The characters a report escapes: C0 controls except tab and line feed, DEL, C1 controls,
/// the bidi embeddings, overrides and isolates, and the noncharacters U+FFFE and U+FFFF.
///
/// A carriage return is escaped too: alone it moves the cursor back over what was printed.
pub fn needs_escape(character: char) -> bool {
    matches!(
        character,
        '\u{0}'..='\u{8}'
            | '\u{b}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{fffe}'
            | '\u{ffff}'
    )
}

/// Writes the escape of a character (`\u{1b}`).
fn push_escape(out: &mut String, character: char) {
    use std::fmt::Write;
    let _ = write!(out, "\\u{{{:x}}}", character as u32);
}

/// Text with every character of [`needs_escape`] written as `\u{…}`; tabs and line feeds stay.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for character in text.chars() {
        if needs_escape(character) {
            push_escape(&mut out, character);
        } else {
            out.push(character);
        }
    }
    Cow::Owned(out)
}

/// Text for one line of output (a GitHub annotation's title, a snippet line): as [`escape`],
/// and line feeds and tabs are escaped too.
pub fn escape_line(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|character| needs_escape(character) || character == '\n' || character == '\t')
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for character in text.chars() {
        match character {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            character if needs_escape(character) => push_escape(&mut out, character),
            character => out.push(character),
        }
    }
    Cow::Owned(out)
}

/// Whether XML 1.0 can hold a character at all, escaped or not: tab, line feed, carriage
/// return and U+0020… except the surrogates (never in a `str`) and U+FFFE, U+FFFF.
pub fn xml_allows(character: char) -> bool {
    matches!(character, '\t' | '\n' | '\r')
        || (character >= '\u{20}' && character != '\u{fffe}' && character != '\u{ffff}')
}

/// Text for an XML report: escaped as [`escape`] (so no character XML forbids is left: every
/// C0 control but tab and line feed, U+FFFE and U+FFFF are escapes), the rest kept.
pub fn for_xml(text: &str) -> Cow<'_, str> {
    let escaped = escape(text);
    debug_assert!(escaped.chars().all(xml_allows));
    escaped
}

/// The longest value, in characters, a message quotes whole.
pub const MAX_VALUE_CHARS: usize = 200;

/// The language of the length note of a cut value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteLang {
    Zh,
    En,
}

/// A value quoted in a message: whole when it has at most `limit` characters, else its first
/// `limit` characters and its length (`…（共 10000000 字符）`), so that a 10-million-character
/// scalar is not printed whole into every report.
pub fn truncate_value(text: &str, limit: usize, lang: NoteLang) -> Cow<'_, str> {
    // a cheap test first: a short text in bytes is short in characters
    if text.len() <= limit {
        return Cow::Borrowed(text);
    }
    let Some((cut, _)) = text.char_indices().nth(limit) else {
        return Cow::Borrowed(text);
    };
    let total = text.chars().count();
    let note = match lang {
        NoteLang::Zh => format!("…（共 {total} 字符）"),
        NoteLang::En => format!("… ({total} characters)"),
    };
    Cow::Owned(format!("{}{note}", &text[..cut]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_escaped_text_stays() {
        assert_eq!(escape("事项\u{1b}[2J名称"), "事项\\u{1b}[2J名称");
        assert_eq!(escape("a\u{202e}b\u{2066}c"), "a\\u{202e}b\\u{2066}c");
        assert_eq!(escape("tab\tand\nline"), "tab\tand\nline");
        assert_eq!(escape("\r\u{7f}\u{9b}"), "\\u{d}\\u{7f}\\u{9b}");
        assert!(matches!(escape("plain 文本"), Cow::Borrowed(_)));
        assert_eq!(escape_line("a\nb\tc"), "a\\nb\\tc");
    }

    #[test]
    fn xml_text_holds_no_forbidden_character() {
        let text = for_xml("a\u{fffe}b\u{ffff}c\u{0}d\u{1b}e\tf");
        assert!(text.chars().all(xml_allows), "{text}");
        assert_eq!(text, "a\\u{fffe}b\\u{ffff}c\\u{0}d\\u{1b}e\tf");
    }

    #[test]
    fn long_values_are_cut_with_their_length() {
        let long = "长".repeat(300);
        let cut = truncate_value(&long, 10, NoteLang::Zh);
        assert_eq!(cut, format!("{}…（共 300 字符）", "长".repeat(10)));
        assert_eq!(
            truncate_value(&"x".repeat(12), 10, NoteLang::En),
            "xxxxxxxxxx… (12 characters)"
        );
        assert_eq!(truncate_value("short", 10, NoteLang::En), "short");
        // 10 characters of 3 bytes each: long in bytes, not in characters
        assert_eq!(
            truncate_value(&"长".repeat(10), 10, NoteLang::Zh),
            "长".repeat(10)
        );
    }
}
