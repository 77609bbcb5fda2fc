//! What miette is given to draw a snippet: a window of the few lines around a span, long lines
//! cut around the label, every character sanitised, and the line and column numbers of the
//! file itself.
//!
//! miette pads the underline of a label with a width argument, and Rust's formatter panics on a
//! width over 65,535 ("Formatting argument out of range"): a finding on a minified JSON line
//! past that column took the whole report down. miette also prints a snippet's text as it is,
//! so an ESC in a dossier value reached the terminal. A window holds only what can be drawn:
//! at most [`LINE_CHARS`] characters a line (…-marked where cut) and escapes (`\u{1b}`) for
//! what a terminal would obey.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::sanitize::{escape_line, needs_escape};
use crate::source::{LineColumn, SourceFile, Span};

/// Lines up to this many characters are shown whole; longer ones are cut around the label.
pub const LINE_CHARS: usize = 160;
/// Characters kept before the label's column on a cut line.
const BEFORE_LABEL: usize = 60;
/// A label over more lines than this is drawn on its first line only: miette would draw every
/// line of it (a mapping of a thousand lines).
const LABEL_LINES: usize = 8;
/// Lines shown before and after the label (miette's default).
const CONTEXT_LINES: usize = 1;

/// A few lines of a file, ready for miette: see the module's documentation.
#[derive(Debug)]
pub struct SourceWindow {
    /// The file's name, as the header shows it.
    pub name: String,
    text: String,
    /// The 0-based number of the window's first line in the file.
    first_line: usize,
    /// The label's span in `text`.
    label: Span,
    /// Where the label starts in the file (1-based line and character column).
    start: LineColumn,
}

impl SourceWindow {
    /// The window around `span` of `file`.
    pub fn around(file: &SourceFile, span: Span) -> SourceWindow {
        let text = file.text.as_ref();
        let start = file.line_column(span.start());
        let mut end = file.line_column(span.end().max(span.start()));
        let last_line = file.line_column(text.len()).line;
        // a line's text without its line end, as byte offsets: every count below is of the
        // characters drawn or found by the file's index, never of a whole long line
        let line_bounds = |line: usize| -> (usize, usize) {
            let from = file.offset_of(line, 0);
            let to = if line < last_line {
                file.offset_of(line + 1, 0)
            } else {
                text.len()
            };
            let to = to.max(from);
            let content = text.get(from..to).unwrap_or("");
            let content = content.strip_suffix('\n').unwrap_or(content);
            let content = content.strip_suffix('\r').unwrap_or(content);
            (from, from + content.len())
        };
        let line_length = |line: usize| -> usize {
            let (from, to) = line_bounds(line);
            file.characters_between(from, to)
        };
        if end.line > start.line + LABEL_LINES {
            end = LineColumn {
                line: start.line,
                column: line_length(start.line) + 1,
            };
        }
        let first = start.line.saturating_sub(CONTEXT_LINES).max(1);
        let mut last = (end.line + CONTEXT_LINES).min(last_line);
        // the empty "line" after a final line feed is not shown as context
        if last > end.line && last == last_line && line_length(last) == 0 {
            last -= 1;
        }
        let mut out = String::new();
        let mut label_start = None;
        let mut label_end = None;
        for line in first..=last {
            let (line_from, line_to) = line_bounds(line);
            let length = file.characters_between(line_from, line_to);
            let focus = if line == end.line && line != start.line {
                end.column - 1
            } else {
                start.column - 1
            };
            let (from, to) = if length <= LINE_CHARS {
                (0, length)
            } else {
                let from = focus.saturating_sub(BEFORE_LABEL).min(length);
                let to = (from + LINE_CHARS).min(length);
                (to.saturating_sub(LINE_CHARS), to)
            };
            if from > 0 {
                out.push('…');
            }
            let mut mark = |index: usize, out: &String| {
                if line == start.line && index >= start.column - 1 && label_start.is_none() {
                    label_start = Some(out.len());
                }
                if line == end.line && index >= end.column - 1 && label_end.is_none() {
                    label_end = Some(out.len());
                }
            };
            let shown_from = file.offset_of(line, from).clamp(line_from, line_to);
            let shown = text.get(shown_from..line_to).unwrap_or("");
            for (index, character) in (from..to).zip(shown.chars()) {
                mark(index, &out);
                if needs_escape(character) {
                    out.push_str(&escape_line(&character.to_string()));
                } else {
                    out.push(character);
                }
            }
            // a label that starts or ends past the text kept on its line (at the line's end,
            // or cut away) is placed at the end of what is kept
            mark(usize::MAX, &out);
            if to < length {
                out.push('…');
            }
            if line < last {
                out.push('\n');
            }
        }
        let label_start = label_start.unwrap_or(out.len());
        let label_end = label_end.unwrap_or(out.len()).max(label_start);
        SourceWindow {
            name: file.name.clone(),
            text: out,
            first_line: first - 1,
            label: Span::new(label_start, label_end),
            start,
        }
    }

    /// The window numbered as a sheet's rows: its label's line is `row` of the sheet named
    /// (`items.xlsx › 事项`) and the header shows `column`, the spreadsheet's column; lines
    /// above the sheet's first row (another sheet's) are left out.
    pub fn at_row(mut self, name: String, row: usize, column: usize) -> SourceWindow {
        let shift = self.start.line.saturating_sub(row.max(1));
        // the window's first line, numbered as the sheet's (0 or less: above its first row)
        let first = (self.first_line + 1) as isize - shift as isize;
        if first < 1 {
            let drop = (1 - first) as usize;
            let cut = self
                .text
                .match_indices('\n')
                .nth(drop - 1)
                .map_or(0, |(index, _)| index + 1)
                .min(self.label.start());
            self.text.drain(..cut);
            self.label = Span::new(self.label.start() - cut, self.label.end() - cut);
            self.first_line += drop;
        }
        self.first_line -= shift;
        self.start = LineColumn {
            line: row,
            column: column.max(1),
        };
        self.name = name;
        self
    }

    /// The label's span, in the window.
    pub fn label(&self) -> SourceSpan {
        self.label.into()
    }

    /// The 0-based number in the file of the window's first line.
    pub fn first_line(&self) -> usize {
        self.first_line
    }

    /// The window's text (for tests of what is drawn).
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl SourceCode for SourceWindow {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let contents =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        // the header shows the file's own column of the label, in characters; other spans (the
        // context miette asks for) get the column within the window
        let column = if span.offset() == self.label.start() {
            self.start.column - 1
        } else {
            let line_start = self.text[..span.offset().min(self.text.len())]
                .rfind('\n')
                .map_or(0, |newline| newline + 1);
            self.text
                .get(line_start..span.offset())
                .map_or(0, |before| before.chars().count())
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            *contents.span(),
            self.first_line + contents.line(),
            column,
            contents.line_count(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_file_is_shown_as_it_is() {
        let file = SourceFile::new("a.yaml", "a: 1\nb: 2\nc: 3\nd: 4\n");
        let window = SourceWindow::around(&file, Span::new(13, 14));
        assert_eq!(window.text(), "b: 2\nc: 3\nd: 4");
        assert_eq!(
            &window.text()[window.label.start()..window.label.end()],
            "3"
        );
        assert_eq!(window.first_line, 1);
    }

    #[test]
    fn a_sheet_row_is_numbered_as_the_sheet_and_other_sheets_are_left_out() {
        // the item sheet (rows 1–2), a blank line, then the dossier sheet (rows 1–2)
        let file = SourceFile::new(
            "a.xlsx",
            "名称 | 编码\n甲 | 01\n\n申报类型 | foo\n部门名称 | 乙\n",
        );
        let offset = file.text.find("foo").expect("foo");
        let window = SourceWindow::around(&file, Span::new(offset, offset + 3)).at_row(
            "a.xlsx › 申报信息".into(),
            1,
            2,
        );
        assert_eq!(window.text(), "申报类型 | foo\n部门名称 | 乙");
        assert_eq!(window.first_line, 0);
        assert_eq!(window.start, LineColumn { line: 1, column: 2 });
        assert_eq!(
            &window.text()[window.label.start()..window.label.end()],
            "foo"
        );
    }

    #[test]
    fn a_long_line_is_cut_around_the_label() {
        let line = format!("{{\"a\":\"{}\",\"b\":\"target\"}}", "x".repeat(100_000));
        let offset = line.find("target").expect("there");
        let file = SourceFile::new("a.json", line.as_str());
        let window = SourceWindow::around(&file, Span::new(offset, offset + 6));
        assert!(window.text().chars().count() <= LINE_CHARS + 2);
        assert!(window.text().starts_with('…'));
        assert_eq!(
            &window.text()[window.label.start()..window.label.end()],
            "target"
        );
        assert_eq!(window.start.column, offset + 1);
    }

    #[test]
    fn controls_in_the_snippet_are_escaped_and_the_label_follows() {
        let file = SourceFile::new("a.yaml", "name: \u{1b}[2Jx\n");
        let window = SourceWindow::around(&file, Span::new(6, 10));
        assert_eq!(window.text(), "name: \\u{1b}[2Jx");
        assert_eq!(
            &window.text()[window.label.start()..window.label.end()],
            "\\u{1b}[2J"
        );
    }
}
