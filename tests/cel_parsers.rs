//! `guifan::cel::parse` (the `cel` crate's fast Pratt parser, with the environment's ANTLR
//! parser where they would differ) gives the same tree as `Env::compile` on every expression
//! of the shipped packs and on every case of the CEL specification's conformance data: the
//! same nodes with the same values, whatever the ids (the parsers number map entries in
//! another order, and the interpreter does not read ids).

use std::path::Path;

use guifan::commands::check::load_selected_pack;
use guifan::pack::{Expression, Pack, TemplatePart};

/// The tree without its ids.
fn shape(expression: &cel::parser::Expression) -> String {
    let text = format!("{expression:?}");
    let mut shaped = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("id: ") {
        shaped.push_str(&rest[..at + 4]);
        rest = rest[at + 4..].trim_start_matches(|c: char| c.is_ascii_digit());
        shaped.push('_');
    }
    shaped.push_str(rest);
    shaped
}

/// What each parser makes of `text`: the tree's shape, or the error messages with positions.
fn both(text: &str) -> (String, String) {
    let fast = match guifan::cel::parse(text) {
        Ok(expression) => shape(&expression),
        Err(errors) => format!("{:?}", errors.errors),
    };
    let reference = match guifan::cel::environment().compile(text) {
        Ok(program) => shape(program.expression()),
        Err(errors) => format!("{:?}", errors.errors),
    };
    (fast, reference)
}

fn texts(pack: &Pack) -> Vec<String> {
    let mut expressions: Vec<&Expression> = Vec::new();
    for variable in &pack.variables {
        expressions.push(&variable.expression);
    }
    for rule in &pack.rules {
        expressions.extend(rule.cite.iter().chain(&rule.guard));
        expressions.push(&rule.assertion);
        for template in [&rule.message.zh, &rule.message.en] {
            for part in &template.parts {
                if let TemplatePart::Expression(expression) = part {
                    expressions.push(expression);
                }
            }
        }
    }
    expressions
        .into_iter()
        .map(|expression| expression.source.clone())
        .collect()
}

#[test]
fn every_expression_of_the_shipped_packs_parses_to_the_same_tree() {
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/local-example");
    for pack in [None, Some(local.as_path())] {
        let pack = load_selected_pack(pack).expect("the shipped pack loads");
        let texts = texts(&pack);
        assert!(texts.len() > 100, "only {} expressions", texts.len());
        for text in texts {
            let (fast, reference) = both(&text);
            assert_eq!(fast, reference, "{text}");
        }
    }
}

#[test]
fn the_extension_macros_and_syntax_errors_are_the_environments() {
    for text in [
        // macros the environment adds to the standard ones
        "[3, 1, 2].sortBy(x, -x) == [3, 2, 1]",
        "math.greatest(1, 2, 3) == 3 && math.least([1, 2]) == 1",
        "optional.of(1).optMap(y, y + 1).value() == 2",
        "{'k': {'s': 1}}.?k.optFlatMap(k, k.?s).hasValue()",
        "items.map(i, i.sortBy(x, x))",
        // the standard ones
        "has(item.name) && items.all(i, i.x > 0) && items.exists_one(i, i.y)",
        "items.filter(i, i.z).map(i, i.w) + items.map(i, i.v, i.u)",
        // what does not parse: the environment's messages and positions
        "item.name ==",
        "has(item)",
        "（item.name）",
        "a.?b",
        "'unterminated",
    ] {
        let (fast, reference) = both(text);
        assert_eq!(fast, reference, "{text}");
    }
}

#[test]
fn every_conformance_case_parses_to_the_same_tree() {
    // the specification's parse cases nest deeply, and both parsers recurse: an unoptimised
    // build needs more than a test thread's stack
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(compare_conformance_cases)
        .expect("a thread starts")
        .join()
        .expect("the comparison finishes");
}

fn compare_conformance_cases() {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cel-spec");
    let mut compared = 0;
    for entry in std::fs::read_dir(directory).expect("the conformance data is there") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_none_or(|extension| extension != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a case file reads");
        let cases: serde_json::Value = serde_json::from_str(&text).expect("a case file is JSON");
        let mut stack = vec![&cases];
        while let Some(value) = stack.pop() {
            match value {
                serde_json::Value::Object(object) => {
                    if let Some(serde_json::Value::String(expression)) = object.get("expr") {
                        let (fast, reference) = both(expression);
                        assert_eq!(fast, reference, "{}: {expression}", path.display());
                        compared += 1;
                    }
                    stack.extend(object.values());
                }
                serde_json::Value::Array(array) => stack.extend(array),
                _ => {}
            }
        }
    }
    assert!(compared > 1_500, "only {compared} cases");
}
