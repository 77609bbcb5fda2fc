//! Writes the benchmark corpus: realistic, deterministic entry dossiers in Chinese for the
//! national pack, with a chosen fraction of planted violations. See docs/PERFORMANCE.md.
//!
//! ```text
//! cargo run --release --example corpus -- --dossiers 1 --items 300 --staff 30 \
//!     --violations 0 --seed 1 --format yaml --out target/corpus/w1
//! cargo run --release --example corpus -- --workload w2 --out target/corpus/w2
//! ```
//!
//! The same arguments give byte-identical files. The planted violations are counted by kind
//! (with the rule that reports each) on standard output.

#[path = "../benches/support/corpus.rs"]
mod corpus;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

#[derive(Debug, Parser)]
#[command(about = "Write a deterministic corpus of entry dossiers for benchmarks")]
struct Arguments {
    /// A standard workload (w1, w2, w3) whose sizes the other options then override.
    #[arg(long)]
    workload: Option<String>,
    /// How many dossiers (one file each).
    #[arg(long)]
    dossiers: Option<usize>,
    /// Items per dossier.
    #[arg(long)]
    items: Option<usize>,
    /// Staff per dossier (one window per five).
    #[arg(long)]
    staff: Option<usize>,
    /// Probability that an item or a person carries a planted violation (0 to 1).
    #[arg(long)]
    violations: Option<f64>,
    #[arg(long)]
    seed: Option<u64>,
    /// yaml or json.
    #[arg(long, default_value = "yaml")]
    format: String,
    /// The directory to write into (created if missing).
    #[arg(long)]
    out: PathBuf,
}

fn main() -> ExitCode {
    let arguments = Arguments::parse();
    let mut options = match arguments.workload.as_deref() {
        None => corpus::Options::default(),
        Some(name) => match corpus::workload(name) {
            Some(options) => options,
            None => {
                eprintln!("unknown workload `{name}` (w1, w2 or w3)");
                return ExitCode::from(2);
            }
        },
    };
    options.dossiers = arguments.dossiers.unwrap_or(options.dossiers);
    options.items = arguments.items.unwrap_or(options.items);
    options.staff = arguments.staff.unwrap_or(options.staff);
    options.violations = arguments.violations.unwrap_or(options.violations);
    options.seed = arguments.seed.unwrap_or(options.seed);
    options.format = match arguments.format.as_str() {
        "yaml" | "yml" => corpus::Format::Yaml,
        "json" => corpus::Format::Json,
        other => {
            eprintln!("unknown format `{other}` (yaml or json)");
            return ExitCode::from(2);
        }
    };
    if !(0.0..=1.0).contains(&options.violations) {
        eprintln!("--violations is a fraction between 0 and 1");
        return ExitCode::from(2);
    }
    if let Err(error) = std::fs::create_dir_all(&arguments.out) {
        eprintln!("cannot create {}: {error}", arguments.out.display());
        return ExitCode::from(2);
    }
    let mut planted = corpus::Planted::default();
    let mut bytes = 0usize;
    for index in 0..options.dossiers {
        let (text, dossier_planted) = corpus::generate_dossier(&options, index);
        let path = arguments.out.join(corpus::file_name(&options, index));
        if let Err(error) = std::fs::write(&path, &text) {
            eprintln!("cannot write {}: {error}", path.display());
            return ExitCode::from(2);
        }
        bytes += text.len();
        planted.merge(&dossier_planted);
    }
    println!(
        "{} dossier(s), {} items and {} staff each, {} bytes, in {}",
        options.dossiers,
        options.items,
        options.staff.max(1),
        bytes,
        arguments.out.display()
    );
    println!("planted violations: {}", planted.total());
    for (violation, count) in &planted.counts {
        println!("  {count:>8}  {}", violation.rule());
    }
    ExitCode::SUCCESS
}
