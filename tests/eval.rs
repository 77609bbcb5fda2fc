//! `guifan eval` as a user sees it: the value as JSON on standard output (exit 0), an error
//! pointing into the expression on standard error (exit 1), unusable flags or data (exit 2);
//! and the equality of a dossier mapping with a map built by the expression, on either side.

use std::process::{Command, Output};

fn guifan(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guifan"))
        .args(arguments)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .expect("guifan runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

const DATA: &str = "tests/data/eval/item.yaml";

/// Exit code, standard output and standard error of one run, for a snapshot.
fn run(arguments: &[&str]) -> String {
    let output = guifan(arguments);
    format!(
        "exit: {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr)
    )
}

#[test]
fn a_value_is_printed_as_json() {
    insta::assert_snapshot!(run(&[
        "eval",
        "[1, 2.5, 'a', b'ab', null, {'b': true, 'a': 1u}, duration('90s'), timestamp('2026-05-01T00:00:00Z')]"
    ]));
}

#[test]
fn the_dossier_its_sections_and_the_pack_variables_are_bound() {
    insta::assert_snapshot!(run(&[
        "eval",
        "{'item': items[0], 'day': submitted_day, 'as_of': as_of, 'sections': doc.map(k, k)}",
        "--data",
        DATA
    ]));
}

#[test]
fn an_evaluation_error_points_into_the_expression_and_exits_1() {
    insta::assert_snapshot!(run(&["eval", "items[0].name + 1", "--data", DATA]));
}

#[test]
fn a_syntax_error_and_an_unknown_name_exit_1() {
    insta::assert_snapshot!(run(&["eval", "size(items) >"]));
    let output = guifan(&["eval", "itms[0]"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("<expression>:1:1: `itms` is not a binding"),
        "{stderr}"
    );
    assert!(stderr.contains("`items`"), "{stderr}");
}

#[test]
fn unreadable_data_and_bad_flags_exit_2() {
    let output = guifan(&["eval", "1", "--data", "tests/data/eval/missing.yaml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("cannot read tests/data/eval/missing.yaml"),
        "{}",
        text(&output.stderr)
    );
    let output = guifan(&["eval", "1", "--as-of", "tomorrow"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("--as-of `tomorrow` is not a date"));
    let output = guifan(&["eval"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}

#[test]
fn a_dossier_map_equals_a_built_map_on_either_side() {
    let map = "{'value': 5, 'unit': 'working_days'}";
    let other = "{'value': 6, 'unit': 'working_days'}";
    for (expression, expected) in [
        (format!("items[0].promised_limit == {map}"), "true"),
        (format!("{map} == items[0].promised_limit"), "true"),
        (format!("{other} == items[0].promised_limit"), "false"),
        (format!("{other} != items[0].promised_limit"), "true"),
        (format!("{map} != items[0].promised_limit"), "false"),
        (format!("{map} in items.map(i, i.promised_limit)"), "true"),
        (
            format!("[{{'name': '设立登记', 'promised_limit': {map}}}] == items"),
            "true",
        ),
        (
            "{'items': items, 'dossier': dossier} == doc".to_string(),
            "true",
        ),
    ] {
        let output = guifan(&["eval", &expression, "--data", DATA]);
        assert_eq!(
            (output.status.code(), text(&output.stdout).trim()),
            (Some(0), expected),
            "{expression}: {}",
            text(&output.stderr)
        );
    }
}

/// CEL knows the time zones of China by name, with their other names, and UTC; any offset is
/// understood; a zone outside China is an evaluation error naming it (the zones the build
/// keeps: `.cargo/config.toml`).
#[test]
fn the_time_zones_of_china_are_known_by_name() {
    let hours = |zone: &str| {
        let output = guifan(&[
            "eval",
            &format!("timestamp('2026-01-01T00:00:00Z').getHours('{zone}')"),
        ]);
        (
            output.status.code(),
            text(&output.stdout),
            text(&output.stderr),
        )
    };
    for (zone, want) in [
        ("Asia/Shanghai", "8"),
        ("PRC", "8"),
        ("Asia/Chongqing", "8"),
        ("Asia/Urumqi", "6"),
        ("Asia/Hong_Kong", "8"),
        ("Asia/Macau", "8"),
        ("Asia/Taipei", "8"),
        ("UTC", "0"),
        ("Etc/UTC", "0"),
        ("+08:00", "8"),
        ("-03:30", "20"),
    ] {
        assert_eq!(
            hours(zone),
            (Some(0), format!("{want}\n"), String::new()),
            "{zone}"
        );
    }
    let (code, stdout, stderr) = hours("America/New_York");
    assert_eq!((code, stdout.as_str()), (Some(1), ""), "{stderr}");
    assert!(
        stderr.contains("unknown time zone America/New_York"),
        "{stderr}"
    );
}

/// Unknown names are reported in the order the expression reads them, the same on every run
/// (the interpreter gives the names an expression reads in no set order).
#[test]
fn unknown_names_are_reported_in_reading_order() {
    let expression = "[1, 2, 3].all(i, v, i > -1 && v > 0) || zeta || alpha";
    let first = guifan(&["eval", expression]);
    assert_eq!(first.status.code(), Some(1));
    let stderr = text(&first.stderr);
    let places: Vec<usize> = ["1:15: `i`", "1:18: `v`", "1:41: `zeta`", "1:49: `alpha`"]
        .iter()
        .map(|error| {
            stderr
                .find(error)
                .unwrap_or_else(|| panic!("{error} not in {stderr}"))
        })
        .collect();
    assert!(places.is_sorted(), "{stderr}");
    for _ in 0..8 {
        assert_eq!(text(&guifan(&["eval", expression]).stderr), stderr);
    }
}
