//! What the ecosystem expects of a command-line tool: shell completions and manual pages made
//! from the command line's definition, no progress bar where nobody watches, the pre-commit
//! hook's file pattern, and editors pointed at the dossier's schema by `init` and `schema`.

use std::path::Path;
use std::process::{Command, Output};

fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn guifan(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guifan"))
        .args(arguments)
        .current_dir(crate_root())
        .output()
        .expect("guifan runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

#[test]
fn completions_for_every_shell_know_the_commands_and_the_formats() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = guifan(&["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}: {output:?}");
        let script = stdout(&output);
        for word in ["guifan", "check", "init", "format"] {
            assert!(script.contains(word), "{shell} completes {word}");
        }
        // the shells whose scripts list a flag's values
        if ["bash", "zsh", "fish"].contains(&shell) {
            for word in ["html", "sarif", "junit"] {
                assert!(script.contains(word), "{shell} completes --format {word}");
            }
        }
    }
    let unknown = guifan(&["completions", "tcsh"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("invalid value 'tcsh'"));
}

#[test]
fn the_manual_page_and_one_page_per_command() {
    let output = guifan(&["man"]);
    assert_eq!(output.status.code(), Some(0));
    let page = stdout(&output);
    assert!(page.contains(".TH guifan 1"), "{page}");
    assert!(page.contains("check"));

    let scratch = tempfile::tempdir().expect("temporary directory");
    let directory = scratch.path().to_str().expect("UTF-8 path");
    let output = guifan(&["man", "--output", directory]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let mut pages: Vec<String> = std::fs::read_dir(scratch.path())
        .expect("pages")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    pages.sort();
    for expected in [
        "guifan.1",
        "guifan-check.1",
        "guifan-completions.1",
        "guifan-init.1",
        "guifan-pack-lint.1",
        "guifan-pack-test.1",
        "guifan-schema.1",
    ] {
        assert!(
            pages.iter().any(|page| page == expected),
            "{expected} in {pages:?}"
        );
    }
    assert!(!pages.iter().any(|page| page.contains("help")));
    let check = std::fs::read_to_string(scratch.path().join("guifan-check.1")).expect("page");
    assert!(
        check.contains(&format!(
            ".TH guifan-check 1  \"guifan {}\"",
            env!("CARGO_PKG_VERSION")
        )),
        "{check}"
    );
    assert!(
        check.contains("guifan check"),
        "the page shows the command as typed"
    );
    assert!(check.contains("\\-\\-format"));

    let missing = scratch.path().join("no-such-directory");
    let output = guifan(&["man", "--output", missing.to_str().expect("UTF-8 path")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not a directory"));
}

/// A run of many files with standard error piped (as in every test) and outside CI: the bar is
/// for terminals only, so standard error stays empty, and standard output is the report alone.
#[test]
fn a_piped_run_of_many_files_writes_no_progress() {
    let run = |ci: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_guifan"));
        command
            .args(["check", "--format", "json", "fixtures/invalid"])
            .current_dir(crate_root());
        if ci {
            command.env("CI", "true");
        } else {
            command.env_remove("CI");
        }
        command.output().expect("guifan runs")
    };
    let files = std::fs::read_dir(crate_root().join("fixtures/invalid"))
        .expect("fixtures")
        .count();
    assert!(files > 20, "a run long enough for a bar on a terminal");
    let outside_ci = run(false);
    assert_eq!(outside_ci.status.code(), Some(1));
    assert!(
        outside_ci.stderr.is_empty(),
        "no progress bytes: {:?}",
        String::from_utf8_lossy(&outside_ci.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&outside_ci.stdout).expect("standard output is the report alone");
    assert_eq!(report["summary"]["files"], files);
    let in_ci = run(true);
    assert!(in_ci.stderr.is_empty());
    assert_eq!(in_ci.stdout, outside_ci.stdout);
}

#[test]
fn the_pre_commit_hook_matches_dossiers_only() {
    let hooks =
        std::fs::read_to_string(crate_root().join(".pre-commit-hooks.yaml")).expect("hooks file");
    assert!(hooks.contains("- id: guifan\n"));
    assert!(hooks.contains("  entry: guifan check\n"));
    assert!(hooks.contains("  language: rust\n"));
    let pattern = hooks
        .lines()
        .find_map(|line| line.strip_prefix("  files: '"))
        .and_then(|rest| rest.strip_suffix('\''))
        .expect("a files pattern in single quotes");
    // pre-commit matches `files` with Python's re.search; this pattern means the same in Rust
    let files = regex::Regex::new(pattern).expect("the pattern compiles");
    for path in [
        "dossiers/county.yaml",
        "a/dossier/b/c.yml",
        "申报材料/市场监管局.json",
    ] {
        assert!(files.is_match(path), "{path} is checked");
    }
    for path in [
        ".github/workflows/ci.yml",
        "rules/national/pack.yaml",
        "dossiers/README.md",
        "my-dossiers/a.yaml",
    ] {
        assert!(!files.is_match(path), "{path} is not");
    }
}

#[test]
fn init_points_editors_at_the_schema_and_schema_writes_it() {
    let scratch = tempfile::tempdir().expect("temporary directory");
    let schema = scratch.path().join("dossier.schema.json");
    let output = guifan(&["schema", "--output", schema.to_str().expect("UTF-8 path")]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let written = std::fs::read_to_string(&schema).expect("schema written");
    assert_eq!(written, stdout(&guifan(&["schema"])));
    let parsed: serde_json::Value = serde_json::from_str(&written).expect("JSON");
    assert!(parsed["properties"]["items"].is_object());

    let with_line = stdout(&guifan(&["init", "--schema-url", "dossier.schema.json"]));
    let first = with_line.lines().next().unwrap_or_default();
    assert_eq!(first, "# yaml-language-server: $schema=dossier.schema.json");
    let without = stdout(&guifan(&["init"]));
    assert!(!without.contains("yaml-language-server"));
    assert!(without
        .lines()
        .next()
        .is_some_and(|line| line.contains("guifan schema --output dossier.schema.json")));
    // the rest of the template is the same: the line is a comment for editors only
    assert_eq!(
        with_line.split_once('\n').map(|(_, rest)| rest),
        without.split_once('\n').map(|(_, rest)| rest)
    );
    // and check reads the template with it as without it
    let dossier = scratch.path().join("dossier.yaml");
    std::fs::write(&dossier, &with_line).expect("write");
    let checked = guifan(&[
        "check",
        "--format",
        "json",
        dossier.to_str().expect("UTF-8 path"),
    ]);
    assert_eq!(
        checked.status.code(),
        Some(1),
        "the template's values are empty"
    );
    let report: serde_json::Value = serde_json::from_slice(&checked.stdout).expect("JSON");
    assert!(report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .all(|finding| finding["line"].as_u64() > Some(1)));

    let bad = guifan(&["init", "--schema-url", "a\nb: 1"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a path or URL"));
}
