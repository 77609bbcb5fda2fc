//! Workbooks (`.xlsx`, `.xlsm`, `.xls`) read with calamine into tables of text cells, and the
//! text that stands for them in reports: one line per row of the item sheet (line N is row N),
//! cells separated by ` | `, then after a blank line the rows of the dossier sheet.
//!
//! Cells are read as the text a person sees, never as numbers: a code typed as the number
//! 101001 is "101001" (not 101001.0 or 1.01001E+5), a date cell is `YYYY-MM-DD`. An error cell
//! (#N/A …) stops the run at its cell. Cells are streamed (calamine's cell reader), so a sheet
//! whose used range claims a million rows by 16,384 columns costs what its cells cost; a
//! range merged down one column gives its value to every row it covers.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{open_workbook_auto_from_rs, Data, DataRef, Reader, Sheets};

use super::build::{self, Cell, Row, Table};
use super::columns;
use crate::error::GuifanError;
use crate::source::{SourceFile, Span};

/// The most cells read from one sheet, merged ranges filled in.
const MAX_CELLS: usize = 5_000_000;
/// Rows searched for the item sheet's header row (a title row or two often comes first).
const HEADER_SEARCH_ROWS: u32 = 20;
/// The largest text made of a workbook's rows: spans are 32-bit, and a workbook of a few
/// megabytes can hold strings repeated into gigabytes.
const MAX_TEXT_BYTES: usize = 1 << 30;
/// What separates the cells of a row in the text reports draw.
pub const CELL_SEPARATOR: &str = " | ";

/// A sheet's cells: row → column → text (1-based, as a spreadsheet numbers them).
type Grid = BTreeMap<u32, BTreeMap<u32, String>>;

pub struct ReadWorkbook {
    pub text: SourceFile,
    pub items: Table,
    pub dossier: Option<Table>,
}

pub fn read_workbook(name: &str, bytes: Vec<u8>) -> Result<ReadWorkbook, GuifanError> {
    let error = |message: String| GuifanError::Read {
        path: name.to_string(),
        message,
    };
    let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|problem| error(format!("not a workbook guifan can read ({problem})")))?;
    if matches!(workbook, Sheets::Ods(_)) {
        return Err(error(
            "an OpenDocument spreadsheet: save it as .xlsx or .csv".to_string(),
        ));
    }
    let names = workbook.sheet_names();
    let mut items: Option<(String, Grid, u32)> = None;
    let mut dossier: Option<(String, Grid)> = None;
    for sheet in &names {
        let is_dossier_sheet = build::DOSSIER_SHEET_NAMES
            .iter()
            .any(|known| known.eq_ignore_ascii_case(sheet.trim()));
        if is_dossier_sheet {
            if dossier.is_none() {
                dossier = Some((sheet.clone(), read_grid(&mut workbook, name, sheet)?));
            }
            continue;
        }
        if items.is_some() {
            continue;
        }
        let grid = read_grid(&mut workbook, name, sheet)?;
        if let Some(header) = header_row(&grid) {
            items = Some((sheet.clone(), grid, header));
        }
    }
    let Some((items_name, items_grid, header)) = items else {
        return Err(error(format!(
            "no sheet has a header row naming the items' columns (事项名称, 基本编码, … or task_name, …) in its first {HEADER_SEARCH_ROWS} rows"
        )));
    };
    let mut text = String::new();
    let width = items_grid
        .get(&header)
        .and_then(|cells| cells.keys().next_back().copied())
        .unwrap_or(1);
    let items = render(&mut text, &items_name, &items_grid, header, width);
    let dossier = dossier.map(|(sheet, grid)| {
        text.push('\n');
        render(&mut text, &sheet, &grid, u32::MAX, 2)
    });
    if text.len() > MAX_TEXT_BYTES {
        return Err(error(format!(
            "its sheets hold more than {} MiB of text: not an item list guifan reads",
            MAX_TEXT_BYTES >> 20
        )));
    }
    Ok(ReadWorkbook {
        text: SourceFile::new(name, text),
        items,
        dossier,
    })
}

/// The first row (of the first few) that names at least one known item column.
fn header_row(grid: &Grid) -> Option<u32> {
    grid.range(..=HEADER_SEARCH_ROWS)
        .find(|(_, cells)| {
            cells
                .values()
                .any(|text| columns::column_for(text).is_some())
        })
        .map(|(&row, _)| row)
}

/// Appends the sheet's rows to the text, one line per row from row 1 (empty rows are empty
/// lines, so that line N of the sheet's part is row N); rows from `header` on are drawn at
/// least `width` cells wide, so that an empty cell of a data row has a place.
fn render(text: &mut String, sheet: &str, grid: &Grid, header: u32, width: u32) -> Table {
    let last_row = grid.keys().next_back().copied().unwrap_or(0);
    let mut rows = Vec::new();
    let mut cells_of_row = grid.iter().peekable();
    for number in 1..=last_row {
        // past the limit the caller refuses the workbook: no need to go on
        if text.len() > MAX_TEXT_BYTES {
            break;
        }
        let row_start = text.len();
        let cells = match cells_of_row.peek() {
            Some((&row, _)) if row == number => cells_of_row.next().map(|(_, cells)| cells),
            _ => None,
        };
        let Some(cells) = cells else {
            text.push('\n');
            continue;
        };
        let last_column = cells.keys().next_back().copied().unwrap_or(0);
        let shown = if number >= header {
            last_column.max(width)
        } else {
            last_column
        };
        let mut row_cells = Vec::with_capacity(shown as usize);
        for column in 1..=shown {
            if column > 1 {
                text.push_str(CELL_SEPARATOR);
            }
            let value = cells.get(&column).map(String::as_str).unwrap_or("");
            let start = text.len();
            // a cell's line breaks are drawn as ⏎: one row stays one line
            for character in value.chars() {
                match character {
                    '\n' => text.push('⏎'),
                    '\r' => {}
                    other => text.push(other),
                }
            }
            row_cells.push(Cell {
                column,
                text: value.to_string(),
                span: Span::new(start, text.len()),
            });
        }
        let span = Span::new(row_start, text.len());
        text.push('\n');
        rows.push(Row {
            number,
            span,
            cells: row_cells,
        });
    }
    Table {
        sheet: Some(sheet.to_string()),
        rows,
    }
}

fn read_grid(
    workbook: &mut Sheets<Cursor<Vec<u8>>>,
    name: &str,
    sheet: &str,
) -> Result<Grid, GuifanError> {
    let error = |message: String| GuifanError::Read {
        path: name.to_string(),
        message: format!("sheet {sheet}: {message}"),
    };
    let mut grid = Grid::new();
    let mut count = 0usize;
    let mut put = |row: u32, column: u32, value: DataRef<'_>| -> Result<(), GuifanError> {
        let cell = format!("{}{}", super::column_letters(column + 1), row + 1);
        match cell_text(&value) {
            Ok(Some(text)) => {
                count += 1;
                if count > MAX_CELLS {
                    return Err(error(format!(
                        "more than {MAX_CELLS} cells: not an item list guifan reads"
                    )));
                }
                grid.entry(row + 1).or_default().insert(column + 1, text);
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(problem) => Err(error(format!("cell {cell}: {problem}"))),
        }
    };
    match workbook {
        Sheets::Xlsx(xlsx) => {
            let mut reader = xlsx
                .worksheet_cells_reader(sheet)
                .map_err(|problem| error(problem.to_string()))?;
            while let Some(cell) = reader
                .next_cell()
                .map_err(|problem| error(problem.to_string()))?
            {
                let (row, column) = cell.get_position();
                put(row, column, cell.get_value().clone())?;
            }
        }
        Sheets::Xlsb(xlsb) => {
            let mut reader = xlsb
                .worksheet_cells_reader(sheet)
                .map_err(|problem| error(problem.to_string()))?;
            while let Some(cell) = reader
                .next_cell()
                .map_err(|problem| error(problem.to_string()))?
            {
                let (row, column) = cell.get_position();
                put(row, column, cell.get_value().clone())?;
            }
        }
        // the .xls format holds at most 65,536 rows by 256 columns: its range is bounded
        Sheets::Xls(xls) => {
            let range = xls
                .worksheet_range(sheet)
                .map_err(|problem| error(problem.to_string()))?;
            for (row, column, value) in range.used_cells() {
                let (start_row, start_column) = range.start().unwrap_or((0, 0));
                put(
                    start_row + row as u32,
                    start_column + column as u32,
                    data_ref(value),
                )?;
            }
        }
        Sheets::Ods(_) => {}
    }
    if let Sheets::Xlsx(xlsx) = workbook {
        if let Some(Ok(merged)) = xlsx.worksheet_merge_cells(sheet) {
            fill_merged(&mut grid, &merged, &mut count).map_err(error)?;
        }
    }
    Ok(grid)
}

/// Gives a range merged down one column (a main item over the rows of its sub items) its
/// value in every row it covers. Ranges merged across columns (a title over the table) are
/// for the eye and stay in their first cell.
fn fill_merged(
    grid: &mut Grid,
    merged: &[calamine::Dimensions],
    count: &mut usize,
) -> Result<(), String> {
    for range in merged {
        let (top, left) = (range.start.0 + 1, range.start.1 + 1);
        let (bottom, right) = (range.end.0 + 1, range.end.1 + 1);
        if right != left {
            continue;
        }
        let Some(value) = grid.get(&top).and_then(|cells| cells.get(&left)).cloned() else {
            continue;
        };
        let area = (u64::from(bottom.saturating_sub(top)) + 1)
            * (u64::from(right.saturating_sub(left)) + 1);
        if *count as u64 + area > MAX_CELLS as u64 {
            return Err(format!(
                "merged ranges cover more than {MAX_CELLS} cells: not an item list guifan reads"
            ));
        }
        *count += area as usize;
        for row in top..=bottom {
            for column in left..=right {
                grid.entry(row)
                    .or_default()
                    .entry(column)
                    .or_insert_with(|| value.clone());
            }
        }
    }
    Ok(())
}

fn data_ref(value: &Data) -> DataRef<'_> {
    match value {
        Data::Int(number) => DataRef::Int(*number),
        Data::Float(number) => DataRef::Float(*number),
        Data::String(text) => DataRef::SharedString(text),
        Data::Bool(value) => DataRef::Bool(*value),
        Data::DateTime(date) => DataRef::DateTime(*date),
        Data::DateTimeIso(text) => DataRef::DateTimeIso(text.clone()),
        Data::DurationIso(text) => DataRef::DurationIso(text.clone()),
        Data::Error(problem) => DataRef::Error(problem.clone()),
        Data::Empty => DataRef::Empty,
    }
}

/// The text a cell shows; none for an empty cell; an error cell is an error.
fn cell_text(value: &DataRef<'_>) -> Result<Option<String>, String> {
    let text = match value {
        DataRef::Empty => return Ok(None),
        DataRef::Int(number) => number.to_string(),
        DataRef::Float(number) => float_text(*number),
        DataRef::String(text) => text.clone(),
        DataRef::SharedString(text) => (*text).to_string(),
        DataRef::Bool(true) => "TRUE".to_string(),
        DataRef::Bool(false) => "FALSE".to_string(),
        DataRef::DateTime(date) => match date.as_datetime() {
            Some(moment) if date.is_datetime() => {
                if moment.time() == chrono::NaiveTime::MIN {
                    moment.format("%Y-%m-%d").to_string()
                } else {
                    moment.format("%Y-%m-%d %H:%M:%S").to_string()
                }
            }
            _ => float_text(date.as_f64()),
        },
        DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => text.clone(),
        DataRef::Error(problem) => {
            return Err(format!(
                "the cell holds the error {problem}; correct it or type the value"
            ))
        }
    };
    Ok((!text.trim().is_empty()).then_some(text))
}

/// A number as a person typed it: whole numbers without a fraction or an exponent (a code
/// 101001 stays "101001"), others in Rust's shortest form, which never uses an exponent.
fn float_text(number: f64) -> String {
    if number.is_finite() && number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{}", number as i64)
    } else {
        format!("{number}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_cells_are_errors_and_empty_cells_nothing() {
        let problem = cell_text(&DataRef::Error(calamine::CellErrorType::NA));
        assert_eq!(
            problem,
            Err("the cell holds the error #N/A; correct it or type the value".to_string())
        );
        assert_eq!(cell_text(&DataRef::Empty), Ok(None));
        assert_eq!(cell_text(&DataRef::String("  ".into())), Ok(None));
        assert_eq!(cell_text(&DataRef::Int(7)), Ok(Some("7".to_string())));
    }

    #[test]
    fn numbers_are_read_as_typed() {
        assert_eq!(float_text(101001.0), "101001");
        assert_eq!(float_text(3.5), "3.5");
        assert_eq!(float_text(1e20), "100000000000000000000");
    }
}
