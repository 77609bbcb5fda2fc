//! `guifan pack diff` on real changes of the national pack, as a pack author and a CI job see
//! them: each change classified, the version it needs, the exit code (0 compatible, 1
//! breaking with a new major version, 3 breaking without, 2 a pack that does not load), the
//! findings a corpus gains and loses, and `--base` against a git revision.

mod common;

use common::{guifan_in, text};
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("directory made");
    for entry in std::fs::read_dir(from).expect("directory read") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("file copied");
        }
    }
}

/// Replaces `old` by `new` in a pack file, once; the text must be there.
fn edit(path: &Path, old: &str, new: &str) {
    let content = std::fs::read_to_string(path).expect("pack file read");
    assert!(content.contains(old), "{old} not in {}", path.display());
    std::fs::write(path, content.replacen(old, new, 1)).expect("pack file written");
}

/// A temporary directory holding `old/` and `new/`, both copies of the national pack.
fn two_copies() -> tempfile::TempDir {
    let directory = tempfile::tempdir().expect("temporary directory");
    for side in ["old", "new"] {
        copy_tree(
            &Path::new(ROOT).join("rules/national"),
            &directory.path().join(side),
        );
    }
    directory
}

const RAISE: (&str, &str, &str) = (
    "rules/items.yaml",
    "  - id: item-promised-limit-not-compressed\n    clauses: [\"5.3.2\"]\n    severity: warning",
    "  - id: item-promised-limit-not-compressed\n    clauses: [\"5.3.2\"]\n    severity: error",
);

/// The three breaking changes of the brief: a warning raised to an error, a rule removed,
/// a required field added to the schema.
fn breaking_changes(new: &Path) {
    edit(&new.join(RAISE.0), RAISE.1, RAISE.2);
    let rules = new.join("rules/department.yaml");
    let content = std::fs::read_to_string(&rules).expect("rules read");
    let start = content
        .find("  - id: utility-item-not-social-service")
        .expect("rule there");
    let end = content.find("  # 4.1.4 / 5.1.4").expect("next rule there");
    std::fs::write(&rules, format!("{}{}", &content[..start], &content[end..]))
        .expect("rules written");
    edit(
        &new.join("schema.yaml"),
        "    required: [id, kind, stage]\n    properties:\n",
        "    required: [id, kind, stage, contact_phone]\n    properties:\n      contact_phone:\n        title: 联系电话\n        type: string\n",
    );
}

#[test]
fn breaking_changes_without_a_new_major_version_exit_3_and_say_which_version() {
    let directory = two_copies();
    breaking_changes(&directory.path().join("new"));
    let output = guifan_in(directory.path(), &["pack", "diff", "old", "new"]);
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(3),
        "{stdout}{}",
        text(&output.stderr)
    );
    insta::assert_snapshot!("breaking_unversioned", stdout);

    let output = guifan_in(
        directory.path(),
        &["pack", "diff", "old", "new", "--format", "json"],
    );
    assert_eq!(output.status.code(), Some(3));
    let report: serde_json::Value =
        serde_json::from_str(&text(&output.stdout)).expect("JSON report");
    assert_eq!(report["verdict"], "breaking-unversioned");
    assert_eq!(report["required_version"], "3.0.0");
    let changes: Vec<(String, String, String, String)> = report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|change| {
            let field = |name: &str| change[name].as_str().unwrap_or_default().to_string();
            (
                field("kind"),
                field("name"),
                field("aspect"),
                field("impact"),
            )
        })
        .collect();
    let expected = [
        ("schema", "/dossier/contact_phone", "added", "breaking"),
        (
            "rule",
            "item-promised-limit-not-compressed",
            "severity",
            "breaking",
        ),
        (
            "rule",
            "utility-item-not-social-service",
            "removed",
            "breaking",
        ),
    ];
    assert_eq!(
        changes,
        expected
            .iter()
            .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
            .collect::<Vec<_>>()
    );
}

#[test]
fn a_breaking_change_with_a_new_major_version_exits_1() {
    let directory = two_copies();
    let new = directory.path().join("new");
    edit(&new.join(RAISE.0), RAISE.1, RAISE.2);
    edit(&new.join("pack.yaml"), "version: 2.0.0", "version: 3.0.0");
    let output = guifan_in(directory.path(), &["pack", "diff", "old", "new"]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.ends_with(
            "1 change: 1 breaking, 0 minor, 0 patch\nbreaking, and the major version was raised: 2.0.0 → 3.0.0\n"
        ),
        "{stdout}"
    );
}

#[test]
fn compatible_changes_exit_0_with_the_release_they_need() {
    let directory = two_copies();
    let new = directory.path().join("new");
    // lowered to a warning, a help reworded, a new optional field: nothing that passed fails
    edit(
        &new.join("rules/items.yaml"),
        "  - id: item-time-limit-units-differ\n    clauses: [\"5.3.2\"]\n    severity: warning",
        "  - id: item-time-limit-units-differ\n    clauses: [\"5.3.2\"]\n    severity: info",
    );
    edit(
        &new.join("schema.yaml"),
        "    required: [id, kind, stage]\n    properties:\n",
        "    required: [id, kind, stage]\n    properties:\n      contact_phone:\n        title: 联系电话\n        type: string\n",
    );
    // one more step name accepted: the enumeration keeps every old value
    edit(
        &new.join("schema.yaml"),
        "enum: [受理, 审查, 决定, 办结, 出件, 用章, 送达, 收费]",
        "enum: [受理, 审查, 决定, 办结, 出件, 用章, 送达, 收费, 公示]",
    );
    let output = guifan_in(directory.path(), &["pack", "diff", "old", "new"]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    insta::assert_snapshot!("compatible", stdout);

    // a narrowed enumeration and a conditional requirement of the whole dossier are breaking
    edit(
        &new.join("schema.yaml"),
        "enum: [entry, adjustment, exit]",
        "enum: [entry, exit]",
    );
    edit(
        &new.join("schema.yaml"),
        "      required: [department, items]\n",
        "      required: [department, items, personnel]\n",
    );
    let output = guifan_in(
        directory.path(),
        &["pack", "diff", "old", "new", "--format", "json"],
    );
    assert_eq!(output.status.code(), Some(3));
    let report: serde_json::Value =
        serde_json::from_str(&text(&output.stdout)).expect("JSON report");
    let breaking: Vec<(&str, &str)> = report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|change| change["impact"] == "breaking")
        .map(|change| {
            (
                change["name"].as_str().unwrap_or_default(),
                change["new"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(breaking.len(), 2, "{breaking:?}");
    assert_eq!(breaking[0].0, "(the dossier)");
    assert!(breaking[0]
        .1
        .contains(r#"["department","items","personnel"]"#));
    assert_eq!(
        breaking[1],
        ("/dossier/kind", r#"{"enum":["entry","exit"]}"#)
    );

    let output = guifan_in(directory.path(), &["pack", "diff", "old", "old"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(text(&output.stdout).ends_with("\nno change\ncompatible\n"));
}

#[test]
fn a_changed_expression_of_an_error_rule_is_breaking_and_the_corpus_shows_what_flips() {
    let directory = two_copies();
    let new = directory.path().join("new");
    // an error rule's assertion rewritten to the same verdicts: breaking all the same (its
    // strictness cannot be read from its text), and no dossier of the corpus flips for it
    edit(
        &new.join("rules/items.yaml"),
        "    assert: has(item.legal_basis) && size(item.legal_basis) > 0\n",
        "    assert: has(item.legal_basis) && size(item.legal_basis) >= 1\n",
    );
    // a message reworded: words only
    edit(
        &new.join("rules/items.yaml"),
        "      en: \"the administrative item '{item.name}' states no legal basis\"",
        "      en: \"the administrative item '{item.name}' names no legal basis\"",
    );
    // the utility rule raised to an error: the corpus's utility dossier now fails
    edit(
        &new.join("rules/department.yaml"),
        "  - id: utility-item-not-social-service\n    clauses: [\"5.1.2\"]\n    severity: warning",
        "  - id: utility-item-not-social-service\n    clauses: [\"5.1.2\"]\n    severity: error",
    );
    let corpus = directory.path().join("corpus");
    std::fs::create_dir_all(&corpus).expect("corpus directory");
    for name in [
        "valid/entry-public-utility.yaml",
        "invalid/utility-item-not-social-service.yaml",
        "invalid/item-legal-basis-missing.yaml",
    ] {
        std::fs::copy(
            Path::new(ROOT).join("fixtures").join(name),
            corpus.join(name.replace('/', "-")),
        )
        .expect("dossier copied");
    }
    let output = guifan_in(
        directory.path(),
        &["pack", "diff", "old", "new", "--corpus", "corpus"],
    );
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(3), "{stdout}");
    insta::assert_snapshot!("corpus", stdout);

    let output = guifan_in(
        directory.path(),
        &[
            "pack", "diff", "old", "new", "--corpus", "corpus", "--format", "json",
        ],
    );
    let report: serde_json::Value =
        serde_json::from_str(&text(&output.stdout)).expect("JSON report");
    let corpus = &report["corpus"];
    assert_eq!(corpus["dossiers"], 3);
    assert_eq!(corpus["newly_failing"], 1);
    let changed = corpus["changed"].as_array().expect("changed");
    assert_eq!(changed.len(), 1);
    assert_eq!(
        changed[0]["file"],
        "corpus/invalid-utility-item-not-social-service.yaml"
    );
    assert_eq!(changed[0]["failed_before"], false);
    assert_eq!(changed[0]["fails_now"], true);
    let findings = changed[0]["findings"].as_array().expect("findings");
    let summary: Vec<String> = findings
        .iter()
        .map(|finding| {
            format!(
                "{} {} {} {} {}:{}",
                finding["change"].as_str().unwrap_or_default(),
                finding["rule"].as_str().unwrap_or_default(),
                finding["severity"].as_str().unwrap_or_default(),
                finding["path"].as_str().unwrap_or_default(),
                finding["line"],
                finding["column"]
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "gone utility-item-not-social-service warning /items/2/service_kind 161:19",
            "new utility-item-not-social-service error /items/2/service_kind 161:19",
        ]
    );
}

#[test]
fn a_pack_that_does_not_load_or_a_missing_pack_exits_2() {
    let directory = two_copies();
    edit(
        &directory.path().join("new/rules/items.yaml"),
        "severity: warning",
        "severity: fatal",
    );
    let output = guifan_in(directory.path(), &["pack", "diff", "old", "new"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(text(&output.stdout), "");
    assert!(
        text(&output.stderr).contains("new/rules/items.yaml:"),
        "{}",
        text(&output.stderr)
    );

    let output = guifan_in(directory.path(), &["pack", "diff", "old"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("pack diff compares two packs"));
}

fn git(directory: &Path, arguments: &[&str]) {
    let status = Command::new("git")
        .args(arguments)
        .current_dir(directory)
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        status.status.success(),
        "git {arguments:?}: {}",
        text(&status.stderr)
    );
}

/// A repository with the national pack in `packs/national`, committed; the working tree then
/// changed by `change`.
fn repository(change: impl Fn(&Path)) -> (tempfile::TempDir, PathBuf) {
    let directory = tempfile::tempdir().expect("temporary directory");
    let repository = directory.path().to_path_buf();
    git(&repository, &["init", "-q", "-b", "main"]);
    let pack = repository.join("packs/national");
    copy_tree(&Path::new(ROOT).join("rules/national"), &pack);
    git(&repository, &["add", "."]);
    git(&repository, &["commit", "-q", "-m", "the national pack"]);
    change(&pack);
    (directory, pack)
}

#[test]
fn base_compares_the_working_tree_with_a_git_revision_and_writes_nothing_into_it() {
    let (directory, pack) = repository(breaking_changes);
    let status_before = Command::new("git")
        .args(["status", "--porcelain"])
        .current_dir(directory.path())
        .output()
        .expect("git status");
    let output = guifan_in(
        directory.path(),
        &["pack", "diff", "--base", "main", "packs/national"],
    );
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(3),
        "{stdout}{}",
        text(&output.stderr)
    );
    assert!(
        stdout.starts_with(
            "pack diff cn.gbt.xzfwzx-2 2.0.0 (main:packs/national) → cn.gbt.xzfwzx-2 2.0.0 (packs/national)\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("3 changes: 3 breaking, 0 minor, 0 patch\n"),
        "{stdout}"
    );
    assert!(stdout.contains("2.0.0 → 3.0.0 required"), "{stdout}");
    // from inside the pack directory, with its default `.`
    let output = guifan_in(&pack, &["pack", "diff", "--base", "HEAD"]);
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("(HEAD:packs/national) →"));
    let status_after = Command::new("git")
        .args(["status", "--porcelain"])
        .current_dir(directory.path())
        .output()
        .expect("git status");
    assert_eq!(status_before.stdout, status_after.stdout);

    // the change committed with a new major version passes the gate with exit 1
    edit(&pack.join("pack.yaml"), "version: 2.0.0", "version: 3.0.0");
    git(directory.path(), &["commit", "-q", "-am", "3.0.0"]);
    let output = guifan_in(
        directory.path(),
        &["pack", "diff", "--base", "HEAD~1", "packs/national"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
}

#[test]
fn base_with_an_unknown_revision_or_outside_a_repository_exits_2() {
    let (directory, _pack) = repository(|_| {});
    let output = guifan_in(
        directory.path(),
        &["pack", "diff", "--base", "no-such-branch", "packs/national"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("--base no-such-branch: no such revision in the repository"),
        "{}",
        text(&output.stderr)
    );
    let output = guifan_in(
        directory.path(),
        &[
            "pack",
            "diff",
            "--base",
            "--upload-pack=x",
            "packs/national",
        ],
    );
    assert_eq!(output.status.code(), Some(2));

    let outside = tempfile::tempdir().expect("temporary directory");
    copy_tree(
        &Path::new(ROOT).join("rules/national"),
        &outside.path().join("pack"),
    );
    let output = guifan_in(outside.path(), &["pack", "diff", "--base", "HEAD", "pack"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("is not in a git repository"),
        "{}",
        text(&output.stderr)
    );
}
