//! The command line as a user and a CI pipeline see it: exit codes, streams, files.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn guifan(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guifan"))
        .args(arguments)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("guifan runs")
}

fn guifan_with_stdin(arguments: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_guifan"))
        .args(arguments)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("guifan starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("writes");
    child.wait_with_output().expect("guifan runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

const INVALID: &str = "tests/data/legal-basis-missing.yaml";
const VALID: &str = "fixtures/valid/entry-market-regulation.yaml";

#[test]
fn a_valid_dossier_exits_0_with_a_clean_summary() {
    let output = guifan(&["check", VALID]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "检查了 1 个文件中的 1 份申报材料：0 个错误，0 个警告，0 个提示\n"
    );
}

#[test]
fn findings_exit_1_and_name_rule_clause_and_place() {
    let output = guifan(&["check", INVALID]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    assert!(stdout.starts_with("item-legal-basis-missing\n"), "{stdout}");
    assert!(
        stdout.contains("[tests/data/legal-basis-missing.yaml:209:5]"),
        "{stdout}"
    );
    assert!(
        stdout
            .contains("条款 5.2.1.1：进驻部门应根据现行法律、法规、规章等，拟定本部门的进驻项目。"),
        "{stdout}"
    );
    assert!(
        stdout.contains("缺少「设定依据」（legal_basis）"),
        "{stdout}"
    );
}

#[test]
fn fail_on_sets_the_threshold() {
    assert_eq!(
        guifan(&["check", "--fail-on", "never", INVALID])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        guifan(&["check", "--fail-on", "warning", INVALID])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        guifan(&["check", "--fail-on", "info", VALID]).status.code(),
        Some(0)
    );
}

#[test]
fn a_warning_fails_only_from_fail_on_warning() {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("warning.yaml");
    let dossier = "submitted_on: '2026-03-01'\nattestations: [{clause: '1.4'}]\nitems:\n  - name: 事项\n    recognized_on: '2026-02-01'\n";
    std::fs::write(&path, dossier).expect("writes");
    let path = path.to_string_lossy().to_string();
    let error_only = guifan(&["check", "--pack", "tests/packs/engine", &path]);
    assert_eq!(
        error_only.status.code(),
        Some(0),
        "{}",
        text(&error_only.stdout)
    );
    assert!(
        text(&error_only.stdout).contains("⚠"),
        "{}",
        text(&error_only.stdout)
    );
    let warning = guifan(&[
        "check",
        "--pack",
        "tests/packs/engine",
        "--fail-on",
        "warning",
        &path,
    ]);
    assert_eq!(warning.status.code(), Some(1));
}

#[test]
fn malformed_yaml_exits_2_naming_file_and_position() {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("broken.yaml");
    std::fs::write(&path, "dossier:\n  id: [a, b\n  kind: entry\n").expect("writes");
    let output = guifan(&["check", &path.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "no report on a failed run");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("broken.yaml:"), "{stderr}");
    assert!(stderr.contains("YAML syntax error"), "{stderr}");
}

#[test]
fn a_duplicate_key_exits_2_with_both_lines() {
    let output = guifan_with_stdin(&["check", "-"], "dossier:\n  id: a\n  id: b\n");
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("<stdin>:3:3: duplicate key `id` (first written at line 2, column 3)"),
        "{stderr}"
    );
}

#[test]
fn missing_inputs_and_bad_flags_exit_2() {
    assert_eq!(
        guifan(&["check", "no/such/file.yaml"]).status.code(),
        Some(2)
    );
    assert_eq!(
        guifan(&["check", "--as-of", "2026-13-01", VALID])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        guifan(&["check", "--format", "xml", VALID]).status.code(),
        Some(2)
    );
    assert_eq!(guifan(&["check"]).status.code(), Some(2));
    assert_eq!(
        guifan(&["check", "--pack", "no/such/pack", VALID])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn standard_input_is_read_as_yaml() {
    let input = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(INVALID))
        .expect("fixture");
    let output = guifan_with_stdin(&["check", "--format", "json", "-"], &input);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(report["findings"][0]["file"], "<stdin>");
    assert_eq!(report["findings"][0]["line"], 209);
}

#[test]
fn directories_are_searched_recursively_in_order_skipping_hidden_entries() {
    let directory = tempfile::tempdir().expect("temp dir");
    let root = directory.path();
    let valid = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(VALID))
        .expect("fixture");
    let invalid = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(INVALID))
        .expect("fixture");
    std::fs::create_dir_all(root.join("b/nested")).expect("dirs");
    std::fs::create_dir_all(root.join(".hidden")).expect("dirs");
    std::fs::write(root.join("b/nested/z.yml"), &invalid).expect("writes");
    std::fs::write(root.join("a.yaml"), &invalid).expect("writes");
    std::fs::write(root.join("c.yaml"), &valid).expect("writes");
    std::fs::write(root.join(".hidden/x.yaml"), "not: [valid").expect("writes");
    std::fs::write(root.join(".dot.yaml"), "not: [valid").expect("writes");
    std::fs::write(root.join("notes.txt"), "ignored").expect("writes");
    let output = Command::new(env!("CARGO_BIN_EXE_guifan"))
        .args(["check", "--format", "json", "."])
        .current_dir(root)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let files: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|finding| finding["file"].as_str().expect("file"))
        .collect();
    assert_eq!(files, vec!["a.yaml", "b/nested/z.yml"]);
    assert_eq!(report["summary"]["files"], 3);
}

#[test]
fn output_is_written_atomically_and_not_on_failure() {
    let directory = tempfile::tempdir().expect("temp dir");
    let report = directory.path().join("report.json");
    let report_path = report.to_string_lossy().to_string();
    let output = guifan(&[
        "check",
        "--format",
        "json",
        "--output",
        &report_path,
        INVALID,
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("json");
    assert_eq!(written["summary"]["errors"], 1);

    std::fs::write(&report, "previous").expect("writes");
    let broken = directory.path().join("broken.yaml");
    std::fs::write(&broken, "a: [").expect("writes");
    let failed = guifan(&["check", "--output", &report_path, &broken.to_string_lossy()]);
    assert_eq!(failed.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(&report).expect("report"),
        "previous"
    );
    let leftovers = std::fs::read_dir(directory.path()).expect("dir").count();
    assert_eq!(leftovers, 2, "no temporary file is left behind");
}

#[test]
fn inputs_are_never_modified() {
    let before =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(INVALID)).expect("fixture");
    guifan(&["check", INVALID]);
    let after =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(INVALID)).expect("fixture");
    assert_eq!(before, after);
}

#[test]
fn english_messages_on_request() {
    let output = guifan(&["check", "--lang", "en", INVALID]);
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("the administrative item '企业设立登记' states no legal basis"),
        "{stdout}"
    );
    assert!(stdout.contains("clause 5.2.1.1:"), "{stdout}");
    assert!(
        stdout.contains("checked 1 dossier in 1 file: 1 error, 0 warnings, 0 infos"),
        "{stdout}"
    );
}

#[test]
fn pack_lint_summarises_a_pack_and_fails_on_holes() {
    let output = guifan(&["pack", "lint", "tests/packs/minimal"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "example.minimal 1.0.0: 1 clauses (1 automated, 0 attestation, 0 informative), 1 rules, 0 variables\nevery automated clause is cited by a rule\n"
    );
    let directory = tempfile::tempdir().expect("temp dir");
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/packs/minimal/pack.yaml"),
    )
    .expect("pack");
    let schema = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/packs/minimal/schema.yaml"),
    )
    .expect("schema");
    let without_rules = manifest.split("\nrules:").next().expect("head").to_string();
    std::fs::write(directory.path().join("pack.yaml"), without_rules).expect("writes");
    std::fs::write(directory.path().join("schema.yaml"), &schema).expect("writes");
    let holes = guifan(&["pack", "lint", &directory.path().to_string_lossy()]);
    assert_eq!(holes.status.code(), Some(1));
    assert!(text(&holes.stdout).contains("clause 5.3.2 is marked automated but no rule cites it"));
    std::fs::write(
        directory.path().join("pack.yaml"),
        manifest.replace("assert:", "asert:"),
    )
    .expect("writes");
    let broken = guifan(&["pack", "lint", &directory.path().to_string_lossy()]);
    assert_eq!(broken.status.code(), Some(2));
    let stderr = text(&broken.stderr);
    assert!(
        stderr.contains("pack.yaml:23:5: unknown key `asert`"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `assert`?"), "{stderr}");
}

#[test]
fn schema_prints_the_packs_json_schema() {
    let output = guifan(&["schema", "tests/packs/minimal"]);
    assert_eq!(output.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(schema["properties"]["items"]["type"], "array");
}

#[test]
fn an_empty_file_is_an_error_not_a_clean_pass() {
    let output = guifan_with_stdin(&["check", "-"], "# only a comment\n");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("<stdin>:1:1: the file holds no dossier"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn hostile_inputs_end_in_errors_not_crashes() {
    let deep = format!("{}1{}", "[".repeat(50_000), "]".repeat(50_000));
    let output = guifan_with_stdin(&["check", "-"], &deep);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("nested more than 128 levels")
            || stderr.contains("recursion limit exceeded"),
        "{stderr}"
    );
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..10 {
        let row = vec![format!("*a{}", level - 1); 10].join(", ");
        bomb.push_str(&format!("a{level}: &a{level} [{row}]\n"));
    }
    let output = guifan_with_stdin(&["check", "-"], &bomb);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("aliases expand this document past"),
        "{}",
        text(&output.stderr)
    );
    let output = guifan_with_stdin(&["check", "-"], "\u{0}\u{1}binary");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn explain_shows_the_clause_and_the_rules_that_enforce_it() {
    let output = guifan(&[
        "explain",
        "item-promised-limit-exceeds-statutory",
        "--pack",
        "tests/packs/minimal",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.starts_with(
            "item-promised-limit-exceeds-statutory [error] (tests/packs/minimal/pack.yaml:19)\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("  assert: item.promised_limit <= item.statutory_limit\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "条款 5.3.2 (应 shall, automated)\n  应督促进驻部门将所有服务事项向一个内设机构集中"
        ),
        "{stdout}"
    );
    let clause = guifan(&["explain", "5.3.2", "--pack", "tests/packs/minimal"]);
    assert!(text(&clause.stdout).contains("item-promised-limit-exceeds-statutory [error]"));
    let unknown = guifan(&["explain", "9.9.9"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("`9.9.9` is neither a rule nor a clause"));
}

#[test]
fn ci_formats_sarif_junit_and_github_annotations() {
    let sarif = guifan(&["check", "--format", "sarif", INVALID, VALID]);
    assert_eq!(sarif.status.code(), Some(1));
    let log: serde_json::Value = serde_json::from_slice(&sarif.stdout).expect("sarif is JSON");
    assert_eq!(log["version"], "2.1.0");
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "item-legal-basis-missing");
    assert_eq!(result["level"], "error");
    assert_eq!(result["properties"]["clause"], "5.2.1.1");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_i64(), region["startColumn"].as_i64()),
        (Some(209), Some(5))
    );
    assert_eq!(log["runs"][0]["results"].as_array().map(Vec::len), Some(1));
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert!(rules
        .iter()
        .any(|rule| rule["id"] == "item-legal-basis-missing"
            && rule["fullDescription"]["text"]
                .as_str()
                .is_some_and(|text| text.contains("依据 5.2.1.1：进驻部门应根据"))));

    let junit = text(&guifan(&["check", "--format", "junit", INVALID, VALID]).stdout);
    assert!(
        junit.contains(
            r#"<testsuites name="guifan" tests="2" skipped="0" failures="1" errors="0">"#
        ),
        "{junit}"
    );
    assert!(junit.contains("tests/data/legal-basis-missing.yaml:209:5: error item-legal-basis-missing (5.2.1.1): 行政权力事项「企业设立登记」没有写明设定依据"), "{junit}");
    let junit_never =
        text(&guifan(&["check", "--format", "junit", "--fail-on", "never", INVALID]).stdout);
    assert!(
        junit_never.contains(r#"failures="0""#) && junit_never.contains("<system-out>"),
        "{junit_never}"
    );

    let github = guifan(&["check", "--format", "github", INVALID, VALID]);
    assert_eq!(
        text(&github.stdout),
        "::error file=tests/data/legal-basis-missing.yaml,line=209,col=5,endLine=209,endColumn=9,title=item-legal-basis-missing (clause 5.2.1.1)::行政权力事项「企业设立登记」没有写明设定依据\n"
    );
}

#[test]
fn a_reader_that_stops_early_does_not_make_it_panic() {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_guifan"))
        .args(["check", "fixtures/invalid"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut first = [0u8; 16];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("reads");
    // the pipe is closed here, before the report is written out
    let output = child.wait_with_output().expect("ends");
    let stderr = text(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(1));
}
