//! Structure before rules: the dossier against the pack's JSON Schema. Where the schema wants
//! a string and the user wrote an unquoted code (`task_type: 01`), the text as written is read
//! again as that string; every other mismatch is a finding at the node. A value that fails
//! (wrong type, not one of the allowed values, a pattern) is returned as malformed, so that the
//! rules that read it there are skipped while every other rule still runs.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::JsonType;

use super::{finding_at, finding_at_span, FindingText, Lang};
use crate::document::escape_pointer_token;
use crate::dossier::{read_as_written, Dossier};
use crate::finding::Finding;
use crate::pack::{suggest, Pack};

struct Problem {
    path: String,
    kind: ValidationErrorKind,
    text: String,
}

/// Reports the structure problems; returns the JSON Pointers of the values that failed.
pub fn validate(
    pack: &Pack,
    dossier: &mut Dossier,
    lang: Lang,
    max_findings: usize,
    findings: &mut Vec<Finding>,
) -> Vec<String> {
    // most dossiers have no structure problem: asking only whether there is one stops at the
    // first and builds no error on the way, where collecting the errors of a valid 10,000-item
    // list was a fortieth of its check (docs/PERFORMANCE.md, point 57)
    if pack.validator.is_valid(&dossier.root) {
        return Vec::new();
    }
    // each pass reads codes again as written; a code is never more than one level deep in a
    // mismatch, so a few passes settle it
    let mut problems = Vec::new();
    for _ in 0..4 {
        problems = pack
            .validator
            .iter_errors(&dossier.root)
            .map(|error| {
                let text = error.to_string();
                let parts = error.into_parts();
                Problem {
                    path: parts.instance_path.to_string(),
                    text,
                    kind: parts.kind,
                }
            })
            .collect::<Vec<_>>();
        let mut changed = false;
        for problem in &problems {
            if wants_string(&problem.kind)
                && read_as_written(&mut dossier.root, &problem.path, &dossier.file)
            {
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let known: Vec<&str> = pack.schema_properties.iter().map(String::as_str).collect();
    let mut malformed = Vec::new();
    for problem in problems {
        let value_problem = !matches!(
            problem.kind,
            ValidationErrorKind::AdditionalProperties { .. } | ValidationErrorKind::Required { .. }
        );
        // a problem of the whole document (an `if`/`then` of the root) names no field
        if value_problem && !problem.path.is_empty() {
            malformed.push(problem.path.clone());
        }
        report(pack, dossier, problem, lang, &known, max_findings, findings);
    }
    malformed.sort();
    malformed.dedup();
    malformed
}

/// The schema wants a string here, directly or in one branch of an `anyOf`/`oneOf`.
fn wants_string(kind: &ValidationErrorKind) -> bool {
    match kind {
        ValidationErrorKind::Type {
            kind: TypeKind::Single(single),
        } => *single == JsonType::String,
        ValidationErrorKind::Type {
            kind: TypeKind::Multiple(set),
        } => set.contains(JsonType::String),
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            context
                .iter()
                .flatten()
                .any(|error| wants_string(error.kind()))
        }
        _ => false,
    }
}

/// How a message names a field: `「事项名称」（name）` where the schema gives a title.
fn field_name(pack: &Pack, key: &str) -> String {
    match pack.field_titles.get(key) {
        Some(title) => format!("「{title}」（{key}）"),
        None => format!("字段 `{key}` "),
    }
}

/// The field a pointer ends in (for an array element, the array's field).
fn last_field(path: &str) -> Option<String> {
    crate::document::pointer_tokens(path)
        .filter(|token| token.parse::<usize>().is_err())
        .last()
}

fn report(
    pack: &Pack,
    dossier: &Dossier,
    problem: Problem,
    lang: Lang,
    known: &[&str],
    max_findings: usize,
    findings: &mut Vec<Finding>,
) {
    let path = problem.path;
    match problem.kind {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            // where each key of the mapping was written, found once: a look-up per key of a
            // scan of the mapping was quadratic (a mapping of 200,000 unknown keys)
            let mapping = dossier
                .root
                .locate(&path)
                .exact
                .then(|| dossier.root.at(&path))
                .flatten();
            let key_spans: std::collections::HashMap<&str, crate::source::Span> = mapping
                .and_then(|node| node.as_entries())
                .unwrap_or_default()
                .iter()
                .map(|entry| (&*entry.key, entry.key_span))
                .collect();
            // a dossier's findings are sorted by place and capped: past the first
            // `max_findings` unknown keys of a mapping, none can be shown, and the closest
            // schema field is not looked for (it was half the time of 50,000 unknown keys)
            let mut places: Vec<usize> = unexpected
                .iter()
                .filter_map(|key| key_spans.get(key.as_str()).map(|span| span.start()))
                .collect();
            let last_shown = if places.len() > max_findings {
                places.select_nth_unstable(max_findings);
                places.get(max_findings).copied()
            } else {
                None
            };
            for key in unexpected {
                let key_span = key_spans.get(key.as_str()).copied();
                let shown = match (key_span, last_shown) {
                    (Some(span), Some(last)) => span.start() < last,
                    _ => true,
                };
                let help = if shown { suggest(&key, known) } else { None };
                let help =
                    help.as_deref()
                        .and_then(|help| help.split_once('?'))
                        .map(|(first, _)| match lang {
                            Lang::Zh => format!("{}？", first.replace("did you mean", "是否想写")),
                            Lang::En => format!("{first}?"),
                        });
                let message = match lang {
                    Lang::Zh => format!("`{key}` 不是规则包 schema 中的字段"),
                    Lang::En => format!("`{key}` is not a field of the pack's schema"),
                };
                let label = lang.pick("未知字段", "unknown field").to_string();
                let child = format!("{path}/{}", escape_pointer_token(&key));
                let text = FindingText::structure(message, label, help);
                findings.push(match key_span {
                    Some(span) => finding_at_span(dossier, text, child, span),
                    None => finding_at(dossier, text, child, lang, &pack.field_titles),
                });
            }
        }
        ValidationErrorKind::Required { property } => {
            let name = property
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| property.to_string());
            let message = match lang {
                Lang::Zh => match pack.field_titles.get(&name) {
                    Some(title) => format!("缺少必填字段「{title}」（{name}）"),
                    None => format!("缺少必填字段 `{name}`"),
                },
                Lang::En => format!("the required field `{name}` is missing"),
            };
            let child = format!("{path}/{}", escape_pointer_token(&name));
            findings.push(finding_at(
                dossier,
                FindingText::structure(message, String::new(), None),
                child,
                lang,
                &pack.field_titles,
            ));
        }
        kind => {
            let field = last_field(&path)
                .map(|key| field_name(pack, &key))
                .unwrap_or_default();
            let message = match (&kind, lang) {
                (ValidationErrorKind::Enum { options }, Lang::Zh) => {
                    format!("{field}取值不在允许范围内，应为其中之一：{}", list(options))
                }
                (ValidationErrorKind::Pattern { .. }, Lang::Zh) => {
                    format!("{field}的写法不符合规则包规定的格式")
                }
                (ValidationErrorKind::Type { kind }, Lang::Zh) => {
                    format!("{field}类型不符：应为 {}", type_words(kind))
                }
                (ValidationErrorKind::Enum { options }, Lang::En) => {
                    format!("the value must be one of {}", list(options))
                }
                (ValidationErrorKind::Pattern { .. }, Lang::En) => {
                    "the value is not written in the form the pack requires".to_string()
                }
                (ValidationErrorKind::Type { kind }, Lang::En) => {
                    format!("the value must be {}", type_words(kind))
                }
                (_, Lang::Zh) => format!("{field}结构不符：{}", problem.text),
                (_, Lang::En) => problem.text.clone(),
            };
            let label = match (&kind, lang) {
                (ValidationErrorKind::Enum { .. }, Lang::Zh) => "不在允许的取值中".to_string(),
                (ValidationErrorKind::Pattern { .. }, Lang::Zh) => "格式不符".to_string(),
                (ValidationErrorKind::Type { .. }, Lang::Zh) => "类型不符".to_string(),
                (_, Lang::Zh) => "结构不符".to_string(),
                (_, Lang::En) => problem.text.clone(),
            };
            // the pattern itself is for the pack's author, not the message
            let help = match (&kind, lang) {
                (ValidationErrorKind::Pattern { pattern }, Lang::Zh) => Some(format!(
                    "规则包的 schema 要求该值匹配正则表达式 {pattern}。"
                )),
                (ValidationErrorKind::Pattern { pattern }, Lang::En) => {
                    Some(format!("the pack's schema requires the pattern {pattern}."))
                }
                _ => None,
            };
            findings.push(finding_at(
                dossier,
                FindingText::structure(message, label, help),
                path,
                lang,
                &pack.field_titles,
            ));
        }
    }
}

fn list(options: &serde_json::Value) -> String {
    match options {
        serde_json::Value::Array(items) => items
            .iter()
            .map(|item| match item {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join("、"),
        other => other.to_string(),
    }
}

fn type_words(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(single) => single.to_string(),
        TypeKind::Multiple(set) => set
            .iter()
            .map(|kind| kind.to_string())
            .collect::<Vec<_>>()
            .join(" | "),
    }
}
