//! Scaling check: for each shape of input that once grew faster than the work, the wall time
//! of `guifan check` on the work and on ten times the work, in every report format, and the
//! ratio of the two. Linear work gives a ratio near 10; the target is ≤ 11 (issue 11, "no
//! quadratic path"). Run by hand; the figures go to docs/PERFORMANCE.md:
//!
//! ```text
//! cargo bench --bench scaling              # every shape, every format
//! cargo bench --bench scaling -- flow      # the shapes whose name contains "flow"
//! ```
//!
//! Each run is the released binary as a user runs it (process start, pack load, read, parse,
//! check, report), the best of three, so that the ratio measures the run and not the machine's
//! moment. The inputs are generated (benches/support/corpus.rs) in a temporary directory.

#[path = "support/corpus.rs"]
mod corpus;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// How much more work the second run of each shape does.
const FACTOR: usize = 10;
/// The ratio above which a shape is marked as growing faster than the work.
const TARGET: f64 = 11.0;
const FORMATS: [&str; 6] = ["human", "json", "sarif", "junit", "github", "html"];

struct Shape {
    name: &'static str,
    /// What `n` counts.
    unit: &'static str,
    base: usize,
    /// Writes the input for `n` into the directory and returns its path.
    write: fn(&Path, usize) -> PathBuf,
}

fn main() {
    let filter: Option<String> = std::env::args()
        .skip(1)
        .find(|argument| !argument.starts_with('-'));
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_guifan"));
    let shapes = [
        Shape {
            name: "findings-per-file (block YAML, every item a violation)",
            unit: "items",
            base: 300,
            write: findings_per_file,
        },
        Shape {
            name: "items-per-dossier (block YAML, 1% violations)",
            unit: "items",
            base: 1_000,
            write: items_per_dossier,
        },
        Shape {
            name: "documents-per-file (tiny documents, a finding each)",
            unit: "documents",
            base: 1_000,
            write: documents_per_file,
        },
        Shape {
            name: "minified-json (one line, every item a violation)",
            unit: "items",
            base: 300,
            write: minified_json,
        },
        Shape {
            name: "flow-yaml (one line, every item a violation)",
            unit: "items",
            base: 300,
            write: flow_yaml,
        },
        Shape {
            name: "list-membership (power list and items of one department)",
            unit: "entries",
            base: 800,
            write: list_membership,
        },
        Shape {
            name: "keys-per-mapping (one mapping, every key unknown)",
            unit: "keys",
            base: 5_000,
            write: keys_per_mapping,
        },
    ];
    let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("tempdir: {error}"));
    println!(
        "{:<58} {:>7} {:>9} {:>9} {:>9} {:>7}",
        "shape", "format", "n", "t(n) ms", "t(10n) ms", "ratio"
    );
    let mut over = 0;
    for shape in &shapes {
        if filter
            .as_deref()
            .is_some_and(|filter| !shape.name.contains(filter))
        {
            continue;
        }
        let small = (shape.write)(directory.path(), shape.base);
        let large = (shape.write)(directory.path(), shape.base * FACTOR);
        for format in FORMATS {
            let (small_time, small_findings) = best_of_three(&binary, &small, format);
            let (large_time, large_findings) = best_of_three(&binary, &large, format);
            let ratio = large_time.as_secs_f64() / small_time.as_secs_f64();
            let mark = if ratio > TARGET {
                over += 1;
                "  over"
            } else {
                ""
            };
            println!(
                "{:<58} {:>7} {:>9} {:>9.1} {:>9.1} {:>7.2}{mark}",
                shape.name,
                format,
                format!("{} {}", shape.base, shape.unit),
                small_time.as_secs_f64() * 1e3,
                large_time.as_secs_f64() * 1e3,
                ratio,
            );
            if format == "json" {
                println!(
                    "{:<58} {:>7} findings: {small_findings} and {large_findings}",
                    "", ""
                );
            }
        }
    }
    println!("ratios over {TARGET}: {over}");
}

/// The best wall time of three runs, and the number of findings the JSON report gives (0 for
/// other formats).
fn best_of_three(binary: &Path, input: &Path, format: &str) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut findings = 0;
    for _ in 0..3 {
        let started = Instant::now();
        let output = Command::new(binary)
            .args(["check", "--format", format, "--fail-on", "never"])
            .args(["--max-findings", "1000000", "--max-run-findings", "1000000"])
            .arg(input)
            .output()
            .unwrap_or_else(|error| panic!("run guifan: {error}"));
        best = best.min(started.elapsed());
        assert!(
            output.status.success(),
            "guifan check {} failed: {}",
            input.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        if format == "json" {
            let report: serde_json::Value = serde_json::from_slice(&output.stdout)
                .unwrap_or_else(|error| panic!("JSON report: {error}"));
            findings = report["findings"].as_array().map_or(0, Vec::len);
        }
    }
    (best, findings)
}

fn generated(items: usize, violations: f64, format: corpus::Format) -> String {
    let options = corpus::Options {
        items,
        staff: 5,
        violations,
        format,
        ..corpus::Options::default()
    };
    corpus::generate_dossier(&options, 0).0
}

fn write(directory: &Path, name: String, text: &str) -> PathBuf {
    let path = directory.join(name);
    std::fs::write(&path, text).unwrap_or_else(|error| panic!("write: {error}"));
    path
}

fn findings_per_file(directory: &Path, n: usize) -> PathBuf {
    let text = generated(n, 1.0, corpus::Format::Yaml);
    write(directory, format!("findings-{n}.yaml"), &text)
}

fn items_per_dossier(directory: &Path, n: usize) -> PathBuf {
    let text = generated(n, 0.01, corpus::Format::Yaml);
    write(directory, format!("items-{n}.yaml"), &text)
}

/// A dossier on one line: the generated JSON without a space or a line break.
fn one_line(n: usize) -> String {
    let text = generated(n, 1.0, corpus::Format::Json);
    let value: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("generated JSON: {error}"));
    serde_json::to_string(&value).unwrap_or_else(|error| panic!("JSON: {error}"))
}

fn minified_json(directory: &Path, n: usize) -> PathBuf {
    write(directory, format!("minified-{n}.json"), &one_line(n))
}

/// JSON is YAML's flow style: the same line read by the YAML parser.
fn flow_yaml(directory: &Path, n: usize) -> PathBuf {
    write(directory, format!("flow-{n}.yaml"), &one_line(n))
}

/// A small proposed item list with one finding (its item has no legal basis).
const TINY_DOCUMENT: &str = "dossier: {id: T-{n}, kind: entry, stage: proposal, submitted_on: '2026-09-01'}
department: {name: 某区市场监督管理局, uscc: 11511602MB1234567N, category: government, power_list: [{name: 计量纠纷调解, task_code: 511Z0030100000-511602000000-000-11511602MB1234567N-1-00, task_type: '10'}]}
items:
  - name: 计量纠纷调解
    task_code: 511Z0030100000-511602000000-000-11511602MB1234567N-1-00
    task_type: '10'
    use_level: '4'
    implementing_body: {name: 某区市场监督管理局, uscc: 11511602MB1234567N}
";

fn documents_per_file(directory: &Path, n: usize) -> PathBuf {
    let mut text = String::with_capacity(n * (TINY_DOCUMENT.len() + 8));
    for index in 0..n {
        text.push_str("---\n");
        text.push_str(&TINY_DOCUMENT.replace("{n}", &index.to_string()));
    }
    write(directory, format!("documents-{n}.yaml"), &text)
}

/// One dossier whose department has `n` keys the schema does not know, each a finding: the
/// keys of one mapping were once looked up by a scan of it, twice (alias clashes, and the
/// place of each unknown key).
fn keys_per_mapping(directory: &Path, n: usize) -> PathBuf {
    let mut text = String::with_capacity(n * 16 + 32);
    text.push_str("department:\n  name: 某市市场监督管理局\n");
    for index in 0..n {
        text.push_str(&format!("  未知字段{index}: {index}\n"));
    }
    write(directory, format!("keys-{n}.yaml"), &text)
}

/// One department whose power list and items both have `n` entries, clean: the references
/// between them (every power-list entry among the items, every item's window declared) are
/// the work.
fn list_membership(directory: &Path, n: usize) -> PathBuf {
    let text = generated(n, 0.0, corpus::Format::Yaml);
    write(directory, format!("membership-{n}.yaml"), &text)
}
