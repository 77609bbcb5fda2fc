//! `guifan check`: find the inputs, read them, check every dossier, report.
//!
//! Inputs (`inputs.rs`): files as given, directories searched recursively, `-` for standard
//! input (read as YAML, which also reads most JSON), each within `--max-input-bytes`. Item
//! lists (`.csv`, `.xlsx` …) are read by `sheet`, completed by the workbook's 申报信息 sheet or
//! the `--dossier` file, and their findings put back at their cells.
//!
//! If any input cannot be read or parsed, every such error is printed, no report is written,
//! and the exit code is 2.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use super::output::{write_output, ProtectedFiles};
use super::progress::Progress;
use super::{print_stdout, Outcome};
use crate::cel::parse_date;
use crate::cli::{CheckArgs, ColorArg, EncodingArg, FailOn, Format, SheetArgs};
use crate::document::{Node, NodeKind};
use crate::dossier::{load_dossiers, Dossier, KeyStyle};
use crate::engine::{check_dossier, CheckOptions, DossierOutcome, Lang, Limits, NotShown};
use crate::error::GuifanError;
use crate::finding::{sort_findings, DossierSummary, Finding, Severity};
use crate::pack::{embedded_national_pack, load_pack, load_pack_from_path, Pack, Stage};
use crate::report::{self, Summary};
use crate::sheet::{self, BaseDossier, Encoding, SheetDossier, SheetOptions};
use crate::source::{SourceFile, Span};

pub use super::inputs::{collect_inputs, decode_source, Input, DEFAULT_MAX_INPUT_BYTES};
use super::inputs::{read_input, read_input_bytes};

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
    // the pack is loaded and compiled on a thread of its own while the inputs are read and
    // parsed (a parsed file then waits for it): on one department's dossier the two took
    // about as long. Its errors come first, as when it was loaded before anything else.
    let slot: OnceLock<Result<Pack, GuifanError>> = OnceLock::new();
    let load = || {
        // a panic while loading must not leave the files waiting for a pack forever
        let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let loaded = match arguments.pack.as_deref() {
                Some(path) => load_pack_from_path(path),
                // the embedded pack, checked by the tests, without the checks of its text
                None => crate::pack::load_embedded_pack_unlinted(),
            };
            loaded.and_then(|pack| {
                // a refused output is known as soon as the pack's files are
                match &arguments.output {
                    Some(output) => super::pack::pack_files(&pack)
                        .refuse_clash(output)
                        .map(|()| pack),
                    None => Ok(pack),
                }
            })
        }))
        .unwrap_or_else(|_| {
            Err(GuifanError::Usage(
                "the pack could not be loaded: its loader stopped".to_string(),
            ))
        });
        let _ = slot.set(loaded);
    };
    let work = std::thread::scope(|scope| {
        // the stack of the command thread (`main.rs`): the CEL parsers recurse per level
        let spawned = std::thread::Builder::new()
            .name("guifan-pack".to_string())
            .stack_size(LOADER_STACK_BYTES)
            .spawn_scoped(scope, load);
        if spawned.is_err() {
            // no thread to spare: the pack first, then the inputs, as before
            load();
        }
        check_while_loading(arguments, as_of, lang, PackSource::Loading(&slot))
    });
    let pack = match slot.into_inner() {
        Some(Ok(pack)) => pack,
        Some(Err(error)) => return Err(error),
        None => {
            return Err(GuifanError::Usage(
                "the pack could not be loaded".to_string(),
            ))
        }
    };
    let (mut checked, protected, options) = work?;
    let outcome = report_checked(arguments, &pack, &mut checked, &protected, &options);
    // the pack and what was checked are freed on a thread of the pool, off the way to the
    // exit: freeing the embedded pack alone took a fortieth of a check of one small dossier
    // (docs/PERFORMANCE.md, point 55)
    rayon::spawn(move || drop((pack, checked)));
    outcome
}

/// The stack of the thread that loads the pack: as the command thread's (`main.rs`), since the
/// CEL parsers recurse once per level of an expression.
const LOADER_STACK_BYTES: usize = 256 << 20;

/// What `check` needs beyond the pack, and the check itself, the pack given by `pack`.
fn check_while_loading(
    arguments: &CheckArgs,
    as_of: Option<chrono::NaiveDate>,
    lang: Lang,
    pack: PackSource<'_>,
) -> Result<(Checked, ProtectedFiles, CheckOptions), GuifanError> {
    let mut inputs = collect_inputs(&arguments.paths)?;
    // the --dossier file completes the item lists; found in a directory checked, it is not a
    // dossier of its own (it has no items)
    if let Some(base) = arguments
        .sheet
        .dossier
        .as_ref()
        .and_then(|path| std::fs::canonicalize(path).ok())
    {
        inputs.retain(|input| match input {
            Input::File { path, .. } => std::fs::canonicalize(path).ok().as_ref() != Some(&base),
            Input::Stdin => true,
        });
    }
    let sheets = SheetSettings::from_args(&arguments.sheet, arguments.max_input_bytes)?;
    // the pack's own files are refused by the thread that loads it
    let mut protected = ProtectedFiles::default();
    if let Some(path) = &arguments.sheet.dossier {
        protected.add_path(format!("the dossier {}", path.display()), path);
    }
    for input in &inputs {
        match input {
            Input::File { display, path } => {
                protected.add_path(format!("the input {display}"), path)
            }
            Input::Stdin => protected.add_stdin(),
        }
    }
    if let Some(output) = &arguments.output {
        // before the work: a refused output is known at once
        protected.refuse_clash(output)?;
    }
    let options = CheckOptions {
        as_of,
        today: chrono::Local::now().date_naive(),
        lang,
        limits: Limits {
            max_cost: arguments.max_cost,
            max_dossier_cost: arguments.max_dossier_cost,
            max_findings: arguments.max_findings,
        },
    };
    let progress = Progress::for_inputs(&inputs, lang);
    let checked = check_inputs_from(
        pack,
        &inputs,
        &options,
        arguments.max_input_bytes,
        &sheets,
        &progress,
    )?;
    progress.finish();
    Ok((checked, protected, options))
}

/// The report of a check, written where `--output` says, and the outcome by `--fail-on`.
fn report_checked(
    arguments: &CheckArgs,
    pack: &Pack,
    checked: &mut Checked,
    protected: &ProtectedFiles,
    options: &CheckOptions,
) -> Result<Outcome, GuifanError> {
    let lang = options.lang;
    checked
        .not_shown
        .cap(&mut checked.findings, arguments.max_run_findings);
    let summary = Summary::new(checked.files, &checked.documents, &checked.findings)
        .with_not_shown(checked.not_shown);
    let threshold = match arguments.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let text = match arguments.format {
        Format::Json => report::json::render(&checked.findings, &checked.documents, pack, summary),
        Format::Sarif => report::sarif::render(
            &checked.findings,
            pack,
            lang,
            summary.not_shown,
            std::env::current_dir().ok().as_deref(),
        ),
        Format::Github => report::github::render(&checked.findings, summary.not_shown),
        Format::Html => report::html::render(
            &checked.findings,
            &checked.documents,
            &checked.sources,
            pack,
            summary,
            lang,
        ),
        Format::Junit => {
            let dossiers: Vec<report::junit::DossierRef<'_>> = checked
                .documents
                .iter()
                .map(|dossier| report::junit::DossierRef {
                    file: &dossier.file,
                    document: dossier.document,
                })
                .collect();
            report::junit::render(&checked.findings, &dossiers, threshold, summary.not_shown)
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
            report::human::render(
                &checked.findings,
                &checked.documents,
                &checked.sources,
                pack,
                summary,
                options,
            )
        }
    };
    match &arguments.output {
        Some(path) => write_output(path, &text, protected)?,
        None => print_stdout(&text)?,
    }
    let failing = threshold.is_some_and(|threshold| {
        let not_shown = checked.not_shown;
        checked
            .findings
            .iter()
            .any(|finding| finding.severity >= threshold && finding.counts())
            || not_shown.errors > 0
            || (threshold <= Severity::Warning && not_shown.warnings > 0)
            || (threshold <= Severity::Info && not_shown.infos > 0)
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
    /// The sources findings point into, by name (a `--dossier` file among them).
    pub sources: BTreeMap<String, Arc<SourceFile>>,
    /// How many inputs were checked.
    pub files: usize,
    pub dossiers: usize,
    /// Every dossier checked, in input order: its stage and the rule evaluations skipped.
    pub documents: Vec<DossierSummary>,
    /// Findings past the per-dossier cap, counted but not kept.
    pub not_shown: NotShown,
}

/// A file read and checked: its sources (a sheet's `--dossier` file too), its dossiers, its
/// findings and those not kept.
type CheckedFile = (
    Vec<Arc<SourceFile>>,
    Vec<DossierSummary>,
    Vec<Finding>,
    NotShown,
);

/// How the item lists (spreadsheets and CSV) among the inputs are read: `--encoding` and the
/// dossier of `--dossier`.
#[derive(Default)]
pub struct SheetSettings {
    pub encoding: Encoding,
    pub base: Option<BaseDossier>,
}

impl SheetSettings {
    /// Reads the `--dossier` file (one dossier, YAML or JSON) once for every item list.
    pub fn from_args(
        arguments: &SheetArgs,
        max_input_bytes: u64,
    ) -> Result<SheetSettings, GuifanError> {
        let encoding = match arguments.encoding {
            EncodingArg::Auto => Encoding::Detect,
            EncodingArg::Utf8 => Encoding::Utf8,
            EncodingArg::Gbk => Encoding::Gbk,
            EncodingArg::Gb18030 => Encoding::Gb18030,
        };
        let base = match &arguments.dossier {
            None => None,
            Some(path) => {
                let input = Input::File {
                    display: path.display().to_string().replace('\\', "/"),
                    path: path.clone(),
                };
                let file = Arc::new(read_input(&input, max_input_bytes)?);
                let mut dossiers = load_dossiers(&file)?;
                if dossiers.len() != 1 {
                    return Err(GuifanError::Usage(format!(
                        "--dossier {} holds {} dossiers: it gives one dossier to every item list",
                        file.name,
                        dossiers.len()
                    )));
                }
                let root = dossiers.remove(0).root;
                Some(BaseDossier { source: file, root })
            }
        };
        Ok(SheetSettings { encoding, base })
    }

    /// Reads an item list as a dossier.
    pub fn read(
        &self,
        pack: &Pack,
        name: &str,
        bytes: Vec<u8>,
    ) -> Result<SheetDossier, GuifanError> {
        sheet::read_sheet(
            name,
            bytes,
            SheetOptions {
                encoding: self.encoding,
                base: self.base.as_ref(),
                aliases: &pack.aliases,
                schema: &pack.schema,
            },
        )
    }
}

/// Reads, parses and checks every input within the default input size limit.
pub fn check_inputs(
    pack: &Pack,
    inputs: &[Input],
    options: &CheckOptions,
) -> Result<Checked, GuifanError> {
    check_inputs_within(pack, inputs, options, DEFAULT_MAX_INPUT_BYTES)
}

/// Reads, parses and checks every input, none larger than `max_input_bytes`, item lists read
/// with the default settings.
pub fn check_inputs_within(
    pack: &Pack,
    inputs: &[Input],
    options: &CheckOptions,
    max_input_bytes: u64,
) -> Result<Checked, GuifanError> {
    check_inputs_with(
        pack,
        inputs,
        options,
        max_input_bytes,
        &SheetSettings::default(),
        &Progress::hidden(),
    )
}

/// Reads an item list, checks its one dossier, and puts its findings at their cells.
fn check_sheet(
    pack: &Pack,
    name: &str,
    bytes: Vec<u8>,
    options: &CheckOptions,
    sheets: &SheetSettings,
) -> Result<CheckedFile, GuifanError> {
    let mut sheet = sheets.read(pack, name, bytes)?;
    let root = std::mem::replace(&mut sheet.root, Node::new(NodeKind::Null, Span::default()));
    let dossier = Dossier {
        file: Arc::clone(&sheet.source),
        document: 0,
        root,
        keys: KeyStyle::Canonical,
    };
    let outcome = check_dossier(pack, dossier, options);
    let mut findings = outcome.findings;
    sheet::locate_findings(&sheet, &mut findings);
    findings.extend(sheet::unknown_columns_note(&sheet, options.lang));
    let documents = vec![DossierSummary {
        file: sheet.source.name.clone(),
        document: 0,
        stage: outcome.stage.map(Stage::as_str),
        skipped: outcome.skipped,
    }];
    let mut sources = vec![Arc::clone(&sheet.source)];
    sources.extend(sheet.base.as_ref().map(|(_, file)| Arc::clone(file)));
    Ok((sources, documents, findings, outcome.not_shown))
}

/// Reads, parses and checks every input, none larger than `max_input_bytes`; files in
/// parallel, then rules in parallel.
pub fn check_inputs_with(
    pack: &Pack,
    inputs: &[Input],
    options: &CheckOptions,
    max_input_bytes: u64,
    sheets: &SheetSettings,
    progress: &Progress,
) -> Result<Checked, GuifanError> {
    check_inputs_from(
        PackSource::Ready(pack),
        inputs,
        options,
        max_input_bytes,
        sheets,
        progress,
    )
}

/// The pack of a check: loaded, or being loaded by another thread.
#[derive(Clone, Copy)]
enum PackSource<'p> {
    Ready(&'p Pack),
    Loading(&'p OnceLock<Result<Pack, GuifanError>>),
}

impl<'p> PackSource<'p> {
    /// The pack, once loaded; `None` when it failed to load (its error is reported instead of
    /// anything the inputs gave).
    fn wait(self) -> Option<&'p Pack> {
        match self {
            PackSource::Ready(pack) => Some(pack),
            PackSource::Loading(slot) => slot.wait().as_ref().ok(),
        }
    }
}

/// [`check_inputs_with`] with a pack that may still be loading: each file is read and parsed
/// (a dossier needs no pack for that) and then waits for it. A spreadsheet waits before it is
/// read, since its columns are read with the pack's aliases.
fn check_inputs_from(
    pack: PackSource<'_>,
    inputs: &[Input],
    options: &CheckOptions,
    max_input_bytes: u64,
    sheets: &SheetSettings,
    progress: &Progress,
) -> Result<Checked, GuifanError> {
    let no_pack = || GuifanError::Usage("the pack could not be loaded".to_string());
    // each file is read, parsed and checked by one task, and its trees dropped before the
    // next: memory stays near the size of the inputs, and the allocator does not slow down
    // among the debris of hundreds of trees (checking 200 dossiers after parsing them all took
    // twice the time, see docs/PERFORMANCE.md). A file that cannot be read still stops the
    // run: its error is reported and every finding is dropped.
    let loaded: Vec<Result<CheckedFile, GuifanError>> = inputs
        .par_iter()
        .map(|input| {
            let (name, bytes) = read_input_bytes(input, max_input_bytes)?;
            let checked = if *input != Input::Stdin && sheet::is_sheet_name(&name) {
                let pack = pack.wait().ok_or_else(no_pack)?;
                check_sheet(pack, &name, bytes, options, sheets)
            } else {
                decode_source(name, bytes).and_then(|file| {
                    let file = Arc::new(file);
                    let dossiers = load_dossiers(&file)?;
                    let pack = pack.wait().ok_or_else(no_pack)?;
                    check_dossiers(pack, file, dossiers, options)
                })
            };
            progress.file_done();
            checked
        })
        .collect();
    collect_checked(loaded)
}

/// Checks the dossiers of a text already read (a file, or a dossier a test case made): its
/// findings sorted as `check` sorts them.
pub fn check_source(
    pack: &Pack,
    file: Arc<SourceFile>,
    options: &CheckOptions,
) -> Result<Checked, GuifanError> {
    collect_checked(vec![check_file(pack, file, options)])
}

fn check_file(
    pack: &Pack,
    file: Arc<SourceFile>,
    options: &CheckOptions,
) -> Result<CheckedFile, GuifanError> {
    let dossiers = load_dossiers(&file)?;
    check_dossiers(pack, file, dossiers, options)
}

/// Checks the dossiers parsed from `file`.
fn check_dossiers(
    pack: &Pack,
    file: Arc<SourceFile>,
    dossiers: Vec<Dossier>,
    options: &CheckOptions,
) -> Result<CheckedFile, GuifanError> {
    let outcomes: Vec<(usize, DossierOutcome)> = dossiers
        .into_par_iter()
        .map(|dossier| (dossier.document, check_dossier(pack, dossier, options)))
        .collect();
    let mut documents = Vec::with_capacity(outcomes.len());
    let mut findings = Vec::new();
    let mut not_shown = NotShown::default();
    for (document, outcome) in outcomes {
        documents.push(DossierSummary {
            file: file.name.clone(),
            document,
            stage: outcome.stage.map(Stage::as_str),
            skipped: outcome.skipped,
        });
        not_shown.merge(outcome.not_shown);
        findings.extend(outcome.findings);
    }
    Ok((vec![file], documents, findings, not_shown))
}

/// The files checked, in input order, as one result; every error when any file failed.
fn collect_checked(loaded: Vec<Result<CheckedFile, GuifanError>>) -> Result<Checked, GuifanError> {
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
    let dossiers: usize = files.iter().map(|(_, documents, ..)| documents.len()).sum();
    let mut sources = BTreeMap::new();
    let mut documents = Vec::new();
    let mut findings = Vec::new();
    let mut not_shown = NotShown::default();
    let file_count = files.len();
    for (file_sources, file_documents, file_findings, file_not_shown) in files {
        documents.extend(file_documents);
        for file in file_sources {
            sources.insert(file.name.clone(), file);
        }
        findings.extend(file_findings);
        not_shown.merge(file_not_shown);
    }
    sort_findings(&mut findings);
    Ok(Checked {
        findings,
        sources,
        files: file_count,
        dossiers,
        documents,
        not_shown,
    })
}
