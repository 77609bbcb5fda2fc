//! The national pack on a real published item list (fixtures/real/sczwfw-511602, 34 dossiers,
//! 1,135 items): what a user running `guifan check --format json` on it sees, rule by rule, and
//! a snapshot of every finding. docs/REAL-DATA.md says for each of them why it is a true one.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

const REAL: &str = "fixtures/real/sczwfw-511602";

/// How many findings each rule gives on the real list, with its severity and citation. A change
/// here is a change of the pack's findings on real data: classify it in docs/REAL-DATA.md.
const EXPECTED: &[(&str, &str, &str, usize)] = &[
    (
        "item-implementing-body-uscc-invalid",
        "error",
        "GB 32100-2015 4",
        884,
    ),
    ("item-legal-basis-missing", "error", "5.2.1.1", 787),
    (
        "item-task-code-body-invalid",
        "error",
        "GB 32100-2015 4",
        153,
    ),
    (
        "item-task-code-body-not-implementing-body",
        "error",
        "GB/T 39046-2020 表 4 实施编码、实施主体编码",
        17,
    ),
    ("power-list-missing", "info", "5.1.1", 34),
    (
        "item-basic-code-type-mismatch",
        "warning",
        "GB/T 39046-2020 附录 A.1 事项类型代码",
        1,
    ),
    (
        "item-level-marker-contradicts",
        "warning",
        "GB/T 39046-2020 附录 A.2 行使层级代码",
        8,
    ),
    (
        "item-name-duplicate",
        "warning",
        "GB/T 39046-2020 表 4 事项名称",
        4,
    ),
    (
        "item-task-code-region-mismatch",
        "warning",
        "GB/T 39046-2020 表 4 实施编码",
        1,
    ),
];

/// The rules that read an item's `implementing_body.uscc`: the only ones skipped on this list,
/// where that code is malformed.
/// The one rule that compares an item's implementing body code with its code's body segment:
/// where the implementing body code is malformed, it cannot (`item-task-code-body-other-department`
/// reads that code only to see that it is there, and is not skipped).
const SKIPPED_RULES: &[&str] = &["item-task-code-body-not-implementing-body"];

/// One run of the built binary, as a user runs it; the JSON report parsed.
fn report() -> (Option<i32>, String, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_guifan"))
        .args(["check", "--format", "json", "--as-of", "2026-01-01", REAL])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("guifan runs");
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "the JSON report does not parse ({error}); stderr:\n{stderr}\nstdout:\n{}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    (output.status.code(), stderr, json)
}

fn array<'a>(value: &'a Value, key: &str) -> &'a Vec<Value> {
    value[key]
        .as_array()
        .unwrap_or_else(|| panic!("`{key}` is not an array in {value}"))
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is not a string in {value}"))
}

fn number(value: &Value, key: &str) -> u64 {
    value[key]
        .as_u64()
        .unwrap_or_else(|| panic!("`{key}` is not a number in {value}"))
}

/// The file name inside the fixture directory (`dept-07.yaml`).
fn short(file: &str) -> &str {
    file.rsplit('/').next().unwrap_or(file)
}

/// What a finding cites: its clause of the standard, or its reference standard and clause.
fn citation(finding: &Value) -> String {
    match finding["clause"].as_str() {
        Some(clause) => clause.to_string(),
        None => format!(
            "{} {}",
            text(&finding["reference"], "standard"),
            text(&finding["reference"], "clause")
        ),
    }
}

#[test]
fn the_real_list_is_checked_whole_and_gives_the_recorded_findings() {
    let (code, stderr, json) = report();
    // errors are found, so the exit code is 1; nothing goes wrong with the run itself
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stderr, "");

    let findings = array(&json, "findings");
    let dossiers = array(&json, "dossiers");
    let summary = &json["summary"];

    // every file of the fixture is one dossier, read at the stage it declares
    assert_eq!(number(summary, "files"), 34);
    assert_eq!(number(summary, "dossiers"), 34);
    let files: Vec<String> = dossiers
        .iter()
        .map(|dossier| short(text(dossier, "file")).to_string())
        .collect();
    let expected_files: Vec<String> = (1..=34).map(|n| format!("dept-{n:02}.yaml")).collect();
    assert_eq!(files, expected_files);
    for dossier in dossiers {
        assert_eq!(text(dossier, "stage"), "proposal", "{dossier}");
    }

    // no dossier is stopped at the structure check, and no rule fails to evaluate
    for finding in findings {
        let rule = text(finding, "rule");
        assert!(
            rule != "dossier-structure" && rule != "rule-error",
            "{finding}"
        );
    }
    // the rules ran on every dossier: each has its department-level finding
    for file in &expected_files {
        assert!(
            findings
                .iter()
                .any(|finding| short(text(finding, "file")) == file
                    && text(finding, "rule") == "power-list-missing"),
            "no rule ran on {file}"
        );
    }

    // the counts per rule, with the severity and the citation a user sees
    let mut counts: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for finding in findings {
        let key = (
            text(finding, "rule").to_string(),
            text(finding, "severity").to_string(),
            citation(finding),
        );
        *counts.entry(key).or_default() += 1;
    }
    let expected: BTreeMap<(String, String, String), usize> = EXPECTED
        .iter()
        .map(|(rule, severity, cites, count)| {
            (
                (rule.to_string(), severity.to_string(), cites.to_string()),
                *count,
            )
        })
        .collect();
    assert_eq!(counts, expected);

    // the summary counts what the findings are, nothing waived, nothing left unshown
    let by_severity = |severity: &str| {
        findings
            .iter()
            .filter(|finding| text(finding, "severity") == severity)
            .count() as u64
    };
    assert_eq!(number(summary, "errors"), by_severity("error"));
    assert_eq!(number(summary, "warnings"), by_severity("warning"));
    assert_eq!(number(summary, "infos"), by_severity("info"));
    assert_eq!(number(summary, "waived"), 0);
    assert_eq!(
        (number(summary, "errors"), number(summary, "warnings")),
        (1841, 14)
    );

    // every skip is shown, and each has its reason reported: a malformed implementing-body
    // code of that very item, which only the rule comparing its value has to pass over
    let mut skipped = 0;
    for dossier in dossiers {
        let file = text(dossier, "file");
        let invalid: Vec<&str> = findings
            .iter()
            .filter(|finding| {
                text(finding, "file") == file
                    && text(finding, "rule") == "item-implementing-body-uscc-invalid"
            })
            .map(|finding| text(finding, "path"))
            .collect();
        let skips = array(dossier, "skipped");
        assert_eq!(skips.len(), SKIPPED_RULES.len() * invalid.len(), "{file}");
        for skip in skips {
            assert!(
                SKIPPED_RULES.contains(&text(skip, "rule")),
                "{file}: {skip}"
            );
            let because = text(skip, "because");
            assert!(invalid.contains(&because), "{file}: {skip}");
            assert_eq!(
                format!("{}/implementing_body/uscc", text(skip, "path")),
                because,
                "{file}: {skip}"
            );
        }
        skipped += skips.len() as u64;
    }
    assert_eq!(number(summary, "skipped"), skipped);
    assert_eq!(skipped, 884);

    insta::assert_snapshot!("real_data", digest(&json, code));
}

/// The report in a compact form for people to review: the run, the findings per rule, each
/// dossier with what was skipped in it, then one line per finding in the report's order.
fn digest(json: &Value, code: Option<i32>) -> String {
    let summary = &json["summary"];
    let findings = array(json, "findings");
    let mut out = String::new();
    out.push_str(&format!(
        "guifan check --format json --as-of 2026-01-01 {REAL}: exit {}\n",
        code.map_or("none".to_string(), |code| code.to_string())
    ));
    out.push_str(&format!(
        "pack {} {}\n",
        text(&json["pack"], "id"),
        text(&json["pack"], "version")
    ));
    out.push_str(&format!(
        "{} files, {} dossiers: {} errors, {} warnings, {} infos, {} waived, {} skipped\n",
        number(summary, "files"),
        number(summary, "dossiers"),
        number(summary, "errors"),
        number(summary, "warnings"),
        number(summary, "infos"),
        number(summary, "waived"),
        number(summary, "skipped"),
    ));

    out.push_str("\n## Findings per rule\n\n");
    let mut per_rule: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for finding in findings {
        *per_rule
            .entry((
                text(finding, "rule").to_string(),
                text(finding, "severity").to_string(),
                citation(finding),
            ))
            .or_default() += 1;
    }
    let mut rows: Vec<_> = per_rule.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for ((rule, severity, cites), count) in rows {
        out.push_str(&format!("{count:>5} {severity:<7} {rule} [{cites}]\n"));
    }

    out.push_str("\n## Dossiers\n\n");
    for dossier in array(json, "dossiers") {
        let file = text(dossier, "file");
        let count = findings
            .iter()
            .filter(|finding| text(finding, "file") == file)
            .count();
        let mut skipped: BTreeMap<&str, usize> = BTreeMap::new();
        for skip in array(dossier, "skipped") {
            *skipped.entry(text(skip, "rule")).or_default() += 1;
        }
        out.push_str(&format!(
            "{} {}: {count} findings",
            short(file),
            text(dossier, "stage")
        ));
        if !skipped.is_empty() {
            let list: Vec<String> = skipped
                .iter()
                .map(|(rule, n)| format!("{rule} ×{n}"))
                .collect();
            out.push_str(&format!("; skipped {}", list.join(", ")));
        }
        out.push('\n');
    }

    out.push_str("\n## Findings\n\n");
    for finding in findings {
        out.push_str(&format!(
            "{}:{}:{} {} {} [{}] {}\n",
            short(text(finding, "file")),
            number(finding, "line"),
            number(finding, "column"),
            text(finding, "severity"),
            text(finding, "rule"),
            citation(finding),
            text(finding, "message"),
        ));
    }
    out
}
