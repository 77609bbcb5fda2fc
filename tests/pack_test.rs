//! `guifan pack test` as a pack author and a CI job see it: the cases in a pack's `tests/`
//! directory, failing cases with what they missed, coverage per rule and clause, the exit code,
//! and the JSON and JUnit reports; the national pack reaches full coverage.

use std::path::Path;
use std::process::{Command, Output};

fn guifan_in(directory: &Path, arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guifan"))
        .args(arguments)
        .current_dir(directory)
        .env("NO_COLOR", "1")
        .output()
        .expect("guifan runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

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
