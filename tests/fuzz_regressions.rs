//! The inputs the fuzz targets (fuzz/, docs/FUZZING.md) found crashes, hangs or blow-ups with,
//! replayed on stable through the targets' own harness (fuzz/src/lib.rs): each must end, in
//! time, in the result written beside it here, with no panic.

#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod harness;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use guifan::error::GuifanError;

/// How a kept input must end.
#[derive(Debug)]
#[allow(dead_code)] // until an input of each kind is kept
enum Ending {
    /// Read and checked: this many dossiers, with a finding of this rule among the findings.
    Checked { dossiers: usize, rule: &'static str },
    /// Refused (exit code 2) with a message holding this text.
    Refused(&'static str),
}

/// Every kept input, by target and file name, with its ending. A file in tests/data/fuzz/
/// missing here fails the test, so that no input is kept without saying what it must do.
const EXPECTED: &[(&str, &str, Ending)] = &[
    // a lone CR ends a line for saphyr but not for the line index: the offset of a YAML event
    // was checked against the line and column (a debug assertion) and, for an event behind the
    // last one, computed from them
    (
        "dossier_load",
        "lone-cr-before-control-character.yaml",
        Ending::Checked {
            dossiers: 1,
            rule: "dossier-structure",
        },
    ),
    (
        "dossier_load",
        "lone-cr-line-breaks.yaml",
        Ending::Checked {
            dossiers: 1,
            rule: "dossier-structure",
        },
    ),
    // the interpreter recursed 2,000 levels on a 2 MiB rayon worker and overflowed its stack;
    // the expression is refused before it is parsed (pack/expression_limits.rs; the AST depth bound of 100 stays behind it)
    (
        "cel_eval",
        "sum-of-2000-terms.cel",
        Ending::Refused(
            "the expression is deeper than 128 levels of operators, field selections and brackets",
        ),
    ),
    // a deep expression below the bound still evaluates (30 levels: a debug build needs some
    // 40 KB of stack a level, a release build 2 KB; the fuzz targets try up to the bound)
    (
        "cel_eval",
        "deep-sum-below-the-bound.cel",
        Ending::Checked {
            dossiers: 1,
            rule: "fuzz-message",
        },
    ),
    // a CEL syntax error at a Chinese character was a one-byte span inside the character
    (
        "pack_load",
        "cel-error-at-a-chinese-character.pack",
        Ending::Refused(
            "fuzz-pack/pack.yaml:3:11: CEL syntax error: token recognition error at: '关'",
        ),
    ),
];

/// The stack `guifan` runs a pack load on (the main thread's).
const MAIN_STACK: usize = 8 * 1024 * 1024;

fn run(target: &str, data: &[u8]) -> Result<harness::Checked, GuifanError> {
    let data = data.to_vec();
    let target = target.to_string();
    std::thread::Builder::new()
        .stack_size(MAIN_STACK)
        .spawn(move || match target.as_str() {
            "dossier_load" => harness::dossier_load(&data),
            "pack_load" => harness::pack_load(&data),
            "cel_eval" => harness::cel_eval(&data),
            other => panic!("no fuzz target {other}"),
        })
        .expect("a thread")
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn kept_inputs() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut inputs = Vec::new();
    for target in ["dossier_load", "pack_load", "cel_eval"] {
        let Ok(entries) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            inputs.push((target.to_string(), path));
        }
    }
    inputs.sort();
    inputs
}

/// The full text of an error, its problems included.
fn describe(error: &GuifanError) -> String {
    match error {
        GuifanError::Pack { problems, .. } => {
            let mut text = error.to_string();
            for problem in problems {
                text.push('\n');
                text.push_str(&problem.message);
            }
            text
        }
        GuifanError::Inputs { errors, .. } => errors.iter().map(describe).collect(),
        other => other.to_string(),
    }
}

#[test]
fn every_kept_input_ends_as_expected() {
    let inputs = kept_inputs();
    for (target, path) in &inputs {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().to_string())
            .unwrap_or_default();
        let Some((_, _, expected)) = EXPECTED
            .iter()
            .find(|(kept_target, kept_name, _)| kept_target == target && *kept_name == name)
        else {
            panic!("{target}/{name} is kept without an expected ending in EXPECTED");
        };
        let data = std::fs::read(path).expect("the kept input reads");
        let started = Instant::now();
        let result = run(target, &data);
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(10),
            "{target}/{name} took {took:?}"
        );
        match (expected, &result) {
            (Ending::Checked { dossiers, rule }, Ok(checked)) => {
                assert_eq!(checked.dossiers, *dossiers, "{target}/{name}");
                assert!(
                    checked.findings.iter().any(|finding| finding.rule == *rule),
                    "{target}/{name}: no {rule} finding among {:#?}",
                    checked.findings
                );
            }
            (Ending::Refused(text), Err(error)) => {
                let description = describe(error);
                assert!(
                    description.contains(text),
                    "{target}/{name}: `{text}` not in the error:\n{description}"
                );
            }
            (expected, Ok(checked)) => panic!(
                "{target}/{name}: expected {expected:?}, checked with {:#?}",
                checked.findings
            ),
            (expected, Err(error)) => panic!(
                "{target}/{name}: expected {expected:?}, refused: {}",
                describe(error)
            ),
        }
    }
    // every expectation has its input
    for (target, name, _) in EXPECTED {
        assert!(
            inputs
                .iter()
                .any(|(kept_target, path)| kept_target == target && path.ends_with(name)),
            "{target}/{name} is expected but not kept"
        );
    }
}

/// The targets' input formats, as docs/FUZZING.md describes them.
#[test]
fn the_harness_reads_each_target_format() {
    let dossier = std::fs::read("fixtures/valid/entry-county-small.yaml").expect("fixture");
    let mut yaml = vec![harness::YAML_MARK];
    yaml.extend_from_slice(&dossier);
    let checked = run("dossier_load", &yaml).expect("a valid dossier checks");
    assert_eq!(checked.dossiers, 1);
    assert!(checked.findings.is_empty(), "{:#?}", checked.findings);

    let json = run("dossier_load", b"J{\"items\": [}").expect_err("broken JSON");
    assert!(
        describe(&json).starts_with("fuzz.json:1:"),
        "{}",
        describe(&json)
    );

    let minimal = std::fs::read("tests/packs/minimal/pack.yaml").expect("pack");
    let schema = std::fs::read("tests/packs/minimal/schema.yaml").expect("schema");
    let files = [
        ("pack.yaml".to_string(), minimal),
        ("schema.yaml".to_string(), schema),
    ]
    .into_iter()
    .collect();
    let bundle = harness::bundle(&files);
    assert_eq!(harness::unbundle(&bundle), files);
    let checked = run("pack_load", &bundle).expect("the minimal pack loads");
    let rules: Vec<&str> = checked.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(
        rules[0], "item-promised-limit-exceeds-statutory",
        "{:#?}",
        checked.findings
    );
    assert!(rules[1..].iter().all(|rule| *rule == "dossier-structure"));

    // the assertion holds for every item; the message rule fails and puts the value in words
    let checked = run("cel_eval", b"item.name != '\xe9\xa3\x9f\"\\n'").expect("it compiles");
    let messages: Vec<&str> = checked
        .findings
        .iter()
        .map(|finding| finding.message.as_str())
        .collect();
    assert!(!messages.is_empty());
    assert!(
        messages.iter().all(|message| *message == "值 true"),
        "{messages:?}"
    );
    let checked = run("cel_eval", b"size(item.name) > 100").expect("it compiles");
    assert!(checked
        .findings
        .iter()
        .any(|finding| finding.rule == "fuzz-assertion"));
    let unknown = run("cel_eval", b"nobody.name").expect_err("an unknown name");
    assert!(describe(&unknown).contains("`nobody` is not a binding"));
}
