//! The JSON report, contract version 1 (PRODUCT.md): its own DTOs, so internal types never
//! change the contract by accident.

use serde::Serialize;

use super::Summary;
use crate::finding::{DossierSummary, Finding};
use crate::pack::Pack;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    schema_version: u32,
    tool: Tool,
    pack: PackInfo<'a>,
    findings: Vec<FindingDto<'a>>,
    summary: SummaryDto,
    dossiers: Vec<DossierDto<'a>>,
}

#[derive(Serialize)]
struct DossierDto<'a> {
    file: &'a str,
    document: usize,
    /// The stage the dossier declares; null when it declares none (checked as a proposal).
    stage: Option<&'a str>,
    skipped: Vec<SkipDto<'a>>,
}

#[derive(Serialize)]
struct SkipDto<'a> {
    rule: &'a str,
    path: &'a str,
    because: &'a str,
}

#[derive(Serialize)]
struct ReferenceDto<'a> {
    standard: &'a str,
    clause: &'a str,
}

#[derive(Serialize)]
struct WaivedDto<'a> {
    reason: &'a str,
    document: Option<&'a str>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<ReferenceDto<'a>>,
    severity: &'static str,
    message: &'a str,
    file: &'a str,
    document: usize,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    /// A spreadsheet or CSV input's cell: the sheet (workbooks only), the row, and the cell's
    /// name (`D12`). In a workbook `line` and `column` are that row and column; in CSV they
    /// stay the line and column of the cell's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    sheet: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    row: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cell: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    waived: Option<WaivedDto<'a>>,
    /// The base pack whose rule decided the finding, when it is not the pack in use (a
    /// finding of an overlay's base rule that the overlay left as it was).
    #[serde(skip_serializing_if = "Option::is_none")]
    pack: Option<&'a str>,
}

#[derive(Serialize)]
struct SummaryDto {
    files: usize,
    dossiers: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    waived: usize,
    skipped: usize,
    /// Present only when findings were dropped past a cap: `true`, and how many.
    #[serde(skip_serializing_if = "Option::is_none")]
    truncated: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    not_shown: Option<usize>,
}

/// Renders findings (already sorted) as the JSON report, pretty-printed, with a final newline.
pub fn render(
    findings: &[Finding],
    dossiers: &[DossierSummary],
    pack: &Pack,
    summary: Summary,
) -> String {
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
                reference: finding.reference.as_ref().map(|reference| ReferenceDto {
                    standard: &reference.standard,
                    clause: &reference.clause,
                }),
                severity: finding.severity.as_str(),
                message: &finding.message,
                file: &finding.file,
                document: finding.document,
                path: &finding.path,
                line: finding.start.line,
                column: finding.start.column,
                end_line: finding.end.line,
                end_column: finding.end.column,
                sheet: finding.cell.as_ref().and_then(|cell| cell.sheet.as_deref()),
                row: finding.cell.as_ref().map(|cell| cell.row),
                cell: finding.cell.as_ref().map(|cell| cell.name()),
                waived: finding.waived.as_ref().map(|waived| WaivedDto {
                    reason: &waived.reason,
                    document: waived.document.as_deref(),
                }),
                pack: pack.deciding_base(&finding.rule, finding.clause.as_deref()),
            })
            .collect(),
        summary: SummaryDto {
            files: summary.files,
            dossiers: summary.dossiers,
            errors: summary.errors,
            warnings: summary.warnings,
            infos: summary.infos,
            waived: summary.waived,
            skipped: summary.skipped,
            truncated: (summary.not_shown > 0).then_some(true),
            not_shown: (summary.not_shown > 0).then_some(summary.not_shown),
        },
        dossiers: dossiers
            .iter()
            .map(|dossier| DossierDto {
                file: &dossier.file,
                document: dossier.document,
                stage: dossier.stage,
                skipped: dossier
                    .skipped
                    .iter()
                    .map(|skip| SkipDto {
                        rule: &skip.rule,
                        path: &skip.path,
                        because: &skip.because,
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&report)
        .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"));
    text.push('\n');
    text
}
