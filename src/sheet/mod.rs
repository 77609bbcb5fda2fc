//! Item lists kept as spreadsheets (`.xlsx`, `.xlsm`, `.xls`) or CSV, read as dossiers.
//!
//! A sheet becomes the same spanned [`Node`] tree a YAML dossier does, so the engine checks it
//! unchanged. Every node's span points into a text: the CSV file itself (decoded), or for a
//! workbook a text made from its cells, one line per row (`workbook.rs`), so that the human
//! report draws the row. Beside the tree goes a [`CellMap`]: JSON Pointer → the cell it came
//! from (sheet, row, column), with which `locate` turns each finding back into a cell,
//! including a field missing from a cell that is there but empty.
//!
//! Which column gives which field is one table (`columns.rs`); the department and the rest of
//! the dossier come from a key/value sheet of the workbook (`build.rs`) or from a YAML file
//! given with `--dossier` (spliced in after the sheet's text, its findings shown in that file).

mod build;
pub mod columns;
mod csv;
mod locate;
mod workbook;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::document::Node;
use crate::engine::Lang;
use crate::error::{GuifanError, LocatedError};
use crate::finding::Finding;
use crate::source::{SourceFile, Span};

pub use build::DOSSIER_SHEET_NAMES;
pub use locate::column_letters;

/// Rule id of the note that lists the columns of a sheet that were not read.
pub const UNKNOWN_COLUMNS_RULE: &str = "sheet-columns-ignored";

/// The text encoding of a CSV file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 when the bytes are valid UTF-8, else GB 18030 (which reads GBK).
    #[default]
    Detect,
    Utf8,
    /// GBK, read as GB 18030 (a superset of it).
    Gbk,
    Gb18030,
}

/// Where a value of a sheet was written.
pub use crate::finding::SheetCell as CellRef;

/// JSON Pointer → the cell a value came from, and its span in the text.
pub type CellMap = BTreeMap<String, (CellRef, Span)>;

/// A dossier (without its items) to complete a sheet's items with: `--dossier FILE`.
pub struct BaseDossier {
    pub source: Arc<SourceFile>,
    pub root: Node,
}

/// What a sheet is read with.
#[derive(Clone, Copy)]
pub struct SheetOptions<'a> {
    pub encoding: Encoding,
    pub base: Option<&'a BaseDossier>,
    /// The pack's key aliases, for the keys of a workbook's dossier sheet.
    pub aliases: &'a BTreeMap<String, String>,
    /// The pack's dossier schema: an item's text and yes/no fields not in the column table are
    /// read from columns named by their aliases.
    pub schema: &'a serde_json::Value,
}

/// A sheet read as a dossier.
pub struct SheetDossier {
    /// The text every span points into: the CSV, or the workbook's rows; the `--dossier` file
    /// follows it from `base_offset` on.
    pub source: Arc<SourceFile>,
    pub root: Node,
    pub cells: CellMap,
    /// Where the `--dossier` file's text starts in `source`, and that file.
    pub base: Option<(usize, Arc<SourceFile>)>,
    /// Columns of the item sheet that no field is read from: (header, cell).
    pub unknown_columns: Vec<(String, CellRef, Span)>,
    /// A workbook (findings cite sheet, row and column) rather than CSV text (line and column).
    pub workbook: bool,
}

/// The file names read as sheets.
pub fn is_sheet_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".csv", ".xlsx", ".xlsm", ".xls"]
        .iter()
        .any(|extension| lower.ends_with(extension))
}

/// Reads a CSV file or a workbook (by its name's extension) as a dossier.
pub fn read_sheet(
    name: &str,
    bytes: Vec<u8>,
    options: SheetOptions<'_>,
) -> Result<SheetDossier, GuifanError> {
    let lower = name.to_ascii_lowercase();
    let (text, items, dossier, workbook) = if lower.ends_with(".csv") {
        let (text, table) = csv::read_csv(name, bytes, options.encoding)?;
        (text, table, None, false)
    } else {
        // calamine parses zip and XML from other hands: should it panic on a file it does not
        // expect, the file is refused like any other unreadable input, not the whole run
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            workbook::read_workbook(name, bytes)
        }))
        .unwrap_or_else(|_| {
            Err(GuifanError::Read {
                path: name.to_string(),
                message: "the workbook could not be read (its reader failed on it)".to_string(),
            })
        })?;
        (read.text, read.items, read.dossier, true)
    };
    build::build(name, text, items, dossier, workbook, options)
}

/// Gives each finding of a sheet its cell (and, for a workbook, the row and column as its line
/// and column); a finding in the `--dossier` file is moved to that file.
pub fn locate_findings(sheet: &SheetDossier, findings: &mut [Finding]) {
    locate::locate(sheet, findings);
}

/// The note that lists the columns not read, one finding for the file (none when every column
/// was read).
pub fn unknown_columns_note(sheet: &SheetDossier, lang: Lang) -> Option<Finding> {
    locate::unknown_columns_note(sheet, lang)
}

/// An error at a cell: at its line and column for CSV text, naming sheet and cell for a
/// workbook (whose text is guifan's own).
pub(crate) fn cell_error(
    source: &SourceFile,
    workbook: bool,
    cell: &CellRef,
    span: Span,
    message: String,
) -> GuifanError {
    if workbook {
        GuifanError::Read {
            path: source.name.clone(),
            message: format!(
                "sheet {}, cell {}: {message}",
                cell.sheet.as_deref().unwrap_or(""),
                cell.name()
            ),
        }
    } else {
        LocatedError::new(
            source,
            span,
            format!("cell {}: {message}", cell.name()),
            "here",
            None,
        )
        .into()
    }
}
