//! Engine behaviour a rule author relies on, through the small pack in tests/packs/engine:
//! unquoted codes, YAML 1.2 scalars, int arithmetic, dates, rule errors, aliases, documents.

mod common;

use guifan::commands::check::{check_inputs, Input};
use guifan::engine::Lang;
use guifan::finding::{Finding, Severity, RULE_ERROR, STRUCTURE_RULE};
use guifan::pack::{load_pack_from_path, Pack};

fn engine_pack() -> Pack {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/packs/engine");
    match load_pack_from_path(&path) {
        Ok(pack) => pack,
        Err(error) => panic!("{:?}", miette::Report::new(error)),
    }
}

fn check_text(name: &str, text: &str) -> Vec<Finding> {
    check_text_as_of(name, text, None)
}

fn check_text_as_of(name: &str, text: &str, as_of: Option<chrono::NaiveDate>) -> Vec<Finding> {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join(name);
    std::fs::write(&path, text).expect("writes");
    let input = Input::File {
        display: name.to_string(),
        path,
    };
    let options = guifan::engine::CheckOptions {
        as_of,
        ..common::options(Lang::Zh)
    };
    let checked = check_inputs(&engine_pack(), &[input], &options).expect("checks");
    checked.findings
}

fn rules(findings: &[Finding]) -> Vec<(&str, usize, usize)> {
    findings
        .iter()
        .map(|finding| {
            (
                finding.rule.as_str(),
                finding.start.line,
                finding.start.column,
            )
        })
        .collect()
}

const HEADER: &str = "submitted_on: '2026-03-01'\nattestations: [{clause: '1.4'}]\n";

#[test]
fn an_unquoted_code_is_read_as_written() {
    let findings = check_text(
        "a.yaml",
        &format!("{HEADER}items:\n  - name: 许可\n    task_type: 01\n"),
    );
    assert!(findings.is_empty(), "{findings:#?}");
    let findings = check_text(
        "a.yaml",
        &format!("{HEADER}items:\n  - name: 许可\n    task_type: 1\n"),
    );
    assert_eq!(rules(&findings), vec![("task-type-not-two-digits", 5, 16)]);
    assert_eq!(findings[0].message, "「许可」的类型代码 1 不是两位数字");
}

#[test]
fn yaml_1_1_booleans_stay_strings() {
    let findings = check_text(
        "a.yaml",
        &format!("{HEADER}items:\n  - name: 许可\n    note: NO\n    task_type: '02'\n"),
    );
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn non_negative_integers_are_cel_ints() {
    // `item.promised + 1` fails with a uint; it must evaluate and compare
    let findings = check_text(
        "a.yaml",
        &format!("{HEADER}items:\n  - name: 许可\n    promised: 20\n    statutory: 20\n"),
    );
    assert_eq!(
        rules(&findings),
        vec![("promised-plus-one-too-long", 5, 15)]
    );
    assert_eq!(
        findings[0].message,
        "「许可」的承诺时限 20 加一日超过法定时限 20"
    );
}

#[test]
fn dates_compare_across_notations_and_bad_dates_are_rule_errors() {
    let findings = check_text(
        "a.yaml",
        &format!("{HEADER}items:\n  - name: 甲\n    recognized_on: '2026-02-28'\n  - name: 乙\n    recognized_on: '20260301'\n  - name: 丙\n    recognized_on: 2026-02-30\n"),
    );
    assert_eq!(
        rules(&findings),
        vec![("recognized-before-submission", 5, 20), (RULE_ERROR, 8, 5)]
    );
    assert_eq!(findings[0].severity, Severity::Warning);
    assert_eq!(
        findings[0].message,
        "「甲」在 2026-02-28 认定，早于申报日期"
    );
    assert_eq!(
        findings[1].failed_rule.as_deref(),
        Some("recognized-before-submission")
    );
    assert!(
        findings[1].message.contains("2026-02-30"),
        "{}",
        findings[1].message
    );
}

#[test]
fn a_missing_field_is_a_rule_error_at_the_item_not_a_pass() {
    let findings = check_text("a.yaml", "attestations: [{clause: '1.4'}]\nitems:\n  - name: 许可\n    recognized_on: '2026-01-01'\n");
    // submitted_on is required by the schema: reported, and the rules still run; the rule that
    // reads it cannot be evaluated and says so at the item, never a pass
    assert_eq!(
        rules(&findings),
        vec![(STRUCTURE_RULE, 1, 1), (RULE_ERROR, 3, 5)]
    );
    assert_eq!(findings[0].message, "缺少必填字段 `submitted_on`");
    assert!(
        findings[1].message.contains("submitted_on"),
        "{}",
        findings[1].message
    );
}

#[test]
fn chinese_keys_resolve_and_point_at_what_was_written() {
    let findings = check_text(
        "a.yaml",
        &format!("{HEADER}事项:\n  - 名称: 许可\n    承诺时限: 20\n    法定时限: 20\n"),
    );
    assert_eq!(
        rules(&findings),
        vec![("promised-plus-one-too-long", 5, 11)]
    );
    assert_eq!(findings[0].path, "/items/0/promised");
}

#[test]
fn a_key_and_its_alias_together_are_a_structure_finding() {
    let findings = check_text(
        "a.yaml",
        &format!("{HEADER}items:\n  - name: 许可\n    名称: 许可二\n"),
    );
    assert_eq!(rules(&findings), vec![(STRUCTURE_RULE, 5, 5)]);
}

#[test]
fn unknown_keys_are_structure_findings_with_a_suggestion() {
    let findings = check_text(
        "a.yaml",
        &format!("{HEADER}items:\n  - name: 许可\n    promissed: 3\n"),
    );
    assert_eq!(rules(&findings), vec![(STRUCTURE_RULE, 5, 5)]);
    assert_eq!(findings[0].path, "/items/0/promissed");
    assert_eq!(findings[0].help.as_deref(), Some("是否想写 `promised`？"));
}

/// Past the cap of a dossier's findings the unknown keys are counted, not shown: those shown,
/// the first by place, still have their suggestion.
#[test]
fn unknown_keys_past_the_cap_are_counted_and_those_shown_keep_their_suggestion() {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("a.yaml");
    std::fs::write(
        &path,
        format!(
            "{HEADER}items:\n  - name: 许可\n    promissed: 1\n    pomised: 2\n    promisd: 3\n    apromised: 4\n    promised_: 5\n"
        ),
    )
    .expect("writes");
    let input = Input::File {
        display: "a.yaml".to_string(),
        path,
    };
    let mut options = common::options(Lang::Zh);
    options.limits.max_findings = 3;
    let checked = check_inputs(&engine_pack(), &[input], &options).expect("checks");
    assert_eq!(
        rules(&checked.findings),
        vec![
            (STRUCTURE_RULE, 5, 5),
            (STRUCTURE_RULE, 6, 5),
            (STRUCTURE_RULE, 7, 5)
        ]
    );
    let paths: Vec<&str> = checked.findings.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        ["/items/0/promissed", "/items/0/pomised", "/items/0/promisd"]
    );
    for finding in &checked.findings {
        assert_eq!(finding.help.as_deref(), Some("是否想写 `promised`？"));
    }
    assert_eq!(checked.not_shown.errors + checked.not_shown.warnings, 2);
}

#[test]
fn a_missing_attestation_is_reported() {
    let findings = check_text("a.yaml", "submitted_on: '2026-03-01'\nitems: []\n");
    assert_eq!(rules(&findings), vec![("attestation-missing", 1, 1)]);
    assert_eq!(findings[0].clause.as_deref(), Some("1.4"));
}

#[test]
fn every_document_of_a_stream_is_a_dossier() {
    let text = format!("{HEADER}items:\n  - name: 甲\n    task_type: 'x'\n---\n{HEADER}items:\n  - name: 乙\n    task_type: 'y'\n");
    let findings = check_text("a.yaml", &text);
    let documents: Vec<usize> = findings.iter().map(|finding| finding.document).collect();
    assert_eq!(documents, vec![0, 1]);
    assert_eq!(findings[1].start.line, 11);
}

#[test]
fn json_dossiers_have_spans_too() {
    let text = "{\n  \"submitted_on\": \"2026-03-01\",\n  \"attestations\": [{\"clause\": \"1.4\"}],\n  \"items\": [{\"name\": \"许可\", \"task_type\": \"1\"}]\n}\n";
    let findings = check_text("a.json", text);
    assert_eq!(rules(&findings), vec![("task-type-not-two-digits", 4, 41)]);
}

#[test]
fn the_rules_in_force_depend_on_the_date() {
    let text = "submitted_on: '2019-03-01'\nattestations: [{clause: '1.4'}]\n";
    assert!(check_text("a.yaml", text).is_empty());
    let findings = check_text_as_of("a.yaml", text, chrono::NaiveDate::from_ymd_opt(2019, 3, 1));
    // this pack keeps submitted_on at the root, so the finding points at the document
    assert_eq!(rules(&findings), vec![("pack-not-in-force", 1, 1)]);
    assert_eq!(findings[0].severity, Severity::Warning);
}

#[test]
fn for_each_can_bind_keys_and_indices() {
    let findings = check_text(
        "a.yaml",
        &format!("{HEADER}items:\n  - name: bad\n    note: good\n  - name: 乙\n    note: bad\n"),
    );
    // `matching '^note$'` visits only the notes: the first item's name `bad` is not looked at
    assert_eq!(rules(&findings), vec![("note-says-bad", 7, 11)]);
    assert_eq!(findings[0].message, "第 2 个事项「乙」的 note 是 bad");
    assert_eq!(findings[0].path, "/items/1/note");
}
