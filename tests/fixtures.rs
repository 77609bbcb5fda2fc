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

/// A dossier written with Chinese keys is told what to do in its own keys: the help and the
/// label name 「设定依据」, not `legal_basis`; the same finding on the canonical fixture keeps
/// the canonical key, word for word; and an English check keeps the pack's English text.
#[test]
fn help_names_fields_in_the_keys_the_dossier_was_written_with() {
    common::at_crate_root();
    let pack = common::national_pack();
    let only = |path: &str, lang: Lang| {
        let checked = common::check_paths(pack, &[path], lang);
        assert_eq!(checked.findings.len(), 1, "{path}: {:?}", checked.findings);
        checked.findings.into_iter().next().expect("one finding")
    };

    let chinese = only(
        "fixtures/invalid/item-legal-basis-missing--chinese-keys.yaml",
        Lang::Zh,
    );
    assert_eq!(chinese.rule, "item-legal-basis-missing");
    assert_eq!(
        chinese.help.as_deref(),
        Some("在「设定依据」中列出设定该事项的现行法律、法规或规章，写明名称、层级、文号和条款。")
    );
    assert_eq!(chinese.label, "缺少「设定依据」");
    // the label sits at the item's first key, as the user wrote it (事项名称, line 78)
    assert_eq!((chinese.start.line, chinese.start.column), (78, 5));

    let canonical = only("fixtures/invalid/item-legal-basis-missing.yaml", Lang::Zh);
    assert_eq!(
        canonical.help.as_deref(),
        Some("在 legal_basis（设定依据）中列出设定该事项的现行法律、法规或规章，写明名称、层级、文号和条款。")
    );
    assert!(
        canonical.label.ends_with("（legal_basis）"),
        "{}",
        canonical.label
    );

    let english = only(
        "fixtures/invalid/item-legal-basis-missing--chinese-keys.yaml",
        Lang::En,
    );
    assert!(
        english
            .help
            .as_deref()
            .is_some_and(|help| help.contains("legal_basis")),
        "{:?}",
        english.help
    );

    let reviewed = only(
        "fixtures/invalid/authorization-not-reviewed--chinese-keys.yaml",
        Lang::Zh,
    );
    assert_eq!(
        reviewed.help.as_deref(),
        Some("行政服务中心应审查进驻部门对窗口的授权，确保授权充分；写明「审查日期」。")
    );
}
