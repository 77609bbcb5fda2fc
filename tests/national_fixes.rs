//! The defects of the national pack named in issue 7, each as a user sees it: a free item needs
//! no fee basis, a statutory limit may be "none by law", a missing section is shown at the
//! document's first key, not as the whole document.

use std::process::Command;

fn check(text: &str) -> (Option<i32>, serde_json::Value, String) {
    let directory = tempfile::tempdir().expect("temporary directory");
    std::fs::write(directory.path().join("d.yaml"), text).expect("written");
    let run = |format: &str| {
        Command::new(env!("CARGO_BIN_EXE_guifan"))
            .current_dir(directory.path())
            .args(["check", "--color", "never", "--format", format, "d.yaml"])
            .output()
            .expect("runs")
    };
    let json = run("json");
    let human = run("human");
    (
        json.status.code(),
        serde_json::from_slice(&json.stdout).expect("JSON"),
        String::from_utf8_lossy(&human.stdout).into_owned(),
    )
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(name))
        .expect("fixture")
}

fn rules(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|finding| finding["rule"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn a_free_item_needs_no_fee_basis_and_a_charged_one_does() {
    let free = fixture("fixtures/valid/entry-county-small.yaml");
    assert!(free.contains("    is_fee: false\n") && !free.contains("fee_basis"));
    let (code, report, _) = check(&free);
    assert_eq!(code, Some(0), "{report:#}");
    let charged = free.replacen("    is_fee: false\n", "    is_fee: true\n", 1);
    let (code, report, _) = check(&charged);
    assert_eq!(code, Some(1));
    assert_eq!(rules(&report), vec!["item-fee-basis-missing"]);
    assert_eq!(report["findings"][0]["path"], "/items/0/fee_basis");
}

#[test]
fn a_statutory_limit_can_be_none_by_law() {
    let text = fixture("fixtures/valid/entry-county-small.yaml");
    let start = text.find("    statutory_limit:\n").expect("limit");
    let end = start + text[start..].find("    promised_limit:").expect("promised");
    let none = format!(
        "{}    statutory_limit:\n      none_by_law: true\n      note: 法律法规未规定办结时限\n{}",
        &text[..start],
        &text[end..]
    );
    let (code, report, _) = check(&none);
    assert_eq!(code, Some(0), "{report:#}");
    // a limit that is neither a value nor none by law is a structure error at the limit
    let neither = none.replacen("      none_by_law: true\n", "", 1);
    let (code, report, _) = check(&neither);
    assert_eq!(code, Some(1));
    assert!(
        rules(&report).contains(&"dossier-structure".to_string()),
        "{report:#}"
    );
}

#[test]
fn a_missing_section_is_shown_at_the_first_key_not_as_the_whole_document() {
    let text = fixture("fixtures/valid/proposal-county-list.yaml");
    let start = text.find("items:\n").expect("items");
    let without_items = &text[..start];
    let (code, report, human) = check(without_items);
    assert_eq!(code, Some(1));
    let finding = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|finding| finding["path"] == "/items")
        .expect("the missing items are reported")
        .clone();
    // the document's first key, on its own line (`dossier:` after the comments)
    let first_key = text
        .lines()
        .position(|line| line.starts_with("dossier:"))
        .expect("first key")
        + 1;
    assert_eq!(finding["line"], first_key);
    assert_eq!(finding["end_line"], first_key);
    // the diagnostic draws the key and its neighbours, not every line of the document
    let start = human
        .find("缺少必填字段「进驻事项」")
        .expect("the human report names it");
    let end = start + human[start..].find("╰────").expect("a snippet");
    assert!(
        human[start..end].lines().count() < 10,
        "the report draws the whole document:\n{human}"
    );
}

/// Items spread over a great many handling units are reported as such (5.3.2), with the count
/// of each unit made in one pass: filtering every item once per unit ran out of the
/// evaluation budget and gave a `rule-error` instead.
#[test]
fn items_over_many_handling_units_are_counted_in_one_pass() {
    let text = fixture("fixtures/valid/entry-county-small.yaml");
    let items = text.find("\nitems:\n").expect("items") + "\nitems:\n".len();
    let second = items + 1 + text[items + 1..].find("\n  - name:").expect("second item") + 1;
    let first_item = &text[items..second];
    assert!(first_item.contains("    handling_unit: 行政审批股\n"));
    let mut many = String::from(&text[..items]);
    let units = 1_500;
    for unit in 0..units {
        many.push_str(&first_item.replace(
            "    handling_unit: 行政审批股\n",
            &format!("    handling_unit: 第{unit}科\n"),
        ));
    }
    many.push_str(&text[second..]);
    let (_, report, _) = check(&many);
    let findings = report["findings"].as_array().expect("findings");
    let split = findings
        .iter()
        .find(|finding| finding["rule"] == "items-handling-unit-not-single")
        .expect("the split is reported");
    let message = split["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("{} 个承办机构", units + 1)),
        "{message}"
    );
    assert!(message.contains("第0科（1 项）"), "{message}");
    assert!(
        !findings
            .iter()
            .any(|finding| finding["rule"] == "rule-error"),
        "{:#}",
        serde_json::Value::Array(
            findings
                .iter()
                .filter(|finding| finding["rule"] == "rule-error")
                .take(3)
                .cloned()
                .collect()
        )
    );
}
