//! Criterion benchmarks of guifan's stages on the generated corpus (benches/support/corpus.rs):
//! parsing alone (YAML and JSON), parsing with alias resolution and schema validation, the full
//! check of files on disk, and loading and compiling the national pack. The whole-process
//! timings of the standard workloads are taken with hyperfine: see docs/PERFORMANCE.md.
//!
//! ```text
//! cargo bench --bench check
//! cargo bench --bench check -- parse/     # one group
//! ```

#[path = "support/corpus.rs"]
mod corpus;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use guifan::commands::check::{check_inputs, Input};
use guifan::document::{parse_json, parse_yaml};
use guifan::dossier::load_dossiers;
use guifan::engine::{check_dossier, CheckOptions, Lang};
use guifan::pack::{embedded_national_pack, load_pack, Pack};
use guifan::source::SourceFile;

fn options() -> CheckOptions {
    CheckOptions {
        as_of: None,
        today: chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or_default(),
        lang: Lang::Zh,
        limits: Default::default(),
    }
}

fn national_pack() -> Pack {
    load_pack(&embedded_national_pack()).unwrap_or_else(|error| panic!("national pack: {error}"))
}

/// The national pack without variables and rules: checking with it is aliases + schema only.
fn structure_only_pack() -> Pack {
    let mut pack = national_pack();
    pack.rules.clear();
    pack.variables.clear();
    pack
}

fn w1(format: corpus::Format) -> String {
    let options = corpus::Options {
        format,
        ..corpus::workload("w1").unwrap_or_default()
    };
    corpus::generate_dossier(&options, 0).0
}

/// Writes `dossiers` W1-sized dossiers into a temporary directory; the inputs for `check`.
fn write_corpus(dossiers: usize, format: corpus::Format) -> (tempfile::TempDir, Vec<Input>, usize) {
    let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("tempdir: {error}"));
    let options = corpus::Options {
        dossiers,
        format,
        ..corpus::workload("w1").unwrap_or_default()
    };
    let mut inputs = Vec::new();
    let mut bytes = 0;
    for index in 0..dossiers {
        let (text, _) = corpus::generate_dossier(&options, index);
        let name = corpus::file_name(&options, index);
        let path = directory.path().join(&name);
        std::fs::write(&path, &text).unwrap_or_else(|error| panic!("write: {error}"));
        bytes += text.len();
        inputs.push(Input::File {
            display: name,
            path,
        });
    }
    (directory, inputs, bytes)
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for (format, label) in [
        (corpus::Format::Yaml, "yaml"),
        (corpus::Format::Json, "json"),
    ] {
        let text = w1(format);
        group.throughput(Throughput::Bytes(text.len() as u64));
        let file = SourceFile::new(format!("w1.{label}"), text);
        group.bench_function(format!("{label}/w1"), |b| match format {
            corpus::Format::Yaml => b.iter(|| parse_yaml(black_box(&file))),
            corpus::Format::Json => b.iter(|| parse_json(black_box(&file))),
        });
    }
    group.finish();
}

fn validate(c: &mut Criterion) {
    let pack = structure_only_pack();
    let options = options();
    let mut group = c.benchmark_group("parse+schema");
    for (format, label) in [
        (corpus::Format::Yaml, "yaml"),
        (corpus::Format::Json, "json"),
    ] {
        let text = w1(format);
        group.throughput(Throughput::Bytes(text.len() as u64));
        let file = Arc::new(SourceFile::new(format!("w1.{label}"), text));
        group.bench_function(format!("{label}/w1"), |b| {
            b.iter(|| {
                let dossiers = load_dossiers(&file).unwrap_or_default();
                let findings: usize = dossiers
                    .into_iter()
                    .map(|dossier| check_dossier(&pack, dossier, &options).findings.len())
                    .sum();
                assert_eq!(findings, 0);
            })
        });
    }
    group.finish();
}

fn check(c: &mut Criterion) {
    let pack = national_pack();
    let options = options();
    let mut group = c.benchmark_group("check");
    for (dossiers, format, label) in [
        (1, corpus::Format::Yaml, "yaml/w1"),
        (1, corpus::Format::Json, "json/w1"),
        (20, corpus::Format::Yaml, "yaml/w2-tenth"),
    ] {
        let (_directory, inputs, bytes) = write_corpus(dossiers, format);
        group.throughput(Throughput::Bytes(bytes as u64));
        if dossiers > 1 {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(10));
        }
        group.bench_function(label, |b| {
            b.iter(|| {
                let checked = check_inputs(&pack, black_box(&inputs), &options)
                    .unwrap_or_else(|error| panic!("check: {error}"));
                assert!(checked.findings.is_empty());
            })
        });
    }
    group.finish();
}

fn pack(c: &mut Criterion) {
    c.bench_function("pack/load+compile", |b| b.iter(national_pack));
}

criterion_group!(benches, parse, validate, check, pack);
criterion_main!(benches);
