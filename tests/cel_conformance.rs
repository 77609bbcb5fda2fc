//! The CEL specification's own conformance cases (google/cel-spec's simple tests that need no
//! protobuf message, extracted into tests/data/cel-spec/) run through the evaluator of
//! `guifan eval`: compiled as a pack compiles a rule's expression, evaluated by the engine with
//! the embedded national pack. Every case that fails is listed in
//! tests/data/cel-spec/divergences.txt (and explained in docs/CEL.md): a case that starts to
//! fail fails this test, and so does a listed case that now passes (the list must stay true).
//! `CEL_SPEC_UPDATE=1 cargo test --test cel_conformance` rewrites the list.

mod common;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use cel::objects::Key;
use cel::Value;
use guifan::commands::eval::{evaluate_text, Stage};
use serde_json::Value as Json;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/cel-spec");

/// What one case gave.
enum Verdict {
    Pass,
    Fail(String),
}

/// The expected typed JSON value (see convert.py) against the value the evaluator gave.
fn matches(expected: &Json, actual: &Value) -> bool {
    let Some((kind, want)) = expected.as_object().and_then(|object| object.iter().next()) else {
        return false;
    };
    match (kind.as_str(), actual) {
        ("int", Value::Int(number)) => want.as_str() == Some(&number.to_string()),
        ("uint", Value::UInt(number)) => want.as_str() == Some(&number.to_string()),
        ("double", Value::Float(number)) => match want {
            Json::String(text) if text == "NaN" => number.is_nan(),
            Json::String(text) if text == "Infinity" => *number == f64::INFINITY,
            Json::String(text) if text == "-Infinity" => *number == f64::NEG_INFINITY,
            other => other.as_f64() == Some(*number),
        },
        ("string", Value::String(text)) => want.as_str() == Some(text.as_str()),
        ("bytes", Value::Bytes(bytes)) => {
            let want: Option<Vec<u8>> = want.as_array().map(|items| {
                items
                    .iter()
                    .filter_map(|item| item.as_u64().and_then(|byte| u8::try_from(byte).ok()))
                    .collect()
            });
            want.as_deref() == Some(bytes.as_slice())
        }
        ("bool", Value::Bool(boolean)) => want.as_bool() == Some(*boolean),
        ("null", Value::Null) => true,
        // a type value converts to its name
        ("type", Value::String(name)) => want.as_str() == Some(name.as_str()),
        ("list", Value::List(items)) => want.as_array().is_some_and(|want| {
            want.len() == items.len() && want.iter().zip(items.iter()).all(|(w, a)| matches(w, a))
        }),
        ("map", Value::Map(map)) => want.as_array().is_some_and(|entries| {
            entries.len() == map.map.len()
                && entries.iter().all(|entry| {
                    let (Some(key), Some(value)) = (entry.get(0), entry.get(1)) else {
                        return false;
                    };
                    map.map.iter().any(|(actual_key, actual_value)| {
                        key_matches(key, actual_key) && matches(value, actual_value)
                    })
                })
        }),
        ("duration", Value::Duration(duration)) => {
            let (seconds, nanos) = seconds_nanos(want);
            duration.num_seconds() == seconds
                && duration.subsec_nanos() == i32::try_from(nanos).unwrap_or(-1)
        }
        ("timestamp", Value::Timestamp(timestamp)) => {
            let (seconds, nanos) = seconds_nanos(want);
            timestamp.timestamp() == seconds
                && i64::from(timestamp.timestamp_subsec_nanos()) == nanos
        }
        _ => false,
    }
}

fn seconds_nanos(want: &Json) -> (i64, i64) {
    let part = |index: usize| want.get(index).and_then(Json::as_i64).unwrap_or_default();
    (part(0), part(1))
}

fn key_matches(expected: &Json, actual: &Key) -> bool {
    let value = match actual {
        Key::Int(number) => Value::Int(*number),
        Key::Uint(number) => Value::UInt(*number),
        Key::String(text) => Value::String(text.clone()),
        Key::Bool(boolean) => Value::Bool(*boolean),
    };
    matches(expected, &value)
}

fn describe(value: &Value) -> String {
    let text = format!("{value:?}");
    if text.chars().count() > 120 {
        format!("{}…", text.chars().take(120).collect::<String>())
    } else {
        text
    }
}

fn run_case(case: &Json) -> Verdict {
    let expression = case["expr"].as_str().unwrap_or_default();
    let pack = common::national_pack();
    let options = common::options(guifan::engine::Lang::En);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        evaluate_text(pack, expression, None, &options)
    }));
    let Ok(result) = result else {
        return Verdict::Fail("panicked".to_string());
    };
    match (case.get("value"), result) {
        (Some(expected), Ok(actual)) if matches(expected, &actual) => Verdict::Pass,
        (Some(expected), Ok(actual)) => Verdict::Fail(format!(
            "gave {} where {} was expected",
            describe(&actual),
            expected
        )),
        (Some(expected), Err(failure)) => {
            let stage = match failure.stage {
                Stage::Compile => "does not compile",
                Stage::Evaluate => "fails",
            };
            let message = failure
                .problems
                .first()
                .map(|problem| problem.message.clone())
                .unwrap_or_default();
            // the message starts with `<expression>:line:column: `
            let message = message.splitn(4, ':').nth(3).unwrap_or(&message).trim();
            Verdict::Fail(format!("{stage} ({message}) where {expected} was expected"))
        }
        (None, Err(_)) => Verdict::Pass,
        (None, Ok(actual)) => Verdict::Fail(format!(
            "gave {} where an error ({}) was expected",
            describe(&actual),
            case["error"].as_str().unwrap_or("error")
        )),
    }
}

#[test]
fn cel_spec_simple_cases() {
    // the CEL parser recurses deeply in a debug build (see main.rs): run on a large stack
    let handle = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(run_all)
        .expect("the test thread starts");
    if let Err(panic) = handle.join() {
        std::panic::resume_unwind(panic);
    }
}

fn run_all() {
    let mut files: Vec<_> = std::fs::read_dir(DATA)
        .expect("tests/data/cel-spec exists")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "json")
        })
        .collect();
    files.sort();
    let listed_path = Path::new(DATA).join("divergences.txt");
    let listed: BTreeSet<String> = std::fs::read_to_string(&listed_path)
        .unwrap_or_default()
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| line.split('\t').next().map(str::to_string))
        .collect();
    let mut table = String::new();
    let mut failing: Vec<(String, String)> = Vec::new();
    let (mut passed_all, mut total_all) = (0usize, 0usize);
    for path in &files {
        let stem = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().to_string())
            .unwrap_or_default();
        let text = std::fs::read_to_string(path).expect("a case file reads");
        let document: Json = serde_json::from_str(&text).expect("a case file is JSON");
        let cases = document["cases"].as_array().cloned().unwrap_or_default();
        let mut passed = 0;
        for case in &cases {
            let id = format!(
                "{stem}/{}/{}",
                case["section"].as_str().unwrap_or_default(),
                case["name"].as_str().unwrap_or_default()
            );
            match run_case(case) {
                Verdict::Pass => passed += 1,
                Verdict::Fail(why) => failing.push((
                    id,
                    format!("{}\t{why}", case["expr"].as_str().unwrap_or_default()),
                )),
            }
        }
        let _ = writeln!(table, "{stem:16} {passed:4} / {:4}", cases.len());
        passed_all += passed;
        total_all += cases.len();
    }
    let _ = writeln!(table, "{:16} {passed_all:4} / {total_all:4}", "all");
    println!("{table}");

    if std::env::var_os("CEL_SPEC_UPDATE").is_some() {
        let mut text = String::from(
            "# Cases of tests/data/cel-spec/*.json that guifan's evaluator does not pass: \
             file/section/name, expression, what happened. Grouped and explained in docs/CEL.md; \
             written by CEL_SPEC_UPDATE=1 cargo test --test cel_conformance.\n",
        );
        for (id, why) in &failing {
            let why = why.replace(['\n', '\r'], " ");
            let _ = writeln!(text, "{id}\t{why}");
        }
        std::fs::write(&listed_path, text).expect("divergences.txt is written");
        return;
    }
    let failing_ids: BTreeSet<String> = failing.iter().map(|(id, _)| id.clone()).collect();
    let new: Vec<String> = failing
        .iter()
        .filter(|(id, _)| !listed.contains(id))
        .map(|(id, why)| format!("{id}\t{why}"))
        .collect();
    let fixed: Vec<&String> = listed.difference(&failing_ids).collect();
    assert!(
        new.is_empty(),
        "{} CEL conformance cases now fail (pass rate {passed_all}/{total_all}):\n{}",
        new.len(),
        new.join("\n")
    );
    assert!(
        fixed.is_empty(),
        "these cases pass now: remove them from tests/data/cel-spec/divergences.txt and \
         docs/CEL.md (or run with CEL_SPEC_UPDATE=1):\n{fixed:?}"
    );
}
