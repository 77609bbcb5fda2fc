//! CSV text: decoding (UTF-8 with or without BOM, GBK/GB 18030 as Windows exports them) and
//! splitting into rows of cells, each cell with the span of its text in the decoded file.
//!
//! csv-core (the csv crate's parser) says how many input bytes each field took, which gives
//! every cell its place, quotes and all; the csv crate's records keep only the unescaped text.

use csv_core::{ReadFieldResult, Reader};

use super::build::{Cell, Row, Table};
use super::Encoding;
use crate::commands::inputs::decode_source;
use crate::error::{GuifanError, LocatedError};
use crate::source::{SourceFile, Span};

/// The most cells of one CSV file: past it the file is refused rather than read into memory.
const MAX_CELLS: usize = 20_000_000;

/// Decodes and splits a CSV file: its text (every span points into it) and its one table.
pub fn read_csv(
    name: &str,
    bytes: Vec<u8>,
    encoding: Encoding,
) -> Result<(SourceFile, Table), GuifanError> {
    let source = decode(name, bytes, encoding)?;
    let table = split(&source)?;
    Ok((source, table))
}

fn decode(name: &str, bytes: Vec<u8>, encoding: Encoding) -> Result<SourceFile, GuifanError> {
    let utf8 = match encoding {
        Encoding::Utf8 => true,
        Encoding::Gbk | Encoding::Gb18030 => false,
        // a GBK text is almost never valid UTF-8: Chinese in GBK is pairs of bytes ≥ 0x81,
        // which UTF-8 never allows as a lead byte followed by a byte below 0x80 or a lead byte
        Encoding::Detect => {
            bytes.starts_with(b"\xEF\xBB\xBF") || std::str::from_utf8(&bytes).is_ok()
        }
    };
    if utf8 {
        return decode_source(name.to_string(), bytes);
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(&bytes);
    let text = text.into_owned();
    if had_errors {
        let offset = text.find('\u{FFFD}').unwrap_or(0);
        let file = SourceFile::new(name, text);
        return Err(LocatedError::new(
            &file,
            Span::new(offset, offset + '\u{FFFD}'.len_utf8()),
            "neither UTF-8 nor GBK/GB 18030 text",
            "not GB 18030",
            Some("save the CSV as UTF-8, or name its encoding with --encoding".to_string()),
        )
        .into());
    }
    Ok(SourceFile::new(name, text))
}

/// Splits the text into rows of cells. Blank lines are not rows.
fn split(source: &SourceFile) -> Result<Table, GuifanError> {
    let input = source.text.as_bytes();
    let mut reader = Reader::new();
    let mut output = vec![0u8; 4096];
    let mut position = 0usize;
    let mut rows = Vec::new();
    let mut cells: Vec<Cell> = Vec::new();
    let mut field_start = 0usize;
    let mut field_bytes: Vec<u8> = Vec::new();
    let mut total = 0usize;
    loop {
        let (result, read, written) = reader.read_field(&input[position..], &mut output);
        field_bytes.extend_from_slice(&output[..written]);
        position += read;
        match result {
            ReadFieldResult::InputEmpty => {
                if position >= input.len() {
                    // the end of the text: the next call (with no input) ends the field
                    continue;
                }
            }
            ReadFieldResult::OutputFull => {
                let length = output.len() * 2;
                output.resize(length, 0);
            }
            ReadFieldResult::Field { record_end } => {
                let span = field_span(input, field_start, position);
                let text = String::from_utf8_lossy(&field_bytes).into_owned();
                field_bytes.clear();
                total += 1;
                if total > MAX_CELLS {
                    return Err(LocatedError::new(
                        source,
                        span,
                        format!("more than {MAX_CELLS} cells: not an item list guifan reads"),
                        "here",
                        None,
                    )
                    .into());
                }
                cells.push(Cell {
                    column: cells.len() as u32 + 1,
                    text,
                    span,
                });
                field_start = position;
                if record_end {
                    let blank = cells.len() == 1 && cells[0].text.is_empty();
                    let row_cells = std::mem::take(&mut cells);
                    if !blank {
                        let first = row_cells.first().map(|cell| cell.span).unwrap_or_default();
                        let last = row_cells.last().map(|cell| cell.span).unwrap_or_default();
                        rows.push(Row {
                            number: rows.len() as u32 + 1,
                            span: first.to(last),
                            cells: row_cells,
                        });
                    }
                }
            }
            ReadFieldResult::End => break,
        }
    }
    Ok(Table { sheet: None, rows })
}

/// The span of a field's text within what the parser consumed for it: without the line end
/// left from the record before, and without the delimiter or line end after it.
fn field_span(input: &[u8], start: usize, end: usize) -> Span {
    let mut start = start;
    while start < end && matches!(input[start], b'\r' | b'\n') {
        start += 1;
    }
    let mut stop = end;
    while stop > start && matches!(input[stop - 1], b'\r' | b'\n') {
        stop -= 1;
    }
    if stop > start && input[stop - 1] == b',' {
        // the delimiter the parser consumed with the field (a quoted field ends in `"`)
        stop -= 1;
    }
    Span::new(start, stop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(text: &str) -> Vec<Vec<(String, String)>> {
        let source = SourceFile::new("a.csv", text);
        let table = split(&source).expect("csv");
        table
            .rows
            .iter()
            .map(|row| {
                row.cells
                    .iter()
                    .map(|cell| (cell.text.clone(), source.slice(cell.span).to_string()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn every_cell_keeps_its_place_in_the_text() {
        let rows = cells("事项名称,基本编码\r\n\"企业,登记\",000101\r\n\r\n乙,\n");
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            rows,
            vec![
                vec![pair("事项名称", "事项名称"), pair("基本编码", "基本编码")],
                vec![pair("企业,登记", "\"企业,登记\""), pair("000101", "000101")],
                vec![pair("乙", "乙"), pair("", "")],
            ]
        );
    }

    #[test]
    fn gbk_is_detected_and_utf8_with_a_mark_is_read() {
        let (gbk, _, _) = encoding_rs::GBK.encode("事项名称\n甲\n");
        let file = decode("a.csv", gbk.into_owned(), Encoding::Detect).expect("gbk");
        assert_eq!(&*file.text, "事项名称\n甲\n");
        let file = decode(
            "a.csv",
            b"\xEF\xBB\xBF\xE4\xBA\x8B\n".to_vec(),
            Encoding::Detect,
        )
        .expect("utf-8");
        assert_eq!(&*file.text, "事\n");
    }
}
