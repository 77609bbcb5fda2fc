//! `guifan pack test` as a pack author and a CI job see it: the cases in a pack's `tests/`
//! directory, failing cases with what they missed, coverage per rule and clause, the exit code,
//! and the JSON and JUnit reports; the national pack reaches full coverage.

mod common;

use common::{guifan_in, text};
use std::path::Path;

/// The minimal test pack (one rule of 5.3.2) in a temporary directory, with these case files
/// in its `tests/` and two dossiers beside them: one over the limit, one within it.
fn pack_with_cases(cases: &[(&str, &str)]) -> tempfile::TempDir {
    let directory = tempfile::tempdir().expect("temporary directory");
    let pack = directory.path().join("pack");
    std::fs::create_dir_all(pack.join("tests/dossiers")).expect("pack directory");
    for name in ["pack.yaml", "schema.yaml"] {
        std::fs::copy(Path::new("tests/packs/minimal").join(name), pack.join(name))
            .expect("pack file copied");
    }
    std::fs::write(
        pack.join("tests/dossiers/over.yaml"),
        "items:\n  - name: 企业设立登记\n    promised_limit: 30\n    statutory_limit: 20\n  - name: 变更登记\n    promised_limit: 5\n    statutory_limit: 20\n",
    )
    .expect("dossier written");
    std::fs::write(
        pack.join("tests/dossiers/within.yaml"),
        "items:\n  - name: 企业设立登记\n    promised_limit: 10\n    statutory_limit: 20\n",
    )
    .expect("dossier written");
    for (name, content) in cases {
        std::fs::write(pack.join("tests").join(name), content).expect("case file written");
    }
    directory
}

const PASSING: &str = "cases:
  - name: over the statutory limit
    dossier: dossiers/over.yaml
    findings:
      - rule: item-promised-limit-exceeds-statutory
        pointer: /items/0/promised_limit
  - name: within the limit
    dossier: dossiers/within.yaml
    findings: []
";

#[test]
fn a_pack_whose_cases_pass_and_cover_every_rule_exits_0() {
    let directory = pack_with_cases(&[("cases.yaml", PASSING)]);
    let output = guifan_in(directory.path(), &["pack", "test", "--pack", "pack"]);
    assert_eq!(text(&output.stderr), "");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        text(&output.stdout),
        "  fires  silent  failing  rule (cites)
      1       1        0  item-promised-limit-exceeds-statutory (5.3.2)

example.minimal 1.0.0: 2 cases, 2 passed, 0 failed; 1 of 1 rules covered; 1 of 1 automated clauses covered
"
    );
}

#[test]
fn a_failing_case_names_what_it_missed_and_what_it_did_not_expect_and_exits_1() {
    // the pointer names the second item, which is within its limit: the finding at the first
    // is unexpected and the one at the second missing
    let cases = "cases:
  - name: wrong item
    dossier: dossiers/over.yaml
    findings:
      - rule: item-promised-limit-exceeds-statutory
        pointer: /items/1/promised_limit
  - name: within the limit
    dossier: dossiers/within.yaml
    findings: []
";
    let directory = pack_with_cases(&[("cases.yaml", cases)]);
    let output = guifan_in(directory.path(), &["pack", "test", "--pack", "pack"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(text(&output.stdout));
}

#[test]
fn a_rule_seen_only_firing_is_not_covered_and_exits_1() {
    let cases = "cases:
  - name: over the statutory limit
    dossier: dossiers/over.yaml
    findings:
      - rule: item-promised-limit-exceeds-statutory
";
    let directory = pack_with_cases(&[("cases.yaml", cases)]);
    let output = guifan_in(directory.path(), &["pack", "test", "--pack", "pack"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains(
            "rules not covered:\n  item-promised-limit-exceeds-statutory (5.3.2): no passing case where it stays silent\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("clauses marked automated with no covered rule:\n  5.3.2: item-promised-limit-exceeds-statutory\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with(
        "example.minimal 1.0.0: 1 case, 1 passed, 0 failed; 0 of 1 rules covered; 0 of 1 automated clauses covered\n"
    ));
}

#[test]
fn json_and_junit_reports_carry_cases_and_coverage() {
    let cases = "cases:
  - name: wrong item
    dossier: dossiers/over.yaml
    findings:
      - rule: item-promised-limit-exceeds-statutory
        pointer: /items/1/promised_limit
  - name: within the limit
    dossier: dossiers/within.yaml
    findings: []
";
    let directory = pack_with_cases(&[("cases.yaml", cases)]);
    let json = guifan_in(
        directory.path(),
        &["pack", "test", "--pack", "pack", "--format", "json"],
    );
    assert_eq!(json.status.code(), Some(1));
    insta::assert_snapshot!("json", text(&json.stdout));
    let junit = guifan_in(
        directory.path(),
        &["pack", "test", "--pack", "pack", "--format", "junit"],
    );
    assert_eq!(junit.status.code(), Some(1));
    insta::assert_snapshot!("junit", text(&junit.stdout));
}

#[test]
fn a_bad_case_file_is_an_error_at_its_place_with_exit_code_2() {
    let cases = "cases:
  - name: typo of a key and of a rule
    dossier: dossiers/over.yaml
    finding: []
  - name: unknown rule
    dossier: dossiers/over.yaml
    findings:
      - rule: item-promised-limit-exceeds-statutary
";
    let directory = pack_with_cases(&[("cases.yaml", cases)]);
    let output = guifan_in(directory.path(), &["pack", "test", "--pack", "pack"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(text(&output.stdout), "");
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("pack/tests/cases.yaml:4:5: unknown key `finding`"),
        "{stderr}"
    );

    let cases = "cases:
  - name: unknown rule
    dossier: dossiers/over.yaml
    findings:
      - rule: item-promised-limit-exceeds-statutary
  - name: no such dossier
    dossier: dossiers/missing.yaml
    findings: []
";
    let directory = pack_with_cases(&[("cases.yaml", cases)]);
    let output = guifan_in(directory.path(), &["pack", "test", "--pack", "pack"]);
    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!("bad_cases", text(&output.stderr));
}

#[test]
fn a_pack_without_cases_or_without_a_directory_is_a_usage_error() {
    let directory = pack_with_cases(&[]);
    let output = guifan_in(directory.path(), &["pack", "test", "--pack", "pack"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr)
        .contains("the pack has no test cases: write them in pack/tests/*.yaml"));
    let output = guifan_in(directory.path(), &["pack", "test"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("pack test needs the pack's directory"));
}

#[test]
fn the_national_pack_passes_its_cases_with_full_coverage() {
    let output = guifan_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["pack", "test", "--pack", "rules/national"],
    );
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with("cn.gbt.xzfwzx-2 ")
            && summary.contains(" passed, 0 failed; ")
            && !stdout.contains("rules not covered")
            && !stdout.contains("clauses marked automated with no covered rule"),
        "{stdout}"
    );
    let rules: Vec<&str> = summary
        .split("; ")
        .filter(|part| part.ends_with(" rules covered"))
        .collect();
    let counts: Vec<&str> = rules[0].split(' ').collect();
    assert_eq!(counts[0], counts[2], "{summary}");
}

#[test]
fn a_case_cannot_read_a_file_outside_the_pack_and_the_working_directory() {
    let outside = tempfile::tempdir().expect("outside");
    std::fs::write(outside.path().join("secret.yaml"), "secret: 机密内容\n").expect("secret");
    let work = tempfile::tempdir().expect("work");
    let pack = work.path().join("pack");
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/packs/features");
    std::fs::create_dir_all(pack.join("tests")).expect("pack");
    for name in ["pack.yaml", "schema.yaml"] {
        std::fs::copy(source.join(name), pack.join(name)).expect("copied");
    }
    std::fs::write(
        pack.join("tests/cases.yaml"),
        format!(
            "cases:\n  - name: escape\n    dossier: {}\n    findings: []\n",
            outside.path().join("secret.yaml").display()
        ),
    )
    .expect("case");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_guifan"))
        .current_dir(work.path())
        .args(["pack", "test", "--pack", "pack"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let flat: String = stderr
        .split_whitespace()
        .filter(|word| *word != "│")
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains("is outside the pack and the working directory"),
        "{stderr}"
    );
    assert!(!stderr.contains("机密内容"), "{stderr}");
}

#[test]
fn a_case_can_patch_a_dossier_by_pointer_or_by_merge() {
    // the dossier within the limit, pushed over it by a JSON Patch, by a merge patch, and both
    // back and forth: each case is judged on the patched data
    let cases = "cases:
  - name: replaced over the limit
    dossier: dossiers/within.yaml
    patch:
      - {op: replace, path: /items/0/promised_limit, value: 30}
    findings:
      - rule: item-promised-limit-exceeds-statutory
        pointer: /items/0/promised_limit
  - name: an item added over the limit
    dossier: dossiers/within.yaml
    patch:
      - op: add
        path: /items/-
        value: {name: 变更登记, promised_limit: 40, statutory_limit: 20}
    findings:
      - rule: item-promised-limit-exceeds-statutory
        pointer: /items/1/promised_limit
  - name: the item over the limit removed
    dossier: dossiers/over.yaml
    patch:
      - {op: remove, path: /items/0}
    findings: []
  - name: merged over the limit
    dossier: dossiers/within.yaml
    merge:
      items: [{name: 企业设立登记, promised_limit: 21, statutory_limit: 20}]
    findings:
      - rule: item-promised-limit-exceeds-statutory
        pointer: /items/0/promised_limit
";
    let directory = pack_with_cases(&[("cases.yaml", cases)]);
    let output = guifan_in(
        directory.path(),
        &["pack", "test", "--pack", "pack", "--format", "json"],
    );
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        text(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON report");
    let cases = report["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 4);
    assert!(cases.iter().all(|case| case["passed"] == true), "{stdout}");
}

#[test]
fn a_patch_case_that_fails_names_the_patched_dossier() {
    let cases = "cases:
  - name: patched
    dossier: dossiers/within.yaml
    patch:
      - {op: replace, path: /items/0/promised_limit, value: 30}
    findings: []
";
    let directory = pack_with_cases(&[("cases.yaml", cases)]);
    let output = guifan_in(directory.path(), &["pack", "test", "--pack", "pack"]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL patched (pack/tests/cases.yaml:2:5, dossier pack/tests/dossiers/within.yaml (patched by the case patched))")
            && stdout.contains("found, not expected: item-promised-limit-exceeds-statutory (5.3.2) at /items/0/promised_limit"),
        "{stdout}"
    );
}

#[test]
fn an_operation_that_cannot_be_applied_is_an_error_at_its_place_with_exit_code_2() {
    let cases = "cases:
  - name: no such field
    dossier: dossiers/within.yaml
    patch:
      - {op: replace, path: /items/0/promised_limits, value: 30}
    findings: []
  - name: past the end
    dossier: dossiers/within.yaml
    patch:
      - {op: remove, path: /items/3}
    findings: []
  - name: no value
    dossier: dossiers/within.yaml
    patch:
      - {op: add, path: /items/0/note}
    findings: []
  - name: unknown operation
    dossier: dossiers/within.yaml
    patch:
      - {op: move, path: /items/0}
    findings: []
  - name: not a pointer
    dossier: dossiers/within.yaml
    patch:
      - {op: remove, path: items}
    findings: []
";
    let directory = pack_with_cases(&[("cases.yaml", cases)]);
    let output = guifan_in(directory.path(), &["pack", "test", "--pack", "pack"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(text(&output.stdout), "");
    let stderr = text(&output.stderr);
    // each error at the operation's path, or at its `op` when the operation is wrong
    for position in [
        "pack/tests/cases.yaml:5:29: the case `no such field`",
        "pack/tests/cases.yaml:10:28: the case `past the end`",
        "pack/tests/cases.yaml:15:14: the case `no value`",
        "pack/tests/cases.yaml:20:14: the case `unknown operation`",
        "pack/tests/cases.yaml:25:28: the case `not a pointer`",
    ] {
        assert!(stderr.contains(position), "{position}\n{stderr}");
    }
    insta::assert_snapshot!("bad_patches", stderr);
}
