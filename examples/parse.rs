//! Parses every dossier file under the given paths on one thread, with the parser `guifan
//! check` uses, and nothing else: the baseline that docs/PERFORMANCE.md compares a full check
//! against.
//!
//! ```text
//! cargo run --release --example parse -- target/corpus/w2
//! ```

use std::process::ExitCode;
use std::time::Instant;

use guifan::document::{parse_documents, Syntax};
use guifan::source::SourceFile;

fn files(path: &std::path::Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .collect();
        entries.sort();
        for entry in entries {
            files(&entry, out)?;
        }
    } else if matches!(
        path.extension().and_then(|extension| extension.to_str()),
        Some("yaml" | "yml" | "json")
    ) {
        out.push(path.to_path_buf());
    }
    Ok(())
}

fn main() -> ExitCode {
    let mut paths = Vec::new();
    for argument in std::env::args().skip(1) {
        if let Err(error) = files(std::path::Path::new(&argument), &mut paths) {
            eprintln!("{argument}: {error}");
            return ExitCode::from(2);
        }
    }
    let started = Instant::now();
    let mut bytes = 0usize;
    let mut documents = 0usize;
    for path in &paths {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) => {
                eprintln!("{}: {error}", path.display());
                return ExitCode::from(2);
            }
        };
        bytes += text.len();
        let name = path.to_string_lossy().to_string();
        let syntax = Syntax::for_name(&name);
        let source = SourceFile::new(name, text);
        match parse_documents(&source, syntax) {
            Ok(parsed) => documents += parsed.len(),
            Err(error) => {
                eprintln!("{}: {}", source.name, error.message);
                return ExitCode::from(2);
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "parsed {} file(s), {documents} document(s), {bytes} bytes in {seconds:.3} s ({:.1} MB/s)",
        paths.len(),
        bytes as f64 / seconds / 1e6
    );
    ExitCode::SUCCESS
}
