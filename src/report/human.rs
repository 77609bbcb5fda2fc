//! The human report: one rustc-style miette diagnostic per finding, with the rule id as its
//! code, the clause number and the clause's own text, and a label under the node in the
//! dossier. Chinese by default.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};

use super::Summary;
use crate::engine::Lang;
use crate::finding::{Finding, Severity, RULE_ERROR};
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

/// Renders findings (already sorted) and the summary line.
pub fn render(
    findings: &[Finding],
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
    let mut out = String::new();
    for finding in findings {
        let Some(source) = sources.get(&finding.file) else {
            continue;
        };
        let diagnostic = diagnostic_for(finding, source, pack, options.lang);
        // rendering into a String cannot fail
        let _ = handler.render_report(&mut out, &diagnostic);
        out.push('\n');
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
    if let Some(help) = &finding.help {
        help_lines.push(escape(help).into_owned());
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
    let window = SourceWindow::around(source, finding.span);
    FindingDiagnostic {
        code: escape(&code).into_owned(),
        message: escape(&finding.message).into_owned(),
        severity,
        help: (!help_lines.is_empty()).then(|| help_lines.join("\n")),
        label: LabeledSpan::new_primary_with_span(
            Some(escape(&finding.label).into_owned()),
            window.label(),
        ),
        source: window,
    }
}

pub fn summary_line(summary: Summary, lang: Lang) -> String {
    let counts = counts_line(summary, lang);
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
