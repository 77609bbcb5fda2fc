//! `guifan init`: the template it writes for each category and stage, as a user fills it in
//! and checks it.

use std::collections::BTreeSet;
use std::process::{Command, Output, Stdio};

use guifan::document::{parse_documents, Syntax};
use guifan::source::SourceFile;
use serde_json::Value;

fn guifan(arguments: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_guifan"))
        .args(arguments)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("guifan starts");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("writes");
    }
    drop(input);
    child.wait_with_output().expect("guifan runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

/// miette's message with its line breaks (and the frame drawn at them) taken out.
fn unwrapped(bytes: &[u8]) -> String {
    text(bytes)
        .lines()
        .map(|line| line.trim_start().trim_start_matches(['│', '×']).trim())
        .collect::<Vec<_>>()
        .join(" ")
}

fn yaml_json(name: &str, yaml: &str) -> Value {
    let source = SourceFile::new(name, yaml);
    let documents = parse_documents(&source, Syntax::Yaml).expect("parses");
    documents[0].to_json()
}

fn template(category: &str, stage: &str) -> String {
    let output = guifan(&["init", "--category", category, "--stage", stage], None);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    text(&output.stdout)
}

/// The key paths of a tree, list elements as `*`.
fn paths(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = format!("{prefix}/{key}");
                out.insert(path.clone());
                paths(child, &path, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                paths(item, &format!("{prefix}/*"), out);
            }
        }
        _ => {}
    }
}

/// Keeps of `value` only the keys whose path the template has.
fn prune(value: &Value, prefix: &str, keep: &BTreeSet<String>) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter_map(|(key, child)| {
                    let path = format!("{prefix}/{key}");
                    keep.contains(&path)
                        .then(|| (key.clone(), prune(child, &path, keep)))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| prune(item, &format!("{prefix}/*"), keep))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Filled in with the values of a real dossier of the same category and stage (each valid
/// fixture), and nothing the template does not ask for, the template passes `check`: it asks
/// for every field the rules need.
#[test]
fn a_template_filled_with_a_valid_dossiers_values_passes_check() {
    let fixtures = [
        ("entry-county-small", "government", "stationed"),
        ("entry-market-regulation", "government", "stationed"),
        (
            "entry-professional-service",
            "professional_service",
            "stationed",
        ),
        ("entry-public-utility", "public_utility", "stationed"),
        ("proposal-county-list", "government", "proposal"),
        ("adjustment-market-regulation", "government", "adjustment"),
        ("exit-department", "dual_managed", "exit"),
    ];
    for (fixture, category, stage) in fixtures {
        let mut keep = BTreeSet::new();
        paths(
            &yaml_json("template", &template(category, stage)),
            "",
            &mut keep,
        );
        let file = format!("fixtures/valid/{fixture}.yaml");
        let dossier = std::fs::read_to_string(&file).expect("fixture");
        let dossier = yaml_json(&file, &dossier);
        assert_eq!(dossier["dossier"]["stage"], stage, "{fixture}");
        assert_eq!(dossier["department"]["category"], category, "{fixture}");
        let filled = serde_json::to_string_pretty(&prune(&dossier, "", &keep)).expect("json");
        let output = guifan(&["check", "-", "--fail-on", "info"], Some(&filled));
        assert_eq!(
            output.status.code(),
            Some(0),
            "{fixture} pruned to the template of {category}/{stage}:\n{}{}",
            text(&output.stdout),
            text(&output.stderr)
        );
    }
}

/// Unfilled, the template is a dossier of the right shape: every key is one the schema knows
/// (no unknown key, no alias clash), so `check` reports only the values still to write, each at
/// its line in the template.
#[test]
fn an_unfilled_template_is_reported_by_its_empty_values() {
    for category in [
        "government",
        "vertical",
        "public_utility",
        "professional_service",
        "voluntary",
    ] {
        for stage in ["proposal", "recognized", "stationed", "adjustment", "exit"] {
            let yaml = template(category, stage);
            let output = guifan(&["check", "-", "--format", "json"], Some(&yaml));
            assert_eq!(
                output.status.code(),
                Some(1),
                "{category}/{stage}: {}",
                text(&output.stderr)
            );
            let report: Value = serde_json::from_slice(&output.stdout).expect("json report");
            let lines: Vec<&str> = yaml.lines().collect();
            for finding in report["findings"].as_array().expect("findings") {
                let message = finding["message"].as_str().unwrap_or_default();
                assert!(
                    !message.contains("未知") && !message.to_lowercase().contains("additional"),
                    "{category}/{stage}: {message}"
                );
                let line = finding["line"].as_u64().expect("line") as usize;
                // the line without its comment: a value to fill in, or a mapping or list to
                // complete
                let at = lines[line - 1];
                let at = at.split("  #").next().unwrap_or(at).trim_end();
                assert!(
                    at.ends_with(": ''")
                        || at.ends_with(": ~")
                        || at.ends_with(": []")
                        || at.ends_with(':'),
                    "{category}/{stage}: {message} at line {line}: {at}"
                );
            }
        }
    }
}

#[test]
fn the_template_names_fields_and_clauses_in_chinese() {
    let yaml = template("public_utility", "stationed");
    assert!(
        yaml.contains("category: public_utility  # 部门类别\n"),
        "{yaml}"
    );
    assert!(yaml.contains("stage: stationed"), "{yaml}");
    assert!(yaml.contains("kind: entry"), "{yaml}");
    // the government's recommendation of a public utility (4.1.3) is asked for; the approval
    // only a vertical department needs (4.1.4) is not
    assert!(
        yaml.contains("government_recommendation:  # 政府进驻建议；条款 4.1.3"),
        "{yaml}"
    );
    assert!(!yaml.contains("government_approval"), "{yaml}");
    insta::assert_snapshot!(
        "init_government_proposal",
        template("government", "proposal")
    );
}

#[test]
fn init_writes_the_file_named_by_output() {
    let directory = std::env::temp_dir().join(format!("guifan-init-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("dir");
    let path = directory.join("申报材料.yaml");
    let output = guifan(
        &[
            "init",
            "--category",
            "voluntary",
            "--stage",
            "recognized",
            "--output",
            path.to_str().expect("utf-8"),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(output.stdout.is_empty());
    let written = std::fs::read_to_string(&path).expect("written");
    assert_eq!(written, template("voluntary", "recognized"));
    std::fs::remove_dir_all(&directory).expect("cleaned");
}

#[test]
fn an_unknown_category_or_stage_is_a_usage_error_with_the_nearest_name() {
    let output = guifan(&["init", "--category", "public_utilty"], None);
    assert_eq!(output.status.code(), Some(2));
    let stderr = unwrapped(&output.stderr);
    assert!(
        stderr.contains("`public_utilty` is not a category of the pack"),
        "{stderr}"
    );
    assert!(
        stderr.contains("did you mean `public_utility`?"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
    let output = guifan(&["init", "--stage", "stationd"], None);
    assert_eq!(output.status.code(), Some(2));
    let stderr = unwrapped(&output.stderr);
    assert!(stderr.contains("did you mean `stationed`?"), "{stderr}");
}
