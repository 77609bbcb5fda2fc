//! The SARIF report as code-scanning dashboards read it: valid against the SARIF 2.1.0 schema
//! and clean under Microsoft's validator (Sarif.Multitool), rules described in sentences,
//! fingerprints that survive line shifts, file URIs percent-encoded under `%SRCROOT%`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const INVALID: &str = "fixtures/invalid/item-legal-basis-missing.yaml";
const VALID: &str = "fixtures/valid/entry-county-small.yaml";

fn guifan_in(directory: &Path, arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guifan"))
        .args(arguments)
        .current_dir(directory)
        .output()
        .expect("guifan runs")
}

fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn sarif_of(directory: &Path, paths: &[&str]) -> Value {
    let output = guifan_in(
        directory,
        &[&["check", "--format", "sarif"][..], paths].concat(),
    );
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("SARIF is JSON")
}

/// A scratch directory holding the invalid fixture under a Chinese name with a space and a `#`
/// in a Chinese directory, and the whole invalid fixture set.
fn scratch_tree() -> tempfile::TempDir {
    let scratch = tempfile::tempdir().expect("temporary directory");
    let department = scratch.path().join("部门 甲");
    std::fs::create_dir(&department).expect("directory");
    std::fs::copy(
        crate_root().join(INVALID),
        department.join("申报 材料#1.yaml"),
    )
    .expect("copy");
    scratch
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().expect("results")
}

#[test]
fn sarif_result_and_rule_snapshot() {
    let log = sarif_of(crate_root(), &[INVALID, VALID]);
    let run = &log["runs"][0];
    let rule = run["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|rule| rule["id"] == "item-legal-basis-missing")
        .expect("the rule is described");
    let shown = serde_json::json!({
        "results": run["results"],
        "originalUriBaseIds": run["originalUriBaseIds"],
        "columnKind": run["columnKind"],
        "rule": rule,
    });
    insta::assert_snapshot!(serde_json::to_string_pretty(&shown).expect("JSON"));
}

#[test]
fn every_rule_is_described_in_sentences_not_templates() {
    for lang in ["zh", "en"] {
        let output = guifan_in(
            crate_root(),
            &["check", "--format", "sarif", "--lang", lang, VALID],
        );
        let log: Value = serde_json::from_slice(&output.stdout).expect("SARIF");
        let rules = log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .expect("rules");
        assert!(rules.len() > 100, "every rule of the pack is listed");
        for rule in rules {
            let id = &rule["id"];
            for field in ["shortDescription", "fullDescription", "help"] {
                let text = rule[field]["text"].as_str().unwrap_or_default();
                assert!(
                    text.chars().count() >= 6,
                    "{id} {field} ({lang}) is a sentence: {text:?}"
                );
                assert!(
                    !text.contains('{') && !text.contains('}') && !text.contains('\u{0}'),
                    "{id} {field} ({lang}) shows no template: {text:?}"
                );
            }
            assert!(
                rule["help"]["markdown"].is_string(),
                "{id} has help in Markdown"
            );
        }
    }
    let log = sarif_of(crate_root(), &[VALID]);
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    let rule = |id: &str| {
        rules
            .iter()
            .find(|rule| rule["id"] == id)
            .unwrap_or_else(|| panic!("{id} is listed"))
    };
    assert_eq!(
        rule("item-legal-basis-missing")["shortDescription"]["text"],
        "行政权力事项没有写明设定依据"
    );
    assert_eq!(
        rule("item-legal-basis-missing")["fullDescription"]["text"],
        "行政权力事项没有写明设定依据。依据 5.2.1.1：进驻部门应根据现行法律、法规、规章等，拟定本部门的进驻项目。"
    );
    assert!(rule("item-legal-basis-missing")["help"]["markdown"]
        .as_str()
        .is_some_and(|markdown| markdown
            .contains("**5.2.1.1** 进驻部门应根据现行法律、法规、规章等，拟定本部门的进驻项目。")));
    // a message made of values is described by its help's first sentence
    assert!(rule("dossier-date-invalid")["shortDescription"]["text"]
        .as_str()
        .is_some_and(|text| text.starts_with("日期写作 YYYY-MM-DD")));
}

#[test]
fn uris_are_percent_encoded_and_relative_to_srcroot() {
    let scratch = scratch_tree();
    let log = sarif_of(scratch.path(), &["."]);
    let location = &results(&log)[0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(
        location["uri"],
        "%E9%83%A8%E9%97%A8%20%E7%94%B2/%E7%94%B3%E6%8A%A5%20%E6%9D%90%E6%96%99%231.yaml"
    );
    assert_eq!(location["uriBaseId"], "%SRCROOT%");
    assert!(log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"].is_object());
    // an absolute name of a file under the directory of the run is made relative too
    let absolute = scratch.path().join("部门 甲").join("申报 材料#1.yaml");
    let log = sarif_of(scratch.path(), &[absolute.to_str().expect("UTF-8 path")]);
    assert_eq!(
        results(&log)[0]["locations"][0]["physicalLocation"]["artifactLocation"],
        *location
    );
}

#[test]
fn fingerprints_survive_line_shifts_and_reruns() {
    let scratch = scratch_tree();
    let file = "部门 甲/申报 材料#1.yaml";
    let fingerprints = |log: &Value| -> Vec<(String, String, i64)> {
        results(log)
            .iter()
            .map(|result| {
                (
                    result["ruleId"].as_str().unwrap_or_default().to_string(),
                    result["partialFingerprints"]["guifanFinding/v1"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    result["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_i64()
                        .unwrap_or_default(),
                )
            })
            .collect()
    };
    let before = fingerprints(&sarif_of(scratch.path(), &[file]));
    assert_eq!(before.len(), 1);
    assert_eq!(before[0].1.len(), 64, "a SHA-256 in hex");
    assert_eq!(
        before,
        fingerprints(&sarif_of(scratch.path(), &[&format!("./{file}")])),
        "the same run, the same fingerprints, however the file is named"
    );
    let path = scratch.path().join(file);
    let text = std::fs::read_to_string(&path).expect("dossier");
    std::fs::write(&path, format!("# 修改说明\n# 第二行\n\n{text}")).expect("write");
    let after = fingerprints(&sarif_of(scratch.path(), &[file]));
    assert_eq!(after[0].2, before[0].2 + 3, "the finding moved three lines");
    assert_eq!(after[0].1, before[0].1, "its fingerprint did not");
    // another file, another fingerprint
    std::fs::copy(&path, scratch.path().join("other.yaml")).expect("copy");
    let other = fingerprints(&sarif_of(scratch.path(), &["other.yaml"]));
    assert_ne!(other[0].1, before[0].1);
}

#[test]
fn the_log_is_valid_against_the_sarif_2_1_0_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(crate_root().join("tests/data/sarif/sarif-2.1.0.json"))
            .expect("the vendored schema"),
    )
    .expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let scratch = scratch_tree();
    std::fs::create_dir(scratch.path().join("invalid")).expect("directory");
    for entry in std::fs::read_dir(crate_root().join("fixtures/invalid")).expect("fixtures") {
        let entry = entry.expect("entry");
        std::fs::copy(
            entry.path(),
            scratch.path().join("invalid").join(entry.file_name()),
        )
        .expect("copy");
    }
    for lang in ["zh", "en"] {
        let output = guifan_in(
            scratch.path(),
            &["check", "--format", "sarif", "--lang", lang, "."],
        );
        let log: Value = serde_json::from_slice(&output.stdout).expect("SARIF");
        assert!(results(&log).len() > 100);
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|error| format!("{} at {}", error, error.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{lang}: {errors:#?}");
    }
}

/// Microsoft's validator: `SARIF_MULTITOOL`, or where `.ci/run` installs it
/// (`target/sarif-tools`, npm package @microsoft/sarif-multitool-linux). Absent, the test is
/// skipped with a message, except in CI (`CI` set), where it must run.
fn multitool() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("SARIF_MULTITOOL").map(PathBuf::from),
        Some(crate_root().join(
            "target/sarif-tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool",
        )),
    ];
    let found = candidates.into_iter().flatten().find(|path| path.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but Sarif.Multitool is not installed: .ci/run installs it with npm"
        );
        eprintln!(
            "skipped: Sarif.Multitool is not installed (npm install --prefix target/sarif-tools \
             @microsoft/sarif-multitool-linux, or set SARIF_MULTITOOL); CI runs this test"
        );
    }
    found
}

#[test]
fn microsofts_validator_finds_no_error_and_no_warning() {
    let Some(multitool) = multitool() else {
        return;
    };
    let scratch = scratch_tree();
    std::fs::create_dir(scratch.path().join("invalid")).expect("directory");
    for name in [
        "department-uscc-invalid.yaml",
        "dossier-structure--enum.yaml",
        "item-fee-basis-missing.yaml",
        "power-list-missing.yaml",
    ] {
        std::fs::copy(
            crate_root().join("fixtures/invalid").join(name),
            scratch.path().join("invalid").join(name),
        )
        .expect("copy");
    }
    let report = scratch.path().join("guifan.sarif");
    let output = guifan_in(
        scratch.path(),
        &[
            "check",
            "--format",
            "sarif",
            "--output",
            "guifan.sarif",
            ".",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let verdict = scratch.path().join("validation.sarif");
    let validation = Command::new(&multitool)
        .arg("validate")
        .arg("--level")
        .arg("Error;Warning")
        .arg("--rule-kind")
        .arg("Sarif;Gh")
        .arg("--output")
        .arg(&verdict)
        .arg(&report)
        // the .NET runtime of the tool wants no ICU where none is installed
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .expect("Sarif.Multitool runs");
    assert!(
        validation.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&validation.stdout),
        String::from_utf8_lossy(&validation.stderr)
    );
    let verdict: Value =
        serde_json::from_str(&std::fs::read_to_string(&verdict).expect("the validator's log"))
            .expect("the validator's log is JSON");
    let complaints: Vec<String> = results(&verdict)
        .iter()
        .filter(|result| result["level"] != "note" && result["level"] != "none")
        .map(|result| {
            format!(
                "{}: {}",
                result["ruleId"].as_str().unwrap_or_default(),
                result["message"]
            )
        })
        // SARIF2005 asks for the tool's web page: the report gives Cargo.toml's `homepage`, and
        // the project has none yet
        .filter(|complaint| {
            !(complaint.starts_with("SARIF2005:") && env!("CARGO_PKG_HOMEPAGE").is_empty())
        })
        .collect();
    assert!(complaints.is_empty(), "{complaints:#?}");
}
