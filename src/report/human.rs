//! The human report: one rustc-style miette diagnostic per finding, with the rule id as its
//! code, the clause number and the clause's own text, and a label under the node in the
//! dossier. Chinese by default.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use rayon::prelude::*;

use super::Summary;
use crate::engine::Lang;
use crate::finding::{DossierSummary, Finding, Severity, RULE_ERROR};
use crate::pack::Pack;
use crate::sanitize::escape;
use crate::snippet::SourceWindow;
use crate::source::SourceFile;

#[derive(Clone, Copy, Debug)]
pub struct HumanOptions {
    pub width: usize,
    pub color: bool,
    pub lang: Lang,
}

struct FindingDiagnostic {
    code: String,
    message: String,
    severity: miette::Severity,
    help: Option<String>,
    /// The lines around the finding, cut and sanitised: miette draws only what it can.
    source: SourceWindow,
    label: LabeledSpan,
}

impl fmt::Debug for FindingDiagnostic {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl fmt::Display for FindingDiagnostic {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic {}

impl Diagnostic for FindingDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(self.label.clone())))
    }
}

/// How many findings a thread draws at a time.
const FINDINGS_PER_RUN: usize = 16;

/// Renders findings (already sorted) and the summary line.
pub fn render(
    findings: &[Finding],
    dossiers: &[DossierSummary],
    sources: &BTreeMap<String, Arc<SourceFile>>,
    pack: &Pack,
    summary: Summary,
    options: HumanOptions,
) -> String {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(options.width)
        .with_links(false);
    // the findings are drawn in runs on the pool's threads, then joined in order: drawing one
    // (miette's snippet, its labels and the wrapped help) was a twentieth of a check of the
    // 10,000-item JSON list, on one thread after everything else (docs/PERFORMANCE.md,
    // point 56)
    let mut out = findings
        .par_chunks(FINDINGS_PER_RUN)
        .map(|run| {
            let mut out = String::new();
            for finding in run {
                let Some(source) = sources.get(&finding.file) else {
                    continue;
                };
                let diagnostic = diagnostic_for(finding, source, pack, options.lang);
                // rendering into a String cannot fail
                let _ = handler.render_report(&mut out, &diagnostic);
                out.push('\n');
            }
            out
        })
        .collect::<Vec<String>>()
        .concat();
    for dossier in dossiers {
        if let Some(line) = skipped_line(dossier, options.lang) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out.push_str(&summary_line(summary, options.lang));
    out.push('\n');
    out
}

fn diagnostic_for(
    finding: &Finding,
    source: &Arc<SourceFile>,
    pack: &Pack,
    lang: Lang,
) -> FindingDiagnostic {
    let code = match (&finding.failed_rule, finding.rule.as_str()) {
        (Some(failed), RULE_ERROR) => format!("{RULE_ERROR}({failed})"),
        _ => finding.rule.clone(),
    };
    let mut help_lines: Vec<String> = Vec::new();
    if let Some(waived) = &finding.waived {
        let document = waived.document.as_deref().unwrap_or(match lang {
            Lang::Zh => "未写明",
            Lang::En => "none given",
        });
        help_lines.push(match lang {
            Lang::Zh => format!("已豁免：{}（批准文件：{document}）", waived.reason),
            Lang::En => format!("waived: {} (approving document: {document})", waived.reason),
        });
    }
    if let Some(help) = &finding.help {
        help_lines.push(escape(help).into_owned());
    }
    if let Some(reference) = &finding.reference {
        help_lines.push(format!(
            "{}{}",
            lang.pick("参照标准 ", "reference: "),
            super::reference_sentence(pack, reference, lang)
        ));
    }
    if let Some(number) = &finding.clause {
        let text = pack
            .clause(number)
            .map(|clause| clause.text.clone())
            .unwrap_or_default();
        help_lines.push(
            escape(&match lang {
                Lang::Zh => format!("条款 {number}：{text}"),
                Lang::En => format!("clause {number}: {text}"),
            })
            .into_owned(),
        );
    }
    let severity = match finding.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    };
    let message = match (&finding.waived, lang) {
        (Some(_), Lang::Zh) => format!("〔已豁免〕{}", finding.message),
        (Some(_), Lang::En) => format!("[waived] {}", finding.message),
        (None, _) => finding.message.clone(),
    };
    let mut window = SourceWindow::around(source, finding.span);
    let mut label = finding.label.clone();
    // a spreadsheet's finding: the row drawn as the sheet numbers it, the cell named
    if let Some(cell) = &finding.cell {
        if let Some(sheet) = &cell.sheet {
            window = window.at_row(
                format!("{} › {sheet}", finding.file),
                cell.row as usize,
                cell.column as usize,
            );
        }
        label = format!("{} {label}", cell.name());
    }
    FindingDiagnostic {
        code: escape(&code).into_owned(),
        message: escape(&message).into_owned(),
        severity,
        help: (!help_lines.is_empty()).then(|| help_lines.join("\n")),
        label: LabeledSpan::new_primary_with_span(
            Some(escape(&label).into_owned()),
            window.label(),
        ),
        source: window,
    }
}

/// The evaluations a dossier skipped, in one line: how many, and which malformed fields.
pub fn skipped_line(dossier: &DossierSummary, lang: Lang) -> Option<String> {
    if dossier.skipped.is_empty() {
        return None;
    }
    let mut rules: Vec<&str> = dossier
        .skipped
        .iter()
        .map(|skip| skip.rule.as_str())
        .collect();
    rules.sort_unstable();
    rules.dedup();
    let mut fields: Vec<&str> = dossier
        .skipped
        .iter()
        .map(|skip| skip.because.as_str())
        .collect();
    fields.sort_unstable();
    fields.dedup();
    const SHOWN: usize = 5;
    let more = |count: usize| match (count > SHOWN, lang) {
        (true, Lang::Zh) => format!(" 等 {count} 处"),
        (true, Lang::En) => format!(" and others ({count} in all)"),
        (false, _) => String::new(),
    };
    let field_list = fields.iter().take(SHOWN).copied().collect::<Vec<_>>();
    let line = match lang {
        Lang::Zh => format!(
            "{}（第 {} 份申报材料）：{} 条规则共 {} 处未求值，因为所读字段格式不符：{}{}",
            dossier.file,
            dossier.document + 1,
            rules.len(),
            dossier.skipped.len(),
            field_list.join("、"),
            more(fields.len()),
        ),
        Lang::En => format!(
            "{} (dossier {}): {} rule{} not evaluated at {} place{}, because a field they read is malformed: {}{}",
            dossier.file,
            dossier.document + 1,
            rules.len(),
            plural(rules.len()),
            dossier.skipped.len(),
            plural(dossier.skipped.len()),
            field_list.join(", "),
            more(fields.len()),
        ),
    };
    // file names and pointers come from the user: through the sanitiser as every other text
    Some(escape(&line).into_owned())
}

pub fn summary_line(summary: Summary, lang: Lang) -> String {
    let mut line = counts_line(summary, lang);
    if summary.waived > 0 {
        line.push_str(&match lang {
            Lang::Zh => format!("，{} 个已豁免", summary.waived),
            Lang::En => format!(", {} waived", summary.waived),
        });
    }
    if summary.skipped > 0 {
        line.push_str(&match lang {
            Lang::Zh => format!("，{} 处规则因字段格式不符未求值", summary.skipped),
            Lang::En => format!(
                ", {} rule evaluation{} skipped for malformed fields",
                summary.skipped,
                plural(summary.skipped)
            ),
        });
    }
    let counts = line;
    if summary.not_shown == 0 {
        return counts;
    }
    match lang {
        Lang::Zh => format!(
            "{counts}；其中 {} 个发现未显示（见 --max-findings、--max-run-findings）",
            summary.not_shown
        ),
        Lang::En => format!(
            "{counts}; {} more finding{} not shown (see --max-findings, --max-run-findings)",
            summary.not_shown,
            plural(summary.not_shown)
        ),
    }
}

fn counts_line(summary: Summary, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "检查了 {} 个文件中的 {} 份申报材料：{} 个错误，{} 个警告，{} 个提示",
            summary.files, summary.dossiers, summary.errors, summary.warnings, summary.infos
        ),
        Lang::En => format!(
            "checked {} dossier{} in {} file{}: {} error{}, {} warning{}, {} info{}",
            summary.dossiers,
            plural(summary.dossiers),
            summary.files,
            plural(summary.files),
            summary.errors,
            plural(summary.errors),
            summary.warnings,
            plural(summary.warnings),
            summary.infos,
            plural(summary.infos),
        ),
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}
