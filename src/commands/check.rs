//! `guifan check`: find the inputs, read them, check every dossier, report.
//!
//! Inputs: files as given; directories searched recursively for `.yaml`, `.yml` and `.json`
//! in sorted order, skipping hidden entries (names starting with `.`, such as `.git`); git's
//! ignore files are not consulted, so the same tree gives the same run inside and outside a
//! checkout. `-` reads standard input (as YAML, which also reads most JSON).
//!
//! If any input cannot be read or parsed, every such error is printed, no report is written,
//! and the exit code is 2.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::{print_stdout, write_atomically, Outcome};
use crate::cli::{CheckArgs, ColorArg, FailOn, Format};
use crate::dossier::load_dossiers;
use crate::engine::functions::parse_date;
use crate::engine::{check_dossier, CheckOptions, Lang};
use crate::error::GuifanError;
use crate::finding::{sort_findings, Finding, Severity};
use crate::pack::{embedded_national_pack, load_pack, load_pack_from_path, Pack};
use crate::report::{self, Summary};
use crate::source::{SourceFile, MAX_SOURCE_BYTES};

/// Where a dossier file comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    File { display: String, path: PathBuf },
    Stdin,
}

pub fn run(arguments: &CheckArgs) -> Result<Outcome, GuifanError> {
    let lang = Lang::from(arguments.lang);
    let as_of = match &arguments.as_of {
        Some(text) => Some(parse_date(text).ok_or_else(|| {
            GuifanError::Usage(format!(
                "--as-of `{text}` is not a date (YYYY-MM-DD or YYYYMMDD)"
            ))
        })?),
        None => None,
    };
    let pack = load_selected_pack(arguments.pack.as_deref())?;
    let inputs = collect_inputs(&arguments.paths)?;
    let options = CheckOptions {
        as_of,
        today: chrono::Local::now().date_naive(),
        lang,
    };
    let checked = check_inputs(&pack, &inputs, &options)?;
    let summary = Summary::new(checked.sources.len(), checked.dossiers, &checked.findings);
    let threshold = match arguments.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let text = match arguments.format {
        Format::Json => report::json::render(&checked.findings, &pack, summary),
        Format::Sarif => report::sarif::render(&checked.findings, &pack, lang),
        Format::Github => report::github::render(&checked.findings),
        Format::Junit => {
            let dossiers: Vec<report::junit::DossierRef<'_>> = checked
                .documents
                .iter()
                .map(|(file, document)| report::junit::DossierRef {
                    file,
                    document: *document,
                })
                .collect();
            report::junit::render(&checked.findings, &dossiers, threshold)
        }
        Format::Human => {
            let color = match arguments.color {
                ColorArg::Always => true,
                ColorArg::Never => false,
                ColorArg::Auto => {
                    arguments.output.is_none()
                        && std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none()
                }
            };
            let options = report::human::HumanOptions {
                width: arguments.width.unwrap_or(100),
                color,
                lang,
            };
            report::human::render(&checked.findings, &checked.sources, &pack, summary, options)
        }
    };
    match &arguments.output {
        Some(path) => write_atomically(path, &text)?,
        None => print_stdout(&text)?,
    }
    let failing = threshold.is_some_and(|threshold| {
        checked
            .findings
            .iter()
            .any(|finding| finding.severity >= threshold)
    });
    Ok(if failing {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// The pack named by `--pack`, or the embedded national pack.
pub fn load_selected_pack(path: Option<&Path>) -> Result<Pack, GuifanError> {
    match path {
        Some(path) => load_pack_from_path(path),
        None => load_pack(&embedded_national_pack()),
    }
}

/// What checking the inputs produced: sorted findings and the sources they point into.
pub struct Checked {
    pub findings: Vec<Finding>,
    pub sources: BTreeMap<String, Arc<SourceFile>>,
    pub dossiers: usize,
    /// Every dossier checked, as (file, document index), in input order.
    pub documents: Vec<(String, usize)>,
}

/// A file read and parsed into its dossiers.
/// A file read and checked: its source, its documents (name, index) and its findings.
type CheckedFile = (Arc<SourceFile>, Vec<(String, usize)>, Vec<Finding>);

/// Reads, parses and checks every input; files in parallel, then rules in parallel.
pub fn check_inputs(
    pack: &Pack,
    inputs: &[Input],
    options: &CheckOptions,
) -> Result<Checked, GuifanError> {
    // each file is read, parsed and checked by one task, and its trees dropped before the
    // next: memory stays near the size of the inputs, and the allocator does not slow down
    // among the debris of hundreds of trees (checking 200 dossiers after parsing them all took
    // twice the time, see docs/PERFORMANCE.md). A file that cannot be read still stops the
    // run: its error is reported and every finding is dropped.
    let loaded: Vec<Result<CheckedFile, GuifanError>> = inputs
        .par_iter()
        .map(|input| {
            let file = Arc::new(read_input(input)?);
            let dossiers = load_dossiers(&file)?;
            let documents: Vec<(String, usize)> = dossiers
                .iter()
                .map(|dossier| (file.name.clone(), dossier.document))
                .collect();
            let findings: Vec<Finding> = dossiers
                .into_par_iter()
                .flat_map_iter(|dossier| check_dossier(pack, dossier, options))
                .collect();
            Ok((file, documents, findings))
        })
        .collect();
    let mut errors = Vec::new();
    let mut files = Vec::new();
    for result in loaded {
        match result {
            Ok(file) => files.push(file),
            Err(error) => errors.push(error),
        }
    }
    if !errors.is_empty() {
        return Err(if errors.len() == 1 {
            errors.remove(0)
        } else {
            GuifanError::Inputs {
                count: errors.len(),
                errors,
            }
        });
    }
    let dossiers: usize = files.iter().map(|(_, documents, _)| documents.len()).sum();
    let mut sources = BTreeMap::new();
    let mut documents = Vec::new();
    let mut findings = Vec::new();
    for (file, file_documents, file_findings) in files {
        documents.extend(file_documents);
        sources.insert(file.name.clone(), file);
        findings.extend(file_findings);
    }
    sort_findings(&mut findings);
    Ok(Checked {
        findings,
        sources,
        dossiers,
        documents,
    })
}

fn read_input(input: &Input) -> Result<SourceFile, GuifanError> {
    let (name, bytes) = match input {
        Input::Stdin => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .map_err(|error| GuifanError::Read {
                    path: "<stdin>".to_string(),
                    message: error.to_string(),
                })?;
            ("<stdin>".to_string(), bytes)
        }
        Input::File { display, path } => {
            let bytes = std::fs::read(path).map_err(|error| GuifanError::Read {
                path: display.clone(),
                message: error.to_string(),
            })?;
            (display.clone(), bytes)
        }
    };
    decode_source(name, bytes)
}

/// An input's bytes as the text guifan checks: at most [`MAX_SOURCE_BYTES`], UTF-8, without a
/// byte-order mark. Public for the fuzz targets (fuzz/), which feed bytes the way `check` does.
pub fn decode_source(name: String, bytes: Vec<u8>) -> Result<SourceFile, GuifanError> {
    if bytes.len() > MAX_SOURCE_BYTES {
        return Err(GuifanError::Read {
            path: name,
            message: "the file is larger than 4 GiB".to_string(),
        });
    }
    let text = String::from_utf8(bytes).map_err(|error| {
        let offset = error.utf8_error().valid_up_to();
        GuifanError::Read {
            path: name.clone(),
            message: format!("not UTF-8 text (invalid byte at offset {offset})"),
        }
    })?;
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    Ok(SourceFile::new(name, text))
}

/// Expands the paths given on the command line into inputs, in a stable order.
pub fn collect_inputs(paths: &[String]) -> Result<Vec<Input>, GuifanError> {
    let mut inputs = Vec::new();
    for given in paths {
        if given == "-" {
            if !inputs.contains(&Input::Stdin) {
                inputs.push(Input::Stdin);
            }
            continue;
        }
        let path = PathBuf::from(given);
        if path.is_dir() {
            let walker = walkdir::WalkDir::new(&path)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|entry| {
                    entry.depth() == 0 || !entry.file_name().to_string_lossy().starts_with('.')
                });
            for entry in walker {
                let entry = entry.map_err(|error| GuifanError::Read {
                    path: given.clone(),
                    message: error.to_string(),
                })?;
                if entry.file_type().is_file() && is_dossier_file(entry.path()) {
                    let relative = entry.path().strip_prefix(&path).unwrap_or(entry.path());
                    let display = join_display(given, relative);
                    inputs.push(Input::File {
                        display,
                        path: entry.path().to_path_buf(),
                    });
                }
            }
        } else if path.exists() {
            inputs.push(Input::File {
                display: given.replace('\\', "/"),
                path,
            });
        } else {
            return Err(GuifanError::Read {
                path: given.clone(),
                message: "no such file or directory".to_string(),
            });
        }
    }
    Ok(inputs)
}

fn is_dossier_file(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|extension| extension.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("yaml" | "yml" | "json")
    )
}

fn join_display(given: &str, relative: &Path) -> String {
    let relative = relative.to_string_lossy().replace('\\', "/");
    let base = given.replace('\\', "/");
    let base = base.trim_end_matches('/');
    if base.is_empty() || base == "." {
        relative
    } else {
        format!("{base}/{relative}")
    }
}
