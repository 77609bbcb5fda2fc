//! Data-driven fixture tests: every valid fixture passes with no finding; every invalid
//! fixture produces findings of the rule its file name starts with, and nothing else, and its
//! rendered diagnostics match the snapshot beside the others in tests/snapshots/.

mod common;

use std::path::Path;

use guifan::engine::Lang;
use guifan::finding::RULE_ERROR;

fn fixture_files(directory: &str) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(directory)
        .expect("fixture directory")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path())
        .filter(|path| {
            matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            )
        })
        .map(|path| path.to_string_lossy().replace('\\', "/"))
        .collect();
    files.sort();
    files
}

#[test]
fn valid_fixtures_produce_no_findings() {
    common::at_crate_root();
    let pack = common::national_pack();
    let files = fixture_files("fixtures/valid");
    assert!(
        files.len() >= 6,
        "the valid fixtures are missing: {files:?}"
    );
    for file in files {
        for lang in [Lang::Zh, Lang::En] {
            let checked = common::check_paths(pack, &[&file], lang);
            assert!(
                checked.findings.is_empty(),
                "{file} should pass, but:\n{}",
                common::render_human(pack, &checked, lang)
            );
        }
    }
}

/// The rule id a fixture is about: its file name up to `--` or the extension
/// (`item-legal-basis-missing--empty-list.yaml` → `item-legal-basis-missing`).
fn expected_rule(file: &str) -> String {
    let stem = Path::new(file)
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or_default();
    stem.split("--").next().unwrap_or(stem).to_string()
}

#[test]
fn invalid_fixtures_give_exactly_their_rule_and_match_snapshots() {
    common::at_crate_root();
    let pack = common::national_pack();
    let files = fixture_files("fixtures/invalid");
    assert!(!files.is_empty(), "no invalid fixtures");
    let known_rules: std::collections::BTreeSet<&str> =
        pack.rules.iter().map(|rule| rule.id.as_str()).collect();
    for file in &files {
        let rule = expected_rule(file);
        assert!(
            known_rules.contains(rule.as_str()) || rule == guifan::finding::STRUCTURE_RULE || rule == RULE_ERROR,
            "{file}: `{rule}` is not a rule of the pack (a fixture that matches no rule is an error)"
        );
        let checked = common::check_paths(pack, &[file], Lang::Zh);
        let rendered = common::render_human(pack, &checked, Lang::Zh);
        assert!(
            !checked.findings.is_empty(),
            "{file} should fail with {rule}, but passes"
        );
        for finding in &checked.findings {
            let matches =
                finding.rule == rule || finding.failed_rule.as_deref() == Some(rule.as_str());
            assert!(
                matches,
                "{file} should only give {rule}, but gave {}:\n{rendered}",
                finding.rule
            );
        }
        let name = Path::new(file)
            .file_stem()
            .and_then(|stem| stem.to_str())
            .unwrap_or_default()
            .to_string();
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path("snapshots/invalid");
        settings.set_prepend_module_to_snapshot(false);
        settings.set_description(file.clone());
        settings.bind(|| insta::assert_snapshot!(name, rendered));
    }
}

#[test]
fn every_snapshot_has_its_fixture() {
    common::at_crate_root();
    let fixtures: std::collections::BTreeSet<String> = fixture_files("fixtures/invalid")
        .iter()
        .filter_map(|file| {
            Path::new(file)
                .file_stem()
                .and_then(|stem| stem.to_str())
                .map(str::to_string)
        })
        .collect();
    let Ok(entries) = std::fs::read_dir("tests/snapshots/invalid") else {
        return;
    };
    for entry in entries.filter_map(|entry| entry.ok()) {
        let name = entry.file_name().to_string_lossy().to_string();
        if let Some(stem) = name.strip_suffix(".snap") {
            assert!(
                fixtures.contains(stem),
                "tests/snapshots/invalid/{name} has no fixture: delete it"
            );
        }
    }
}

#[test]
fn the_pack_readme_is_the_generated_documentation() {
    common::at_crate_root();
    let pack = common::national_pack();
    let generated = guifan::report::pack_doc::markdown(pack);
    let written = std::fs::read_to_string("rules/national/README.md").unwrap_or_default();
    assert!(
        written == generated,
        "rules/national/README.md is stale: run `cargo run -- pack doc --output rules/national/README.md`"
    );
}
