//! The HTML report: one self-contained page (inline CSS, no external resource, readable without
//! script) for people who attach a report to a submission: the counts by severity and by clause
//! section as bars, then each dossier with its findings at their lines (the source lines around
//! each, the clause text on demand), printable on A4. Chinese by default.
//!
//! Written by hand rather than with a templating crate: the page is one fixed structure, and
//! every text from a dossier or a pack reaches it through one function, [`escape`] (the
//! sanitiser first, then HTML's five characters), which is easier to audit than a template
//! language's rules of when it escapes.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;

use super::Summary;
use crate::engine::Lang;
use crate::finding::{DossierSummary, Finding, ReferenceCitation, Severity, RULE_ERROR};
use crate::pack::Pack;
use crate::snippet::SourceWindow;
use crate::source::SourceFile;

/// Every text the page writes from a dossier, a pack or a file name: control characters and
/// bidi overrides as `\u{…}` (as in every other report), then `&`, `<`, `>`, `"` and `'` as
/// character references, so that a text is never markup, in an element or in an attribute.
pub fn escape(text: &str) -> String {
    let sanitised = crate::sanitize::escape(text);
    let mut out = String::with_capacity(sanitised.len() + 8);
    for character in sanitised.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            character => out.push(character),
        }
    }
    out
}

const STYLE: &str = r#"
:root { --error: #c62828; --warning: #b26a00; --info: #1565c0; --waived: #757575;
  --line: #e0e0e0; --muted: #5f6368; --mark: #fff3c4; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
  "Helvetica Neue", Arial, sans-serif; color: #202124; margin: 0 auto; max-width: 60rem;
  padding: 1.5rem; line-height: 1.55; font-size: 15px; background: #fff; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; padding-bottom: .25rem; border-bottom: 2px solid #202124; }
h3 { font-size: 1rem; margin: 0; font-weight: 600; }
#summary h3 { margin: 1.2rem 0 .4rem; }
.meta, .where, .note { color: var(--muted); font-size: .85rem; margin: .2rem 0; }
.counts { display: flex; flex-wrap: wrap; gap: .5rem; margin: 1rem 0; padding: 0; list-style: none; }
.counts li { border: 1px solid var(--line); border-radius: 6px; padding: .4rem .8rem; min-width: 6.5rem; }
.counts .n { display: block; font-size: 1.5rem; font-weight: 700; }
.counts .error .n { color: var(--error); } .counts .warning .n { color: var(--warning); }
.counts .info .n { color: var(--info); }
table.chart { border-collapse: collapse; width: 100%; font-size: .85rem; }
table.chart th { text-align: left; font-weight: normal; white-space: nowrap; padding: .15rem .6rem .15rem 0; width: 11rem; }
table.chart th.sub { padding-left: 1.2rem; color: var(--muted); }
table.chart td { padding: .15rem 0; }
table.chart td.n { width: 3rem; text-align: right; font-variant-numeric: tabular-nums; }
.bar { display: flex; height: .9rem; background: #f1f3f4; border-radius: 3px; overflow: hidden; }
.bar span { display: block; height: 100%; }
.bar .error, .badge.error { background: var(--error); }
.bar .warning, .badge.warning { background: var(--warning); }
.bar .info, .badge.info { background: var(--info); }
.legend { font-size: .8rem; color: var(--muted); margin: .3rem 0 0; }
.legend i { display: inline-block; width: .7rem; height: .7rem; border-radius: 2px; margin: 0 .25rem 0 .8rem; vertical-align: -1px; }
.legend i.error { background: var(--error); } .legend i.warning { background: var(--warning); }
.legend i.info { background: var(--info); }
.finding { border: 1px solid var(--line); border-left: 4px solid var(--muted); border-radius: 4px;
  padding: .6rem .8rem; margin: .7rem 0; break-inside: avoid; }
.finding.error { border-left-color: var(--error); } .finding.warning { border-left-color: var(--warning); }
.finding.info { border-left-color: var(--info); } .finding.waived { border-left-color: var(--waived); opacity: .85; }
.badge { display: inline-block; color: #fff; border-radius: 3px; padding: 0 .4rem; font-size: .75rem;
  margin-right: .4rem; vertical-align: 1px; font-weight: 600; }
.badge.waived { background: var(--waived); }
.where code { font-size: .8rem; }
pre.excerpt { margin: .5rem 0; padding: .4rem 0; background: #f8f9fa; border: 1px solid var(--line);
  border-radius: 3px; font-size: .8rem; line-height: 1.45; overflow-x: auto; white-space: pre; }
pre.excerpt .ln { display: inline-block; min-width: 3.5rem; padding: 0 .6rem; text-align: right;
  color: #9aa0a6; user-select: none; }
pre.excerpt .hit { background: #fdeceb; display: block; }
pre.excerpt mark { background: var(--mark); outline: 1px solid #f2c94c; }
code, pre { font-family: "Noto Sans Mono CJK SC", "Sarasa Mono SC", Menlo, Consolas, monospace; }
.help { margin: .3rem 0; }
details { margin-top: .3rem; font-size: .9rem; }
details summary { cursor: pointer; color: var(--info); }
blockquote { margin: .3rem 0 0; padding: .3rem .8rem; border-left: 3px solid var(--line); color: #3c4043; }
.clean { color: #2e7d32; }
footer { margin-top: 2rem; color: var(--muted); font-size: .8rem; border-top: 1px solid var(--line); padding-top: .5rem; }
@page { size: A4; margin: 15mm 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  details::details-content { content-visibility: visible; display: block; }
  details summary { color: #202124; }
  h2 { break-after: avoid; }
  pre.excerpt { white-space: pre-wrap; overflow: visible; }
}
"#;

/// Opens every clause text before printing, in browsers without `::details-content`; the page
/// reads the same without it.
const PRINT_SCRIPT: &str = "addEventListener('beforeprint',function(){document.querySelectorAll('details').forEach(function(d){d.open=true})});";

/// The words of the page in the report's language.
struct Words {
    lang: Lang,
}

impl Words {
    fn pick(&self, zh: &'static str, en: &'static str) -> &'static str {
        match self.lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    fn severity(&self, severity: Severity) -> &'static str {
        match severity {
            Severity::Error => self.pick("错误", "error"),
            Severity::Warning => self.pick("警告", "warning"),
            Severity::Info => self.pick("提示", "info"),
        }
    }

    fn stage(&self, stage: Option<&str>) -> String {
        let Some(stage) = stage else {
            return self
                .pick(
                    "未声明（按申报阶段检查）",
                    "none declared (checked as a proposal)",
                )
                .to_string();
        };
        let zh = match stage {
            "proposal" => "申报",
            "recognized" => "已认定",
            "stationed" => "已进驻",
            "adjustment" => "调整",
            "exit" => "退出",
            _ => "",
        };
        match (self.lang, zh) {
            (Lang::Zh, zh) if !zh.is_empty() => format!("{zh}（{stage}）"),
            _ => escape(stage),
        }
    }
}

/// Where a finding is counted in the chart: its clause's section and subsection (`5`, `5.2`),
/// its reference standard, or the structure and evaluation findings that cite nothing.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    /// Section numbers as numbers, so that 10 sorts after 9.
    Section(Vec<u32>, String),
    Reference(String),
    Uncited,
}

fn groups_of(clause: Option<&str>, reference: Option<&ReferenceCitation>) -> Vec<Group> {
    if let Some(clause) = clause {
        let parts: Vec<&str> = clause.split('.').collect();
        let number = |count: usize| -> Vec<u32> {
            parts[..count]
                .iter()
                .map(|part| part.parse().unwrap_or(u32::MAX))
                .collect()
        };
        let mut groups = vec![Group::Section(number(1), parts[0].to_string())];
        if parts.len() > 1 {
            groups.push(Group::Section(number(2), parts[..2].join(".")));
        }
        return groups;
    }
    match reference {
        Some(reference) => vec![Group::Reference(reference.standard.clone())],
        None => vec![Group::Uncited],
    }
}

/// Counts by severity of one row of the chart.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    errors: usize,
    warnings: usize,
    infos: usize,
}

impl Tally {
    fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
    }

    fn total(self) -> usize {
        self.errors + self.warnings + self.infos
    }
}

/// A stacked bar of a tally, scaled to the longest row.
fn bar(out: &mut String, tally: Tally, longest: usize, words: &Words) {
    out.push_str("<div class=\"bar\">");
    for (count, severity) in [
        (tally.errors, Severity::Error),
        (tally.warnings, Severity::Warning),
        (tally.infos, Severity::Info),
    ] {
        if count == 0 || longest == 0 {
            continue;
        }
        // per mille, so that the width is an integer written the same on every machine
        let width = count * 1000 / longest;
        let _ = write!(
            out,
            "<span class=\"{}\" style=\"width:{}.{}%\" title=\"{} {count}\"></span>",
            severity.as_str(),
            width / 10,
            width % 10,
            words.severity(severity)
        );
    }
    out.push_str("</div>");
}

/// Renders the page: findings (already sorted), every dossier checked, the sources they point
/// into, the pack (clause texts), and the summary.
pub fn render(
    findings: &[Finding],
    dossiers: &[DossierSummary],
    sources: &BTreeMap<String, Arc<SourceFile>>,
    pack: &Pack,
    summary: Summary,
    lang: Lang,
) -> String {
    let words = Words { lang };
    let mut out = String::with_capacity(16 * 1024 + findings.len() * 1024);
    let title = words.pick("进驻申报材料检查报告", "Entry dossier check report");
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"guifan {}\">\n<title>{title}</title>\n<style>{STYLE}</style>\n\
         <script>{PRINT_SCRIPT}</script>\n</head>\n<body>\n",
        words.pick("zh-CN", "en"),
        env!("CARGO_PKG_VERSION"),
    );
    let _ = writeln!(out, "<header>\n<h1>{title}</h1>");
    let _ = writeln!(
        out,
        "<p class=\"meta\">{} {} · {} {} {}</p>\n</header>",
        words.pick("规则包", "rule pack"),
        escape(&format!("{} {}", pack.manifest.id, pack.manifest.version)),
        words.pick("依据", "standard"),
        escape(&pack.manifest.standard_code),
        escape(&pack.manifest.standard_title),
    );
    write_summary(&mut out, findings, summary, &words);
    write_dossiers(&mut out, findings, dossiers, sources, pack, &words);
    let _ = writeln!(
        out,
        "<footer>guifan {} · {}</footer>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION"),
        escape(&super::human::summary_line(summary, lang)),
    );
    out
}

fn write_summary(out: &mut String, findings: &[Finding], summary: Summary, words: &Words) {
    let _ = writeln!(
        out,
        "<section id=\"summary\">\n<h2>{}</h2>",
        words.pick("概况", "Summary")
    );
    out.push_str("<ul class=\"counts\">\n");
    for (key, class, label, count) in [
        ("files", "", words.pick("文件", "files"), summary.files),
        (
            "dossiers",
            "",
            words.pick("申报材料", "dossiers"),
            summary.dossiers,
        ),
        (
            "errors",
            "error",
            words.severity(Severity::Error),
            summary.errors,
        ),
        (
            "warnings",
            "warning",
            words.severity(Severity::Warning),
            summary.warnings,
        ),
        (
            "infos",
            "info",
            words.severity(Severity::Info),
            summary.infos,
        ),
        ("waived", "", words.pick("已豁免", "waived"), summary.waived),
    ] {
        let _ = writeln!(
            out,
            "<li class=\"{class}\"><span class=\"n\" data-count=\"{key}\">{count}</span>{label}</li>"
        );
    }
    out.push_str("</ul>\n");
    if summary.skipped > 0 {
        let _ = writeln!(
            out,
            "<p class=\"note\">{}</p>",
            match words.lang {
                Lang::Zh => format!("{} 处规则因所读字段格式不符未求值（见各申报材料）。", summary.skipped),
                Lang::En => format!(
                    "{} rule evaluations skipped because a field they read is malformed (see each dossier).",
                    summary.skipped
                ),
            }
        );
    }
    if summary.not_shown > 0 {
        let _ = writeln!(
            out,
            "<p class=\"note\" data-count=\"not_shown\">{}</p>",
            match words.lang {
                Lang::Zh => format!(
                    "另有 {} 个发现未列出（见 --max-findings、--max-run-findings），已计入上面的数字。",
                    summary.not_shown
                ),
                Lang::En => format!(
                    "{} more findings are counted above but not listed (see --max-findings, --max-run-findings).",
                    summary.not_shown
                ),
            }
        );
    }
    // the chart counts the findings listed, waived ones left out, as the counts above do
    let mut by_severity = Tally::default();
    let mut by_group: BTreeMap<Group, Tally> = BTreeMap::new();
    for finding in findings.iter().filter(|finding| finding.counts()) {
        by_severity.add(finding.severity);
        for group in groups_of(finding.clause.as_deref(), finding.reference.as_ref()) {
            by_group.entry(group).or_default().add(finding.severity);
        }
    }
    if by_severity.total() == 0 {
        let _ = writeln!(
            out,
            "<p class=\"clean\">{}</p>\n</section>",
            words.pick("没有发现需要处理的问题。", "Nothing to act on was found.")
        );
        return;
    }
    let _ = writeln!(
        out,
        "<h3>{}</h3>\n<table class=\"chart\" id=\"by-section\">",
        words.pick("按条款章节", "By clause section")
    );
    let longest = by_group
        .values()
        .map(|tally| tally.total())
        .max()
        .unwrap_or(0);
    for (group, tally) in &by_group {
        let (class, label, key) = match group {
            Group::Section(numbers, text) if numbers.len() == 1 => (
                "",
                match words.lang {
                    Lang::Zh => format!("第 {} 章", escape(text)),
                    Lang::En => format!("section {}", escape(text)),
                },
                text.clone(),
            ),
            Group::Section(_, text) => ("sub", escape(text), text.clone()),
            Group::Reference(standard) => (
                "",
                format!("{} {}", words.pick("参照", "reference"), escape(standard)),
                standard.clone(),
            ),
            Group::Uncited => (
                "",
                words
                    .pick("结构与规则求值", "structure and evaluation")
                    .to_string(),
                "-".to_string(),
            ),
        };
        let _ = write!(
            out,
            "<tr data-section=\"{}\"><th class=\"{class}\">{label}</th><td>",
            escape(&key)
        );
        bar(out, *tally, longest, words);
        let _ = writeln!(out, "</td><td class=\"n\">{}</td></tr>", tally.total());
    }
    out.push_str("</table>\n<p class=\"legend\">");
    for severity in [Severity::Error, Severity::Warning, Severity::Info] {
        let _ = write!(
            out,
            "<i class=\"{}\"></i>{}",
            severity.as_str(),
            words.severity(severity)
        );
    }
    out.push_str("</p>\n</section>\n");
}

fn write_dossiers(
    out: &mut String,
    findings: &[Finding],
    dossiers: &[DossierSummary],
    sources: &BTreeMap<String, Arc<SourceFile>>,
    pack: &Pack,
    words: &Words,
) {
    // findings are sorted by file, line: a dossier's are those of its file and document
    let mut by_dossier: BTreeMap<(&str, usize), Vec<(usize, &Finding)>> = BTreeMap::new();
    for (index, finding) in findings.iter().enumerate() {
        by_dossier
            .entry((finding.file.as_str(), finding.document))
            .or_default()
            .push((index, finding));
    }
    for dossier in dossiers {
        let own = by_dossier
            .get(&(dossier.file.as_str(), dossier.document))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<section class=\"dossier\" data-file=\"{}\" data-document=\"{}\">",
            escape(&dossier.file),
            dossier.document
        );
        let _ = writeln!(
            out,
            "<h2>{} <span class=\"meta\">{}</span></h2>",
            escape(&dossier.file),
            match words.lang {
                Lang::Zh => format!("第 {} 份", dossier.document + 1),
                Lang::En => format!("document {}", dossier.document + 1),
            }
        );
        let _ = writeln!(
            out,
            "<p class=\"meta\">{}{}{} · {}</p>",
            words.pick("阶段", "stage"),
            words.pick("：", ": "),
            words.stage(dossier.stage),
            match words.lang {
                Lang::Zh => format!("{} 个发现", own.len()),
                Lang::En => format!(
                    "{} finding{}",
                    own.len(),
                    if own.len() == 1 { "" } else { "s" }
                ),
            }
        );
        if let Some(line) = super::human::skipped_line(dossier, words.lang) {
            let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(&line));
        }
        if own.is_empty() {
            let _ = writeln!(
                out,
                "<p class=\"clean\">{}</p>",
                words.pick("未发现问题。", "No findings.")
            );
        }
        for (index, finding) in own {
            write_finding(out, *index, finding, sources, pack, words);
        }
        out.push_str("</section>\n");
    }
}

fn write_finding(
    out: &mut String,
    index: usize,
    finding: &Finding,
    sources: &BTreeMap<String, Arc<SourceFile>>,
    pack: &Pack,
    words: &Words,
) {
    let severity = finding.severity.as_str();
    let waived_class = if finding.waived.is_some() {
        " waived"
    } else {
        ""
    };
    let citation = finding.citation().unwrap_or_default();
    let _ = writeln!(
        out,
        "<article class=\"finding {severity}{waived_class}\" id=\"finding-{}\" data-rule=\"{}\" \
         data-clause=\"{}\" data-line=\"{}\" data-column=\"{}\">",
        index + 1,
        escape(&finding.rule),
        escape(&citation),
        finding.start.line,
        finding.start.column,
    );
    let _ = write!(
        out,
        "<h3><span class=\"badge {severity}\">{}</span>",
        words.severity(finding.severity)
    );
    if finding.waived.is_some() {
        let _ = write!(
            out,
            "<span class=\"badge waived\">{}</span>",
            words.pick("已豁免", "waived")
        );
    }
    let _ = writeln!(out, "{}</h3>", escape(&finding.message));
    let rule = match (&finding.failed_rule, finding.rule.as_str()) {
        (Some(failed), RULE_ERROR) => format!("{RULE_ERROR}({failed})"),
        _ => finding.rule.clone(),
    };
    // a spreadsheet's finding is placed by its cell (`items.xlsx 事项!E4`), a text's by line
    // and column
    let position = match &finding.cell {
        Some(cell) => format!("{} {}", finding.file, cell.reference()),
        None => format!(
            "{}:{}:{}",
            finding.file, finding.start.line, finding.start.column
        ),
    };
    let _ = write!(
        out,
        "<p class=\"where\"><span class=\"position\">{}</span> · {} <code>{}</code>",
        escape(&position),
        words.pick("规则", "rule"),
        escape(&rule),
    );
    if !citation.is_empty() {
        let _ = write!(
            out,
            " · {} <span class=\"clause\">{}</span>",
            if finding.clause.is_some() {
                words.pick("条款", "clause")
            } else {
                words.pick("参照", "reference")
            },
            escape(&citation)
        );
    }
    if !finding.path.is_empty() {
        let _ = write!(out, " · <code>{}</code>", escape(&finding.path));
    }
    out.push_str("</p>\n");
    if let Some(source) = sources.get(&finding.file) {
        write_excerpt(out, source, finding);
    }
    if let Some(waived) = &finding.waived {
        let _ = writeln!(
            out,
            "<p class=\"help\">{}{}{}</p>",
            words.pick("豁免理由：", "waived: "),
            escape(&waived.reason),
            waived
                .document
                .as_ref()
                .map(|document| match words.lang {
                    Lang::Zh => format!("（批准文件：{}）", escape(document)),
                    Lang::En => format!(" (approving document: {})", escape(document)),
                })
                .unwrap_or_default()
        );
    }
    if let Some(help) = &finding.help {
        let _ = writeln!(out, "<p class=\"help\">{}</p>", escape(help));
    }
    if let Some(number) = &finding.clause {
        if let Some(clause) = pack.clause(number) {
            let _ = writeln!(
                out,
                "<details><summary>{} {}</summary><blockquote>{}</blockquote></details>",
                words.pick("条款原文", "Clause"),
                escape(number),
                escape(&clause.text)
            );
        }
    } else if let Some(reference) = &finding.reference {
        let _ = writeln!(
            out,
            "<details><summary>{} {}</summary><blockquote>{}</blockquote></details>",
            words.pick("参照标准", "Reference"),
            escape(&reference.standard),
            escape(&super::reference_sentence(pack, reference, words.lang))
        );
    }
    out.push_str("</article>\n");
}

/// The lines around the finding, numbered as in the file, its span marked. The window is the
/// human report's: long lines cut around the span, control characters escaped.
fn write_excerpt(out: &mut String, source: &SourceFile, finding: &Finding) {
    let window = SourceWindow::around(source, finding.span);
    let text = window.text();
    let label = window.label();
    let (label_start, label_end) = (label.offset(), label.offset() + label.len());
    out.push_str("<pre class=\"excerpt\">");
    let mut line_start = 0;
    for (number, line) in (window.first_line() + 1..).zip(text.split('\n')) {
        let line_end = line_start + line.len();
        let hit = number == finding.start.line;
        let _ = write!(
            out,
            "<span class=\"{}\"><span class=\"ln\">{number}</span>",
            if hit { "hit" } else { "line" }
        );
        // the part of the span on this line, in bytes of the window
        let from = label_start.clamp(line_start, line_end) - line_start;
        let to = label_end.clamp(line_start, line_end) - line_start;
        if from < to {
            let _ = write!(
                out,
                "{}<mark>{}</mark>{}",
                escape(&line[..from]),
                escape(&line[from..to]),
                escape(&line[to..])
            );
        } else {
            out.push_str(&escape(line));
        }
        out.push_str("</span>");
        if !hit {
            out.push('\n');
        }
        line_start = line_end + 1;
    }
    out.push_str("</pre>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_leaves_no_markup_and_no_control_character() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"\u{1b}[2J\u{202e}"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;\\u{1b}[2J\\u{202e}"
        );
    }

    #[test]
    fn findings_are_grouped_by_section_and_subsection() {
        let group = |clause: &str| groups_of(Some(clause), None);
        assert_eq!(
            group("5.2.1.1"),
            vec![
                Group::Section(vec![5], "5".into()),
                Group::Section(vec![5, 2], "5.2".into())
            ]
        );
        assert_eq!(group("4"), vec![Group::Section(vec![4], "4".into())]);
        assert!(Group::Section(vec![10], "10".into()) > Group::Section(vec![9, 3], "9.3".into()));
        let reference = ReferenceCitation {
            standard: "GB 32100-2015".into(),
            clause: "4".into(),
        };
        assert_eq!(
            groups_of(None, Some(&reference)),
            vec![Group::Reference("GB 32100-2015".into())]
        );
        assert_eq!(groups_of(None, None), vec![Group::Uncited]);
    }
}
