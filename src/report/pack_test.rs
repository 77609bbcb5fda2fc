//! The report of `guifan pack test`: each failing case with what it missed and what it did not
//! expect, each rule's cases and coverage, for people (text), machines (JSON) and CI (JUnit).

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde_json::json;

use crate::commands::pack_test::{CaseResult, Expected, RuleCoverage, TestRun};
use crate::sanitize::{escape_line, for_xml};

fn expected_text(expected: &Expected) -> String {
    let rule = match &expected.clause {
        Some(clause) => format!("{} ({clause})", expected.rule),
        None => expected.rule.clone(),
    };
    match &expected.pointer {
        Some(pointer) if pointer.is_empty() => format!("{rule} at the dossier's root"),
        Some(pointer) => format!("{rule} at {pointer}"),
        None => format!("{rule} anywhere"),
    }
}

fn rule_state(rule: &RuleCoverage) -> String {
    let mut gaps = Vec::new();
    if rule.fires == 0 {
        gaps.push("no passing case where it fires");
    }
    if rule.silent == 0 {
        gaps.push("no passing case where it stays silent");
    }
    gaps.join("; ")
}

/// Text for people: failures first, then the rules not covered, then one line per rule and
/// the totals.
pub fn human(run: &TestRun) -> String {
    let mut out = String::new();
    let failed: Vec<&CaseResult> = run.cases.iter().filter(|case| !case.passed()).collect();
    for case in &failed {
        out.push_str(&format!(
            "FAIL {} ({}:{}:{}, dossier {})\n",
            escape_line(&case.name),
            escape_line(&case.file),
            case.line,
            case.column,
            escape_line(&case.dossier)
        ));
        for missing in &case.missing {
            out.push_str(&format!(
                "  expected, not found: {}\n",
                escape_line(&expected_text(missing))
            ));
        }
        for unexpected in &case.unexpected {
            out.push_str(&format!(
                "  found, not expected: {}\n",
                escape_line(&expected_text(unexpected))
            ));
        }
    }
    if !failed.is_empty() {
        out.push('\n');
    }
    out.push_str("  fires  silent  failing  rule (cites)\n");
    for rule in &run.rules {
        let mark = if rule.covered() && rule.failing.is_empty() {
            " "
        } else {
            "!"
        };
        out.push_str(&format!(
            "{mark} {:>5}  {:>6}  {:>7}  {} ({})\n",
            rule.fires,
            rule.silent,
            rule.failing.len(),
            escape_line(&rule.id),
            escape_line(&rule.citation),
        ));
    }
    let uncovered: Vec<&RuleCoverage> = run.rules.iter().filter(|rule| !rule.covered()).collect();
    if !uncovered.is_empty() {
        out.push_str("\nrules not covered:\n");
        for rule in &uncovered {
            out.push_str(&format!(
                "  {} ({}): {}\n",
                escape_line(&rule.id),
                escape_line(&rule.citation),
                rule_state(rule)
            ));
        }
    }
    if !run.uncovered_clauses.is_empty() {
        out.push_str("\nclauses marked automated with no covered rule:\n");
        for (clause, rules) in &run.uncovered_clauses {
            let rules = if rules.is_empty() {
                "no rule cites it".to_string()
            } else {
                rules.join(", ")
            };
            out.push_str(&format!(
                "  {}: {}\n",
                escape_line(clause),
                escape_line(&rules)
            ));
        }
    }
    let passed = run.cases.len() - failed.len();
    let covered = run.rules.len() - uncovered.len();
    out.push_str(&format!(
        "\n{} {}: {} case{}, {passed} passed, {} failed; {covered} of {} rules covered; {} of {} automated clauses covered\n",
        escape_line(&run.pack_id),
        escape_line(&run.pack_version),
        run.cases.len(),
        if run.cases.len() == 1 { "" } else { "s" },
        failed.len(),
        run.rules.len(),
        run.automated_clauses - run.uncovered_clauses.len(),
        run.automated_clauses,
    ));
    out
}

fn expected_json(expected: &Expected) -> serde_json::Value {
    json!({ "rule": expected.rule, "pointer": expected.pointer, "clause": expected.clause })
}

/// JSON for machines: `cases`, `rules`, `uncovered_clauses`, `summary`.
pub fn json(run: &TestRun) -> String {
    let cases: Vec<serde_json::Value> = run
        .cases
        .iter()
        .map(|case| {
            json!({
                "name": case.name,
                "file": case.file,
                "line": case.line,
                "column": case.column,
                "dossier": case.dossier,
                "passed": case.passed(),
                "missing": case.missing.iter().map(expected_json).collect::<Vec<_>>(),
                "unexpected": case.unexpected.iter().map(expected_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    let rules: Vec<serde_json::Value> = run
        .rules
        .iter()
        .map(|rule| {
            json!({
                "rule": rule.id,
                "cites": rule.citation,
                "fires": rule.fires,
                "silent": rule.silent,
                "failing": rule.failing,
                "covered": rule.covered(),
            })
        })
        .collect();
    let uncovered_clauses: Vec<serde_json::Value> = run
        .uncovered_clauses
        .iter()
        .map(|(clause, rules)| json!({ "clause": clause, "rules": rules }))
        .collect();
    let failed = run.cases.iter().filter(|case| !case.passed()).count();
    let value = json!({
        "pack": { "id": run.pack_id, "version": run.pack_version },
        "passed": run.passed(),
        "cases": cases,
        "rules": rules,
        "uncovered_clauses": uncovered_clauses,
        "summary": {
            "cases": run.cases.len(),
            "passed": run.cases.len() - failed,
            "failed": failed,
            "rules": run.rules.len(),
            "rules_covered": run.rules.iter().filter(|rule| rule.covered()).count(),
            "automated_clauses": run.automated_clauses,
            "automated_clauses_covered": run.automated_clauses - run.uncovered_clauses.len(),
        },
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// JUnit XML: a suite of the cases, and a suite with a test per rule that fails when the rule
/// is not covered.
pub fn junit(run: &TestRun) -> String {
    let mut report = Report::new("guifan pack test");
    let mut cases = TestSuite::new(for_xml(&format!("{} cases", run.pack_id)).as_ref());
    for case in &run.cases {
        let status = if case.passed() {
            TestCaseStatus::success()
        } else {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(
                for_xml(&format!(
                    "{} expected not found, {} found not expected",
                    case.missing.len(),
                    case.unexpected.len()
                ))
                .as_ref(),
            );
            status.set_type("guifan");
            let lines: Vec<String> = case
                .missing
                .iter()
                .map(|missing| format!("expected, not found: {}", expected_text(missing)))
                .chain(
                    case.unexpected
                        .iter()
                        .map(|found| format!("found, not expected: {}", expected_text(found))),
                )
                .collect();
            status.set_description(for_xml(&lines.join("\n")).as_ref());
            status
        };
        let mut test = TestCase::new(for_xml(&case.name).as_ref(), status);
        test.set_classname(for_xml(&format!("{}:{}", case.file, case.line)).as_ref());
        cases.add_test_case(test);
    }
    report.add_test_suite(cases);
    let mut coverage = TestSuite::new(for_xml(&format!("{} coverage", run.pack_id)).as_ref());
    for rule in &run.rules {
        let status = if rule.covered() {
            TestCaseStatus::success()
        } else {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(for_xml(&rule_state(rule)).as_ref());
            status.set_type("coverage");
            status
        };
        let mut test = TestCase::new(for_xml(&rule.id).as_ref(), status);
        test.set_classname(for_xml(&rule.citation).as_ref());
        coverage.add_test_case(test);
    }
    report.add_test_suite(coverage);
    super::junit::xml_text(&report)
}
