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

#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The rule id, [`STRUCTURE_RULE`] or [`RULE_ERROR`].
    pub rule: String,
    /// For a rule-error: the id of the rule that failed to evaluate.
    pub failed_rule: Option<String>,
    /// The clause the rule enforces (the first it cites); none for structure findings.
    pub clause: Option<String>,
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
}

impl Finding {
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
