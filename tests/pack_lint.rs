//! `pack lint` as a pack author sees it: expressions checked against the pack's schema and the
//! CEL environment before any dossier is read (unknown fields, `for_each` paths, functions,
//! placeholders), every bad key of a rule in one run, and one `--pack` for every command.

mod common;

use common::{guifan_in, text};
use std::path::Path;

use guifan::error::GuifanError;
use guifan::pack::load_pack_from_path;

/// A schema with the shapes a walk by path must follow: `$ref` into `$defs`, an `allOf`
/// branch, an open object, a map of objects and a list of strings.
const SCHEMA: &str = r##"type: object
additionalProperties: false
properties:
  items:
    type: array
    items: {$ref: "#/$defs/item"}
  notes:
    type: object
$defs:
  item:
    type: object
    additionalProperties: false
    properties:
      name: {type: string}
      channels: {type: array, items: {type: string}}
      limits:
        type: object
        additionalProperties:
          type: object
          additionalProperties: false
          properties:
            days: {type: integer}
    allOf:
      - properties:
          remark: {type: string}
"##;

const HEAD: &str = "pack:
  id: test.lint
  version: 1.0.0
  title: 测试
  standard: {code: T, title: 测试}
  effective_from: 2020-01-01
schema: schema.yaml
clauses:
  - number: \"1.1\"
    force: shall
    coverage: automated
    text: 条款文本。
";

/// A pack written to a temporary directory as `pack/`.
fn pack_directory(pack_yaml: &str, schema: &str) -> tempfile::TempDir {
    let directory = tempfile::tempdir().expect("temp dir");
    let pack = directory.path().join("pack");
    std::fs::create_dir(&pack).expect("creates");
    std::fs::write(pack.join("pack.yaml"), pack_yaml).expect("writes");
    std::fs::write(pack.join("schema.yaml"), schema).expect("writes");
    directory
}

/// Each error as `file:line:column: message` and its help.
fn load_errors_with(pack_yaml: &str, schema: &str) -> Vec<(String, Option<String>)> {
    let directory = pack_directory(pack_yaml, schema);
    match load_pack_from_path(&directory.path().join("pack")) {
        Ok(_) => Vec::new(),
        Err(GuifanError::Pack { problems, .. }) => {
            let prefix = format!("{}/pack/", directory.path().to_string_lossy());
            problems
                .into_iter()
                .map(|problem| (problem.message.replace(&prefix, ""), problem.help))
                .collect()
        }
        Err(other) => panic!("not a pack error: {other}"),
    }
}

fn load_errors(rules: &str) -> Vec<(String, Option<String>)> {
    load_errors_with(&format!("{HEAD}{rules}"), SCHEMA)
}

fn error(at: &str, help: Option<&str>) -> (String, Option<String>) {
    (at.to_string(), help.map(str::to_string))
}

/// The rules with the typos of issue 8, each on a line of its own.
const TYPOS: &str = "rules:
  - id: channels-missing
    clauses: [\"1.1\"]
    for_each: items as item
    when: has(item.chanels)
    assert: size(item.channels) > 0 && item.nmae != ''
    message:
      zh: \"事项「{item.nmae}」没有渠道\"
      en: \"'{item.name}' has no channel\"
  - id: items-named
    clauses: [\"1.1\"]
    assert: items.exsts(c, c.name != '')
    message: {zh: 无, en: none}
";

#[test]
fn misspelt_fields_and_functions_are_errors_where_they_are_written() {
    assert_eq!(
        load_errors(TYPOS),
        vec![
            error(
                "pack.yaml:17:20: `item` has no field `chanels` in the pack's schema",
                Some("did you mean `channels`?"),
            ),
            error(
                "pack.yaml:18:45: `item` has no field `nmae` in the pack's schema",
                Some("did you mean `name`?"),
            ),
            error(
                "pack.yaml:20:21: `item` has no field `nmae` in the pack's schema",
                Some("did you mean `name`?"),
            ),
            // the function is named, not the variable `c` it would have introduced
            error(
                "pack.yaml:24:19: `exsts` is not a function",
                Some("did you mean `exists`?"),
            ),
        ]
    );
}

#[test]
fn fields_through_refs_branches_maps_and_open_objects_are_known() {
    let rules = "variables:
  - name: named
    expr: items.filter(i, has(i.name) && i.limits.all(k, i.limits[k].days > 0))
rules:
  - id: fine
    clauses: [\"1.1\"]
    for_each: items as item, item.limits as limit by kind
    when: has(item.remark) && has(notes.anything.below)
    assert: limit.days > 0 && doc.items.exists(i, i.channels.all(c, c != '')) && size(named) >= 0
    message: {zh: \"{kind}：{limit.days}\", en: \"{item.name}\"}
";
    assert_eq!(load_errors(rules), Vec::new());
}

#[test]
fn fields_of_map_values_and_comprehension_variables_are_checked() {
    let rules = "variables:
  - name: late
    expr: items.exists(i, i.nmae == '')
rules:
  - id: limit-days
    clauses: [\"1.1\"]
    for_each: items as item, item.limits as limit
    assert: limit.dys > 0
    message: {zh: 无, en: none}
";
    assert_eq!(
        load_errors(rules),
        vec![
            error(
                "pack.yaml:15:29: `items[*]` has no field `nmae` in the pack's schema",
                Some("did you mean `name`?"),
            ),
            error(
                "pack.yaml:20:19: `limit` has no field `dys` in the pack's schema",
                Some("did you mean `days`?"),
            ),
        ]
    );
}

#[test]
fn a_for_each_path_the_schema_lacks_is_an_error() {
    let rules = "rules:
  - id: channel-empty
    clauses: [\"1.1\"]
    for_each: items as item, item.chanels as channel
    assert: channel != ''
    message: {zh: 无, en: none}
";
    assert_eq!(
        load_errors(rules),
        vec![error(
            "pack.yaml:16:35: for_each iterates `chanels`, which the pack's schema does not have there",
            Some("did you mean `channels`?"),
        )]
    );
}

#[test]
fn every_bad_key_of_a_rule_is_reported_in_one_run() {
    let rules = "rules:
  - id: two-typos
    clauses: [\"1.1\"]
    whn: true
    asert: true
    message: {zh: 无, en: none, fr: rien}
";
    let errors = load_errors(rules);
    let places: Vec<&str> = errors.iter().map(|(at, _)| at.as_str()).collect();
    // `asert` stands for the missing `assert`: its absence is not reported again
    assert_eq!(
        places,
        vec![
            "pack.yaml:16:5: unknown key `whn`",
            "pack.yaml:17:5: unknown key `asert`",
            "pack.yaml:18:32: unknown key `fr`",
        ]
    );
    assert!(errors[0]
        .1
        .as_deref()
        .is_some_and(|help| help.starts_with("did you mean `when`?")));
    assert!(errors[1]
        .1
        .as_deref()
        .is_some_and(|help| help.starts_with("did you mean `assert`?")));
    assert_eq!(errors[2].1.as_deref(), Some("expected one of `zh`, `en`"));
}

#[test]
fn nothing_to_suggest_means_no_help_at_all() {
    // a schema without sections: nothing to offer for the for_each, and nothing close to
    // `zzz` among the names an expression may read
    let rules = "rules:
  - id: nothing
    clauses: [\"1.1\"]
    for_each: items as item
    assert: true
    message: {zh: 无, en: none}
  - id: unknown-name
    clauses: [\"1.1\"]
    assert: zzz > 0
    message: {zh: 无, en: none}
";
    assert_eq!(
        load_errors_with(&format!("{HEAD}{rules}"), "type: object\n"),
        vec![
            error(
                "pack.yaml:16:15: for_each starts at `items`, which is neither a dossier section nor an outer binding",
                None,
            ),
            error(
                "pack.yaml:21:13: `zzz` is not a binding, a pack variable or a dossier section",
                None,
            ),
        ]
    );
}

#[test]
fn the_packs_of_the_repository_lint_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for pack in [
        "rules/national",
        "rules/local-example",
        "tests/packs/minimal",
        "tests/packs/engine",
        "tests/packs/features",
    ] {
        let output = guifan_in(root, &["pack", "lint", "--pack", pack]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{pack}: {}",
            text(&output.stderr)
        );
    }
}

#[test]
fn lint_reports_every_typo_with_exit_code_2() {
    let directory = pack_directory(&format!("{HEAD}{TYPOS}"), SCHEMA);
    let output = guifan_in(directory.path(), &["pack", "lint", "--pack", "pack"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(text(&output.stdout), "");
    insta::assert_snapshot!(text(&output.stderr));
}

#[test]
fn every_command_takes_the_pack_as_pack_and_the_old_positional_form_still_works() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let minimal = "tests/packs/minimal";
    for command in [&["pack", "lint"][..], &["pack", "doc"], &["schema"]] {
        let flagged = guifan_in(root, &[command, &["--pack", minimal]].concat());
        let positional = guifan_in(root, &[command, &[minimal]].concat());
        assert_eq!(
            flagged.status.code(),
            Some(0),
            "{command:?}: {}",
            text(&flagged.stderr)
        );
        assert_eq!(flagged.stdout, positional.stdout, "{command:?}");
        assert!(text(&flagged.stdout).contains("example.minimal") || command == ["schema"]);
        // both at once is ambiguous
        let both = guifan_in(root, &[command, &[minimal, "--pack", minimal]].concat());
        assert_eq!(both.status.code(), Some(2), "{command:?}");
    }
    let explained = guifan_in(
        root,
        &[
            "explain",
            "item-promised-limit-exceeds-statutory",
            "--pack",
            minimal,
        ],
    );
    assert_eq!(explained.status.code(), Some(0));
}

#[test]
fn explain_points_a_typo_to_the_nearest_rule_or_clause() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rule = guifan_in(root, &["explain", "item-legal-basis-mising"]);
    assert_eq!(rule.status.code(), Some(2));
    // miette wraps the message: compared without its line breaks and margins
    let unwrapped = |text: &str| {
        text.chars()
            .filter(|c| !c.is_whitespace() && *c != '│')
            .collect::<String>()
    };
    let stderr = text(&rule.stderr);
    assert!(
        unwrapped(&stderr).contains(&unwrapped("`item-legal-basis-mising` is neither a rule nor a clause of cn.gbt.xzfwzx-2 2.0.0; did you mean `item-legal-basis-missing`?")),
        "{stderr}"
    );
    let clause = guifan_in(
        root,
        &["explain", "5.3.22", "--pack", "tests/packs/minimal"],
    );
    assert!(
        unwrapped(&text(&clause.stderr)).contains("didyoumean`5.3.2`?"),
        "{}",
        text(&clause.stderr)
    );
    let far = guifan_in(root, &["explain", "zzz", "--pack", "tests/packs/minimal"]);
    assert!(
        !text(&far.stderr).contains("did you mean"),
        "{}",
        text(&far.stderr)
    );
}
