//! `guifan pack test`: run the cases a pack keeps in its `tests/` directory (a dossier and the
//! findings expected of it, by rule and JSON Pointer) and measure each rule's coverage: a rule
//! is covered when one passing case shows it firing and another shows it silent.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use super::check::{check_inputs, check_source, load_selected_pack};
use super::inputs::{read_input, Input, DEFAULT_MAX_INPUT_BYTES};
use super::{print_stdout, Outcome};
use crate::cli::{PackTestArgs, PackTestFormat};
use crate::document::{parse_documents, Syntax};
use crate::engine::{CheckOptions, Lang, Limits};
use crate::error::{GuifanError, LocatedError};
use crate::finding::{Finding, RULE_ERROR};
use crate::pack::{from_node, FieldError, Pack, Spanned, Stage};
use crate::report;
use crate::source::{SourceFile, Span};

/// The directory of a pack that holds its cases.
pub const TESTS_DIRECTORY: &str = "tests";

/// A case file: `cases:` and nothing else.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    cases: Vec<Spanned<CaseSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseSpec {
    name: String,
    /// The dossier file, relative to the case file; with `patch` or `merge`, the base the
    /// case changes.
    dossier: Spanned<String>,
    /// Operations applied to the base dossier's data before it is checked, in order: JSON
    /// Patch's `add`, `replace` and `remove` by JSON Pointer (RFC 6902).
    #[serde(default)]
    patch: Option<Vec<Spanned<PatchSpec>>>,
    /// A JSON merge patch (RFC 7396) applied to the base dossier's data (after `patch`):
    /// mappings merge, `null` removes a key, anything else replaces.
    #[serde(default)]
    merge: Option<serde_json::Value>,
    /// The findings the dossier must give, and no others; `[]` for none.
    findings: Vec<ExpectedSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchSpec {
    op: Spanned<String>,
    /// A JSON Pointer into the dossier as written (its keys, Chinese ones included).
    path: Spanned<String>,
    /// The value of `add` and `replace`.
    #[serde(default)]
    value: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedSpec {
    rule: Spanned<String>,
    /// The finding's JSON Pointer; when left out, any place matches.
    pointer: Option<String>,
    /// The clause the finding cites, for a rule of several clauses; when left out, any.
    clause: Option<String>,
}

/// A finding a case expects, or one it got.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expected {
    pub rule: String,
    pub pointer: Option<String>,
    pub clause: Option<String>,
}

/// One case run: where it is written, and what did not match.
#[derive(Debug)]
pub struct CaseResult {
    pub name: String,
    /// `tests/cases.yaml:12:5`, where the case starts.
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub dossier: String,
    /// Expected and not found.
    pub missing: Vec<Expected>,
    /// Found and not expected (always with a pointer).
    pub unexpected: Vec<Expected>,
    /// The rules that fired with the clause each finding cites (rule errors counted under the
    /// rule that failed): the loader makes an `attestation-missing` rule per clause, told apart
    /// by the clause.
    fired: Vec<(String, Option<String>)>,
    /// The stage of the dossier, to know which rules could have fired.
    stage: Stage,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty()
    }
}

/// A rule's cases and its coverage.
#[derive(Debug)]
pub struct RuleCoverage {
    pub id: String,
    /// The clause or reference the rule cites.
    pub citation: String,
    /// Passing cases in which the rule fires.
    pub fires: usize,
    /// Passing cases at the rule's stage or later in which it stays silent.
    pub silent: usize,
    /// Failing cases that expected the rule or got it.
    pub failing: Vec<String>,
}

impl RuleCoverage {
    pub fn covered(&self) -> bool {
        self.fires > 0 && self.silent > 0
    }
}

/// What `pack test` found.
#[derive(Debug)]
pub struct TestRun {
    pub pack_id: String,
    pub pack_version: String,
    pub cases: Vec<CaseResult>,
    pub rules: Vec<RuleCoverage>,
    /// Clauses marked automated with no covered rule, as (number, rules citing it).
    pub uncovered_clauses: Vec<(String, Vec<String>)>,
    pub automated_clauses: usize,
}

impl TestRun {
    pub fn passed(&self) -> bool {
        self.cases.iter().all(CaseResult::passed)
            && self.rules.iter().all(RuleCoverage::covered)
            && self.uncovered_clauses.is_empty()
    }
}

pub fn run(arguments: &PackTestArgs) -> Result<Outcome, GuifanError> {
    let Some(pack_path) = arguments.pack.pack() else {
        return Err(GuifanError::Usage(
            "pack test needs the pack's directory, where its cases are (`guifan pack test --pack rules/national`); the embedded pack carries no cases"
                .to_string(),
        ));
    };
    let pack = load_selected_pack(Some(pack_path))?;
    let directory = if pack_path.is_dir() {
        pack_path.to_path_buf()
    } else {
        pack_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    };
    let test_run = run_cases(&pack, &directory)?;
    let text = match arguments.format {
        PackTestFormat::Human => report::pack_test::human(&test_run),
        PackTestFormat::Json => report::pack_test::json(&test_run),
        PackTestFormat::Junit => report::pack_test::junit(&test_run),
    };
    print_stdout(&text)?;
    Ok(if test_run.passed() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

/// Runs every case of `<directory>/tests/*.yaml` against the pack.
pub fn run_cases(pack: &Pack, directory: &Path) -> Result<TestRun, GuifanError> {
    let tests = directory.join(TESTS_DIRECTORY);
    let case_files = case_files(&tests)?;
    if case_files.is_empty() {
        return Err(GuifanError::Usage(format!(
            "the pack has no test cases: write them in {}/*.yaml (docs/rule-pack-format.md, Test cases)",
            display(&tests)
        )));
    }
    let options = CheckOptions {
        as_of: None,
        // the cases' dossiers carry their submission date; a case without one is judged as of
        // a fixed day, so that a case passes or fails the same way every day
        today: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default(),
        lang: Lang::Zh,
        limits: Limits::default(),
    };
    let mut cases = Vec::new();
    let mut errors = Vec::new();
    for path in case_files {
        let source = read_input(
            &Input::File {
                display: display(&path),
                path: path.clone(),
            },
            DEFAULT_MAX_INPUT_BYTES,
        )?;
        match parse_case_file(&source) {
            Ok(specs) => {
                let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
                for spec in specs {
                    match run_case(pack, &source, &base, spec, &options) {
                        Ok(case) => cases.push(case),
                        Err(error) => errors.push(error),
                    }
                }
            }
            Err(mut located) => errors.append(&mut located),
        }
    }
    if !errors.is_empty() {
        return Err(if errors.len() == 1 {
            errors.remove(0)
        } else {
            GuifanError::Cases {
                count: errors.len(),
                errors,
            }
        });
    }
    Ok(coverage(pack, cases))
}

/// The case files of a tests directory, sorted by name; hidden entries are skipped.
fn case_files(tests: &Path) -> Result<Vec<PathBuf>, GuifanError> {
    let entries = match std::fs::read_dir(tests) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => {
            return Err(GuifanError::Read {
                path: display(tests),
                message: error.to_string(),
            })
        }
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|error| GuifanError::Read {
            path: display(tests),
            message: error.to_string(),
        })?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.')
            && path.is_file()
            && (name.ends_with(".yaml") || name.ends_with(".yml"))
        {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn parse_case_file(source: &SourceFile) -> Result<Vec<Spanned<CaseSpec>>, Vec<GuifanError>> {
    let documents = parse_documents(source, Syntax::Yaml).map_err(|error| {
        vec![GuifanError::from(LocatedError::new(
            source,
            error.span,
            error.message,
            error.label,
            None,
        ))]
    })?;
    let mut specs = Vec::new();
    let mut errors = Vec::new();
    for node in &documents {
        match from_node::<CaseFile>(source, node) {
            Ok(file) => specs.extend(file.cases),
            Err(error) => field_errors(source, node.span, error, &mut errors),
        }
    }
    if errors.is_empty() {
        Ok(specs)
    } else {
        Err(errors)
    }
}

/// A field error and every error it carries, each located in the case file.
fn field_errors(
    source: &SourceFile,
    fallback: Span,
    mut error: FieldError,
    errors: &mut Vec<GuifanError>,
) {
    for also in std::mem::take(&mut error.also) {
        field_errors(source, fallback, also, errors);
    }
    let help = error.help.or_else(|| {
        Some("a case file holds `cases:`, each with `name`, `dossier` (and optionally `patch` or `merge`) and `findings` (a list of `rule` and `pointer`, or [])".to_string())
    });
    errors.push(GuifanError::from(LocatedError::new(
        source,
        error.span.unwrap_or(fallback),
        error.message,
        "here",
        help,
    )));
}

fn run_case(
    pack: &Pack,
    source: &SourceFile,
    base: &Path,
    spec: Spanned<CaseSpec>,
    options: &CheckOptions,
) -> Result<CaseResult, GuifanError> {
    let case = spec.value;
    for expected in &case.findings {
        let rule = expected.rule.value.as_str();
        let known = pack.rules.iter().any(|candidate| candidate.id == rule)
            || rule == RULE_ERROR
            || rule == crate::finding::STRUCTURE_RULE
            || rule == crate::finding::WAIVER_RULE;
        if !known {
            let candidates = pack.rules.iter().map(|candidate| candidate.id.as_str());
            return Err(LocatedError::new(
                source,
                expected.rule.span,
                format!(
                    "the case `{}` expects `{rule}`, which is not a rule of {} {}",
                    case.name, pack.manifest.id, pack.manifest.version
                ),
                "no such rule",
                crate::pack::did_you_mean(rule, candidates),
            )
            .into());
        }
    }
    let path = normalize(&base.join(&case.dossier.value));
    // a case file comes with the pack, from other hands: its dossier must be inside the pack's
    // directory or the directory guifan runs in (after links are followed), so that a case
    // cannot make guifan read, and echo in an error, a file elsewhere (docs/SECURITY.md)
    if let Ok(real) = std::fs::canonicalize(&path) {
        let roots: Vec<PathBuf> = [
            base.parent().map(Path::to_path_buf),
            std::env::current_dir().ok(),
        ]
        .into_iter()
        .flatten()
        .filter_map(|root| std::fs::canonicalize(root).ok())
        .collect();
        if !roots.iter().any(|root| real.starts_with(root)) {
            return Err(LocatedError::new(
                source,
                case.dossier.span,
                format!(
                    "the dossier of the case `{}` is outside the pack and the working directory",
                    case.name
                ),
                "a case reads only files of the pack or of the directory guifan runs in",
                None,
            )
            .into());
        }
    }
    if !path.is_file() {
        return Err(LocatedError::new(
            source,
            case.dossier.span,
            format!(
                "the dossier of the case `{}` is not a file: {}",
                case.name,
                display(&path)
            ),
            "relative to this case file",
            None,
        )
        .into());
    }
    let input = Input::File {
        display: display(&path),
        path: path.clone(),
    };
    let mut dossier = display(&path);
    let checked = if case.patch.is_some() || case.merge.is_some() {
        let patched = patched_dossier(source, &case, &input)?;
        dossier = patched.name.clone();
        check_source(pack, Arc::new(patched), options)?
    } else {
        check_inputs(pack, std::slice::from_ref(&input), options)?
    };
    let stage = checked
        .documents
        .iter()
        .filter_map(|document| document.stage)
        .filter_map(|name| Stage::ALL.into_iter().find(|stage| stage.as_str() == name))
        .max()
        .unwrap_or(Stage::Proposal);
    let (missing, unexpected) = compare(&case.findings, &checked.findings);
    let mut fired: Vec<(String, Option<String>)> = checked
        .findings
        .iter()
        .map(|finding| {
            let rule = finding
                .failed_rule
                .clone()
                .unwrap_or_else(|| finding.rule.clone());
            (rule, finding.clause.clone())
        })
        .collect();
    fired.sort();
    fired.dedup();
    let position = source.line_column(spec.span.start());
    Ok(CaseResult {
        name: case.name,
        file: source.name.clone(),
        line: position.line,
        column: position.column,
        dossier,
        missing,
        unexpected,
        fired,
        stage,
    })
}

/// The base dossier of a patch case with its operations applied, printed as JSON (a YAML
/// reader reads it too): the text the case's findings point into, named `BASE (patched by
/// the case NAME)`. An operation that cannot be applied is an error at its place in the case
/// file.
fn patched_dossier(
    source: &SourceFile,
    case: &CaseSpec,
    input: &Input,
) -> Result<SourceFile, GuifanError> {
    let base = read_input(input, DEFAULT_MAX_INPUT_BYTES)?;
    let documents = parse_documents(&base, Syntax::for_name(&base.name)).map_err(|error| {
        GuifanError::from(LocatedError::new(
            &base,
            error.span,
            error.message,
            error.label,
            None,
        ))
    })?;
    let [document] = documents.as_slice() else {
        return Err(LocatedError::new(
            source,
            case.dossier.span,
            format!(
                "the base dossier of the case `{}` holds {} documents; a patch needs exactly one",
                case.name,
                documents.len()
            ),
            "the dossier patched",
            None,
        )
        .into());
    };
    let mut data = document.to_json();
    for operation in case.patch.iter().flatten() {
        apply(&mut data, &operation.value).map_err(|(span, message, label)| {
            GuifanError::from(LocatedError::new(
                source,
                span.unwrap_or(operation.span),
                format!(
                    "the case `{}` cannot patch its dossier: {message}",
                    case.name
                ),
                label,
                None,
            ))
        })?;
    }
    if let Some(merge) = &case.merge {
        merge_patch(&mut data, merge);
    }
    let mut text = serde_json::to_string_pretty(&data).map_err(|error| {
        GuifanError::Usage(format!("the patched dossier cannot be written: {error}"))
    })?;
    text.push('\n');
    Ok(SourceFile::new(
        format!("{} (patched by the case {})", base.name, case.name),
        text,
    ))
}

type PatchError = (Option<Span>, String, &'static str);

/// One JSON Patch operation (add, replace, remove) on `data`.
fn apply(data: &mut serde_json::Value, operation: &PatchSpec) -> Result<(), PatchError> {
    let at_path = |message: String| (Some(operation.path.span), message, "this path");
    let tokens = pointer_tokens(&operation.path).map_err(at_path)?;
    let op = operation.op.as_str();
    let value = match op {
        "add" | "replace" => Some(operation.value.clone().ok_or_else(|| {
            (
                Some(operation.op.span),
                format!("`{op}` needs a `value`"),
                "no value",
            )
        })?),
        "remove" => None,
        _ => {
            return Err((
                Some(operation.op.span),
                format!("`{op}` is not an operation"),
                "add, replace or remove",
            ))
        }
    };
    let Some((last, parents)) = tokens.split_last() else {
        // the whole dossier
        return match value {
            Some(value) => {
                *data = value;
                Ok(())
            }
            None => Err(at_path("the dossier itself cannot be removed".to_string())),
        };
    };
    let mut parent = &mut *data;
    for (depth, token) in parents.iter().enumerate() {
        let shown = || format!("/{}", parents[..=depth].join("/"));
        parent = match parent {
            serde_json::Value::Object(map) => map.get_mut(token.as_str()),
            serde_json::Value::Array(items) => token
                .parse::<usize>()
                .ok()
                .and_then(|index| items.get_mut(index)),
            _ => None,
        }
        .ok_or_else(|| at_path(format!("the dossier has nothing at {}", shown())))?;
    }
    let pointer = operation.path.as_str();
    match parent {
        serde_json::Value::Object(map) => match value {
            Some(value) if op == "add" || map.contains_key(last.as_str()) => {
                map.insert(last.clone(), value);
                Ok(())
            }
            _ if op == "remove" && map.shift_remove(last.as_str()).is_some() => Ok(()),
            _ => Err(at_path(format!("the dossier has nothing at {pointer}"))),
        },
        serde_json::Value::Array(items) => {
            let index = if op == "add" && last == "-" {
                Some(items.len())
            } else {
                last.parse::<usize>().ok()
            };
            let limit = if op == "add" {
                items.len() + 1
            } else {
                items.len()
            };
            let Some(index) = index.filter(|index| *index < limit) else {
                return Err(at_path(format!(
                    "{pointer} is not an index of a list of {} element{}",
                    items.len(),
                    if items.len() == 1 { "" } else { "s" }
                )));
            };
            match value {
                Some(value) if op == "add" => items.insert(index, value),
                Some(value) => items[index] = value,
                None => {
                    items.remove(index);
                }
            }
            Ok(())
        }
        _ => Err(at_path(format!(
            "the parent of {pointer} is neither a mapping nor a list"
        ))),
    }
}

/// The reference tokens of a JSON Pointer (`~1` is `/`, `~0` is `~`).
fn pointer_tokens(pointer: &str) -> Result<Vec<String>, String> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(format!(
            "`{pointer}` is not a JSON Pointer (one starts with `/`)"
        ));
    };
    Ok(rest
        .split('/')
        .map(|token| token.replace("~1", "/").replace("~0", "~"))
        .collect())
}

/// RFC 7396: a mapping merges key by key, `null` removes the key, anything else replaces.
fn merge_patch(data: &mut serde_json::Value, patch: &serde_json::Value) {
    let serde_json::Value::Object(changes) = patch else {
        *data = patch.clone();
        return;
    };
    if !data.is_object() {
        *data = serde_json::Value::Object(serde_json::Map::new());
    }
    if let serde_json::Value::Object(map) = data {
        for (key, change) in changes {
            if change.is_null() {
                map.shift_remove(key.as_str());
            } else {
                merge_patch(
                    map.entry(key.clone()).or_insert(serde_json::Value::Null),
                    change,
                );
            }
        }
    }
}

/// Matches the expected findings against those found: the expectations that name a pointer
/// first, then those that leave it open take any finding of their rule left over.
fn compare(expected: &[ExpectedSpec], found: &[Finding]) -> (Vec<Expected>, Vec<Expected>) {
    let mut left: Vec<Option<&Finding>> = found.iter().map(Some).collect();
    let mut missing = Vec::new();
    let (exact, loose): (Vec<&ExpectedSpec>, Vec<&ExpectedSpec>) = expected
        .iter()
        .partition(|expectation| expectation.pointer.is_some());
    for expectation in exact.into_iter().chain(loose) {
        let hit = left.iter_mut().find(|slot| {
            slot.is_some_and(|finding| {
                finding.rule == *expectation.rule
                    && expectation
                        .pointer
                        .as_ref()
                        .is_none_or(|pointer| finding.path == *pointer)
                    && expectation
                        .clause
                        .as_ref()
                        .is_none_or(|clause| finding.clause.as_ref() == Some(clause))
            })
        });
        match hit {
            Some(slot) => *slot = None,
            None => missing.push(Expected {
                rule: expectation.rule.value.clone(),
                pointer: expectation.pointer.clone(),
                clause: expectation.clause.clone(),
            }),
        }
    }
    let unexpected = left
        .into_iter()
        .flatten()
        .map(|finding| Expected {
            rule: finding.rule.clone(),
            pointer: Some(finding.path.clone()),
            clause: finding.clause.clone(),
        })
        .collect();
    (missing, unexpected)
}

/// Each rule's passing cases where it fires and where it stays silent; the clauses whose
/// rules are all uncovered.
fn coverage(pack: &Pack, cases: Vec<CaseResult>) -> TestRun {
    // an overlay answers for what it adds or changes; its bases' rules have their own cases
    let own_rules: Vec<&crate::pack::Rule> = pack
        .rules
        .iter()
        .filter(|rule| rule.lineage.touched_by(pack.id()))
        .collect();
    let mut rules: Vec<RuleCoverage> = own_rules
        .iter()
        .map(|rule| RuleCoverage {
            id: rule.id.clone(),
            citation: rule.citation_label(),
            fires: 0,
            silent: 0,
            failing: Vec::new(),
        })
        .collect();
    for (coverage, rule) in rules.iter_mut().zip(&own_rules) {
        let shared_id = pack
            .rules
            .iter()
            .filter(|other| other.id == rule.id)
            .count()
            > 1;
        for case in &cases {
            let fired = case.fired.iter().any(|(id, clause)| {
                *id == rule.id
                    && (!shared_id || clause.as_ref().is_some_and(|c| rule.clauses.contains(c)))
            });
            if !case.passed() {
                let named = case
                    .missing
                    .iter()
                    .chain(&case.unexpected)
                    .any(|expected| expected.rule == rule.id);
                if fired || named {
                    coverage.failing.push(case.name.clone());
                }
            } else if fired {
                coverage.fires += 1;
            } else if case.stage >= rule.stage {
                coverage.silent += 1;
            }
        }
    }
    let mut citing: BTreeMap<&str, Vec<&RuleCoverage>> = BTreeMap::new();
    for (coverage, rule) in rules.iter().zip(&own_rules) {
        for clause in &rule.clauses {
            citing.entry(clause.as_str()).or_default().push(coverage);
        }
    }
    let automated: Vec<&crate::pack::Clause> = pack
        .clauses
        .iter()
        .filter(|clause| clause.coverage == crate::pack::Coverage::Automated)
        .filter(|clause| clause.pack == pack.id())
        .collect();
    let uncovered_clauses = automated
        .iter()
        .filter_map(|clause| {
            let rules = citing
                .get(clause.number.as_str())
                .cloned()
                .unwrap_or_default();
            if !rules.is_empty() && rules.iter().any(|rule| rule.covered()) {
                None
            } else {
                Some((
                    clause.number.clone(),
                    rules.iter().map(|rule| rule.id.clone()).collect(),
                ))
            }
        })
        .collect();
    TestRun {
        pack_id: pack.manifest.id.clone(),
        pack_version: pack.manifest.version.clone(),
        cases,
        rules,
        uncovered_clauses,
        automated_clauses: automated.len(),
    }
}

/// A path without `.` and `a/..` (lexically), so that a case's dossier is named as a reader
/// would write it.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let last = out.components().next_back();
                if matches!(last, Some(Component::Normal(_))) {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}
