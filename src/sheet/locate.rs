//! Findings of a sheet back at their cells: the cell of the finding's pointer (or of its
//! nearest ancestor that has one: the row for a column the list does not have), and the note
//! that lists the columns that were not read.

use super::{CellRef, SheetDossier, UNKNOWN_COLUMNS_RULE};
use crate::engine::Lang;
use crate::finding::{Finding, Severity};
use crate::source::{LineColumn, Span};

/// `1` → `A`, `27` → `AA`.
pub fn column_letters(column: u32) -> String {
    CellRef::letters(column)
}

pub fn locate(sheet: &SheetDossier, findings: &mut [Finding]) {
    for finding in findings {
        if let Some((offset, base)) = &sheet.base {
            if finding.span.start() >= *offset {
                let span = Span::new(finding.span.start() - offset, finding.span.end() - offset);
                finding.file = base.name.clone();
                finding.span = span;
                finding.start = base.line_column(span.start());
                finding.end = base.line_column(span.end());
                continue;
            }
        }
        let mut pointer = finding.path.as_str();
        let found = loop {
            if let Some(found) = sheet.cells.get(pointer) {
                break Some(found);
            }
            match pointer.rfind('/') {
                Some(index) => pointer = &pointer[..index],
                None => break None,
            }
        };
        let Some((cell, span)) = found else {
            continue;
        };
        place(sheet, finding, cell, *span);
    }
}

fn place(sheet: &SheetDossier, finding: &mut Finding, cell: &CellRef, span: Span) {
    finding.span = span;
    if sheet.workbook {
        let column = cell.column as usize;
        finding.start = LineColumn {
            line: cell.row as usize,
            column,
        };
        finding.end = LineColumn {
            line: cell.row as usize,
            column: column + 1,
        };
    } else {
        finding.start = sheet.source.line_column(span.start());
        finding.end = sheet.source.line_column(span.end());
    }
    finding.cell = Some(cell.clone());
}

pub fn unknown_columns_note(sheet: &SheetDossier, lang: Lang) -> Option<Finding> {
    let (_, first, span) = sheet.unknown_columns.first()?;
    // a list of thousands of columns is named by its first few
    const SHOWN: usize = 20;
    let mut listed: Vec<String> = sheet
        .unknown_columns
        .iter()
        .take(SHOWN)
        .map(|(header, cell, _)| match lang {
            Lang::Zh => format!("「{header}」（{} 列）", column_letters(cell.column)),
            Lang::En => format!("`{header}` (column {})", column_letters(cell.column)),
        })
        .collect();
    let count = sheet.unknown_columns.len();
    if count > SHOWN {
        listed.push(match lang {
            Lang::Zh => format!("……（共 {count} 列）"),
            Lang::En => format!("… ({count} in all)"),
        });
    }
    let (message, label, help) = match lang {
        Lang::Zh => (
            format!("有 {count} 列未读取：{}", listed.join("、")),
            "未识别的列名".to_string(),
            "列名用 GB/T 39046 的要素名称（事项名称、基本编码、设定依据……）读取；其余的列不检查。可读的列名见 README 的 “Spreadsheets and CSV” 一节。".to_string(),
        ),
        Lang::En => (
            format!(
                "{count} column{} not read: {}",
                if count == 1 { " was" } else { "s were" },
                listed.join(", ")
            ),
            "column name not known".to_string(),
            "columns are read by their GB/T 39046 element names (事项名称, 基本编码, 设定依据, …); the others are not checked. The README's \"Spreadsheets and CSV\" lists the names read.".to_string(),
        ),
    };
    let mut finding = Finding {
        rule: UNKNOWN_COLUMNS_RULE.to_string(),
        failed_rule: None,
        clause: None,
        reference: None,
        waived: None,
        severity: Severity::Info,
        message,
        label,
        help: Some(help),
        file: sheet.source.name.clone(),
        document: 0,
        path: String::new(),
        span: *span,
        start: LineColumn { line: 1, column: 1 },
        end: LineColumn { line: 1, column: 1 },
        cell: None,
    };
    place(sheet, &mut finding, first, *span);
    Some(finding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_by_letters() {
        assert_eq!(column_letters(1), "A");
        assert_eq!(column_letters(26), "Z");
        assert_eq!(column_letters(27), "AA");
        assert_eq!(column_letters(16384), "XFD");
    }
}
