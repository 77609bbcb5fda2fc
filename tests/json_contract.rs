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
        vec!["schema_version", "tool", "pack", "findings", "summary"]
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
        "line": 208,
        "column": 5,
        "end_line": 208,
        "end_column": 9
    });
    assert_eq!(report["findings"], serde_json::json!([expected]));
    assert_eq!(
        report["summary"],
        serde_json::json!({"files": 2, "dossiers": 2, "errors": 1, "warnings": 0, "infos": 0})
    );
}
