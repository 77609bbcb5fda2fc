//! `guifan eval EXPR [--data FILE] [--pack PACK]`: one CEL expression compiled as the pack
//! compiles a rule's and evaluated by the engine over one dossier (or an empty one), its value
//! printed as JSON.
//!
//! Exit codes: 0 with the value on standard output; 1 when the expression does not compile or
//! its evaluation fails (the error on standard error, pointing into the expression); 2 when
//! the flags, the pack or the data cannot be used.

use std::sync::Arc;

use cel::Value;
use miette::Diagnostic;
use thiserror::Error;

use super::check::load_selected_pack;
use super::inputs::{read_input, Input, DEFAULT_MAX_INPUT_BYTES};
use super::{print_stdout, Outcome};
use crate::cel::parse_date;
use crate::cli::EvalArgs;
use crate::document::{Node, NodeKind};
use crate::dossier::{load_dossiers, Dossier, KeyStyle};
use crate::engine::{evaluate_expression, CheckOptions, ExpressionFailure, Lang, Limits};
use crate::error::{GuifanError, LocatedError};
use crate::pack::{compile_expression, Pack};
use crate::source::{SourceFile, Span};

/// The name errors give the expression, as if it were a file.
const EXPRESSION_NAME: &str = "<expression>";

/// Why the expression has no value: its compile errors, or the one evaluation error.
#[derive(Debug, Error, Diagnostic)]
#[error("the expression does not compile ({} errors)", .problems.len())]
#[diagnostic(code(guifan::eval))]
struct EvalError {
    #[related]
    problems: Vec<LocatedError>,
}

/// Where an expression failed: it did not compile, or its evaluation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Compile,
    Evaluate,
}

/// Why an expression has no value, with its errors located in the expression.
#[derive(Debug)]
pub struct Failure {
    pub stage: Stage,
    pub problems: Vec<LocatedError>,
}

/// Compiles `text` as the pack compiles a rule's expression and evaluates it over `dossier`
/// (an empty dossier when none) by the engine: what `guifan eval` prints, and what the CEL
/// conformance test runs.
pub fn evaluate_text(
    pack: &Pack,
    text: &str,
    dossier: Option<Dossier>,
    options: &CheckOptions,
) -> Result<Value, Failure> {
    let file = Arc::new(SourceFile::new(EXPRESSION_NAME, text));
    let expression = compile_expression(pack, &file).map_err(|problems| Failure {
        stage: Stage::Compile,
        problems,
    })?;
    let dossier = match dossier {
        Some(dossier) => dossier,
        None => empty_dossier(),
    };
    evaluate_expression(pack, dossier, &expression, options).map_err(|failure| {
        let message = match failure {
            ExpressionFailure::Error(error) => format!("evaluation error: {error}"),
            ExpressionFailure::Budget(reason) => reason,
            ExpressionFailure::Variable { name, reason } => {
                format!("the pack variable `{name}` could not be evaluated: {reason}")
            }
        };
        // the interpreter does not say where in the expression it failed: the whole
        // expression is marked
        let span = Span::new(0, file.text.len());
        Failure {
            stage: Stage::Evaluate,
            problems: vec![LocatedError::new(
                &file,
                span,
                message,
                "evaluated here",
                None,
            )],
        }
    })
}

pub fn run(arguments: &EvalArgs) -> Result<Outcome, GuifanError> {
    let as_of = match &arguments.as_of {
        Some(text) => Some(parse_date(text).ok_or_else(|| {
            GuifanError::Usage(format!(
                "--as-of `{text}` is not a date (YYYY-MM-DD or YYYYMMDD)"
            ))
        })?),
        None => None,
    };
    let pack = load_selected_pack(arguments.pack.as_deref())?;
    let dossier = match &arguments.data {
        Some(path) => Some(read_dossier(path)?),
        None => None,
    };
    let options = CheckOptions {
        as_of,
        today: chrono::Local::now().date_naive(),
        lang: Lang::from(arguments.lang),
        limits: Limits {
            max_cost: arguments.max_cost,
            max_dossier_cost: arguments.max_dossier_cost,
            ..Limits::default()
        },
    };
    match evaluate_text(&pack, &arguments.expression, dossier, &options) {
        Ok(value) => {
            let json = to_json(&value);
            let text = serde_json::to_string_pretty(&json).map_err(|error| {
                GuifanError::Usage(format!("the value cannot be printed: {error}"))
            })?;
            print_stdout(&format!("{text}\n"))?;
            Ok(Outcome::Clean)
        }
        Err(failure) => report(EvalError {
            problems: failure.problems,
        }),
    }
}

/// Prints a failure of the expression on standard error; the run itself was done (exit 1).
fn report(mut error: EvalError) -> Result<Outcome, GuifanError> {
    use std::io::Write;
    // one problem (the usual case) is shown alone, without the heading of a list
    let text = if error.problems.len() == 1 {
        format!("{:?}\n", miette::Report::new(error.problems.remove(0)))
    } else {
        format!("{:?}\n", miette::Report::new(error))
    };
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
    Ok(Outcome::Findings)
}

/// The one dossier of `--data` (`-` for standard input).
fn read_dossier(path: &str) -> Result<Dossier, GuifanError> {
    let input = if path == "-" {
        Input::Stdin
    } else {
        Input::File {
            display: path.replace('\\', "/"),
            path: std::path::PathBuf::from(path),
        }
    };
    let file = Arc::new(read_input(&input, DEFAULT_MAX_INPUT_BYTES)?);
    let mut dossiers = load_dossiers(&file)?;
    if dossiers.len() != 1 {
        return Err(GuifanError::Usage(format!(
            "{} holds {} dossiers; eval reads a file of one",
            file.name,
            dossiers.len()
        )));
    }
    Ok(dossiers.remove(0))
}

/// Without `--data`: a dossier with no section, so that `doc` is `{}` and the pack's variables
/// are what they are for an empty dossier.
fn empty_dossier() -> Dossier {
    let file = Arc::new(SourceFile::new("<no data>", "{}"));
    Dossier {
        root: Node::new(NodeKind::Map(Box::new([])), Span::new(0, 2)),
        file,
        document: 0,
        keys: KeyStyle::default(),
    }
}

/// A CEL value as JSON: numbers as numbers (a double that is not finite as the string JSON
/// gives it in protobuf's mapping, "NaN", "Infinity", "-Infinity"), bytes as base64, a
/// timestamp in RFC 3339, a duration in seconds with an `s` ("1.5s"), a map as an object with
/// its keys sorted (as text) so that the output is the same on every run.
pub fn to_json(value: &Value) -> serde_json::Value {
    use serde_json::Value as Json;
    match value {
        Value::Null => Json::Null,
        Value::Bool(boolean) => Json::Bool(*boolean),
        Value::Int(number) => Json::from(*number),
        Value::UInt(number) => Json::from(*number),
        Value::Float(number) => match serde_json::Number::from_f64(*number) {
            Some(number) => Json::Number(number),
            None if number.is_nan() => Json::String("NaN".to_string()),
            None if *number > 0.0 => Json::String("Infinity".to_string()),
            None => Json::String("-Infinity".to_string()),
        },
        Value::String(text) => Json::String(text.to_string()),
        Value::Bytes(bytes) => Json::String(base64(bytes)),
        Value::Timestamp(timestamp) => {
            Json::String(timestamp.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        }
        Value::Duration(duration) => Json::String(duration_text(duration)),
        Value::List(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(map) => {
            let mut entries: Vec<(String, Json)> = map
                .map
                .iter()
                .map(|(key, value)| {
                    let key = match key {
                        cel::objects::Key::String(text) => text.to_string(),
                        cel::objects::Key::Int(number) => number.to_string(),
                        cel::objects::Key::Uint(number) => number.to_string(),
                        cel::objects::Key::Bool(boolean) => boolean.to_string(),
                    };
                    (key, to_json(value))
                })
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Object(entries.into_iter().collect())
        }
        other => Json::String(format!("{other:?}")),
    }
}

/// `90s`, `1.5s`, `-0.000000001s`: protobuf's JSON form of a duration.
fn duration_text(duration: &chrono::Duration) -> String {
    let nanos = duration.num_nanoseconds();
    match nanos {
        Some(nanos) => {
            let sign = if nanos < 0 { "-" } else { "" };
            let nanos = nanos.unsigned_abs();
            let (seconds, fraction) = (nanos / 1_000_000_000, nanos % 1_000_000_000);
            if fraction == 0 {
                format!("{sign}{seconds}s")
            } else {
                let digits = format!("{fraction:09}");
                format!("{sign}{seconds}.{}s", digits.trim_end_matches('0'))
            }
        }
        // beyond ±292 years in nanoseconds: whole seconds
        None => format!("{}s", duration.num_seconds()),
    }
}

/// Standard base64 with padding (RFC 4648), protobuf's JSON form of bytes.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let group = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for index in 0..4 {
            if index <= chunk.len() {
                out.push(char::from(
                    ALPHABET[(group >> (18 - 6 * index)) as usize & 63],
                ));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{base64, duration_text};

    #[test]
    fn base64_pads_as_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(&[0xff, 0xfe]), "//4=");
    }

    #[test]
    fn durations_in_seconds() {
        assert_eq!(duration_text(&chrono::Duration::seconds(90)), "90s");
        assert_eq!(duration_text(&chrono::Duration::milliseconds(1500)), "1.5s");
        assert_eq!(
            duration_text(&chrono::Duration::nanoseconds(-1)),
            "-0.000000001s"
        );
    }
}
