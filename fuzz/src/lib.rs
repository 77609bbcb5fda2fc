//! The fuzz targets' harness: how each target turns bytes into a dossier, a pack or a CEL
//! expression, runs guifan's library on it, and checks what every ending must satisfy.
//!
//! One source for three users: the libFuzzer targets (fuzz/fuzz_targets/), the regression test
//! on stable (tests/fuzz_regressions.rs) and the seed writer (examples/fuzz_seeds.rs) include
//! this file, so a kept crash input is replayed exactly as the fuzzer ran it. It uses only
//! guifan's public API, `std` and `chrono`.
//!
//! A panic here is a bug: either guifan panicked, or an ending broke an invariant (a finding
//! or an error pointing outside its file). A returned `Err` is a normal ending: the input was
//! refused with a typed error, as `guifan check` or `guifan pack lint` would refuse it (exit 2).

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use guifan::commands::check::decode_source;
use guifan::document::{parse_yaml, Node};
use guifan::dossier::load_dossiers;
use guifan::engine::{check_dossier, CheckOptions, Lang, Limits};
use guifan::error::{GuifanError, LocatedError};
use guifan::finding::Finding;
use guifan::pack::{embedded_national_pack, load_pack, Pack, PackFiles};
use guifan::source::SourceFile;

/// What a dossier check ended in when the input was read.
#[derive(Debug)]
pub struct Checked {
    pub dossiers: usize,
    pub findings: Vec<Finding>,
}

/// The first byte of a `dossier_load` input that makes the rest a JSON file; any other first
/// byte makes it YAML. (The syntax follows the file's name in `guifan check`.)
pub const JSON_MARK: u8 = b'J';
/// The first byte the seeds of YAML dossiers carry.
pub const YAML_MARK: u8 = b'Y';

/// A line starting with this, followed by a file name, starts a new file of a `pack_load`
/// bundle. It is a YAML comment, so a bundle without one is a manifest alone.
pub const BUNDLE_SEPARATOR: &str = "#=== ";

/// The date the checks judge by when a dossier names none: fixed, so that a run replays.
fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default()
}

fn options() -> CheckOptions {
    CheckOptions {
        as_of: None,
        today: today(),
        lang: Lang::Zh,
        limits: Limits::default(),
    }
}

/// The embedded national pack, loaded once per process.
pub fn national_pack() -> &'static Pack {
    static PACK: LazyLock<Pack> = LazyLock::new(|| {
        load_pack(&embedded_national_pack())
            .unwrap_or_else(|error| panic!("the embedded national pack does not load: {error}"))
    });
    &PACK
}

/// The bytes of a file of the embedded national pack (`rules/items.yaml`).
pub fn national_file(relative: &str) -> Vec<u8> {
    match embedded_national_pack() {
        PackFiles::Embedded { directory, .. } => directory
            .get_file(relative)
            .map(|file| file.contents().to_vec())
            .unwrap_or_else(|| panic!("the national pack has no file {relative}")),
        _ => panic!("the national pack is not embedded"),
    }
}

/// `dossier_load`: the first byte chooses the syntax ([`JSON_MARK`] or else YAML), the rest
/// is the file's bytes. They are decoded as `guifan check` decodes a file, read into dossiers,
/// and each dossier is checked with the national pack: structure, then every rule.
pub fn dossier_load(data: &[u8]) -> Result<Checked, GuifanError> {
    let (name, bytes) = match data.split_first() {
        Some((&JSON_MARK, rest)) => ("fuzz.json", rest),
        Some((_, rest)) => ("fuzz.yaml", rest),
        None => ("fuzz.yaml", data),
    };
    check_with(national_pack(), name, bytes)
}

/// The stack of the threads `guifan check` reads and checks a file on: rayon's workers have
/// the standard library's default for spawned threads.
pub const CHECK_STACK: usize = 2 * 1024 * 1024;

/// Reads `bytes` as the file `name` and checks its dossiers with `pack`, on a thread with the
/// stack `guifan check` gives the task (the fuzzer's own thread has more: a recursion too deep
/// for the tool would pass unseen).
fn check_with(pack: &Pack, name: &str, bytes: &[u8]) -> Result<Checked, GuifanError> {
    std::thread::scope(|scope| {
        let task = std::thread::Builder::new()
            .stack_size(CHECK_STACK)
            .spawn_scoped(scope, || check_on_this_thread(pack, name, bytes))
            .unwrap_or_else(|error| panic!("no thread for the check: {error}"));
        task.join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

fn check_on_this_thread(pack: &Pack, name: &str, bytes: &[u8]) -> Result<Checked, GuifanError> {
    let file = Arc::new(decode_source(name.to_string(), bytes.to_vec())?);
    let dossiers = load_dossiers(&file).inspect_err(check_error)?;
    let count = dossiers.len();
    let options = options();
    let mut findings = Vec::new();
    for dossier in dossiers {
        findings.extend(check_dossier(pack, dossier, &options).findings);
    }
    for finding in &findings {
        check_finding(&file, finding);
    }
    Ok(Checked {
        dossiers: count,
        findings,
    })
}

/// Splits a `pack_load` input into the pack's files: the text before the first
/// [`BUNDLE_SEPARATOR`] line is `pack.yaml`; each separator line names the file that follows.
pub fn unbundle(data: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut name = "pack.yaml".to_string();
    let mut content: Vec<u8> = Vec::new();
    for line in data.split_inclusive(|&byte| byte == b'\n') {
        if let Some(rest) = line.strip_prefix(BUNDLE_SEPARATOR.as_bytes()) {
            let next = String::from_utf8_lossy(rest).trim().to_string();
            files.insert(
                std::mem::replace(&mut name, next),
                std::mem::take(&mut content),
            );
        } else {
            content.extend_from_slice(line);
        }
    }
    files.insert(name, content);
    files
}

/// The inverse of [`unbundle`], for the seeds: `pack.yaml` first, then the other files.
pub fn bundle(files: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    let mut out = files.get("pack.yaml").cloned().unwrap_or_default();
    for (name, content) in files {
        if name == "pack.yaml" {
            continue;
        }
        if !out.is_empty() && !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        out.extend_from_slice(format!("{BUNDLE_SEPARATOR}{name}\n").as_bytes());
        out.extend_from_slice(content);
    }
    out
}

/// Two small dossiers for the packs that `pack_load` makes, in the shapes of the minimal and
/// the engine test packs (tests/packs/): a pack mutated from either has one to run rules on.
const PACK_LOAD_DOSSIERS: &str = "\
items:
  - 事项名称: 食品经营许可
    promised_limit: 20
    statutory_limit: 10
  - name: 药品零售许可
---
submitted_on: '2024-03-01'
items:
  - name: 食品经营许可
    promised: 5
    statutory: 5
    task_type: '1'
    recognized_on: '2024-01-01'
    note: bad
  - 名称: 药品零售许可
    类型: '01'
attestations:
  - clause: '1.4'
";

/// `pack_load`: the input is a bundle of pack files (see [`unbundle`]), loaded strictly as
/// `--pack` loads a directory. A pack that loads checks two small dossiers.
pub fn pack_load(data: &[u8]) -> Result<Checked, GuifanError> {
    let files = PackFiles::Memory {
        files: unbundle(data),
        display: "fuzz-pack".to_string(),
    };
    let pack = load_pack(&files).inspect_err(check_error)?;
    check_with(&pack, "dossiers.yaml", PACK_LOAD_DOSSIERS.as_bytes())
}

/// The dossier `cel_eval` evaluates expressions against: a small valid national dossier.
const CEL_EVAL_DOSSIER: &str = include_str!("../../fixtures/valid/entry-county-small.yaml");

/// The `for_each` of the rule a `cel_eval` expression is put in: the first whose binding the
/// expression names, so that the rule expressions of the national pack find their bindings.
const CEL_EVAL_LEVELS: &[(&str, &str)] = &[
    ("person", "personnel as person, person as value by field"),
    ("window", "department.windows as window"),
    ("entry", "department.power_list as entry"),
    ("change", "items as item, item.changes as change"),
    ("attestation", "attestations as attestation"),
    ("system", "items as item, item.dedicated_systems as system"),
    ("item", "items as item, item as value by field"),
];

/// A text as a YAML double-quoted scalar that reads back as exactly that text: everything but
/// printable ASCII is escaped, so no byte of the expression can end the scalar or fold a line.
pub fn yaml_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(character),
            _ if (character as u32) <= 0xFFFF => {
                out.push_str(&format!("\\u{:04X}", character as u32));
            }
            _ => out.push_str(&format!("\\U{:08X}", character as u32)),
        }
    }
    out.push('"');
    out
}

/// A schema of the national pack's sections that accepts any content in them.
pub const SECTIONS_SCHEMA: &str = "\
type: object
properties:
  dossier: {type: object}
  department: {type: object}
  items: {type: array}
  personnel: {type: array}
  attestations: {type: array}
";

/// The pack a `cel_eval` expression is compiled in: the national pack's variables that the
/// expression reads (see [`national_variables_for`]), the national sections under a schema that accepts any content
/// (the structure check is `dossier_load`'s business; here every rule must run), one clause,
/// and the rules given. Small, so that a load costs little beside the expression itself.
fn cel_eval_pack(variables: String, rules: String) -> PackFiles {
    const MANIFEST: &str = "\
pack:
  id: fuzz.cel-eval
  version: 1.0.0
  title: CEL 模糊测试规则包
  standard: {code: FUZZ, title: 模糊测试}
  effective_from: 2015-01-01
schema: schema.yaml
include: [variables.yaml, rules.yaml]
clauses:
  - number: '5.2.1.1'
    force: shall
    coverage: automated
    text: 进驻部门应根据现行法律、法规、规章等，拟定本部门的进驻项目。
";
    let files = [
        ("pack.yaml", MANIFEST.as_bytes().to_vec()),
        ("schema.yaml", SECTIONS_SCHEMA.as_bytes().to_vec()),
        ("variables.yaml", variables.into_bytes()),
        ("rules.yaml", rules.into_bytes()),
    ];
    PackFiles::Memory {
        files: files
            .into_iter()
            .map(|(name, bytes)| (name.to_string(), bytes))
            .collect(),
        display: "fuzz-pack".to_string(),
    }
}

/// `cel_eval`: the input is a CEL expression. It is written into a small pack
/// ([`cel_eval_pack`]) as the assertion of a rule and, unless it holds a brace (which would end
/// the interpolation), as the `{…}` of another rule's message (that rule always fails, so that
/// every value is put into words). The loader compiles it as it compiles any pack, and the rules
/// run on a small valid national dossier.
pub fn cel_eval(data: &[u8]) -> Result<Checked, GuifanError> {
    let Ok(expression) = std::str::from_utf8(data) else {
        // a pack file is UTF-8 text; other bytes never reach the compiler
        return Err(GuifanError::Usage("not UTF-8".to_string()));
    };
    let for_each = CEL_EVAL_LEVELS
        .iter()
        .find(|(binding, _)| names_identifier(expression, binding))
        .map_or("items as item, item as value by field", |(_, levels)| {
            levels
        });
    let mut rules = format!(
        "rules:\n  - id: fuzz-assertion\n    clauses: ['5.2.1.1']\n    for_each: {for_each}\n    \
         assert: {}\n    message: {{zh: 违反, en: violated}}\n",
        yaml_quoted(expression)
    );
    if !expression.contains(['{', '}']) {
        rules.push_str(&format!(
            "  - id: fuzz-message\n    clauses: ['5.2.1.1']\n    for_each: {for_each}\n    \
             assert: 'false'\n    message: {{zh: {}, en: value}}\n",
            yaml_quoted(&format!("值 {{{expression}}}"))
        ));
    }
    let files = cel_eval_pack(national_variables_for(expression), rules);
    let pack = load_pack(&files).inspect_err(check_error)?;
    check_with(&pack, "dossier.yaml", CEL_EVAL_DOSSIER.as_bytes())
}

/// The national pack's variables, (name, expression), in the order of their file.
fn national_variables() -> &'static [(String, String)] {
    static VARIABLES: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
        let text = String::from_utf8_lossy(&national_file("variables.yaml")).to_string();
        let source = SourceFile::new("variables.yaml", text);
        let documents = parse_yaml(&source)
            .unwrap_or_else(|error| panic!("the national variables do not parse: {error:?}"));
        let items = documents
            .first()
            .and_then(|root| root.get("variables"))
            .and_then(Node::as_items)
            .unwrap_or_default();
        items
            .iter()
            .filter_map(|item| {
                let name = item.get("name").and_then(Node::as_str)?;
                let expression = item.get("expr").and_then(Node::as_str)?;
                Some((name.to_string(), expression.to_string()))
            })
            .collect()
    });
    &VARIABLES
}

/// A `variables:` file of the national variables an expression reads, and those they read in
/// turn. Compiling all of them for every input would cost most of the run: the CEL parser is
/// slow under the fuzzer's instrumentation.
pub fn national_variables_for(expression: &str) -> String {
    let variables = national_variables();
    let mut needed = vec![false; variables.len()];
    // a variable reads only variables above it: one pass from the bottom finds them all
    for index in (0..variables.len()).rev() {
        let (name, _) = &variables[index];
        let read_by_later = variables[index + 1..]
            .iter()
            .zip(&needed[index + 1..])
            .any(|((_, later), &kept)| kept && names_identifier(later, name));
        needed[index] = read_by_later || names_identifier(expression, name);
    }
    // `variables: []` when none is read (`variables:` alone would be null, not a list)
    let mut out = String::from("variables:\n");
    if !needed.contains(&true) {
        out = String::from("variables: []\n");
    }
    for ((name, expression), kept) in variables.iter().zip(needed) {
        if kept {
            out.push_str(&format!(
                "  - name: {name}\n    expr: {}\n",
                yaml_quoted(expression)
            ));
        }
    }
    out
}

/// `name` occurs in `text` as a whole identifier, not as a field after a dot (`item.window`
/// names no `window`).
fn names_identifier(text: &str, name: &str) -> bool {
    let identifier = |byte: u8| byte.is_ascii_alphanumeric() || byte == b'_';
    text.match_indices(name).any(|(start, _)| {
        let before = text.as_bytes()[..start].last().copied();
        let after = text.as_bytes().get(start + name.len()).copied();
        !before.is_some_and(|byte| identifier(byte) || byte == b'.')
            && !after.is_some_and(identifier)
    })
}

/// A finding points inside its file, at character boundaries, with 1-based positions in order.
fn check_finding(file: &SourceFile, finding: &Finding) {
    let (start, end) = (finding.span.start(), finding.span.end());
    assert!(
        start <= end && end <= file.text.len(),
        "finding {} at {start}..{end} outside the file of {} bytes",
        finding.rule,
        file.text.len()
    );
    assert!(
        file.text.is_char_boundary(start) && file.text.is_char_boundary(end),
        "finding {} at {start}..{end} inside a character",
        finding.rule
    );
    assert!(finding.start.line >= 1 && finding.start.column >= 1);
    assert!(
        finding.start <= finding.end,
        "finding {} ends before it starts",
        finding.rule
    );
    assert_eq!(finding.file, file.name);
}

/// An error names its file and points inside it.
fn check_error(error: &GuifanError) {
    match error {
        GuifanError::Located(located) => check_located(located),
        GuifanError::Pack {
            problems, count, ..
        } => {
            assert_eq!(*count, problems.len());
            assert!(!problems.is_empty(), "a pack error without a problem");
            problems.iter().for_each(check_located);
        }
        GuifanError::Inputs { errors, .. } | GuifanError::Cases { errors, .. } => {
            errors.iter().for_each(check_error)
        }
        GuifanError::Read { .. } | GuifanError::Write { .. } | GuifanError::Usage(_) => {}
    }
}

fn check_located(error: &LocatedError) {
    let text = error.source_code.text();
    let (start, end) = (error.span.offset(), error.span.offset() + error.span.len());
    assert!(
        end <= text.len(),
        "error at {start}..{end} outside {} of {} bytes: {}",
        error.source_code.name,
        text.len(),
        error.message
    );
    assert!(
        text.is_char_boundary(start) && text.is_char_boundary(end),
        "error at {start}..{end} inside a character of {}: {}",
        error.source_code.name,
        error.message
    );
    assert!(
        error
            .message
            .starts_with(&format!("{}:", error.source_code.name)),
        "an error that does not name its file: {}",
        error.message
    );
}
