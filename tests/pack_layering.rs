//! Packs that extend a base, as the author of a local pack and its CI see them: the operations
//! an overlay applies (add, set, tighten, reword, disable), the guardrails tied to the force of
//! the base's clauses, errors at the `extends` value (cycle, missing base, unknown id, version),
//! the lineage in `explain`, `pack doc` and the JSON report, the example local pack at full
//! coverage, and `init --pack`.

mod common;

use common::{guifan_in, text};
use std::path::{Path, PathBuf};

use guifan::engine::Lang;
use guifan::pack::load_pack_from_path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

const HEAD: &str = "pack:
  id: test.overlay
  version: 1.0.0
  title: 测试地方规则包
  standard: {code: DB-TEST, title: 测试地方标准}
  effective_from: 2015-01-01
";

/// Packs in a temporary directory: each `(directory, [(file, text)])`.
fn packs(layout: &[(&str, &[(&str, &str)])]) -> tempfile::TempDir {
    let directory = tempfile::tempdir().expect("temporary directory");
    for (pack, files) in layout {
        for (name, content) in *files {
            let path = directory.path().join(pack).join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("directory");
            std::fs::write(path, content).expect("file written");
        }
    }
    directory
}

/// A copy of the national pack's files (not its cases) at `to`, to extend it by path.
fn copy_national(to: &Path) {
    for entry in walk(&root().join("rules/national")) {
        let relative = entry
            .strip_prefix(root().join("rules/national"))
            .expect("inside");
        if relative.starts_with("tests") {
            continue;
        }
        let target = to.join(relative);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("directory");
        std::fs::copy(&entry, target).expect("copied");
    }
}

fn walk(directory: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(directory).expect("readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// An overlay of the embedded pack with one of each operation.
const OVERLAY: &str = "extends: cn.gbt.xzfwzx-2@^2
schema: schema.yaml
clauses:
  - number: DB-1.1
    force: shall
    coverage: automated
    text: 窗口工作人员应具有大专以上学历。
aliases:
  学历: education
rules:
  - id: person-education-below-college
    clauses: [DB-1.1]
    for_each: personnel as person
    when: has(person.education)
    assert: person.education in ['研究生', '本科', '大专']
    target: education
    message:
      zh: \"{person.name}的学历为{person.education}\"
      en: \"{person.name} has {person.education} education\"
set:
  - variable: task_code_layouts
    expr: \"[{'name': 'national', 'pattern': '^(?P<body>[0-9A-Za-z]{18})(?P<level>[1-7])(?P<basic>[0-9A-Z]{12})$'}]\"
    reason: 本省只用全国编排
modify:
  - rule: items-task-code-layout-unknown
    severity: error
    reason: 本省只用全国编排
  - rule: person-employer-mismatch
    severity: error
    message:
      zh: \"{person.name}的工作单位不是进驻部门（本地规定）\"
      en: \"{person.name} works elsewhere (local rule)\"
    help: {zh: 本地帮助, en: local help}
  - rule: person-change-consulted-after-change
    assert_also: date(change.changed_on) - date(change.consulted_on) >= duration('216h')
disable:
  - rule: person-rotation-cycle-missing
    reason: 调换周期由本地办法统一规定
    legal_basis: 某市行政服务中心管理办法第十二条
";

const OVERLAY_SCHEMA: &str = "$defs:
  person:
    properties:
      education:
        title: 学历
        type: string
";

#[test]
fn an_overlay_adds_sets_tightens_rewords_and_disables() {
    let directory = packs(&[(
        "local",
        &[
            ("pack.yaml", &format!("{HEAD}{OVERLAY}")),
            ("schema.yaml", OVERLAY_SCHEMA),
        ],
    )]);
    let pack = match load_pack_from_path(&directory.path().join("local")) {
        Ok(pack) => pack,
        Err(error) => panic!("{:?}", miette::Report::new(error)),
    };
    let rule = |id: &str| {
        pack.rules
            .iter()
            .find(|rule| rule.id == id)
            .unwrap_or_else(|| panic!("{id} is a rule"))
    };
    // added: the rule, its clause, the alias, the schema property
    assert_eq!(
        rule("person-education-below-college").lineage.defined_by,
        "test.overlay"
    );
    assert!(pack.clause("DB-1.1").is_some());
    assert_eq!(
        pack.aliases.get("学历").map(String::as_str),
        Some("education")
    );
    assert_eq!(
        pack.schema["$defs"]["person"]["properties"]["education"]["type"],
        "string"
    );
    assert_eq!(
        pack.schema["$defs"]["person"]["additionalProperties"], false,
        "the base's schema is kept"
    );
    // tightened and reworded, with their lineage
    let employer = rule("person-employer-mismatch");
    assert_eq!(employer.severity.as_str(), "error");
    assert_eq!(employer.lineage.defined_by, "cn.gbt.xzfwzx-2");
    assert_eq!(
        employer.lineage.changes[0].what,
        ["severity warning → error", "message", "help"]
    );
    assert_eq!(employer.lineage.decided_by(), "test.overlay");
    assert!(rule("person-change-consulted-after-change")
        .assertion
        .source
        .ends_with("&& (date(change.changed_on) - date(change.consulted_on) >= duration('216h'))"));
    // set
    let layouts = pack
        .variables
        .iter()
        .find(|variable| variable.name == "task_code_layouts")
        .expect("variable");
    assert!(!layouts.expression.source.contains("sichuan"));
    assert_eq!(layouts.lineage.changes[0].pack, "test.overlay");
    // disabled
    assert!(pack
        .rules
        .iter()
        .all(|rule| rule.id != "person-rotation-cycle-missing"));
    assert_eq!(pack.disabled[0].id, "person-rotation-cycle-missing");
    assert_eq!(
        pack.disabled[0].lineage.changes[0].legal_basis.as_deref(),
        Some("某市行政服务中心管理办法第十二条")
    );
    // every national rule not disabled is still there, once
    let national = common::national_pack();
    assert_eq!(pack.rules.len(), national.rules.len() + 1 - 1);
}

/// Every guardrail at once: each error at its place, with its help.
const GUARDRAILS: &str = "extends: cn.gbt.xzfwzx-2@^2
schema: schema.yaml
rules:
  - id: person-not-vetted
    clauses: [\"6.2.1\"]
    assert: \"true\"
    message: {zh: 重新定义, en: defined again}
set:
  - variable: task_code_layout
    expr: \"[]\"
modify:
  - rule: person-employer-mismatch
    severity: info
    reason: 名称比对误报多
  - rule: item-task-code-region-mismatch
    severity: info
  - rule: item-legal-basis-mising
    severity: error
  - rule: department-entry-basis-missing
    severity: error
    reason: 本地一律报错
disable:
  - rule: person-not-registered
    reason: 本地不登记备案
";

const CONFLICTING_SCHEMA: &str = "$defs:
  person:
    additionalProperties: true
";

#[test]
fn relaxing_a_shall_rule_needs_its_legal_basis_and_every_guardrail_is_placed() {
    let directory = packs(&[(
        "local",
        &[
            ("pack.yaml", &format!("{HEAD}{GUARDRAILS}")),
            ("schema.yaml", CONFLICTING_SCHEMA),
        ],
    )]);
    let output = guifan_in(directory.path(), &["pack", "lint", "--pack", "local"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(text(&output.stdout), "");
    insta::assert_snapshot!(text(&output.stderr));
}

#[test]
fn a_base_that_is_missing_unknown_or_of_another_version_is_an_error_at_extends() {
    let mut shown = String::new();
    for extends in [
        "../nowhere",
        "cn.gbt.xzfwzx-3@^2",
        "cn.gbt.xzfwzx-2@^1",
        "cn.gbt.xzfwzx-2",
        "cn.gbt.xzfwzx-2@two",
    ] {
        let directory = packs(&[(
            "local",
            &[("pack.yaml", &format!("{HEAD}extends: {extends}\n"))],
        )]);
        let output = guifan_in(directory.path(), &["pack", "lint", "--pack", "local"]);
        assert_eq!(output.status.code(), Some(2), "{extends}");
        shown.push_str(&format!("--- extends: {extends}\n{}", text(&output.stderr)));
    }
    insta::assert_snapshot!(shown);
}

#[test]
fn packs_that_extend_each_other_are_a_cycle_at_extends() {
    let a = format!("{HEAD}extends: ../b\n");
    let b = HEAD.replace("test.overlay", "test.b") + "extends: ../a\n";
    let directory = packs(&[("a", &[("pack.yaml", &a)]), ("b", &[("pack.yaml", &b)])]);
    let output = guifan_in(directory.path(), &["pack", "lint", "--pack", "a"]);
    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!(text(&output.stderr));
}

#[test]
fn a_chain_of_packs_by_path_keeps_every_change_in_the_lineage() {
    let directory = tempfile::tempdir().expect("temporary directory");
    copy_national(&directory.path().join("national"));
    let province = HEAD.replace("test.overlay", "test.province")
        + "extends: ../national@^2
modify:
  - rule: person-employer-mismatch
    severity: error
    reason: 本省名称统一
";
    let city = HEAD.replace("test.overlay", "test.city")
        + "extends: ../province
modify:
  - rule: person-employer-mismatch
    help: {zh: 写部门全称。, en: write the department's full name.}
";
    for (name, content) in [("province", province), ("city", city)] {
        std::fs::create_dir_all(directory.path().join(name)).expect("directory");
        std::fs::write(directory.path().join(name).join("pack.yaml"), content).expect("written");
    }
    let output = guifan_in(
        directory.path(),
        &[
            "explain",
            "person-employer-mismatch",
            "--pack",
            "city",
            "--lang",
            "en",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let shown = text(&output.stdout);
    assert!(shown.starts_with(
        "person-employer-mismatch [error] (national/rules/personnel.yaml:88)\n  stage: proposal\n  defined by: cn.gbt.xzfwzx-2\n  changed by test.province: severity warning → error (reason: 本省名称统一)\n  changed by test.city: help\n"
    ), "{shown}");
    assert!(shown.contains("  help: write the department's full name.\n"));
    // the layers, as pack doc lists them
    let doc = guifan_in(directory.path(), &["pack", "doc", "--pack", "city"]);
    assert!(text(&doc.stdout).contains(
        "test.city 1.0.0 (`city`) → extends → test.province 1.0.0 (`province`) → extends → cn.gbt.xzfwzx-2 2.0.0 (`national`)"
    ), "{}", text(&doc.stdout));
}

#[test]
fn the_example_local_pack_explains_its_changes_and_reports_the_base_that_decided() {
    let explained = guifan_in(
        root(),
        &[
            "explain",
            "person-change-consulted-after-change",
            "--pack",
            "rules/local-example",
        ],
    );
    let disabled = guifan_in(
        root(),
        &[
            "explain",
            "person-rotation-cycle-missing",
            "--pack",
            "rules/local-example",
            "--lang",
            "en",
        ],
    );
    assert_eq!(disabled.status.code(), Some(0));
    insta::assert_snapshot!(format!(
        "{}\n{}",
        text(&explained.stdout),
        text(&disabled.stdout)
    ));

    // JSON: a finding of a national rule the local pack left alone names the national pack;
    // one of a rule the local pack changed does not (the pack in use decided it)
    let output = guifan_in(
        root(),
        &[
            "check",
            "--pack",
            "rules/local-example",
            "--format",
            "json",
            "fixtures/invalid/person-not-registered.yaml",
            "rules/local-example/tests/dossiers/change-agreed-late.yaml",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["pack"]["id"], "cn.example.local-xzfwzx");
    let findings: Vec<(String, Option<String>)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().expect("rule").to_string(),
                finding.get("pack").map(|pack| pack.to_string()),
            )
        })
        .collect();
    assert_eq!(
        findings,
        [
            (
                "person-not-registered".to_string(),
                Some("\"cn.gbt.xzfwzx-2\"".to_string())
            ),
            ("person-change-consulted-after-change".to_string(), None),
        ]
    );
}

#[test]
fn the_example_local_pack_reaches_full_coverage() {
    let output = guifan_in(root(), &["pack", "test", "--pack", "rules/local-example"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
    assert!(text(&output.stdout).ends_with(
        "cn.example.local-xzfwzx 1.0.0: 5 cases, 5 passed, 0 failed; 4 of 4 rules covered; 2 of 2 automated clauses covered\n"
    ), "{}", text(&output.stdout));
    // lint, schema and doc work on it too
    let lint = guifan_in(root(), &["pack", "lint", "--pack", "rules/local-example"]);
    assert_eq!(lint.status.code(), Some(0), "{}", text(&lint.stderr));
    let schema = guifan_in(root(), &["schema", "--pack", "rules/local-example"]);
    let schema: serde_json::Value = serde_json::from_slice(&schema.stdout).expect("JSON");
    assert_eq!(
        schema["$defs"]["person"]["properties"]["education"]["title"],
        "学历"
    );
}

#[test]
fn check_with_the_example_local_pack() {
    let pack = load_pack_from_path(&root().join("rules/local-example")).expect("loads");
    let checked = common::check_paths(
        &pack,
        &[
            "rules/local-example/tests/dossiers/change-agreed-late.yaml",
            "rules/local-example/tests/dossiers/task-code-other-layout.yaml",
        ],
        Lang::Zh,
    );
    insta::assert_snapshot!(common::render_human(&pack, &checked, Lang::Zh));
}

#[test]
fn init_pack_makes_a_pack_that_passes_its_own_tests_and_never_writes_over_files() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let made = guifan_in(directory.path(), &["init", "--pack", "my-city"]);
    assert_eq!(made.status.code(), Some(0), "{}", text(&made.stderr));
    assert!(text(&made.stderr).starts_with("created the pack local.my-city in my-city"));
    let mut files: Vec<String> = walk(&directory.path().join("my-city"))
        .iter()
        .map(|path| {
            path.strip_prefix(directory.path())
                .expect("inside")
                .to_string_lossy()
                .to_string()
        })
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "my-city/README.md",
            "my-city/clauses.yaml",
            "my-city/pack.yaml",
            "my-city/rules.yaml",
            "my-city/tests/cases.yaml",
            "my-city/tests/dossiers/over.yaml",
            "my-city/tests/dossiers/within.yaml",
        ]
    );
    let tested = guifan_in(directory.path(), &["pack", "test", "--pack", "my-city"]);
    assert_eq!(tested.status.code(), Some(0), "{}", text(&tested.stdout));
    assert!(text(&tested.stdout).ends_with(
        "local.my-city 0.1.0: 2 cases, 2 passed, 0 failed; 1 of 1 rules covered; 1 of 1 automated clauses covered\n"
    ));
    // an existing pack is used as before: a dossier template from it
    let template = guifan_in(directory.path(), &["init", "--pack", "my-city"]);
    assert_eq!(template.status.code(), Some(0));
    assert!(text(&template.stdout).contains("local.my-city@0.1.0"));
    // a directory with other files is refused, and left as it was
    std::fs::create_dir(directory.path().join("notes")).expect("directory");
    std::fs::write(directory.path().join("notes/todo.txt"), "keep me").expect("written");
    let refused = guifan_in(directory.path(), &["init", "--pack", "notes"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("is a directory that is not empty and holds no pack.yaml")
    );
    assert_eq!(walk(&directory.path().join("notes")).len(), 1);
    assert!(std::fs::read_dir(directory.path())
        .expect("readable")
        .all(|entry| !entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .starts_with('.')));
}
