//! The JSON report is a contract (PRODUCT.md, schema_version 1): every key, its type and its
//! value for a known fixture.

use std::process::Command;

#[test]
fn json_report_follows_the_contract() {
    let output = Command::new(env!("CARGO_BIN_EXE_guifan"))
        .args([
            "check",
            "--format",
            "json",
            "tests/data/legal-basis-missing.yaml",
            "fixtures/valid/entry-public-utility.yaml",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    let keys: Vec<&str> = report
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        vec![
            "schema_version",
            "tool",
            "pack",
            "findings",
            "summary",
            "dossiers"
        ]
    );
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["tool"]["name"], "guifan");
    assert_eq!(report["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(report["pack"]["id"], "cn.gbt.xzfwzx-2");
    assert!(report["pack"]["version"]
        .as_str()
        .is_some_and(|version| version.split('.').count() == 3));
    assert!(report["pack"]["standard"]
        .as_str()
        .is_some_and(|standard| standard.contains("行政服务中心运行规范")));
    let expected = serde_json::json!({
        "rule": "item-legal-basis-missing",
        "clause": "5.2.1.1",
        "severity": "error",
        "message": "行政权力事项「企业设立登记」没有写明设定依据",
        "file": "tests/data/legal-basis-missing.yaml",
        "document": 0,
        "path": "/items/0/legal_basis",
        "line": 209,
        "column": 5,
        "end_line": 209,
        "end_column": 9
    });
    assert_eq!(report["findings"], serde_json::json!([expected]));
    assert_eq!(
        report["summary"],
        serde_json::json!({"files": 2, "dossiers": 2, "errors": 1, "warnings": 0, "infos": 0,
            "waived": 0, "skipped": 0})
    );
    assert_eq!(
        report["dossiers"],
        serde_json::json!([
            {"file": "tests/data/legal-basis-missing.yaml", "document": 0, "stage": "stationed", "skipped": []},
            {"file": "fixtures/valid/entry-public-utility.yaml", "document": 0, "stage": "stationed", "skipped": []}
        ])
    );
}

/// A proposed list with a malformed implementing body code and a waiver: the reference
/// citation, the skipped evaluations, the waived finding and the stage, as JSON.
#[test]
fn json_reports_references_skips_waivers_and_stages() {
    let valid = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/valid/proposal-county-list.yaml"),
    )
    .expect("fixture");
    // the last item's implementing body code loses a character; its handling unit differs
    let broken = valid.replacen(
        "      uscc: 11511602MB123456",
        "      uscc: 1151160MB123456",
        1,
    );
    let broken = {
        let last = broken.rfind("handling_unit: 行政审批科").expect("unit");
        let mut text = broken.clone();
        text.replace_range(
            last..last + "handling_unit: 行政审批科".len(),
            "handling_unit: 消费者权益保护科",
        );
        text
    };
    let waived = format!(
        "{broken}waivers:\n  - rule: items-handling-unit-not-single\n    reason: 消费维权由消保科依法承办\n    document: 某区市监发〔2026〕12号\n    approved_on: '2026-08-20'\n"
    );
    let directory = tempfile::tempdir().expect("temporary directory");
    let path = directory.path().join("proposal.yaml");
    std::fs::write(&path, waived).expect("written");
    let output = Command::new(env!("CARGO_BIN_EXE_guifan"))
        .args(["check", "--format", "json"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    let findings = report["findings"].as_array().expect("findings");
    let uscc = findings
        .iter()
        .find(|finding| finding["rule"] == "item-implementing-body-uscc-invalid")
        .expect("the malformed code is reported");
    assert_eq!(uscc["clause"], serde_json::Value::Null);
    assert_eq!(
        uscc["reference"],
        serde_json::json!({"standard": "GB 32100-2015", "clause": "4"})
    );
    assert_eq!(uscc["path"], "/items/0/implementing_body/uscc");
    assert!(
        uscc["message"]
            .as_str()
            .is_some_and(|message| message.contains("有 17 位")),
        "{uscc}"
    );
    let unit = findings
        .iter()
        .find(|finding| finding["rule"] == "items-handling-unit-not-single")
        .expect("the split is reported once");
    assert_eq!(
        unit["waived"],
        serde_json::json!({"reason": "消费维权由消保科依法承办", "document": "某区市监发〔2026〕12号"})
    );
    assert!(unit["message"]
        .as_str()
        .is_some_and(|message| message.contains("行政审批科（3 项）")));
    assert_eq!(report["summary"]["waived"], 1);
    assert_eq!(report["summary"]["errors"], 1, "{report:#}");
    let dossier = &report["dossiers"][0];
    assert_eq!(dossier["stage"], "proposal");
    let skipped = dossier["skipped"].as_array().expect("skipped");
    assert!(!skipped.is_empty());
    assert!(skipped
        .iter()
        .all(|skip| skip["path"] == "/items/0"
            && skip["because"] == "/items/0/implementing_body/uscc"));
    assert_eq!(report["summary"]["skipped"], skipped.len());
}
