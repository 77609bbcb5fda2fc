//! `Finding`: what a check found, as plain data. The boundary between the engine (which makes
//! findings) and the reports (which render them); neither sees the other.

use serde::Deserialize;

use crate::source::{LineColumn, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Rule id of findings about the dossier's structure (JSON Schema, keys).
pub const STRUCTURE_RULE: &str = "dossier-structure";
/// Rule id of findings where a rule could not be evaluated (missing field, wrong type).
pub const RULE_ERROR: &str = "rule-error";
/// Rule id of findings about a waiver written in the dossier (not allowed, matching nothing).
pub const WAIVER_RULE: &str = "waiver-invalid";

/// A citation of a standard other than the pack's own: a data-quality rule (a USCC's check
/// character, a calendar date, an item code's layout) that no clause of the standard speaks of.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReferenceCitation {
    /// `GB 32100-2015`.
    pub standard: String,
    /// The clause, article or annex of that standard.
    pub clause: String,
}

/// A rule not evaluated at an element, because a field it reads there failed its format.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skip {
    pub rule: String,
    /// JSON Pointer of the element (empty for the whole dossier).
    pub path: String,
    /// JSON Pointer of the malformed field.
    pub because: String,
}

/// What the reports say of each dossier besides its findings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DossierSummary {
    /// The file's name as the user gave it.
    pub file: String,
    pub document: usize,
    /// The stage the dossier declares (`None`: it declares none and is checked as a proposal).
    pub stage: Option<&'static str>,
    pub skipped: Vec<Skip>,
}

/// A finding the dossier waives: it stays in every report, marked, and does not count
/// toward `--fail-on`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waived {
    pub reason: String,
    /// The approving document, when the waiver names one.
    pub document: Option<String>,
}

/// The cell of a spreadsheet or CSV input a finding is at. Rows and columns are 1-based, as a
/// spreadsheet shows them (column 4 is D).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SheetCell {
    /// The sheet's name; none for CSV.
    pub sheet: Option<String>,
    pub row: u32,
    pub column: u32,
}

impl SheetCell {
    /// The cell as a spreadsheet names it: `D12`.
    pub fn name(&self) -> String {
        format!("{}{}", SheetCell::letters(self.column), self.row)
    }

    /// The cell as a spreadsheet refers to it across sheets: `事项!D12` (`D12` in CSV).
    pub fn reference(&self) -> String {
        match &self.sheet {
            Some(sheet) => format!("{sheet}!{}", self.name()),
            None => self.name(),
        }
    }

    /// A column's letters: 1 is `A`, 27 is `AA`.
    pub fn letters(column: u32) -> String {
        let mut letters = Vec::new();
        let mut column = column;
        while column > 0 {
            let digit = (column - 1) % 26;
            letters.push(char::from(b'A' + digit as u8));
            column = (column - 1) / 26;
        }
        letters.iter().rev().collect()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The rule id, [`STRUCTURE_RULE`] or [`RULE_ERROR`].
    pub rule: String,
    /// For a rule-error: the id of the rule that failed to evaluate.
    pub failed_rule: Option<String>,
    /// The clause the finding cites (the rule's first, or the one its `cite` chose); none for
    /// structure findings and for reference citations.
    pub clause: Option<String>,
    /// A data-quality rule's citation of a reference standard instead of a clause.
    pub reference: Option<ReferenceCitation>,
    /// Set when a waiver of the dossier covers the finding.
    pub waived: Option<Waived>,
    pub severity: Severity,
    pub message: String,
    /// The short text under the label.
    pub label: String,
    pub help: Option<String>,
    /// The file's name as the user gave it.
    pub file: String,
    /// Index of the document in the file (YAML streams may hold several).
    pub document: usize,
    /// JSON Pointer into the dossier (canonical keys).
    pub path: String,
    pub span: Span,
    pub start: LineColumn,
    pub end: LineColumn,
    /// For a spreadsheet or CSV input: the cell. In a workbook `start` is then its row and
    /// column; in CSV `start` stays the line and column of the cell's text.
    pub cell: Option<SheetCell>,
}

impl Finding {
    /// How reports name what the finding cites: `5.2.1.1`, or `GB 32100-2015 4`.
    pub fn citation(&self) -> Option<String> {
        match (&self.clause, &self.reference) {
            (Some(clause), _) => Some(clause.clone()),
            (None, Some(reference)) => Some(format!("{} {}", reference.standard, reference.clause)),
            (None, None) => None,
        }
    }

    /// The finding counts toward `--fail-on` and the severity counts (a waived one does not).
    pub fn counts(&self) -> bool {
        self.waived.is_none()
    }

    /// The order of every report: file, line, column, rule, then the rest for ties.
    pub fn sort_key(&self) -> (&str, usize, usize, &str, &str, &str) {
        (
            &self.file,
            self.start.line,
            self.start.column,
            &self.rule,
            &self.path,
            &self.message,
        )
    }
}

pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}
