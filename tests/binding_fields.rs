//! A field read through a binding (`item.limit.promised`) is read on the tree by the engine's
//! scope (`Scope::binding_field` in src/engine/evaluate.rs) rather than selected by the
//! interpreter from the binding's view. The findings and rule errors of hostile values must be
//! what the interpreter's own selection gave: missing fields and parents, a field selected
//! from a string, a number, a list or a null, a key binding, a binding shadowed by a
//! comprehension's variable, and the same fields quoted in messages.

mod common;

use std::path::Path;

use guifan::commands::check::load_selected_pack;
use guifan::engine::Lang;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn fields_read_through_bindings_give_the_interpreters_findings() {
    let pack = load_selected_pack(Some(&Path::new(ROOT).join("tests/packs/fields")))
        .expect("the pack loads");
    let dossiers = [
        format!("{ROOT}/tests/packs/native/hostile.yaml"),
        format!("{ROOT}/tests/packs/native/hostile-department.yaml"),
    ];
    let paths: Vec<&str> = dossiers.iter().map(String::as_str).collect();
    let mut lines = Vec::new();
    for lang in [Lang::Zh, Lang::En] {
        let checked = common::check_paths(&pack, &paths, lang);
        for finding in &checked.findings {
            lines.push(format!(
                "{} {}:{} {} {}",
                finding.rule,
                finding.start.line,
                finding.start.column,
                finding.path,
                finding.message
            ));
        }
    }
    insta::assert_snapshot!(lines.join("\n"));
}
