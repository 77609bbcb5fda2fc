//! Strict pack loading: every error of a pack in one run, each at its line and column in the
//! pack's own files, with a suggestion where one helps.

use std::path::Path;

use guifan::error::GuifanError;
use guifan::pack::{load_pack_from_path, Coverage};

mod common;

const SCHEMA: &str = "type: object\nproperties:\n  items:\n    type: array\n    items:\n      type: object\n      properties:\n        name: {type: string}\n        promised: {type: integer}\n";

const HEAD: &str = "pack:\n  id: test.bad\n  version: 1.0.0\n  title: 测试\n  standard: {code: T, title: 测试}\n  effective_from: 2020-01-01\nschema: schema.yaml\nclauses:\n  - number: \"1.1\"\n    force: shall\n    coverage: automated\n    text: 条款文本。\n";

/// Loads a pack written to a temporary directory; returns each error's first line (which
/// starts with `file:line:column:`) and its help.
fn load_errors(pack_yaml: &str) -> Vec<(String, Option<String>)> {
    let directory = tempfile::tempdir().expect("temp dir");
    std::fs::write(directory.path().join("pack.yaml"), pack_yaml).expect("writes");
    std::fs::write(directory.path().join("schema.yaml"), SCHEMA).expect("writes");
    match load_pack_from_path(directory.path()) {
        Ok(_) => Vec::new(),
        Err(GuifanError::Pack {
            problems, count, ..
        }) => {
            assert_eq!(count, problems.len());
            let prefix = format!("{}/", directory.path().to_string_lossy());
            problems
                .into_iter()
                .map(|problem| (problem.message.replace(&prefix, ""), problem.help))
                .collect()
        }
        Err(other) => panic!("not a pack error: {other}"),
    }
}

/// The first line of each error of a pack written to a temporary directory.
fn load_messages(pack_yaml: &str) -> Vec<String> {
    load_errors(pack_yaml)
        .into_iter()
        .map(|(message, _)| message)
        .collect()
}

#[test]
fn a_good_pack_loads() {
    let rule = "rules:\n  - id: promised-negative\n    clauses: [\"1.1\"]\n    for_each: items as item\n    when: has(item.promised)\n    assert: item.promised >= 0\n    message: {zh: \"「{item.name}」\", en: \"'{item.name}'\"}\n";
    assert!(load_errors(&format!("{HEAD}{rule}")).is_empty());
}

#[test]
fn an_unknown_key_is_an_error_with_a_suggestion() {
    let rule = "rules:\n  - id: promised-negative\n    clauses: [\"1.1\"]\n    asert: true\n    message: {zh: 中, en: en}\n";
    let errors = load_errors(&format!("{HEAD}{rule}"));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "pack.yaml:16:5: unknown key `asert`");
    assert!(
        errors[0]
            .1
            .as_deref()
            .is_some_and(|help| help.starts_with("did you mean `assert`?")),
        "{errors:?}"
    );
}

#[test]
fn a_cel_error_points_inside_the_yaml_string() {
    let rule = "rules:\n  - id: promised-negative\n    clauses: [\"1.1\"]\n    assert: >-\n      has(doc.items) &&\n        size(doc.items) >\n    message: {zh: 中, en: en}\n";
    let errors = load_errors(&format!("{HEAD}{rule}"));
    assert_eq!(errors.len(), 1, "{errors:?}");
    // the expression ends after `>` on line 18: the parser wants an operand there
    assert!(
        errors[0]
            .0
            .starts_with("pack.yaml:18:26: CEL syntax error:"),
        "{errors:?}"
    );
}

#[test]
fn an_unknown_name_in_an_expression_is_pointed_at() {
    let rule = "rules:\n  - id: promised-negative\n    clauses: [\"1.1\"]\n    for_each: items as item\n    assert: itme.promised >= 0\n    message: {zh: 中, en: en}\n";
    let errors = load_errors(&format!("{HEAD}{rule}"));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        errors[0].0,
        "pack.yaml:17:13: `itme` is not a binding, a pack variable or a dossier section"
    );
    assert!(
        errors[0]
            .1
            .as_deref()
            .is_some_and(|help| help.starts_with("did you mean `item`?")),
        "{errors:?}"
    );
}

#[test]
fn every_error_of_a_pack_is_reported_in_one_run() {
    let rules = "rules:\n  - id: first-bad\n    clauses: [\"9.9\"]\n    assert: true\n    message: {zh: 中, en: en}\n  - id: second-bad\n    clauses: [\"1.1\"]\n    assert: \"x.matches('(')\"\n    message: {zh: 中, en: en}\n  - id: first-bad\n    clauses: [\"1.1\"]\n    assert: true\n    message: {zh: \"{1 +}\", en: en}\naliases:\n  名称: nmae\n";
    let messages = load_messages(&format!("{HEAD}{rules}"));
    assert_eq!(messages.len(), 6, "{messages:#?}");
    assert!(
        messages[0].starts_with(
            "pack.yaml:15:15: rule `first-bad` cites clause 9.9, which the pack does not list"
        ),
        "{messages:#?}"
    );
    assert!(
        messages[1].starts_with("pack.yaml:20:14: `x` is not a binding"),
        "{messages:#?}"
    );
    assert!(
        messages[2].starts_with("pack.yaml:20:25: invalid regular expression"),
        "{messages:#?}"
    );
    assert!(
        messages[3].starts_with("pack.yaml:22:9: the rule id `first-bad` is used twice"),
        "{messages:#?}"
    );
    assert!(
        messages[4].starts_with("pack.yaml:25:24: CEL syntax error"),
        "{messages:#?}"
    );
    assert!(
        messages[5].starts_with("pack.yaml:27:7: the alias `名称` points to `nmae`"),
        "{messages:#?}"
    );
}

#[test]
fn rule_ids_name_violations_not_clauses() {
    let rule = "rules:\n  - id: 5.2.1\n    clauses: [\"1.1\"]\n    assert: true\n    message: {zh: 中, en: en}\n";
    let errors = load_errors(&format!("{HEAD}{rule}"));
    assert!(
        errors
            .iter()
            .any(|(message, _)| message.contains("never a clause number")),
        "{errors:?}"
    );
}

#[test]
fn the_national_pack_lists_every_leaf_clause_of_sections_4_to_6() {
    common::at_crate_root();
    let pack = common::national_pack();
    let seed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seed/000_6b1886a99f3f50c1.txt"),
    )
    .or_else(|_| std::fs::read_to_string("tests/data/seed-clause-numbers.txt"))
    .expect("the seed standard or its clause list");
    let numbers = leaf_clause_numbers(&seed);
    assert_eq!(numbers.len(), 46, "{numbers:?}");
    let listed: Vec<&str> = pack
        .clauses
        .iter()
        .map(|clause| clause.number.as_str())
        .collect();
    assert_eq!(
        listed,
        numbers.iter().map(String::as_str).collect::<Vec<_>>()
    );
    for rule in &pack.rules {
        for clause in &rule.clauses {
            assert!(
                numbers.contains(clause),
                "{} cites {clause}, which is not in the standard",
                rule.id
            );
        }
    }
    let uncovered: Vec<&str> = pack
        .uncovered_clauses()
        .iter()
        .map(|clause| clause.number.as_str())
        .collect();
    assert!(
        uncovered.is_empty(),
        "clauses marked automated that no rule cites: {uncovered:?}"
    );
    for clause in &pack.clauses {
        if clause.coverage == Coverage::Informative {
            assert!(
                clause
                    .reason
                    .as_deref()
                    .is_some_and(|reason| !reason.is_empty()),
                "{}",
                clause.number
            );
        }
    }
}

/// Numbers like 4.1.1 or 5.2.1.3 at the start of a line of sections 4–6, without those that
/// have children (5.2.1 has 5.2.1.1 …).
fn leaf_clause_numbers(seed: &str) -> Vec<String> {
    let mut numbers: Vec<String> = Vec::new();
    for line in seed.lines() {
        let trimmed = line.trim_start();
        let number: String = trimmed
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let parts: Vec<&str> = number.trim_end_matches('.').split('.').collect();
        if parts.len() >= 3 && ["4", "5", "6"].contains(&parts[0]) && !numbers.contains(&number) {
            numbers.push(number);
        }
    }
    let all = numbers.clone();
    numbers.retain(|number| {
        !all.iter()
            .any(|other| other.starts_with(&format!("{number}.")))
    });
    numbers
}

#[test]
fn type_names_map_literals_in_messages_and_extensions_load() {
    let rule = "rules:\n  - id: promised-negative\n    clauses: [\"1.1\"]\n    for_each: items as item\n    when: type(item) == map && has(item.promised)\n    assert: item.name.replace('-', '') != '' && [[1], [2]].flatten().size() == 2\n    message: {zh: \"「{ {'甲': item.name}['甲'] }」{{}}\", en: \"'{item.name}'\"}\n";
    let errors = load_errors(&format!("{HEAD}{rule}"));
    assert!(errors.is_empty(), "{errors:?}");
}

/// A `for_each` key pattern is compiled as a `matches` pattern is, within the same size (a
/// pack is untrusted: one pattern must not make a program of megabytes), and once for all the
/// rules that write it.
#[test]
fn a_for_each_key_pattern_must_be_a_regular_expression_of_bounded_size() {
    let rule = |id: &str, pattern: &str| {
        format!("  - id: {id}\n    clauses: [\"1.1\"]\n    for_each: items as item, item as value by field matching '{pattern}'\n    assert: true\n    message: {{zh: 中, en: en}}\n")
    };
    let pack = format!(
        "{HEAD}rules:\n{}{}{}{}",
        rule("dates-a", "_on$"),
        rule("dates-b", "_on$"),
        rule("unclosed", "(_on"),
        rule("huge", r"\w{60}"),
    );
    let messages = load_messages(&pack);
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].starts_with("pack.yaml:26:15: `'(_on'` is not a regular expression"),
        "{messages:?}"
    );
    assert!(
        messages[1].starts_with(r"pack.yaml:31:15: `'\w{60}'` is not a regular expression")
            && messages[1].contains("size limit"),
        "{messages:?}"
    );
}

/// The variables a comprehension introduces are taken from the parsed expression: a macro's
/// name written inside a string introduces nothing, and a name after it is still unknown.
#[test]
fn only_a_comprehension_introduces_a_variable() {
    let rule = "rules:\n  - id: promised-negative\n    clauses: [\"1.1\"]\n    for_each: items as item\n    assert: \"x > 0 && item.name != 'all(x, ' && doc.items.all(y, y.promised >= 0)\"\n    message: {zh: 中, en: en}\n";
    let messages = load_messages(&format!("{HEAD}{rule}"));
    assert_eq!(
        messages,
        ["pack.yaml:17:14: `x` is not a binding, a pack variable or a dossier section"],
    );
}

/// The files of a pack are parsed side by side and its schema compiled beside its rules
/// (`src/pack/load/parallel.rs`): on one thread or many, the same errors in the same order,
/// the files' in the order the manifest includes them.
#[test]
fn a_pack_reads_the_same_on_any_number_of_threads() {
    let directory = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, text: &str| {
        std::fs::write(directory.path().join(name), text).expect("writes");
    };
    let include: Vec<String> = (0..6).map(|index| format!("规则{index}.yaml")).collect();
    write(
        "pack.yaml",
        &format!("{}include: [{}]\n", HEAD, include.join(", ")),
    );
    // an invalid type in the schema, found by its compiler
    write(
        "schema.yaml",
        &SCHEMA.replace("{type: string}", "{type: 字符串}"),
    );
    for (index, name) in include.iter().enumerate() {
        let text = match index % 3 {
            // a YAML error
            0 => format!("rules:\n  - id: r{index}\n    clauses: [\"1.1\"\n"),
            // an unknown key
            1 => format!("rules:\n  - id: r{index}\n    clauses: [\"1.1\"]\n    asert: true\n    message: {{zh: 中, en: en}}\n"),
            // an unknown name in an expression
            _ => format!("rules:\n  - id: r{index}\n    clauses: [\"1.1\"]\n    for_each: items as item\n    assert: item.promised > limit\n    message: {{zh: 中, en: en}}\n"),
        };
        write(name, &text);
    }
    let lint = |threads: &str| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_guifan"))
            .args(["pack", "lint", "--pack", "."])
            .current_dir(directory.path())
            .env("NO_COLOR", "1")
            .env("COLUMNS", "100")
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .expect("guifan runs");
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        common::text(&output.stderr)
    };
    let one = lint("1");
    let places: Vec<&str> = one
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("× ./"))
        .collect();
    let files: Vec<&str> = places
        .iter()
        .map(|place| place.split(':').next().unwrap_or_default())
        .collect();
    // the files in the manifest's order, those that did not parse among them, then the schema
    assert_eq!(
        files,
        [
            "规则0.yaml",
            "规则1.yaml",
            "规则2.yaml",
            "规则3.yaml",
            "规则4.yaml",
            "规则5.yaml",
            "schema.yaml"
        ],
        "{one}"
    );
    for threads in ["2", "8"] {
        assert_eq!(lint(threads), one, "{threads} threads");
    }
}
