//! `guifan pack lint`, `guifan pack doc`, `guifan schema` and `guifan explain`: for the people
//! who write packs and those who read their findings.

use super::check::load_selected_pack;
use super::output::{write_output, ProtectedFiles};
use super::{print_stdout, Outcome};
use crate::cli::{ExplainArgs, PackArgs, PackDocArgs, SchemaArgs};
use crate::engine::Lang;
use crate::error::GuifanError;
use crate::report::pack_doc;

pub fn lint(arguments: &PackArgs) -> Result<Outcome, GuifanError> {
    let pack = load_selected_pack(arguments.pack())?;
    let text = pack_doc::lint_summary(&pack);
    print_stdout(&text)?;
    Ok(if pack.uncovered_clauses().is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

pub fn doc(arguments: &PackDocArgs) -> Result<Outcome, GuifanError> {
    let pack = load_selected_pack(arguments.pack.pack())?;
    let markdown = pack_doc::markdown(&pack);
    match &arguments.output {
        Some(path) => write_output(path, &markdown, &pack_files(&pack))?,
        None => print_stdout(&markdown)?,
    }
    Ok(Outcome::Clean)
}

/// The pack's own files, which no output may replace.
pub fn pack_files(pack: &crate::pack::Pack) -> ProtectedFiles {
    let mut protected = ProtectedFiles::default();
    for (name, path) in &pack.paths_on_disk {
        protected.add_path(format!("the pack file {name}"), path);
    }
    protected
}

pub fn schema(arguments: &SchemaArgs) -> Result<Outcome, GuifanError> {
    let pack = load_selected_pack(arguments.pack.pack())?;
    let text = serde_json::to_string_pretty(&pack.schema)
        .map_err(|error| GuifanError::Usage(format!("the schema cannot be printed: {error}")))?;
    let text = format!("{text}\n");
    match &arguments.output {
        Some(path) => write_output(path, &text, &pack_files(&pack))?,
        None => print_stdout(&text)?,
    }
    Ok(Outcome::Clean)
}

pub fn explain(arguments: &ExplainArgs) -> Result<Outcome, GuifanError> {
    let pack = load_selected_pack(arguments.pack.as_deref())?;
    let lang = Lang::from(arguments.lang);
    match pack_doc::explain(&pack, &arguments.topic, lang) {
        Some(text) => {
            print_stdout(&text)?;
            Ok(Outcome::Clean)
        }
        None => {
            // a typo of a rule id or a clause number is pointed to its nearest
            let candidates = pack
                .rules
                .iter()
                .map(|rule| rule.id.as_str())
                .chain(pack.clauses.iter().map(|clause| clause.number.as_str()))
                .chain(
                    pack.references
                        .iter()
                        .map(|reference| reference.standard.as_str()),
                )
                // the findings of the tool itself, which explain also knows
                .chain([
                    crate::finding::STRUCTURE_RULE,
                    crate::finding::RULE_ERROR,
                    crate::finding::WAIVER_RULE,
                ]);
            let hint = crate::pack::did_you_mean(&arguments.topic, candidates)
                .map(|hint| format!("; {hint}"))
                .unwrap_or_default();
            Err(GuifanError::Usage(format!(
                "`{}` is neither a rule nor a clause of {} {}{hint}",
                arguments.topic, pack.manifest.id, pack.manifest.version
            )))
        }
    }
}
