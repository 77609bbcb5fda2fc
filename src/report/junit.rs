//! JUnit XML, for CI systems that show test results: a test suite per file, a test case per
//! dossier, failing when it has findings at or above `--fail-on`; findings below it are listed
//! as the case's output.

use std::collections::BTreeMap;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::finding::{Finding, Severity};
use crate::sanitize::for_xml;

/// One dossier of a file: its file name and document index.
pub struct DossierRef<'a> {
    pub file: &'a str,
    pub document: usize,
}

fn line(finding: &Finding) -> String {
    let mut clause = finding
        .citation()
        .map(|citation| format!(" ({citation})"))
        .unwrap_or_default();
    if finding.waived.is_some() {
        clause.push_str(" [waived]");
    }
    if let Some(cell) = &finding.cell {
        clause.push_str(&format!(" [cell {}]", cell.reference()));
    }
    // through the sanitiser: quick-junit drops what follows an ESC as an ANSI sequence, and
    // U+FFFE would make the XML ill-formed
    for_xml(&format!(
        "{}:{}:{}: {} {}{}: {}",
        finding.file,
        finding.start.line,
        finding.start.column,
        finding.severity.as_str(),
        finding.rule,
        clause,
        finding.message
    ))
    .into_owned()
}

/// The report; `not_shown` findings past a cap are counted in a property of every suite.
pub fn render(
    findings: &[Finding],
    dossiers: &[DossierRef<'_>],
    threshold: Option<Severity>,
    not_shown: usize,
) -> String {
    let mut report = Report::new("guifan");
    // the findings of each dossier and the dossiers of each file, gathered in one pass each:
    // looking them up by a scan per dossier made a file of 10,000 dossiers quadratic
    let mut by_dossier: BTreeMap<(&str, usize), Vec<&Finding>> = BTreeMap::new();
    for finding in findings {
        by_dossier
            .entry((finding.file.as_str(), finding.document))
            .or_default()
            .push(finding);
    }
    let mut files: Vec<(&str, Vec<&DossierRef<'_>>)> = Vec::new();
    for dossier in dossiers {
        match files.last_mut() {
            Some((file, of_file)) if *file == dossier.file => of_file.push(dossier),
            _ => files.push((dossier.file, vec![dossier])),
        }
    }
    for (file, of_file) in files {
        let mut suite = TestSuite::new(for_xml(file).as_ref());
        if not_shown > 0 {
            suite.add_property(quick_junit::Property::new(
                "guifan.not_shown",
                not_shown.to_string(),
            ));
        }
        for dossier in of_file {
            let own = by_dossier
                .get(&(file, dossier.document))
                .map(Vec::as_slice)
                .unwrap_or_default();
            let (failing, below): (Vec<&Finding>, Vec<&Finding>) =
                own.iter().copied().partition(|finding| {
                    finding.counts()
                        && threshold.is_some_and(|threshold| finding.severity >= threshold)
                });
            let status = if failing.is_empty() {
                TestCaseStatus::success()
            } else {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let rules: Vec<&str> = failing
                    .iter()
                    .map(|finding| finding.rule.as_str())
                    .collect();
                status.set_message(
                    for_xml(&format!(
                        "{} finding(s): {}",
                        failing.len(),
                        rules.join(", ")
                    ))
                    .as_ref(),
                );
                status.set_type("guifan");
                status.set_description(
                    failing
                        .iter()
                        .map(|finding| line(finding))
                        .collect::<Vec<_>>()
                        .join("\n"),
                );
                status
            };
            let mut case = TestCase::new(
                for_xml(&format!("{file}#{}", dossier.document)).as_ref(),
                status,
            );
            case.set_classname(for_xml(file).as_ref());
            let below: Vec<String> = below.iter().map(|finding| line(finding)).collect();
            if !below.is_empty() {
                case.set_system_out(below.join("\n"));
            }
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    xml_text(&report)
}

/// A JUnit report as the text written, ending in a line break (every JUnit report of guifan:
/// findings and pack test cases).
pub fn xml_text(report: &Report) -> String {
    report
        .to_string()
        .map(|mut text| {
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text
        })
        .unwrap_or_else(|error| format!("<!-- {error} -->\n"))
}
