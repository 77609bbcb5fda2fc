//! Writes the seed corpora of the fuzz targets (fuzz/) from the fixtures and the packs of this
//! repository, in the input format of each target (fuzz/src/lib.rs). The seeds are made, not
//! committed: run this before `cargo fuzz run`. See docs/FUZZING.md.
//!
//! ```text
//! cargo run --example fuzz_seeds -- fuzz/corpus [--verify]
//! ```
//!
//! `--verify` runs every seed through its target's harness and says how many are refused.
//!
//! - `dossier_load/`: every fixture (fixtures/valid, fixtures/invalid) as YAML, and each again
//!   as JSON (the same tree written by `serde_json`), with the target's syntax byte in front.
//! - `pack_load/`: the test packs (tests/packs/), the national pack without its rules, and the
//!   national pack's clauses, a schema of its sections and three of its rules at a time (with
//!   the variables they read), each as a bundle of files.
//! - `cel_eval/`: every CEL expression of the packs (variables, `when`, `assert`, the `{…}` of
//!   messages), one per file.

#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod harness;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use guifan::document::{parse_yaml, Node};
use guifan::source::SourceFile;

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let verify = arguments.iter().any(|argument| argument == "--verify");
    let out = PathBuf::from(
        arguments
            .iter()
            .find(|argument| !argument.starts_with("--"))
            .map_or("fuzz/corpus", String::as_str),
    );
    match write_seeds(&out) {
        Ok(counts) => {
            for (target, count) in counts {
                let directory = out.join(target);
                println!("{count:5} seeds in {}", directory.display());
                if verify {
                    match verify_seeds(target, &directory) {
                        Ok((ok, refused)) => {
                            println!("      {ok} end in a check, {refused} are refused")
                        }
                        Err(error) => {
                            eprintln!("fuzz_seeds: {error}");
                            return ExitCode::from(2);
                        }
                    }
                }
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("fuzz_seeds: {error}");
            ExitCode::from(2)
        }
    }
}

type Counts = Vec<(&'static str, usize)>;

/// Runs each seed of a target through the harness, as the fuzzer will: how many end in a check
/// (the pack loaded, the expression compiled) and how many are refused. A seed that is refused
/// explores only the error paths.
fn verify_seeds(target: &str, directory: &Path) -> Result<(usize, usize), String> {
    let mut seeds: Vec<PathBuf> = entries(directory)?;
    seeds.sort();
    let (mut ok, mut refused) = (0, 0);
    for seed in seeds {
        let data = read(&seed)?;
        let result = match target {
            "dossier_load" => harness::dossier_load(&data),
            "pack_load" => harness::pack_load(&data),
            _ => harness::cel_eval(&data),
        };
        match result {
            Ok(_) => ok += 1,
            Err(error) => {
                refused += 1;
                println!("      refused: {}: {error}", seed.display());
            }
        }
    }
    Ok((ok, refused))
}

fn write_seeds(out: &Path) -> Result<Counts, String> {
    let mut counts = Vec::new();

    let directory = out.join("dossier_load");
    create(&directory)?;
    let mut written = 0;
    for fixtures in ["fixtures/valid", "fixtures/invalid"] {
        for path in files_in(Path::new(fixtures))? {
            let bytes = read(&path)?;
            let stem = stem(&path);
            let mut yaml = vec![harness::YAML_MARK];
            yaml.extend_from_slice(&bytes);
            write(&directory.join(format!("{stem}.yaml")), &yaml)?;
            written += 1;
            // the same dossier as JSON, where the file is one YAML document
            let text = String::from_utf8_lossy(&bytes);
            let source = SourceFile::new(path.to_string_lossy(), text.as_ref());
            if let Ok([root]) = parse_yaml(&source).as_deref() {
                let json = serde_json::to_string_pretty(&root.to_json())
                    .map_err(|error| error.to_string())?;
                let mut bytes = vec![harness::JSON_MARK];
                bytes.extend_from_slice(json.as_bytes());
                write(&directory.join(format!("{stem}.json")), &bytes)?;
                written += 1;
            }
        }
    }
    counts.push(("dossier_load", written));

    let directory = out.join("pack_load");
    create(&directory)?;
    let mut written = 0;
    let national = Path::new("rules/national");
    let mut national_files = BTreeMap::new();
    for path in files_in(national)?
        .into_iter()
        .chain(files_in(&national.join("rules"))?)
    {
        let relative = path
            .strip_prefix(national)
            .map_err(|error| error.to_string())?
            .to_string_lossy()
            .replace('\\', "/");
        national_files.insert(relative, read(&path)?);
    }
    // the whole national pack compiles some 400 expressions, far too slow an input to mutate
    // (the CEL parser costs about a millisecond each under the fuzzer): its files come in
    // small packs instead. First the pack without rules, then three rules at a time with the
    // variables they read.
    let mut core = national_files.clone();
    core.retain(|name, _| !name.starts_with("rules/"));
    let manifest = String::from_utf8_lossy(&core["pack.yaml"]).to_string();
    let without_rules: String = manifest
        .lines()
        .filter(|line| !line.trim_start().starts_with("- rules/"))
        .map(|line| format!("{line}\n"))
        .collect();
    core.insert("pack.yaml".to_string(), without_rules.clone().into_bytes());
    write(
        &directory.join("national-core.pack"),
        &harness::bundle(&core),
    )?;
    written += 1;
    let with_rules = without_rules.replace("  - aliases.yaml\n", "").replace(
        "  - variables.yaml\n",
        "  - variables.yaml\n  - rules.yaml\n",
    );
    for (name, text) in &national_files {
        let Some(file) = name.strip_prefix("rules/") else {
            continue;
        };
        let text = String::from_utf8_lossy(text).to_string();
        let mut pieces = text.split("\n  - id: ");
        let header = pieces.next().unwrap_or_default().to_string();
        let rules: Vec<String> = pieces.map(|rule| format!("\n  - id: {rule}")).collect();
        for (index, chunk) in rules.chunks(3).enumerate() {
            let rules_text = format!("{header}{}\n", chunk.concat());
            let mut files = BTreeMap::new();
            files.insert("pack.yaml".to_string(), with_rules.clone().into_bytes());
            // the schema's sections only: the national schema would be most of the input
            files.insert(
                "schema.yaml".to_string(),
                harness::SECTIONS_SCHEMA.as_bytes().to_vec(),
            );
            files.insert(
                "clauses.yaml".to_string(),
                national_files["clauses.yaml"].clone(),
            );
            files.insert(
                "variables.yaml".to_string(),
                harness::national_variables_for(&rules_text).into_bytes(),
            );
            files.insert("rules.yaml".to_string(), rules_text.into_bytes());
            let seed = format!("national-{}-{index:02}.pack", stem(Path::new(file)));
            write(&directory.join(seed), &harness::bundle(&files))?;
            written += 1;
        }
    }
    for pack in files_in_dirs(Path::new("tests/packs"))? {
        let mut files = BTreeMap::new();
        for path in files_in(&pack)? {
            files.insert(stem_with_extension(&path), read(&path)?);
        }
        let name = format!("{}.pack", stem(&pack));
        write(&directory.join(name), &harness::bundle(&files))?;
        written += 1;
    }
    counts.push(("pack_load", written));

    let directory = out.join("cel_eval");
    create(&directory)?;
    let mut expressions = BTreeSet::new();
    let mut pack_files = files_in(national)?;
    pack_files.extend(files_in(&national.join("rules"))?);
    for pack in files_in_dirs(Path::new("tests/packs"))? {
        pack_files.extend(files_in(&pack)?);
    }
    for path in pack_files {
        let text = String::from_utf8_lossy(&read(&path)?).to_string();
        let source = SourceFile::new(path.to_string_lossy(), text);
        if let Ok(documents) = parse_yaml(&source) {
            for root in &documents {
                collect_expressions(root, &mut expressions);
            }
        }
    }
    for (index, expression) in expressions.iter().enumerate() {
        write(
            &directory.join(format!("expression-{index:04}.cel")),
            expression.as_bytes(),
        )?;
    }
    counts.push(("cel_eval", expressions.len()));
    Ok(counts)
}

/// The CEL expressions of a pack file: variables' `expr`, rules' `when` and `assert`, and the
/// `{…}` interpolations of their messages.
fn collect_expressions(root: &Node, out: &mut BTreeSet<String>) {
    for variable in root
        .get("variables")
        .and_then(Node::as_items)
        .unwrap_or_default()
    {
        if let Some(expression) = variable.get("expr").and_then(Node::as_str) {
            out.insert(expression.to_string());
        }
    }
    for rule in root
        .get("rules")
        .and_then(Node::as_items)
        .unwrap_or_default()
    {
        for key in ["when", "assert"] {
            if let Some(expression) = rule.get(key).and_then(Node::as_str) {
                out.insert(expression.to_string());
            }
        }
        let messages = rule
            .get("message")
            .and_then(Node::as_entries)
            .unwrap_or_default();
        for entry in messages {
            if let Some(template) = entry.value.as_str() {
                out.extend(interpolations(template));
            }
        }
    }
}

/// The texts between the outermost braces of a message template (nested braces counted; a
/// seed need not be exact).
fn interpolations(template: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut depth = 0usize;
    let mut start = 0usize;
    for (offset, character) in template.char_indices() {
        match character {
            '{' => {
                if depth == 0 {
                    start = offset + 1;
                }
                depth += 1;
            }
            '}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    found.push(template[start..offset].to_string());
                }
            }
            _ => {}
        }
    }
    found
}

fn files_in(directory: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<PathBuf> = entries(directory)?
        .into_iter()
        .filter(|path| {
            path.is_file()
                && path
                    .extension()
                    .is_some_and(|extension| extension == "yaml" || extension == "yml")
        })
        .collect();
    files.sort();
    Ok(files)
}

fn files_in_dirs(directory: &Path) -> Result<Vec<PathBuf>, String> {
    let mut directories: Vec<PathBuf> = entries(directory)?
        .into_iter()
        .filter(|path| path.is_dir())
        .collect();
    directories.sort();
    Ok(directories)
}

fn entries(directory: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::read_dir(directory)
        .map_err(|error| {
            format!(
                "{}: {error} (run from the repository's root)",
                directory.display()
            )
        })?
        .map(|entry| {
            entry
                .map(|entry| entry.path())
                .map_err(|error| error.to_string())
        })
        .collect()
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|stem| stem.to_string_lossy().to_string())
        .unwrap_or_default()
}

fn stem_with_extension(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().to_string())
        .unwrap_or_default()
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|error| format!("{}: {error}", path.display()))
}

fn create(directory: &Path) -> Result<(), String> {
    std::fs::create_dir_all(directory).map_err(|error| format!("{}: {error}", directory.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|error| format!("{}: {error}", path.display()))
}
