//! `guifan pack diff`: load two packs (two directories, or one directory and its state at a
//! git revision, read with `git` into a temporary directory), compare them
//! (`pack/diff.rs`), run both over a corpus of dossiers when asked, and gate the change by the
//! pack's semantic version: exit 0 compatible, 1 breaking with a new major version, 3 breaking
//! without one.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use super::check::{check_inputs, load_selected_pack};
use super::inputs::collect_inputs;
use super::{print_stdout, Outcome};
use crate::cli::{PackDiffArgs, PackDiffFormat};
use crate::engine::{CheckOptions, Lang, Limits};
use crate::error::GuifanError;
use crate::finding::{Finding, Severity};
use crate::pack::diff::{self, Change, Impact};
use crate::pack::Pack;
use crate::report;

/// One side of the comparison, as the report names it.
#[derive(Debug)]
pub struct Side {
    /// The directory given, or `REV:path` for the state at a revision.
    pub source: String,
    pub id: String,
    pub version: String,
}

/// A finding that one pack gives and the other does not.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Flip {
    pub rule: String,
    pub path: String,
    pub severity: Severity,
    pub line: usize,
    pub column: usize,
    pub waived: bool,
    /// Given by the new pack (`true`) or only by the old one (`false`).
    pub new: bool,
}

/// A dossier whose findings differ between the packs.
#[derive(Debug)]
pub struct DossierFlips {
    pub file: String,
    pub document: usize,
    /// Its verdict (an error not waived fails it) under the old and the new pack.
    pub failed_before: bool,
    pub fails_now: bool,
    pub flips: Vec<Flip>,
}

/// Both packs run over the corpus.
#[derive(Debug)]
pub struct Corpus {
    pub directory: String,
    pub dossiers: usize,
    pub changed: Vec<DossierFlips>,
}

impl Corpus {
    /// Dossiers that passed under the old pack and fail under the new one.
    pub fn newly_failing(&self) -> usize {
        self.changed
            .iter()
            .filter(|dossier| !dossier.failed_before && dossier.fails_now)
            .count()
    }
}

/// The verdict on the version.
#[derive(Debug)]
pub struct Versioning {
    /// The greatest impact of the changes (and of the corpus); `None` when nothing changed.
    pub impact: Option<Impact>,
    /// The least version the new pack needs: the old one bumped by the impact.
    pub required: Option<String>,
    /// The new pack's version is at least the one required.
    pub satisfied: bool,
}

/// What `pack diff` found.
#[derive(Debug)]
pub struct DiffRun {
    pub old: Side,
    pub new: Side,
    pub changes: Vec<Change>,
    pub corpus: Option<Corpus>,
    pub versioning: Versioning,
}

impl DiffRun {
    pub fn breaking(&self) -> bool {
        self.versioning.impact == Some(Impact::Breaking)
    }
}

pub fn run(arguments: &PackDiffArgs) -> Result<Outcome, GuifanError> {
    // the temporary directory of the old state lives until the packs are compared and run
    let mut _checkout = None;
    let (old_pack, old_source, new_pack, new_source) = match &arguments.base {
        Some(revision) => {
            let given = match arguments.packs.as_slice() {
                [] => PathBuf::from("."),
                [one] => one.clone(),
                _ => {
                    return Err(GuifanError::Usage(
                        "with --base, name one pack directory (compared with its state at the revision)"
                            .to_string(),
                    ))
                }
            };
            let checkout = checkout_at(&given, revision)?;
            let old_pack = load_selected_pack(Some(&checkout.pack))?;
            let new_pack = load_selected_pack(Some(&given))?;
            let old_source = checkout.label.clone();
            _checkout = Some(checkout);
            (old_pack, old_source, new_pack, display(&given))
        }
        None => match arguments.packs.as_slice() {
            [old, new] => (
                load_selected_pack(Some(old))?,
                display(old),
                load_selected_pack(Some(new))?,
                display(new),
            ),
            _ => {
                return Err(GuifanError::Usage(
                    "pack diff compares two packs: `guifan pack diff OLD NEW`, or one directory with its state at a git revision: `guifan pack diff --base REV DIR`"
                        .to_string(),
                ))
            }
        },
    };
    let diff_run = compare(
        &old_pack,
        old_source,
        &new_pack,
        new_source,
        arguments.corpus.as_deref(),
    )?;
    let text = match arguments.format {
        PackDiffFormat::Human => report::pack_diff::human(&diff_run),
        PackDiffFormat::Json => report::pack_diff::json(&diff_run),
    };
    print_stdout(&text)?;
    Ok(if !diff_run.breaking() {
        Outcome::Clean
    } else if diff_run.versioning.satisfied {
        Outcome::Findings
    } else {
        Outcome::BreakingUnversioned
    })
}

/// Compares two loaded packs and, with a corpus, runs both over it.
pub fn compare(
    old: &Pack,
    old_source: String,
    new: &Pack,
    new_source: String,
    corpus: Option<&Path>,
) -> Result<DiffRun, GuifanError> {
    let changes = diff::diff(old, new);
    let corpus = corpus
        .map(|directory| run_corpus(old, new, directory))
        .transpose()?;
    let mut impact = diff::impact(&changes);
    if corpus
        .as_ref()
        .is_some_and(|corpus| corpus.newly_failing() > 0)
    {
        // a dossier of the corpus that passed and now fails is a breaking change, whatever the
        // table says of the changes that caused it
        impact = Some(Impact::Breaking);
    }
    let old_version = version(old)?;
    let new_version = version(new)?;
    let required = impact.map(|impact| {
        let mut next =
            semver::Version::new(old_version.major, old_version.minor, old_version.patch);
        match impact {
            Impact::Breaking => {
                next.major += 1;
                next.minor = 0;
                next.patch = 0;
            }
            Impact::Minor => {
                next.minor += 1;
                next.patch = 0;
            }
            Impact::Patch => next.patch += 1,
        }
        next
    });
    let satisfied = match (&required, impact) {
        // only a breaking change gates: its new major version is what a consumer's version
        // requirement (`@^2`) sees
        (Some(_), Some(Impact::Breaking)) => new_version.major > old_version.major,
        _ => true,
    };
    Ok(DiffRun {
        old: Side {
            source: old_source,
            id: old.manifest.id.clone(),
            version: old.manifest.version.clone(),
        },
        new: Side {
            source: new_source,
            id: new.manifest.id.clone(),
            version: new.manifest.version.clone(),
        },
        changes,
        corpus,
        versioning: Versioning {
            impact,
            required: required.map(|version| version.to_string()),
            satisfied,
        },
    })
}

fn version(pack: &Pack) -> Result<semver::Version, GuifanError> {
    semver::Version::parse(&pack.manifest.version).map_err(|error| {
        GuifanError::Usage(format!(
            "the version `{}` of the pack {} is not MAJOR.MINOR.PATCH ({error}): pack diff needs it to say which version a change requires",
            pack.manifest.version, pack.manifest.id
        ))
    })
}

/// Both packs over every dossier below `directory`; the findings each gives and the other
/// does not, per dossier.
fn run_corpus(old: &Pack, new: &Pack, directory: &Path) -> Result<Corpus, GuifanError> {
    let name = display(directory);
    let inputs = collect_inputs(std::slice::from_ref(&name))?;
    let options = CheckOptions {
        as_of: None,
        today: chrono::Local::now().date_naive(),
        lang: Lang::Zh,
        limits: Limits::default(),
    };
    let before = check_inputs(old, &inputs, &options)?;
    let after = check_inputs(new, &inputs, &options)?;
    let mut dossiers: BTreeMap<(String, usize), BeforeAfter> = before
        .documents
        .iter()
        .map(|document| {
            (
                (document.file.clone(), document.document),
                Default::default(),
            )
        })
        .collect();
    for finding in &before.findings {
        dossiers
            .entry((finding.file.clone(), finding.document))
            .or_default()
            .0
            .push(finding);
    }
    for finding in &after.findings {
        dossiers
            .entry((finding.file.clone(), finding.document))
            .or_default()
            .1
            .push(finding);
    }
    let fails = |findings: &[&Finding]| {
        findings
            .iter()
            .any(|finding| finding.counts() && finding.severity == Severity::Error)
    };
    let mut changed = Vec::new();
    for ((file, document), (old_findings, new_findings)) in dossiers {
        let mut flips = Vec::new();
        let mut remaining: Vec<Option<&Finding>> = new_findings.iter().copied().map(Some).collect();
        for finding in &old_findings {
            let same = remaining.iter_mut().find(|slot| {
                slot.is_some_and(|other| {
                    other.rule == finding.rule
                        && other.path == finding.path
                        && other.severity == finding.severity
                        && other.waived.is_some() == finding.waived.is_some()
                        && other.clause == finding.clause
                })
            });
            match same {
                Some(slot) => *slot = None,
                None => flips.push(flip(finding, false)),
            }
        }
        flips.extend(
            remaining
                .into_iter()
                .flatten()
                .map(|finding| flip(finding, true)),
        );
        if !flips.is_empty() {
            flips.sort();
            changed.push(DossierFlips {
                file,
                document,
                failed_before: fails(&old_findings),
                fails_now: fails(&new_findings),
                flips,
            });
        }
    }
    Ok(Corpus {
        directory: name,
        dossiers: before.dossiers,
        changed,
    })
}

/// A dossier's findings under the old pack and under the new one.
type BeforeAfter<'a> = (Vec<&'a Finding>, Vec<&'a Finding>);

fn flip(finding: &Finding, new: bool) -> Flip {
    Flip {
        rule: finding.rule.clone(),
        path: finding.path.clone(),
        severity: finding.severity,
        line: finding.start.line,
        column: finding.start.column,
        waived: finding.waived.is_some(),
        new,
    }
}

/// The pack directory as it was at a revision, written into a temporary directory.
struct Checkout {
    /// Removed when dropped.
    _directory: tempfile::TempDir,
    /// The pack in it (its directory, or its manifest when a manifest was named).
    pack: PathBuf,
    /// `REV:path/in/repository`, as the report names it.
    label: String,
}

/// Reads the pack directory `given` as it was at `revision` of the repository holding it:
/// `git ls-tree` lists its files, `git cat-file` gives each one. Nothing is written into the
/// repository, and only regular files are taken (a link could lead out of the pack).
fn checkout_at(given: &Path, revision: &str) -> Result<Checkout, GuifanError> {
    if revision.starts_with('-') || revision.is_empty() {
        return Err(GuifanError::Usage(format!(
            "--base `{revision}` is not a revision"
        )));
    }
    let (directory, manifest) = if given.is_file() {
        (
            given.parent().map(Path::to_path_buf).unwrap_or_default(),
            given.file_name().map(PathBuf::from),
        )
    } else if given.is_dir() {
        (given.to_path_buf(), None)
    } else {
        return Err(GuifanError::Read {
            path: display(given),
            message: "no such file or directory".to_string(),
        });
    };
    let directory = if directory.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        directory
    };
    let git_error = |message: String| GuifanError::Usage(format!("--base {revision}: {message}"));
    let top = git(&directory, &["rev-parse", "--show-toplevel"]).map_err(|message| {
        git_error(format!(
            "{} is not in a git repository ({message})",
            display(&directory)
        ))
    })?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim_end_matches('\n'));
    let prefix = git(&directory, &["rev-parse", "--show-prefix"]).map_err(&git_error)?;
    let prefix = String::from_utf8_lossy(&prefix)
        .trim_end_matches('\n')
        .to_string();
    let commit = git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &format!("{revision}^{{commit}}"),
        ],
    )
    .map_err(|_| git_error("no such revision in the repository".to_string()))?;
    let commit = String::from_utf8_lossy(&commit).trim().to_string();
    let mut arguments = vec!["ls-tree", "-r", "-z", commit.as_str()];
    if !prefix.is_empty() {
        arguments.push("--");
        arguments.push(prefix.as_str());
    }
    let listing = git(&top, &arguments).map_err(&git_error)?;
    let temporary = tempfile::Builder::new()
        .prefix("guifan-pack-diff-")
        .tempdir()
        .map_err(|error| GuifanError::Write {
            path: "a temporary directory".to_string(),
            message: error.to_string(),
        })?;
    let mut files = 0;
    for entry in listing
        .split(|byte| *byte == 0)
        .filter(|entry| !entry.is_empty())
    {
        let entry = String::from_utf8_lossy(entry);
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let mut meta = meta.split(' ');
        let (Some(mode), Some(kind), Some(object)) = (meta.next(), meta.next(), meta.next()) else {
            continue;
        };
        // regular files only: no link (it could lead out of the pack), no submodule
        if kind != "blob" || mode == "120000" {
            continue;
        }
        let relative = Path::new(path);
        if !relative
            .components()
            .all(|component| matches!(component, Component::Normal(_)))
        {
            continue;
        }
        let content = git(&top, &["cat-file", "blob", object]).map_err(&git_error)?;
        let target = temporary.path().join(relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|error| GuifanError::Write {
                path: display(parent),
                message: error.to_string(),
            })?;
        }
        std::fs::write(&target, content).map_err(|error| GuifanError::Write {
            path: display(&target),
            message: error.to_string(),
        })?;
        files += 1;
    }
    let shown = prefix.trim_end_matches('/');
    if files == 0 {
        return Err(git_error(format!(
            "the pack directory {} does not exist at that revision",
            if shown.is_empty() { "." } else { shown }
        )));
    }
    let mut pack = temporary.path().join(&prefix);
    if let Some(manifest) = manifest {
        pack.push(manifest);
    }
    Ok(Checkout {
        _directory: temporary,
        pack,
        label: format!("{revision}:{}", if shown.is_empty() { "." } else { shown }),
    })
}

/// Runs git in `directory`; its standard output, or its error's first line.
fn git(directory: &Path, arguments: &[&str]) -> Result<Vec<u8>, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(directory)
        .args(arguments)
        .env("GIT_TERMINAL_PROMPT", "0")
        // the pack's directory is a path, never a pattern (`*` in a name matches only itself)
        .env("GIT_LITERAL_PATHSPECS", "1")
        .output()
        .map_err(|error| format!("git cannot be run: {error}"))?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        let message = String::from_utf8_lossy(&output.stderr);
        Err(message.lines().next().unwrap_or("git failed").to_string())
    }
}

fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}
