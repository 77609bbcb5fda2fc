//! Hostile inputs against evaluation and rendering: long lines, full streams, deep
//! expressions, budgets, finding caps, control characters and huge values. Each case asserts
//! the exit code, what the user reads (message, line, column or finding) and that nothing
//! panicked or aborted, in well under two seconds.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs guifan in `directory`; NO_COLOR keeps the human report plain.
fn guifan_in(directory: &Path, arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guifan"))
        .args(arguments)
        .current_dir(directory)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("guifan runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

/// No panic, no abort: a panic message or a signal (stack overflow, failed allocation) would
/// show here.
fn assert_no_crash(output: &Output) {
    let stderr = text(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("overflowed its stack"), "{stderr}");
    assert!(!stderr.contains("memory allocation"), "{stderr}");
    assert!(
        output.status.code().is_some(),
        "killed: {:?}",
        output.status
    );
}

const HOSTILE_SCHEMA: &str = r#"$schema: https://json-schema.org/draft/2020-12/schema
type: object
properties:
  items:
    type: array
    items:
      type: object
      properties:
        name: {type: string}
        promised_limit: {type: integer}
        statutory_limit: {type: integer}
  l: {type: array}
  s: {type: string}
"#;

/// A scratch directory with a pack whose rules (and variables) are given as YAML.
struct Scratch {
    directory: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            directory: tempfile::tempdir().expect("temporary directory"),
        }
    }

    fn path(&self) -> &Path {
        self.directory.path()
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("directory");
        }
        std::fs::write(&path, contents).expect("writes");
        path
    }

    /// `pack/` with the given rules and variables (YAML list items, indented by two).
    fn pack(&self, variables: &str, rules: &str) {
        self.write("pack/schema.yaml", HOSTILE_SCHEMA);
        let variables = if variables.is_empty() {
            String::new()
        } else {
            format!("variables:\n{variables}")
        };
        self.write(
            "pack/pack.yaml",
            &format!(
                r#"pack:
  id: test.hostile
  version: 1.0.0
  title: 恶意输入测试
  standard: {{code: TEST, title: 测试}}
  effective_from: 2020-01-01
schema: schema.yaml
clauses:
  - number: "1"
    force: shall
    coverage: automated
    text: 测试条款。
{variables}rules:
{rules}"#
            ),
        );
    }

    /// A pack with one rule over every item that quotes the item's name in its message.
    fn name_pack(&self) {
        self.pack(
            "",
            r#"  - id: item-limit
    clauses: ["1"]
    for_each: items as item
    when: has(item.promised_limit) && has(item.statutory_limit)
    assert: item.promised_limit <= item.statutory_limit
    target: promised_limit
    message:
      zh: "事项「{item.name}」超过时限"
      en: "'{item.name}' is over the limit"
"#,
        );
    }
}

fn timed(run: impl FnOnce() -> Output) -> Output {
    let started = Instant::now();
    let output = run();
    // generous for a debug build on a shared machine; a hang would take minutes
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    output
}

/// One item whose promised limit is over the statutory one, named `name`, as JSON.
fn failing_item_json(name: &str) -> String {
    format!(
        "{{\"items\":[{{\"name\":{},\"promised_limit\":30,\"statutory_limit\":20}}]}}",
        serde_json::to_string(name).expect("string")
    )
}

#[test]
fn a_finding_past_column_65535_of_minified_json_is_drawn_with_its_position() {
    let scratch = Scratch::new();
    scratch.name_pack();
    let item = format!(
        "{{\"name\":\"{}\",\"promised_limit\":30,\"statutory_limit\":20}}",
        "x".repeat(1200)
    );
    let json = format!("{{\"items\":[{}]}}", vec![item; 54].join(","));
    scratch.write("min.json", &json);
    let output = timed(|| guifan_in(scratch.path(), &["check", "--pack", "pack", "min.json"]));
    assert_no_crash(&output);
    assert_eq!(output.status.code(), Some(1));
    let column =
        json.rfind("\"promised_limit\":").expect("there") + "\"promised_limit\":".len() + 1;
    assert!(column > 65_535);
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains(&format!("[min.json:1:{column}]")),
        "{stdout}"
    );
    assert!(stdout.contains("54 个错误"), "{stdout}");
    // every snippet line is cut around the label
    assert!(stdout.lines().all(|line| line.chars().count() < 400));
}

#[test]
fn a_syntax_error_on_a_long_line_is_located() {
    let scratch = Scratch::new();
    scratch.name_pack();
    let json = format!(
        "{{\"items\":[{{\"name\":\"{}\"}} oops]}}",
        "y".repeat(70_000)
    );
    scratch.write("broken.json", &json);
    let output = timed(|| guifan_in(scratch.path(), &["check", "--pack", "pack", "broken.json"]));
    assert_no_crash(&output);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    let column = json.find("oops").expect("there") + 1;
    assert!(
        stderr.contains(&format!("broken.json:1:{column}")),
        "{stderr}"
    );
    assert!(stderr.lines().all(|line| line.chars().count() < 400));
}

#[test]
fn a_pack_error_on_a_long_line_is_located() {
    let scratch = Scratch::new();
    let literal = "z".repeat(70_000);
    scratch.pack(
        "",
        &format!(
            r#"  - id: long-line
    clauses: ["1"]
    assert: "'{literal}' == )"
    message: {{zh: "长", en: "long"}}
"#
        ),
    );
    let output = timed(|| guifan_in(scratch.path(), &["pack", "lint", "pack"]));
    assert_no_crash(&output);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("CEL syntax error"), "{stderr}");
    // the header's column is past 65,535 on line 16 of the pack
    assert!(stderr.contains("pack/pack.yaml:16:700"), "{stderr}");
    assert!(stderr.lines().all(|line| line.chars().count() < 400));
}

#[test]
fn a_full_standard_output_ends_in_exit_2_with_a_message() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let output = Command::new(env!("CARGO_BIN_EXE_guifan"))
        .args(["check", "tests/data/legal-basis-missing.yaml"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .expect("runs");
    assert_no_crash(&output);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("cannot write <stdout>"), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
}

#[test]
fn a_full_standard_error_does_not_panic() {
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full")
    };
    // the error message goes to a full standard error, the report to a full standard output
    for arguments in [
        &["check", "no-such-file.yaml"][..],
        &["check", "tests/data/legal-basis-missing.yaml"][..],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_guifan"))
            .args(arguments)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(full())
            .stderr(full())
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{arguments:?}");
    }
}

#[test]
fn a_sum_of_5000_terms_is_a_located_load_error() {
    let scratch = Scratch::new();
    let sum = vec!["1"; 5000].join(" + ");
    scratch.pack(
        "",
        &format!(
            "  - id: long-sum\n    clauses: [\"1\"]\n    assert: {sum} > 0\n    message: {{zh: \"和\", en: \"sum\"}}\n"
        ),
    );
    for command in [&["pack", "lint", "pack"][..], &["pack", "doc", "pack"][..]] {
        let output = timed(|| guifan_in(scratch.path(), command));
        assert_no_crash(&output);
        assert_eq!(output.status.code(), Some(2));
        let stderr = text(&output.stderr);
        // the 129th `+`: "1 + " is 4 characters, after `    assert: `
        let column = 13 + 128 * 4 + 2;
        assert!(
            stderr.contains(&format!(
                "pack/pack.yaml:16:{column}: the expression is deeper than 128 levels"
            )),
            "{stderr}"
        );
    }
}

#[test]
fn has_20000_deep_is_a_located_load_error_in_check_and_lint() {
    let scratch = Scratch::new();
    scratch.pack(
        "",
        &format!(
            "  - id: deep-has\n    clauses: [\"1\"]\n    assert: has(doc{})\n    message: {{zh: \"深\", en: \"deep\"}}\n",
            ".a".repeat(20_000)
        ),
    );
    scratch.write("d.yaml", "s: x\n");
    for command in [
        &["pack", "lint", "pack"][..],
        &["check", "--pack", "pack", "d.yaml"][..],
    ] {
        let output = timed(|| guifan_in(scratch.path(), command));
        assert_no_crash(&output);
        assert_eq!(output.status.code(), Some(2));
        let stderr = text(&output.stderr);
        assert!(
            stderr.contains("the expression is deeper than 128 levels"),
            "{stderr}"
        );
        assert!(stderr.contains("pack/pack.yaml:16:"), "{stderr}");
    }
}

#[test]
fn deep_brackets_are_refused_in_a_sentence_not_debug_text() {
    let scratch = Scratch::new();
    scratch.pack(
        "",
        &format!(
            "  - id: deep-brackets\n    clauses: [\"1\"]\n    assert: {}1{} == 1\n    message: {{zh: \"深\", en: \"deep\"}}\n",
            "(".repeat(200),
            ")".repeat(200)
        ),
    );
    let output = timed(|| guifan_in(scratch.path(), &["pack", "lint", "pack"]));
    assert_no_crash(&output);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    // the 33rd bracket, after `    assert: `
    assert!(
        stderr.contains("pack/pack.yaml:16:45: the expression nests brackets more than 32 deep"),
        "{stderr}"
    );
    assert!(!stderr.contains("ParseError"), "{stderr}");
    assert!(!stderr.contains("OtherError"), "{stderr}");
}

/// 32 brackets deep is within the limit: the pack loads in `check` (on the thread that loads
/// it while the inputs are read), whether the text parses or not. The text that does not parse
/// is reparsed by the ANTLR parser for its message, which recurses deepest.
#[test]
fn brackets_32_deep_load_in_check_parsed_or_not() {
    for (assertion, code) in [
        (format!("{}1{} == 1", "(".repeat(32), ")".repeat(32)), 0),
        (format!("{}1 +{} == 1", "(".repeat(32), ")".repeat(32)), 2),
    ] {
        let scratch = Scratch::new();
        scratch.pack(
            "",
            &format!(
                "  - id: deep-brackets\n    clauses: [\"1\"]\n    assert: {assertion}\n    message: {{zh: \"深\", en: \"deep\"}}\n"
            ),
        );
        scratch.write("d.yaml", "submitted_on: 2026-01-01\n");
        let output = timed(|| guifan_in(scratch.path(), &["check", "--pack", "pack", "d.yaml"]));
        assert_no_crash(&output);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{stderr}");
        if code == 2 {
            assert!(stderr.contains("CEL syntax error"), "{stderr}");
            assert!(stderr.contains("pack/pack.yaml:16:"), "{stderr}");
        }
    }
}

#[test]
fn four_nested_comprehensions_are_refused_at_load() {
    let scratch = Scratch::new();
    scratch.pack(
        "",
        r#"  - id: quartic
    clauses: ["1"]
    assert: l.all(a, l.all(b, l.all(c, l.all(d, a == d))))
    message: {zh: "四重", en: "quartic"}
"#,
    );
    let output = timed(|| guifan_in(scratch.path(), &["pack", "lint", "pack"]));
    assert_no_crash(&output);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    let column = "    assert: l.all(a, l.all(b, l.all(c, l.all".len() + 1;
    assert!(
        stderr.contains(&format!(
            "pack/pack.yaml:16:{column}: the rule nests comprehensions more than 3 deep"
        )),
        "{stderr}"
    );
}

#[test]
fn nested_all_over_160000_elements_ends_in_a_budget_rule_error() {
    let scratch = Scratch::new();
    scratch.pack(
        "",
        r#"  - id: quadratic
    clauses: ["1"]
    when: has(doc.l)
    assert: doc.l.all(x, doc.l.exists(y, y == x))
    message: {zh: "二次", en: "quadratic"}
"#,
    );
    let numbers: Vec<String> = (0..160_000).map(|n| n.to_string()).collect();
    scratch.write("l.json", &format!("{{\"l\":[{}]}}", numbers.join(",")));
    let started = Instant::now();
    // a debug build takes ~5 µs a step: a tenth of the default budget keeps the test quick
    let output = guifan_in(
        scratch.path(),
        &[
            "check",
            "--pack",
            "pack",
            "l.json",
            "--format",
            "json",
            "--lang",
            "en",
            "--max-cost",
            "100000",
        ],
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_no_crash(&output);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let finding = &report["findings"][0];
    assert_eq!(finding["rule"], "rule-error");
    assert_eq!(finding["failed_rule"], "quadratic");
    let message = finding["message"].as_str().expect("message");
    assert!(
        message.contains(
            "budget exhausted: one evaluation took more than 100000 steps (see --max-cost)"
        ),
        "{message}"
    );
    // the rule has no for_each: the finding is at the dossier's first key
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(1), Some(2))
    );
}

/// `i.json`: `count` items named n0, n1 …
fn write_named_items(scratch: &Scratch, count: usize) {
    let items: Vec<String> = (0..count)
        .map(|n| format!("{{\"name\":\"n{n}\"}}"))
        .collect();
    scratch.write("i.json", &format!("{{\"items\":[{}]}}", items.join(",")));
}

/// `i.json` checked with `pack/`, in JSON and in English, with a dossier budget of `steps`.
fn check_with_dossier_budget(scratch: &Scratch, steps: &str) -> Output {
    check_with_budget(scratch, "--max-dossier-cost", steps)
}

/// The findings of a check that found some, its report in JSON.
fn findings_of(output: &Output) -> Vec<serde_json::Value> {
    assert_no_crash(output);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    report["findings"].as_array().expect("findings").clone()
}

/// `i.json` checked with `pack/`, in JSON and in English, with `budget` (`--max-cost` or
/// `--max-dossier-cost`) set to `steps`.
fn check_with_budget(scratch: &Scratch, budget: &str, steps: &str) -> Output {
    guifan_in(
        scratch.path(),
        &[
            "check", "--pack", "pack", "i.json", "--format", "json", "--lang", "en", budget, steps,
        ],
    )
}

#[test]
fn the_dossier_budget_bounds_many_evaluations() {
    let scratch = Scratch::new();
    scratch.pack(
        "",
        r#"  - id: scan-per-item
    clauses: ["1"]
    for_each: items as item
    assert: doc.items.exists(other, other.name == item.name)
    message: {zh: "扫描", en: "scan"}
"#,
    );
    write_named_items(&scratch, 300);
    let output = timed(|| check_with_dossier_budget(&scratch, "5000"));
    assert_no_crash(&output);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let findings = report["findings"].as_array().expect("findings");
    assert!(!findings.is_empty());
    assert!(findings.iter().all(
        |finding| finding["message"]
            .as_str()
            .is_some_and(|message| message.contains(
                "the dossier's evaluations took more than 5000 steps (see --max-dossier-cost)"
            ))
    ));
    // the first items were checked within the budget: the first error is past them
    assert!(findings[0]["path"].as_str().expect("path") > "/items/1");
}

/// The pack of `variables_pack` and a dossier of 100 named items.
fn variables_scratch() -> Scratch {
    let scratch = Scratch::new();
    variables_pack(&scratch);
    write_named_items(&scratch, 100);
    scratch
}

/// `pack/` with five variables over the items (`names` 202 steps on 100 items, `name_count`
/// 101, `scan` 202, `after_scan` and `literal` none) and a rule reading two of them.
fn variables_pack(scratch: &Scratch) {
    scratch.pack(
        r#"  - name: names
    expr: doc.items.map(i, i.name)
  - name: name_count
    expr: names.filter(n, n != '').size()
  - name: scan
    expr: doc.items.map(i, i.name + '!')
  - name: after_scan
    expr: size(scan)
  - name: literal
    expr: "'ok'"
"#,
        r#"  - id: reads-name-count
    clauses: ["1"]
    assert: name_count >= 0 && literal == 'ok'
    message: {zh: "计数", en: "count"}
"#,
    );
}

/// With a dossier budget that five evaluations of `--max-cost` steps cannot run out, the
/// variables are evaluated a level at once: the two that take more than `--max-cost` fail, the
/// two that read them are not evaluated, as in the pack's order.
#[test]
fn variables_evaluated_at_once_fail_on_max_cost_as_in_the_pack_order() {
    let scratch = variables_scratch();
    for _ in 0..5 {
        let findings = findings_of(&check_with_budget(&scratch, "--max-cost", "150"));
        let failed: Vec<&str> = findings
            .iter()
            .map(|finding| finding["failed_rule"].as_str().unwrap_or_default())
            .collect();
        // `reads-name-count` reads `name_count`, which reads `names`: not evaluated either
        assert_eq!(failed, ["names", "scan"], "{findings:?}");
        for finding in &findings {
            let message = finding["message"].as_str().unwrap_or_default();
            assert!(
                message.ends_with(
                    "could not be evaluated: budget exhausted: one evaluation took more than 150 \
                     steps (see --max-cost)"
                ),
                "{message}"
            );
        }
    }
}

/// The pack's variables are evaluated a level at once only where together they could not run
/// the dossier's budget out; under a budget this tight they are evaluated in the pack's order.
/// `name_count` (of the second level: it reads `names`) comes before `scan` (of the first) in
/// the pack: in the pack's order `names` and `name_count` take 303 steps of the 400, and
/// `scan`, which needs 202, is the one that runs out (the binary of before the levels gave the
/// same). Taking the steps level by level, `name_count` would be.
#[test]
fn the_variable_that_runs_the_dossier_budget_out_is_the_one_in_the_pack_order() {
    let scratch = variables_scratch();
    for _ in 0..5 {
        let findings = findings_of(&check_with_dossier_budget(&scratch, "400"));
        // `after_scan` reads `scan`: not evaluated, and no finding of its own
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0]["rule"], "rule-error");
        assert_eq!(findings[0]["failed_rule"], "scan");
        assert_eq!(
            findings[0]["message"],
            "the pack variable `scan` could not be evaluated: budget exhausted: the dossier's \
             evaluations took more than 400 steps (see --max-dossier-cost)"
        );
    }
}

#[test]
fn a_variable_that_doubles_a_string_is_refused_not_an_abort() {
    let scratch = Scratch::new();
    let mut variables = String::from("  - name: v0\n    expr: doc.s + doc.s\n");
    for index in 1..40 {
        variables.push_str(&format!(
            "  - name: v{index}\n    expr: v{} + v{}\n",
            index - 1,
            index - 1
        ));
    }
    scratch.pack(
        &variables,
        r#"  - id: uses-the-last
    clauses: ["1"]
    assert: size(v39) > 0
    message: {zh: "长", en: "long"}
"#,
    );
    scratch.write("s.yaml", &format!("s: {}\n", "w".repeat(1000)));
    let output = timed(|| {
        guifan_in(
            scratch.path(),
            &[
                "check", "--pack", "pack", "s.yaml", "--lang", "en", "--format", "json",
            ],
        )
    });
    assert_no_crash(&output);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["rule"], "rule-error");
    // 1000 × 2^15 bytes is the first past 16 MiB
    assert_eq!(findings[0]["failed_rule"], "v14");
    let message = findings[0]["message"].as_str().expect("message");
    assert!(
        message.starts_with(
            "the pack variable `v14` could not be evaluated: the result is too large (32768000;"
        ),
        "{message}"
    );
}

#[test]
fn patterns_made_from_dossier_values_do_not_grow_the_cache_without_bound() {
    use guifan::cel::{regex_cache_len, REGEX_CACHE_CAPACITY};
    use guifan::commands::check::{check_inputs, collect_inputs};
    let scratch = Scratch::new();
    scratch.pack(
        "",
        r#"  - id: name-matches-itself
    clauses: ["1"]
    for_each: items as item
    assert: item.name.matches('^' + item.name + '$')
    message: {zh: "不匹配", en: "no match"}
"#,
    );
    let items: Vec<String> = (0..3000)
        .map(|n| format!("{{\"name\":\"p{n}x\"}}"))
        .collect();
    let path = scratch.write("p.json", &format!("{{\"items\":[{}]}}", items.join(",")));
    let pack = guifan::pack::load_pack_from_path(&scratch.path().join("pack")).expect("loads");
    let inputs = collect_inputs(&[path.to_string_lossy().to_string()]).expect("inputs");
    let options = guifan::engine::CheckOptions {
        as_of: None,
        today: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        lang: guifan::engine::Lang::En,
        limits: Default::default(),
    };
    let checked = check_inputs(&pack, &inputs, &options).expect("checks");
    // every name matches its own pattern: 3,000 patterns compiled, no finding
    assert!(
        checked.findings.is_empty(),
        "{:?}",
        checked.findings.first()
    );
    assert!(
        regex_cache_len() <= REGEX_CACHE_CAPACITY,
        "{}",
        regex_cache_len()
    );
    assert!(regex_cache_len() > 0);
}

#[test]
fn many_failing_items_give_capped_findings_and_a_count_of_the_rest() {
    let scratch = Scratch::new();
    scratch.pack(
        "",
        r#"  - id: name-missing
    clauses: ["1"]
    for_each: items as item
    assert: has(item.name)
    message: {zh: "缺少名称", en: "no name"}
"#,
    );
    scratch.write(
        "empty.json",
        &format!("{{\"items\":[{}]}}", vec!["{}"; 20_000].join(",")),
    );
    let human = timed(|| {
        guifan_in(
            scratch.path(),
            &[
                "check",
                "--pack",
                "pack",
                "empty.json",
                "--max-findings",
                "100",
                "--lang",
                "en",
            ],
        )
    });
    assert_no_crash(&human);
    assert_eq!(human.status.code(), Some(1));
    let stdout = text(&human.stdout);
    assert_eq!(stdout.matches("name-missing").count(), 100);
    assert!(
        stdout.ends_with("checked 1 dossier in 1 file: 20000 errors, 0 warnings, 0 infos; 19900 more findings not shown (see --max-findings, --max-run-findings)\n"),
        "{}",
        &stdout[stdout.len().saturating_sub(300)..]
    );
    let json = guifan_in(
        scratch.path(),
        &[
            "check",
            "--pack",
            "pack",
            "empty.json",
            "--max-findings",
            "100",
            "--format",
            "json",
        ],
    );
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(report["findings"].as_array().map(Vec::len), Some(100));
    assert_eq!(report["summary"]["truncated"], true);
    assert_eq!(report["summary"]["not_shown"], 19_900);
    assert_eq!(report["summary"]["errors"], 20_000);
    // the first items are the ones shown, in document order
    assert_eq!(report["findings"][0]["path"], "/items/0");
    assert_eq!(report["findings"][99]["path"], "/items/99");
}

#[test]
fn the_run_cap_applies_over_files_in_every_format() {
    let scratch = Scratch::new();
    scratch.name_pack();
    scratch.write("a.json", &failing_item_json("a"));
    scratch.write("b.json", &failing_item_json("b"));
    let arguments = |format: &'static str| {
        vec![
            "check",
            "--pack",
            "pack",
            "a.json",
            "b.json",
            "--max-run-findings",
            "1",
            "--format",
            format,
        ]
    };
    let github = guifan_in(scratch.path(), &arguments("github"));
    assert_eq!(github.status.code(), Some(1));
    let stdout = text(&github.stdout);
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(
        stdout.starts_with("::error file=a.json,line=1,"),
        "{stdout}"
    );
    assert!(stdout.ends_with("::notice title=guifan::1 more findings not shown (see --max-findings, --max-run-findings)\n"), "{stdout}");
    let sarif = guifan_in(scratch.path(), &arguments("sarif"));
    let log: serde_json::Value = serde_json::from_slice(&sarif.stdout).expect("SARIF");
    assert_eq!(log["runs"][0]["properties"]["notShown"], 1);
    assert_eq!(log["runs"][0]["results"].as_array().map(Vec::len), Some(1));
    let junit = guifan_in(scratch.path(), &arguments("junit"));
    let xml = text(&junit.stdout);
    assert!(
        xml.contains(r#"<property name="guifan.not_shown" value="1"/>"#),
        "{xml}"
    );
}

/// The JUnit report parsed by an XML parser: every event, or the parser's error.
fn parse_xml(xml: &str) -> Result<Vec<String>, String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut texts = Vec::new();
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => return Ok(texts),
            Ok(quick_xml::events::Event::Start(element))
            | Ok(quick_xml::events::Event::Empty(element)) => {
                for attribute in element.attributes() {
                    let attribute = attribute.map_err(|error| error.to_string())?;
                    let value = attribute
                        .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                        .map_err(|error| error.to_string())?;
                    check_xml_chars(&value)?;
                    texts.push(value.to_string());
                }
            }
            Ok(quick_xml::events::Event::Text(content)) => {
                let value = content.decode().map_err(|error| error.to_string())?;
                check_xml_chars(&value)?;
                texts.push(value.to_string());
            }
            Ok(_) => {}
            Err(error) => return Err(error.to_string()),
        }
    }
}

/// XML 1.0's Char production (quick-xml does not check it).
fn check_xml_chars(text: &str) -> Result<(), String> {
    match text.chars().find(|character| {
        !(matches!(character, '\t' | '\n' | '\r')
            || (*character >= '\u{20}' && *character != '\u{fffe}' && *character != '\u{ffff}'))
    }) {
        Some(character) => Err(format!(
            "U+{:04X} is not an XML character",
            character as u32
        )),
        None => Ok(()),
    }
}

#[test]
fn an_escape_in_a_value_is_shown_escaped_in_human_github_and_junit() {
    let scratch = Scratch::new();
    scratch.name_pack();
    scratch.write("esc.json", &failing_item_json("A\u{1b}[2JB and the rest"));
    for format in ["human", "github", "junit"] {
        let output = guifan_in(
            scratch.path(),
            &[
                "check", "--pack", "pack", "esc.json", "--format", format, "--color", "never",
            ],
        );
        assert_no_crash(&output);
        assert_eq!(output.status.code(), Some(1), "{format}");
        let stdout = text(&output.stdout);
        assert!(!stdout.contains('\u{1b}'), "{format}: {stdout:?}");
        assert!(
            stdout.contains("A\\u{1b}[2JB and the rest"),
            "{format}: {stdout}"
        );
    }
    // the snippet of a YAML file that holds the ESC itself escapes it too
    scratch.write(
        "esc.yaml",
        "items:\n  - {name: \"A\u{1b}[2JB\", promised_limit: 30, statutory_limit: 20}\n",
    );
    let human = text(&guifan_in(scratch.path(), &["check", "--pack", "pack", "esc.yaml"]).stdout);
    assert!(!human.contains('\u{1b}'), "{human:?}");
    assert!(
        human.contains(" 2 │   - {name: \"A\\u{1b}[2JB\", promised_limit: 30"),
        "{human}"
    );
}

#[test]
fn bidi_overrides_are_escaped() {
    let scratch = Scratch::new();
    scratch.name_pack();
    scratch.write(
        "bidi.json",
        &failing_item_json("safe\u{202e}txt.exe\u{2066}"),
    );
    for format in ["human", "github", "junit"] {
        let output = guifan_in(
            scratch.path(),
            &["check", "--pack", "pack", "bidi.json", "--format", format],
        );
        assert_eq!(output.status.code(), Some(1), "{format}");
        let stdout = text(&output.stdout);
        assert!(
            !stdout.contains('\u{202e}') && !stdout.contains('\u{2066}'),
            "{format}"
        );
        assert!(
            stdout.contains("safe\\u{202e}txt.exe\\u{2066}"),
            "{format}: {stdout}"
        );
    }
}

#[test]
fn junit_stays_well_formed_with_noncharacters_and_controls() {
    let scratch = Scratch::new();
    scratch.name_pack();
    scratch.write(
        "fffe.json",
        &failing_item_json("a\u{fffe}b\u{ffff}c\u{1}d\u{1b}e"),
    );
    let output = guifan_in(
        scratch.path(),
        &["check", "--pack", "pack", "fffe.json", "--format", "junit"],
    );
    assert_eq!(output.status.code(), Some(1));
    let xml = text(&output.stdout);
    let texts = parse_xml(&xml).unwrap_or_else(|error| panic!("{error}\n{xml}"));
    assert!(
        texts
            .iter()
            .any(|text| text.contains("a\\u{fffe}b\\u{ffff}c\\u{1}d\\u{1b}e")),
        "{texts:?}"
    );
}

#[test]
fn a_ten_million_character_value_is_cut_in_messages_with_its_length() {
    let scratch = Scratch::new();
    scratch.name_pack();
    scratch.write("big.json", &failing_item_json(&"x".repeat(10_000_000)));
    let human = timed(|| guifan_in(scratch.path(), &["check", "--pack", "pack", "big.json"]));
    assert_no_crash(&human);
    assert_eq!(human.status.code(), Some(1));
    let stdout = text(&human.stdout);
    assert!(stdout.len() < 10_000, "{} bytes", stdout.len());
    assert!(stdout.contains("…（共 10000000 字符）"), "{stdout}");
    let json = guifan_in(
        scratch.path(),
        &[
            "check", "--pack", "pack", "big.json", "--format", "json", "--lang", "en",
        ],
    );
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let message = report["findings"][0]["message"].as_str().expect("message");
    assert_eq!(
        message,
        format!(
            "'{}… (10000000 characters)' is over the limit",
            "x".repeat(200)
        )
    );
}

#[test]
fn an_escape_in_a_syntax_errors_snippet_is_escaped() {
    let scratch = Scratch::new();
    scratch.name_pack();
    scratch.write(
        "esc.yaml",
        "items:\n  - name: \"\u{1b}]0;owned\u{7}\"\n    : bad\n",
    );
    let output = guifan_in(scratch.path(), &["check", "--pack", "pack", "esc.yaml"]);
    assert_no_crash(&output);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\u{7}'),
        "{stderr:?}"
    );
    assert!(stderr.contains("esc.yaml:"), "{stderr}");
}

#[test]
fn deep_dossiers_are_refused_in_json_and_yaml() {
    let scratch = Scratch::new();
    scratch.name_pack();
    scratch.write(
        "deep.json",
        &format!("{{\"l\":{}1{}}}", "[".repeat(5000), "]".repeat(5000)),
    );
    scratch.write(
        "deep.yaml",
        &format!("l: {}1{}\n", "[".repeat(5000), "]".repeat(5000)),
    );
    // JSON is refused by guifan's own limit, YAML by its parser's (deeper than 128)
    for (name, words) in [
        ("deep.json", "128"),
        ("deep.yaml", "recursion limit exceeded"),
    ] {
        let output = timed(|| guifan_in(scratch.path(), &["check", "--pack", "pack", name]));
        assert_no_crash(&output);
        assert_eq!(output.status.code(), Some(2), "{name}");
        let stderr = text(&output.stderr);
        assert!(stderr.contains(words), "{name}: {stderr}");
        assert!(stderr.contains(&format!("{name}:1:")), "{name}: {stderr}");
    }
}

#[test]
fn a_huge_integer_is_a_located_error_and_nan_a_structure_finding() {
    let scratch = Scratch::new();
    scratch.name_pack();
    scratch.write(
        "huge.yaml",
        "items:\n  - name: a\n    promised_limit: 99999999999999999999999999\n",
    );
    let output = timed(|| guifan_in(scratch.path(), &["check", "--pack", "pack", "huge.yaml"]));
    assert_no_crash(&output);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("huge.yaml:3:21: the integer 99999999999999999999999999 is too large"),
        "{stderr}"
    );
    scratch.write(
        "nan.yaml",
        "items:\n  - name: a\n    promised_limit: 3\n    statutory_limit: .nan\n",
    );
    let output = timed(|| {
        guifan_in(
            scratch.path(),
            &["check", "--pack", "pack", "nan.yaml", "--format", "json"],
        )
    });
    assert_no_crash(&output);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let finding = &report["findings"][0];
    assert_eq!(finding["rule"], "dossier-structure");
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(4), Some(22))
    );
}

#[test]
fn a_long_yaml_line_keeps_its_line_and_column_in_the_header() {
    let scratch = Scratch::new();
    scratch.name_pack();
    let padding = "v".repeat(80_000);
    scratch.write(
        "long.yaml",
        &format!("items:\n  - {{name: {padding}, promised_limit: 30, statutory_limit: 20}}\n"),
    );
    let output = timed(|| guifan_in(scratch.path(), &["check", "--pack", "pack", "long.yaml"]));
    assert_no_crash(&output);
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    let column = "  - {name: ".len() + padding.len() + ", promised_limit: ".len() + 1;
    assert!(
        stdout.contains(&format!("[long.yaml:2:{column}]")),
        "{stdout}"
    );
    assert!(stdout.contains(" 2 │ …vvv"), "{stdout}");
    assert!(
        stdout.contains("v, promised_limit: 30, statutory_limit: 20}\n"),
        "{stdout}"
    );
}
