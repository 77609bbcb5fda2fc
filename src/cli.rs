//! The command line as clap structures: raw flags only, no IO.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "guifan",
    version,
    about = "规范 — check entry dossiers against the clauses of a standard, encoded as CEL rule packs"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check dossiers (files, directories, or - for standard input) against a pack.
    Check(CheckArgs),
    /// Work on rule packs: lint, doc, test, diff.
    #[command(subcommand)]
    Pack(PackCommand),
    /// Print the dossier's JSON Schema of a pack (for editors: `--output dossier.schema.json`, then
    /// `# yaml-language-server: $schema=dossier.schema.json` at the top of a dossier).
    Schema(SchemaArgs),
    /// Explain a rule or a clause: the clause's text, the rules that enforce it, what they check.
    Explain(ExplainArgs),
    /// Evaluate one CEL expression as a rule's is evaluated (the pack's functions and variables,
    /// the sections of the dossier given with --data) and print its value as JSON.
    Eval(EvalArgs),
    /// Write a dossier template for a department category and a stage: every field the schema
    /// requires or a rule due at the stage reads, named in Chinese with its clauses.
    Init(InitArgs),
    /// Print a shell's completion script: `guifan completions bash > /etc/bash_completion.d/guifan`.
    Completions(CompletionsArgs),
    /// Print the manual page (roff), or write one page per command into a directory.
    Man(ManArgs),
    /// Write the dossier read from an item list (.xlsx, .xls, .csv) as YAML or JSON.
    Convert(ConvertArgs),
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell the script is for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write guifan.1 and a page per subcommand (guifan-check.1, …) into this directory instead
    /// of printing guifan.1.
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
}

/// How the item lists (spreadsheets and CSV) among the inputs are read.
#[derive(Debug, Clone, clap::Args)]
pub struct SheetArgs {
    /// A YAML or JSON dossier without items that gives every item list its dossier and
    /// department (instead of the workbook's 申报信息 sheet).
    #[arg(long, value_name = "FILE")]
    pub dossier: Option<PathBuf>,
    /// The encoding of CSV inputs; default: UTF-8 when they are valid UTF-8, else GB 18030.
    #[arg(long, value_enum, default_value_t = EncodingArg::Auto)]
    pub encoding: EncodingArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EncodingArg {
    Auto,
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    Gbk,
    Gb18030,
}

#[derive(Debug, clap::Args)]
pub struct ConvertArgs {
    /// The item list: .xlsx, .xlsm, .xls or .csv.
    pub path: String,
    /// The format written.
    #[arg(long, value_enum, default_value_t = ConvertFormat::Yaml)]
    pub to: ConvertFormat,
    #[command(flatten)]
    pub sheet: SheetArgs,
    /// A pack directory or manifest file, whose aliases read the keys of the dossier sheet;
    /// default: the embedded national pack.
    #[arg(long)]
    pub pack: Option<PathBuf>,
    /// Write the dossier to this file (atomically) instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// The largest input read, in bytes.
    #[arg(long, default_value_t = crate::commands::inputs::DEFAULT_MAX_INPUT_BYTES, value_parser = clap::value_parser!(u64).range(1..=u32::MAX as u64))]
    pub max_input_bytes: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ConvertFormat {
    Yaml,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    #[command(flatten)]
    pub pack: PackArgs,
    /// Write the schema to this file (atomically) instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The department's category (the schema's department.category): government (default),
    /// dual_managed, vertical, professional_service, public_utility, voluntary, …
    #[arg(long)]
    pub category: Option<String>,
    /// The dossier's stage: proposal (default), recognized, stationed, adjustment or exit.
    #[arg(long)]
    pub stage: Option<String>,
    /// A pack directory or manifest file; default: the embedded national pack. Alone, naming a
    /// directory that does not exist yet (or is empty): make a new local pack there that
    /// extends the national one, with an example rule and its test cases.
    #[arg(long)]
    pub pack: Option<PathBuf>,
    /// Write the template to this file (atomically) instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// The dossier's JSON Schema for editors (a path relative to the dossier, or a URL): the
    /// template then starts with `# yaml-language-server: $schema=…`. Make the file with
    /// `guifan schema --output dossier.schema.json`.
    #[arg(long, value_name = "PATH_OR_URL")]
    pub schema_url: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// The CEL expression, e.g. `doc.items.map(i, i.name)` or `size(items) > 0`.
    pub expression: String,
    /// A dossier file (YAML or JSON, one document; - for standard input) whose sections, `doc`
    /// and the pack's variables the expression reads; default: an empty dossier.
    #[arg(long, value_name = "FILE")]
    pub data: Option<String>,
    /// A pack directory or manifest file; default: the embedded national pack.
    #[arg(long)]
    pub pack: Option<PathBuf>,
    /// The date `as_of` holds (YYYY-MM-DD or YYYYMMDD); default: the dossier's submitted_on,
    /// else today.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Language of the reasons a pack variable gives when it cannot be evaluated.
    #[arg(long, value_enum, default_value_t = LangArg::En)]
    pub lang: LangArg,
    /// Steps the evaluation may take (see `check --max-cost`).
    #[arg(long, value_name = "STEPS", default_value_t = crate::engine::budget::DEFAULT_MAX_COST)]
    pub max_cost: u64,
    /// Steps the pack's variables and the expression may take together.
    #[arg(long, value_name = "STEPS", default_value_t = crate::engine::budget::DEFAULT_MAX_DOSSIER_COST)]
    pub max_dossier_cost: u64,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// A rule id (item-legal-basis-missing) or a clause number (5.2.1.1).
    pub topic: String,
    /// A pack directory or manifest file; default: the embedded national pack.
    #[arg(long)]
    pub pack: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = LangArg::Zh)]
    pub lang: LangArg,
}

#[derive(Debug, Subcommand)]
pub enum PackCommand {
    /// Load a pack strictly (every field an expression reads checked against the schema, every
    /// function against CEL's) and report what it lacks (clauses no rule covers); exit 1 when
    /// it lacks anything, 2 when it does not load.
    Lint(PackArgs),
    /// Print the pack's documentation as Markdown: clause → rules, and every rule.
    Doc(PackDocArgs),
    /// Run the cases in the pack's tests/ directory (a dossier and the findings expected of
    /// it) and report each rule's coverage; exit 1 when a case fails or a rule is not seen
    /// both firing and silent, 2 when the pack or a case file does not load.
    Test(PackTestArgs),
    /// Compare two packs (OLD NEW, or a directory with its state at a git revision: --base REV
    /// DIR): clauses, rules, variables, schema and aliases added, removed and changed, each
    /// classified as breaking or not; with --corpus, the findings that change per dossier.
    /// Exit 0 compatible, 1 breaking with a new major version, 3 breaking without one.
    Diff(PackDiffArgs),
}

#[derive(Debug, clap::Args)]
pub struct PackDiffArgs {
    /// OLD and NEW pack directories (or manifest files); with --base, one pack directory
    /// (default: the current directory).
    #[arg(value_name = "PACK", num_args = 0..=2)]
    pub packs: Vec<PathBuf>,
    /// A git revision (a commit, a branch, a tag) of the repository that holds the pack: its
    /// state there is the old pack, the working tree the new.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// Run both packs over every dossier below this directory and list the findings that
    /// appear and disappear.
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = PackDiffFormat::Human)]
    pub format: PackDiffFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PackDiffFormat {
    Human,
    Json,
}

/// The pack a command uses: `--pack DIR`, as for every command. The positional form
/// (`guifan pack lint DIR`) is the older spelling, kept so that scripts written for it still
/// run; it is not shown in the help.
#[derive(Debug, clap::Args)]
pub struct PackArgs {
    /// A pack directory or manifest file; default: the embedded national pack.
    #[arg(long)]
    pub pack: Option<PathBuf>,
    #[arg(value_name = "PACK", hide = true, conflicts_with = "pack")]
    pub pack_positional: Option<PathBuf>,
}

impl PackArgs {
    /// The pack named, by either spelling.
    pub fn pack(&self) -> Option<&std::path::Path> {
        self.pack.as_deref().or(self.pack_positional.as_deref())
    }
}

#[derive(Debug, clap::Args)]
pub struct PackDocArgs {
    #[command(flatten)]
    pub pack: PackArgs,
    /// Write the Markdown there (atomically) instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct PackTestArgs {
    #[command(flatten)]
    pub pack: PackArgs,
    #[arg(long, value_enum, default_value_t = PackTestFormat::Human)]
    pub format: PackTestFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PackTestFormat {
    Human,
    Json,
    Junit,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files, directories (searched recursively for .yaml, .yml, .json, and the item lists
    /// .csv, .xlsx, .xlsm, .xls), or - for stdin.
    #[arg(required = true)]
    pub paths: Vec<String>,
    #[command(flatten)]
    pub sheet: SheetArgs,
    /// A pack directory or manifest file; default: the embedded national pack.
    #[arg(long)]
    pub pack: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to this file (atomically) instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// The lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Judge by the rules in force on this date (YYYY-MM-DD or YYYYMMDD); default: each
    /// dossier's submitted_on, else today.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Message language.
    #[arg(long, value_enum, default_value_t = LangArg::Zh)]
    pub lang: LangArg,
    /// Colour in the human report: auto (a terminal without NO_COLOR), always or never.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Width of the human report; default: the terminal's, else 100.
    #[arg(long)]
    pub width: Option<usize>,
    /// The largest input read, in bytes (files, standard input and devices alike); at most
    /// 4294967295 (spans are 32-bit).
    #[arg(long, default_value_t = crate::commands::inputs::DEFAULT_MAX_INPUT_BYTES, value_parser = clap::value_parser!(u64).range(1..=u32::MAX as u64))]
    pub max_input_bytes: u64,
    /// Steps one evaluation of a rule or variable may take (elements iterated, compared or
    /// searched); past it the rule gives a rule-error "budget exhausted".
    #[arg(long, value_name = "STEPS", default_value_t = crate::engine::budget::DEFAULT_MAX_COST)]
    pub max_cost: u64,
    /// Steps all the evaluations of one dossier may take together.
    #[arg(long, value_name = "STEPS", default_value_t = crate::engine::budget::DEFAULT_MAX_DOSSIER_COST)]
    pub max_dossier_cost: u64,
    /// Findings reported per dossier; the summary counts the rest as not shown.
    #[arg(long, value_name = "N", default_value_t = crate::engine::DEFAULT_MAX_FINDINGS)]
    pub max_findings: usize,
    /// Findings reported per run, over all dossiers.
    #[arg(long, value_name = "N", default_value_t = crate::report::DEFAULT_MAX_RUN_FINDINGS)]
    pub max_run_findings: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
    Html,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    Zh,
    En,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}
