//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per finding, so
//! findings appear as annotations on the changed lines of a pull request.

use crate::finding::{Finding, Severity};
use crate::sanitize::escape;

/// Escapes a message (GitHub's rules: `%`, CR and LF), after the sanitiser: a control or bidi
/// character of a dossier value never reaches the job log raw.
fn escape_data(text: &str) -> String {
    escape(text)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (as data, plus `:` and `,`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The annotations, and a last notice when findings were not shown (past a cap).
pub fn render(findings: &[Finding], not_shown: usize) -> String {
    let mut out = String::new();
    for finding in findings {
        // a waived finding is shown as a notice: it does not fail the job
        let command = match (finding.severity, finding.counts()) {
            (_, false) | (Severity::Info, _) => "notice",
            (Severity::Error, true) => "error",
            (Severity::Warning, true) => "warning",
        };
        let mut title = match (&finding.clause, &finding.reference) {
            (Some(clause), _) => format!("{} (clause {clause})", finding.rule),
            (None, Some(reference)) => format!(
                "{} (reference {} {})",
                finding.rule, reference.standard, reference.clause
            ),
            (None, None) => finding.rule.clone(),
        };
        if finding.waived.is_some() {
            title.push_str(" [waived]");
        }
        if let Some(cell) = &finding.cell {
            title.push_str(&format!(" [cell {}]", cell.reference()));
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&finding.file),
            finding.start.line,
            finding.start.column,
            finding.end.line,
            finding.end.column,
            escape_property(&title),
            escape_data(&finding.message),
        ));
    }
    if not_shown > 0 {
        out.push_str(&format!(
            "::notice title=guifan::{not_shown} more findings not shown (see --max-findings, --max-run-findings)\n"
        ));
    }
    out
}
