//! The JSON report, contract version 1 (PRODUCT.md): its own DTOs, so internal types never
//! change the contract by accident.

use serde::Serialize;

use super::Summary;
use crate::finding::Finding;
use crate::pack::Pack;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    schema_version: u32,
    tool: Tool,
    pack: PackInfo<'a>,
    findings: Vec<FindingDto<'a>>,
    summary: SummaryDto,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct PackInfo<'a> {
    id: &'a str,
    version: &'a str,
    standard: String,
}

#[derive(Serialize)]
struct FindingDto<'a> {
    rule: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    failed_rule: Option<&'a str>,
    clause: Option<&'a str>,
    severity: &'static str,
    message: &'a str,
    file: &'a str,
    document: usize,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
struct SummaryDto {
    files: usize,
    dossiers: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    /// Present only when findings were dropped past a cap: `true`, and how many.
    #[serde(skip_serializing_if = "Option::is_none")]
    truncated: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    not_shown: Option<usize>,
}

/// Renders findings (already sorted) as the JSON report, pretty-printed, with a final newline.
pub fn render(findings: &[Finding], pack: &Pack, summary: Summary) -> String {
    let report = Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "guifan",
            version: env!("CARGO_PKG_VERSION"),
        },
        pack: PackInfo {
            id: &pack.manifest.id,
            version: &pack.manifest.version,
            standard: format!(
                "{} {}",
                pack.manifest.standard_code, pack.manifest.standard_title
            ),
        },
        findings: findings
            .iter()
            .map(|finding| FindingDto {
                rule: &finding.rule,
                failed_rule: finding.failed_rule.as_deref(),
                clause: finding.clause.as_deref(),
                severity: finding.severity.as_str(),
                message: &finding.message,
                file: &finding.file,
                document: finding.document,
                path: &finding.path,
                line: finding.start.line,
                column: finding.start.column,
                end_line: finding.end.line,
                end_column: finding.end.column,
            })
            .collect(),
        summary: SummaryDto {
            files: summary.files,
            dossiers: summary.dossiers,
            errors: summary.errors,
            warnings: summary.warnings,
            infos: summary.infos,
            truncated: (summary.not_shown > 0).then_some(true),
            not_shown: (summary.not_shown > 0).then_some(summary.not_shown),
        },
    };
    let mut text = serde_json::to_string_pretty(&report)
        .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"));
    text.push('\n');
    text
}
