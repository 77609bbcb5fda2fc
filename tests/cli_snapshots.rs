//! One snapshot per command as a user sees it on a terminal without colour at a fixed width:
//! the exit code, standard output and standard error of `check`, `explain`, `schema` and
//! `pack doc` (`pack lint`, `pack test`, `pack diff`, `eval` and `init` have theirs beside
//! their own tests).

use std::process::Command;

/// The run as one text: the exit code, then what it wrote to each stream.
fn run(arguments: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_guifan"))
        .args(arguments)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .expect("guifan runs");
    format!(
        "exit {}\n--- stdout\n{}--- stderr\n{}",
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn check_human() {
    insta::assert_snapshot!(run(&[
        "check",
        "--color",
        "never",
        "--width",
        "100",
        "fixtures/invalid/item-promised-limit-exceeds-statutory.yaml",
    ]));
}

#[test]
fn check_json() {
    insta::assert_snapshot!(run(&[
        "check",
        "--format",
        "json",
        "fixtures/invalid/item-legal-basis-missing.yaml",
    ]));
}

#[test]
fn check_clean() {
    insta::assert_snapshot!(run(&[
        "check",
        "--color",
        "never",
        "fixtures/valid/proposal-county-list.yaml",
    ]));
}

#[test]
fn explain_rule() {
    insta::assert_snapshot!(run(&[
        "explain",
        "item-promised-limit-exceeds-statutory",
        "--pack",
        "tests/packs/minimal",
    ]));
}

#[test]
fn explain_clause_in_english() {
    insta::assert_snapshot!(run(&[
        "explain",
        "5.3.2",
        "--lang",
        "en",
        "--pack",
        "tests/packs/minimal",
    ]));
}

#[test]
fn explain_the_tools_own_findings() {
    insta::assert_snapshot!(run(&["explain", "dossier-structure"]));
    insta::assert_snapshot!(run(&["explain", "rule-error"]));
}

#[test]
fn explain_suggests_the_nearest_rule_or_clause() {
    insta::assert_snapshot!(run(&["explain", "item-legal-basis-mising"]));
    insta::assert_snapshot!(run(&["explain", "5.2.11"]));
    insta::assert_snapshot!(run(&["explain", "rule-eror"]));
}

#[test]
fn schema_of_a_pack() {
    insta::assert_snapshot!(run(&["schema", "--pack", "tests/packs/minimal"]));
}

#[test]
fn pack_doc_of_a_pack() {
    insta::assert_snapshot!(run(&["pack", "doc", "--pack", "tests/packs/minimal"]));
}
