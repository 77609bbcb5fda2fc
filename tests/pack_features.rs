//! What a user sees of stages, reference citations, per-case citations, format rules (a
//! malformed field skips only the rules that read it), waivers and force caps, through the small
//! pack in tests/packs/features.

use std::process::Command;

const USCC: &str = "91350100M000100Y43";

fn run(dossier: &str, format: &str) -> (Option<i32>, String, String) {
    let directory = tempfile::tempdir().expect("temporary directory");
    let path = directory.path().join("d.yaml");
    std::fs::write(&path, dossier).expect("written");
    let output = Command::new(env!("CARGO_BIN_EXE_guifan"))
        .current_dir(directory.path())
        .args(["check", "--color", "never", "--format", format, "--pack"])
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/packs/features"))
        .arg("d.yaml")
        .output()
        .expect("runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn json(dossier: &str) -> (Option<i32>, serde_json::Value) {
    let (code, stdout, stderr) = run(dossier, "json");
    let report = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stdout}{stderr}"));
    (code, report)
}

fn rules_of(report: &serde_json::Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap_or_default().to_string(),
                finding["path"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn dossier(stage: &str, items: &str) -> String {
    format!(
        "dossier: {{stage: {stage}}}\ndepartment: {{name: 某局, uscc: {USCC}}}\nitems:\n{items}"
    )
}

const GOOD_ITEM: &str =
    "  - {name: 许可, type: '01', uscc: 91350100M000100Y43, basis: 法, note: 有}\n";

#[test]
fn a_rule_of_a_later_stage_is_not_run_on_a_proposal() {
    let (code, report) = json(&dossier("proposal", GOOD_ITEM));
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(rules_of(&report), Vec::<(String, String)>::new());
    assert_eq!(report["dossiers"][0]["stage"], "proposal");
    let (code, report) = json(&dossier("recognized", GOOD_ITEM));
    assert_eq!(code, Some(1));
    assert_eq!(
        rules_of(&report),
        vec![(
            "item-not-published".to_string(),
            "/items/0/published_on".to_string()
        )]
    );
}

#[test]
fn a_malformed_field_skips_only_the_rules_that_read_it_there() {
    let items = format!(
        "  - {{name: 甲, type: '01', uscc: '68236467-9', basis: 法, note: 有}}\n  - {{name: 乙, type: '20', uscc: {USCC}}}\n"
    );
    let (code, report) = json(&dossier("proposal", &items));
    assert_eq!(code, Some(1));
    // the malformed code is reported in words, citing its standard; the comparison with the
    // department is skipped for that item only; the other item is still checked
    assert_eq!(
        rules_of(&report),
        vec![
            ("uscc-malformed".to_string(), "/items/0/uscc".to_string()),
            (
                "item-basis-missing".to_string(),
                "/items/1/basis".to_string()
            ),
        ]
    );
    let malformed = &report["findings"][0];
    assert_eq!(malformed["clause"], serde_json::Value::Null);
    assert_eq!(
        malformed["reference"],
        serde_json::json!({"standard": "GB 32100-2015", "clause": "4"})
    );
    assert!(malformed["message"]
        .as_str()
        .is_some_and(|message| message.contains("含有连字符「-」")));
    assert_eq!(
        report["dossiers"][0]["skipped"],
        serde_json::json!([{"rule": "uscc-not-department", "path": "/items/0", "because": "/items/0/uscc"}])
    );
    assert_eq!(report["summary"]["skipped"], 1);
    let (_, human, _) = run(&dossier("proposal", &items), "human");
    assert!(
        human.contains("1 条规则共 1 处未求值，因为所读字段格式不符：/items/0/uscc"),
        "{human}"
    );
    assert!(
        human.contains("参照标准 GB 32100-2015《法人和其他组织统一社会信用代码编码规则》4"),
        "{human}"
    );
    assert!(human.contains("1 处规则因字段格式不符未求值"), "{human}");
}

#[test]
fn a_rule_of_several_clauses_cites_the_clause_of_each_case() {
    let items = "  - {name: 许可, type: '01', note: 有}\n  - {name: 服务, type: '20'}\n";
    let (_, report) = json(&dossier("proposal", items));
    let clauses: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|finding| finding["clause"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(clauses, vec!["2.1", "2.2"]);
}

#[test]
fn a_permission_gives_an_info_once_for_the_list() {
    let items = "  - {name: 甲, type: '01', basis: 法}\n  - {name: 乙, type: '01', basis: 法}\n";
    let (code, report) = json(&dossier("proposal", items));
    assert_eq!(code, Some(0));
    assert_eq!(
        rules_of(&report),
        vec![("item-note-missing".to_string(), "/items".to_string())]
    );
    assert_eq!(report["findings"][0]["severity"], "info");
}

#[test]
fn a_waiver_with_its_document_keeps_the_finding_visible_and_passes() {
    let items = "  - {name: 甲, type: '01', note: 有}\n";
    let waived = format!(
        "{}waivers:\n  - {{rule: item-basis-missing, path: /items/0, reason: 依据在上级目录中, document: 某发〔2026〕1号}}\n",
        dossier("proposal", items)
    );
    let (code, report) = json(&waived);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(
        report["findings"][0]["waived"],
        serde_json::json!({"reason": "依据在上级目录中", "document": "某发〔2026〕1号"})
    );
    assert_eq!(report["summary"]["waived"], 1);
    assert_eq!(report["summary"]["errors"], 0);
    let (_, human, _) = run(&waived, "human");
    assert!(human.contains("〔已豁免〕「甲」没有设定依据"), "{human}");
    assert!(
        human.contains("已豁免：依据在上级目录中（批准文件：某发〔2026〕1号）"),
        "{human}"
    );
    let (_, sarif, _) = run(&waived, "sarif");
    let sarif: serde_json::Value = serde_json::from_str(&sarif).expect("SARIF");
    assert_eq!(
        sarif["runs"][0]["results"][0]["suppressions"][0]["kind"],
        "external"
    );
}

#[test]
fn a_waiver_of_a_shall_rule_without_a_document_is_refused_and_said() {
    let items = "  - {name: 甲, type: '01', note: 有}\n";
    let waived = format!(
        "{}waivers:\n  - {{rule: item-basis-missing, path: /items/0, reason: 口头同意}}\n  - {{rule: no-such-rule, reason: 试}}\n",
        dossier("proposal", items)
    );
    let (code, report) = json(&waived);
    assert_eq!(code, Some(1));
    let found: Vec<(String, String)> = rules_of(&report);
    assert_eq!(
        found,
        vec![
            (
                "item-basis-missing".to_string(),
                "/items/0/basis".to_string()
            ),
            ("waiver-invalid".to_string(), "/waivers/0".to_string()),
            ("waiver-invalid".to_string(), "/waivers/1/rule".to_string()),
        ]
    );
    assert!(report["findings"][0]["waived"].is_null());
    assert!(report["findings"][1]["message"]
        .as_str()
        .is_some_and(|message| message.contains("规则包要求这类豁免写明批准文件")));
}

#[test]
fn a_rule_stronger_than_its_clause_does_not_load() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/packs/features");
    for name in ["pack.yaml", "schema.yaml"] {
        let text = std::fs::read_to_string(source.join(name)).expect("pack file");
        let text = text.replace(
            "  - id: item-note-missing\n    clauses: [\"3.1\"]\n",
            "  - id: item-note-missing\n    clauses: [\"3.1\"]\n    severity: warning\n",
        );
        std::fs::write(directory.path().join(name), text).expect("written");
    }
    let output = Command::new(env!("CARGO_BIN_EXE_guifan"))
        .args(["pack", "lint"])
        .arg(directory.path())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let flat: String = stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("pack.yaml:"), "{stderr}");
    assert!(
        flat.contains("clause 3.1 is 可 (may): an info at most"),
        "{stderr}"
    );
}

#[test]
fn a_variable_that_doubles_a_literal_is_refused_at_load_where_it_is_written() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/packs/features");
    std::fs::copy(
        source.join("schema.yaml"),
        directory.path().join("schema.yaml"),
    )
    .expect("schema");
    let mut variables = String::from("variables:\n  - name: v0\n    expr: \"'xxxxxxxxxx'\"\n");
    for index in 1..30 {
        variables.push_str(&format!(
            "  - name: v{index}\n    expr: v{} + v{}\n",
            index - 1,
            index - 1
        ));
    }
    let pack = std::fs::read_to_string(source.join("pack.yaml")).expect("pack");
    let pack = pack.replace("rules:\n", &format!("{variables}rules:\n"));
    std::fs::write(directory.path().join("pack.yaml"), &pack).expect("written");
    let output = Command::new(env!("CARGO_BIN_EXE_guifan"))
        .args(["pack", "lint"])
        .arg(directory.path())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let flat: String = stderr
        .split_whitespace()
        .filter(|word| *word != "│")
        .collect::<Vec<_>>()
        .join(" ");
    // 10 × 2^21 bytes is the first estimate past 16 MiB: v21, on its own line of the pack
    let line = pack
        .lines()
        .position(|line| line.contains("expr: v20 + v20"))
        .expect("v21")
        + 1;
    assert!(flat.contains(&format!("pack.yaml:{line}:")), "{stderr}");
    assert!(
        flat.contains("the variable `v21` can grow to about 20971520 bytes"),
        "{stderr}"
    );
}
