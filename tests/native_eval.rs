//! The native evaluator (`src/cel/native.rs`) never decides differently from the interpreter:
//! the same packs check the same dossiers with it and without it (every expression's native
//! form removed), and the findings are the same, rule errors included.

mod common;

use std::path::Path;

use guifan::commands::check::{check_inputs, collect_inputs, load_selected_pack};
use guifan::engine::Lang;
use guifan::pack::Pack;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// How many guards and assertions have a native form; with `strip`, removes them all.
fn natives(pack: &mut Pack, strip: bool) -> usize {
    let mut count = 0;
    for rule in &mut pack.rules {
        for expression in rule.guard.iter_mut().chain([&mut rule.assertion]) {
            if expression.native.is_some() {
                count += 1;
                if strip {
                    expression.native = None;
                }
            }
        }
    }
    count
}

/// Every finding of `paths` checked with `pack`, with and without the native evaluator, in
/// the languages `langs`.
fn compare(pack: Option<&Path>, paths: &[String], langs: &[Lang]) -> (usize, usize) {
    let mut native = load_selected_pack(pack).expect("the pack loads");
    let mut interpreted = load_selected_pack(pack).expect("the pack loads");
    let count = natives(&mut native, false);
    natives(&mut interpreted, true);
    assert_eq!(natives(&mut interpreted, false), 0);
    let inputs = collect_inputs(paths).expect("the inputs exist");
    let mut findings = 0;
    for lang in langs {
        let options = common::options(*lang);
        let with = check_inputs(&native, &inputs, &options).expect("checks");
        let without = check_inputs(&interpreted, &inputs, &options).expect("checks");
        assert_eq!(with.findings.len(), without.findings.len());
        for (with, without) in with.findings.iter().zip(&without.findings) {
            assert_eq!(format!("{with:?}"), format!("{without:?}"));
        }
        findings = with.findings.len();
    }
    (count, findings)
}

#[test]
fn the_national_pack_finds_the_same_on_every_fixture() {
    let paths: Vec<String> = ["fixtures/valid", "fixtures/invalid", "fixtures/real"]
        .iter()
        .map(|directory| format!("{ROOT}/{directory}"))
        .collect();
    let (natives, findings) = compare(None, &paths, &[Lang::Zh]);
    // not a vacuous comparison: many of the pack's expressions are native, and the fixtures
    // give many findings
    assert!(natives >= 40, "only {natives} native expressions");
    assert!(findings >= 300, "only {findings} findings");
}

#[test]
fn the_local_example_pack_finds_the_same_on_every_fixture() {
    let pack = Path::new(ROOT).join("rules/local-example");
    let paths = vec![
        format!("{ROOT}/fixtures/valid"),
        format!("{ROOT}/fixtures/invalid"),
    ];
    let (natives, _) = compare(Some(&pack), &paths, &[Lang::En]);
    assert!(natives >= 40, "only {natives} native expressions");
}

/// Every shape the native evaluator knows, on values of every type where the rule expects
/// another: lists and maps for scalars, numbers for strings, NaN, infinities, the extreme
/// integers, nulls, CJK text (sizes count characters), missing keys and missing parents.
#[test]
fn hostile_values_give_the_same_findings_and_rule_errors() {
    let pack = Path::new(ROOT).join("tests/packs/native");
    let dossiers = vec![
        format!("{ROOT}/tests/packs/native/hostile.yaml"),
        format!("{ROOT}/tests/packs/native/hostile-department.yaml"),
        format!("{ROOT}/tests/packs/native/dates.yaml"),
    ];
    let (native_count, findings) = compare(Some(&pack), &dossiers, &[Lang::Zh, Lang::En]);
    // every guard and assertion of that pack is native
    let loaded = load_selected_pack(Some(&pack)).expect("the pack loads");
    let expressions: usize = loaded
        .rules
        .iter()
        .map(|rule| 1 + usize::from(rule.guard.is_some()))
        .sum();
    assert_eq!(native_count, expressions);
    let paths: Vec<&str> = dossiers.iter().map(String::as_str).collect();
    let checked = common::check_paths(&loaded, &paths, Lang::En);
    let rule_errors = checked
        .findings
        .iter()
        .filter(|finding| finding.rule == guifan::finding::RULE_ERROR)
        .count();
    assert_eq!(findings, checked.findings.len());
    assert!(rule_errors >= 20, "{rule_errors} rule errors");
    assert!(findings - rule_errors >= 30, "{findings} findings");
}
