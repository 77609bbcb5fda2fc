//! Source texts and the mapping from byte offsets to the 1-based line and column a person sees.
//!
//! Columns count Unicode scalar values (characters), not bytes, so that a column number under
//! a Chinese key is the one an editor shows.
//!
//! Lines end at LF, CRLF or a lone CR (old Mac files, and files mixed by hand), as YAML says. A
//! lone CR is turned into LF when a source is made: the same byte length, so every offset holds,
//! and then the line index, both parsers and miette's snippets all see the same lines (miette
//! counts a lone CR as a line end in its header but draws it inside a line).

use std::sync::{Arc, OnceLock};

/// A byte range in a source text. `u32` keeps the spanned trees compact; inputs over 4 GiB are
/// refused when they are read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    pub fn start(self) -> usize {
        self.start as usize
    }

    pub fn end(self) -> usize {
        self.end as usize
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.end == self.start
    }

    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        miette::SourceSpan::new(span.start().into(), span.len())
    }
}

/// The largest input guifan reads: spans are `u32`.
pub const MAX_SOURCE_BYTES: usize = u32::MAX as usize;

/// Reads at most `max_bytes` of `reader` (one more, to tell a text too long) into a buffer made
/// for `expected` bytes (a regular file's size, 0 when unknown), so that reading to the end
/// takes one call where an empty buffer took calls of 32 bytes, 32, 64 and so on. `None` when
/// there was more than `max_bytes`. The inputs of a check and a pack's files are read by it.
pub fn read_at_most(
    reader: impl std::io::Read,
    max_bytes: u64,
    expected: u64,
) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let capacity = usize::try_from(expected.min(max_bytes).saturating_add(1)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    reader
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= max_bytes).then_some(bytes))
}

/// A named text: a dossier, a pack file, or standard input. The name is what diagnostics show,
/// always relative as the user wrote it.
#[derive(Debug)]
pub struct SourceFile {
    pub name: String,
    /// An `Arc<String>`, not an `Arc<str>`: a file read into a `String` is moved in, where an
    /// `Arc<str>` would copy it (for a moment the text twice over: the peak of a large file).
    pub text: Arc<String>,
    /// How many lines end before each [`LINE_BLOCK`]-byte block of the text (its count of
    /// `\n`), made on the first look-up: a clean file never needs it. A line's number is the
    /// count before its block and the newlines counted in the block up to it; a line's start is
    /// found in the block that holds the newline before it. 4 bytes per KiB of text, where
    /// 4 bytes per line, the index it replaced, held 7.6 MB for a 42 MB JSON list
    /// (docs/PERFORMANCE.md, point 52).
    line_blocks: OnceLock<Vec<u32>>,
    /// How many characters come before each [`BLOCK`]-byte block, made on the first look-up
    /// into a long line: a column on a minified JSON line of megabytes is then found by
    /// counting at most a block, not the line from its start (that made the reports of one-line
    /// files quadratic: findings × line length).
    char_blocks: OnceLock<Vec<u32>>,
}

/// The bytes per entry of the character index (1/64 of the text in memory, when made).
const BLOCK: usize = 256;

/// The bytes per entry of the line index (1/256 of the text in memory, when made); a look-up
/// counts the newlines of at most one block.
const LINE_BLOCK: usize = 1024;

/// Lines up to this many bytes are counted directly; the character index is made only for
/// longer ones.
const SHORT_LINE: usize = 512;

/// For each `block`-byte block of `bytes`, and for the end, what `count` gives of the bytes
/// before it: entry `i` is the count of `bytes[..i * block]` (spans are `u32`, and so is any
/// count of a text's bytes).
fn counts_before_blocks(bytes: &[u8], block: usize, count: impl Fn(&[u8]) -> usize) -> Vec<u32> {
    let mut counts = Vec::with_capacity(bytes.len() / block + 2);
    let mut total = 0u32;
    counts.push(0);
    for chunk in bytes.chunks(block) {
        total += count(chunk) as u32;
        counts.push(total);
    }
    counts
}

/// Whether a byte starts a character in UTF-8 (is not a continuation byte `10xxxxxx`).
fn starts_character(byte: u8) -> bool {
    (byte as i8) >= -0x40
}

/// A 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineColumn {
    pub line: usize,
    pub column: usize,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        SourceFile {
            name: name.into(),
            text: Arc::new(lone_carriage_returns_as_line_feeds(text.into())),
            line_blocks: OnceLock::new(),
            char_blocks: OnceLock::new(),
        }
    }

    fn char_blocks(&self) -> &[u32] {
        self.char_blocks.get_or_init(|| {
            counts_before_blocks(self.text.as_bytes(), BLOCK, |block| {
                block.iter().filter(|&&byte| starts_character(byte)).count()
            })
        })
    }

    /// How many characters `text[..offset]` holds, from the index.
    fn characters_before(&self, offset: usize) -> usize {
        let block = offset / BLOCK;
        let counted = self.char_blocks()[block] as usize;
        counted
            + self.text.as_bytes()[block * BLOCK..offset]
                .iter()
                .filter(|&&byte| starts_character(byte))
                .count()
    }

    /// How many characters lie between two byte offsets (clamped to the text, in order).
    pub fn characters_between(&self, from: usize, to: usize) -> usize {
        let to = to.min(self.text.len());
        let from = from.min(to);
        if to - from <= SHORT_LINE {
            return self.text.as_bytes()[from..to]
                .iter()
                .filter(|&&byte| starts_character(byte))
                .count();
        }
        self.characters_before(to) - self.characters_before(from)
    }

    fn line_blocks(&self) -> &[u32] {
        self.line_blocks.get_or_init(|| {
            counts_before_blocks(self.text.as_bytes(), LINE_BLOCK, |block| {
                memchr::memchr_iter(b'\n', block).count()
            })
        })
    }

    /// Where the line with 0-based `index` starts: after the text's `index`th newline; `None`
    /// past the last line.
    fn line_start(&self, index: usize) -> Option<usize> {
        if index == 0 {
            return Some(0);
        }
        let blocks = self.line_blocks();
        if blocks.last().is_none_or(|&lines| (lines as usize) < index) {
            return None;
        }
        // the block holding that newline: the last one with fewer newlines before it (blocks[0]
        // is 0, fewer than `index`; the last entry, the text's count, is not)
        let block = blocks
            .partition_point(|&lines| (lines as usize) < index)
            .checked_sub(1)?;
        let from = block * LINE_BLOCK;
        let nth = index - blocks[block] as usize - 1;
        memchr::memchr_iter(b'\n', &self.text.as_bytes()[from..])
            .nth(nth)
            .map(|newline| from + newline + 1)
    }

    /// The line and column of a byte offset (clamped to the text).
    pub fn line_column(&self, offset: usize) -> LineColumn {
        let offset = offset.min(self.text.len());
        // the newlines before the offset: those before its block, and those of the block
        let block = offset / LINE_BLOCK;
        let from = block * LINE_BLOCK;
        let in_block = &self.text.as_bytes()[from..offset];
        let line_index =
            self.line_blocks()[block] as usize + memchr::memchr_iter(b'\n', in_block).count();
        // the line starts after the last of them: in the block when it has one, else found by
        // its number (the newline before the offset is in the text: the line has a start)
        let line_start = match memchr::memrchr(b'\n', in_block) {
            Some(newline) => from + newline + 1,
            None => self.line_start(line_index).unwrap_or(0),
        };
        let column = self.characters_between(line_start, offset) + 1;
        LineColumn {
            line: line_index + 1,
            column,
        }
    }

    /// The byte offset of a 1-based line and a 0-based character column, as YAML scanners
    /// report them.
    pub fn offset_of(&self, line: usize, character_column: usize) -> usize {
        let Some(line_start) = self.line_start(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let bytes = self.text.as_bytes();
        // the character is within the first `character_column * 4 + 4` bytes (at most four a
        // character): a short reach is walked, a long one is found in the index
        if character_column < SHORT_LINE / 4 {
            let rest = &self.text[line_start..];
            return match rest.char_indices().nth(character_column) {
                Some((byte, _)) => line_start + byte,
                None => self.text.len(),
            };
        }
        let wanted = self.characters_before(line_start) + character_column;
        let blocks = self.char_blocks();
        // blocks[0] is 0 and the counts rise with every block (a block holds at least
        // BLOCK / 4 characters), so the block is the last one not past the character
        let block = blocks
            .partition_point(|&characters| characters as usize <= wanted)
            .saturating_sub(1);
        let mut characters = blocks[block] as usize;
        for (offset, &byte) in bytes.iter().enumerate().skip(block * BLOCK) {
            if starts_character(byte) {
                if characters == wanted {
                    return offset;
                }
                characters += 1;
            }
        }
        self.text.len()
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start()..span.end()).unwrap_or("")
    }
}

/// The text with each CR that is not followed by LF replaced by LF; the text itself (no copy)
/// when there is none, the common case.
fn lone_carriage_returns_as_line_feeds(text: String) -> String {
    let bytes = text.as_bytes();
    let is_lone = |offset: usize| bytes.get(offset + 1) != Some(&b'\n');
    let lone: Vec<usize> = memchr::memchr_iter(b'\r', bytes)
        .filter(|&offset| is_lone(offset))
        .collect();
    if lone.is_empty() {
        return text;
    }
    let mut normalized = text.into_bytes();
    for offset in lone {
        normalized[offset] = b'\n';
    }
    // one ASCII byte replaced by another: still UTF-8
    String::from_utf8(normalized)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
}

/// miette counts the column of a span's start in bytes, so a value after a Chinese key would be
/// shown at column 25 where an editor says 13. A source file gives miette its snippets with
/// the column counted in characters, the same count the reports use.
impl miette::SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let contents =
            self.text
                .as_ref()
                .read_span(span, context_lines_before, context_lines_after)?;
        let column = self.line_column(span.offset()).column - 1;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            *contents.span(),
            contents.line(),
            column,
            contents.line_count(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let file = SourceFile::new("a.yaml", "事项名称: 食品\nname: x\n");
        let value_offset = "事项名称: ".len();
        assert_eq!(
            file.line_column(value_offset),
            LineColumn { line: 1, column: 7 }
        );
        let second_line = "事项名称: 食品\n".len();
        assert_eq!(
            file.line_column(second_line + 6),
            LineColumn { line: 2, column: 7 }
        );
        assert_eq!(file.offset_of(1, 6), value_offset);
        assert_eq!(file.offset_of(2, 0), second_line);
    }

    #[test]
    fn cr_lf_and_crlf_all_end_lines() {
        let file = SourceFile::new("a.yaml", "a: 1\rb: 2\r\nc: 3\nd: 4");
        let d = file.text.find('d').expect("d");
        assert_eq!(file.line_column(d), LineColumn { line: 4, column: 1 });
        let c = file.text.find('c').expect("c");
        assert_eq!(file.line_column(c), LineColumn { line: 3, column: 1 });
        // offsets are kept: the lone CR became LF, the CRLF stayed
        assert_eq!(&*file.text, "a: 1\nb: 2\r\nc: 3\nd: 4");
    }

    /// Text of mixed one-, two-, three- and four-byte characters, a newline kept one time in
    /// `one_in` where the generator draws one.
    fn mixed_text(pieces: usize, one_in: u64, seed: u64) -> String {
        let choices = ["a", "é", "事项", "😀", "{\"k\":1},", "\n"];
        let mut text = String::new();
        let mut state = seed;
        for _ in 0..pieces {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let piece = choices[(state >> 33) as usize % (choices.len() + 40) % choices.len()];
            if piece == "\n" && !(state >> 20).is_multiple_of(one_in) {
                continue;
            }
            text.push_str(piece);
        }
        text
    }

    /// The indexes must give what counting from the text's start gives, at every character of
    /// long lines (hundreds to thousands of bytes, over many blocks of the line index), of
    /// short ones (many lines in one block, empty lines among them) and of a text that ends
    /// on a block's end with a newline.
    #[test]
    fn lines_and_columns_are_counted_by_the_indexes_as_by_hand() {
        let mut aligned = "ab\n".repeat(LINE_BLOCK / 3);
        aligned.push_str(&"x".repeat(LINE_BLOCK - aligned.len() - 1));
        aligned.push('\n');
        assert_eq!(aligned.len(), LINE_BLOCK);
        for text in [
            mixed_text(6_000, 50, 7),
            mixed_text(6_000, 1, 11),
            "\n\n\n".repeat(LINE_BLOCK),
            aligned,
        ] {
            counted_as_by_hand(&text);
        }
    }

    fn counted_as_by_hand(text: &str) {
        let file = SourceFile::new("a.json", text);
        let mut line = 1;
        let mut column = 1;
        for (offset, character) in text.char_indices() {
            assert_eq!(
                file.line_column(offset),
                LineColumn { line, column },
                "at byte {offset}"
            );
            assert_eq!(
                file.offset_of(line, column - 1),
                offset,
                "line {line} column {column}"
            );
            if character == '\n' {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
        }
        assert_eq!(file.line_column(text.len()), LineColumn { line, column });
        assert_eq!(file.offset_of(line, column - 1 + 1000), text.len());
        // past the last line
        assert_eq!(file.offset_of(line + 1, 0), text.len());
    }
}
