//! The cost of each rule of a pack on a set of dossiers: the check is run once per rule, with
//! that rule alone (the pack's variables are computed each time and reported as `variables`).
//! A profiling aid for pack authors and for docs/PERFORMANCE.md.
//!
//! ```text
//! cargo run --release --example rule_costs -- [--pack DIR] [--top N] PATH...
//! ```

use std::process::ExitCode;
use std::time::Instant;

use guifan::commands::check::{check_inputs, collect_inputs, load_selected_pack};
use guifan::engine::{CheckOptions, Lang};

fn main() -> ExitCode {
    let mut pack_path = None;
    let mut top = 25usize;
    let mut paths = Vec::new();
    let mut arguments = std::env::args().skip(1);
    while let Some(argument) = arguments.next() {
        match argument.as_str() {
            "--pack" => pack_path = arguments.next().map(std::path::PathBuf::from),
            "--top" => top = arguments.next().and_then(|n| n.parse().ok()).unwrap_or(top),
            _ => paths.push(argument),
        }
    }
    let options = CheckOptions {
        as_of: None,
        today: chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or_default(),
        lang: Lang::Zh,
        limits: Default::default(),
    };
    let inputs = match collect_inputs(&paths) {
        Ok(inputs) => inputs,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    let load = || load_selected_pack(pack_path.as_deref());
    let Ok(full) = load() else {
        eprintln!("the pack does not load");
        return ExitCode::from(2);
    };
    // the fastest of three runs
    let time = |pack: &guifan::pack::Pack| {
        let mut best = f64::MAX;
        let mut findings = 0;
        for _ in 0..3 {
            let started = Instant::now();
            findings = check_inputs(pack, &inputs, &options)
                .map(|checked| checked.findings.len())
                .unwrap_or(0);
            best = best.min(started.elapsed().as_secs_f64());
        }
        (best, findings)
    };
    let (total, findings) = time(&full);
    let mut empty = match load() {
        Ok(pack) => pack,
        Err(_) => return ExitCode::from(2),
    };
    empty.rules.clear();
    let (base, _) = time(&empty);
    let mut costs = Vec::new();
    for index in 0..full.rules.len() {
        let Ok(mut pack) = load() else {
            return ExitCode::from(2);
        };
        let rule = pack.rules.swap_remove(index);
        pack.rules = vec![rule];
        let (seconds, found) = time(&pack);
        costs.push((seconds - base, found, pack.rules[0].id.clone()));
    }
    costs.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("all rules: {total:.3} s, {findings} findings; without rules (read, parse, schema, variables): {base:.3} s");
    println!("{:>9}  {:>8}  rule", "seconds", "findings");
    for (seconds, found, id) in costs.iter().take(top) {
        println!("{seconds:>9.3}  {found:>8}  {id}");
    }
    ExitCode::SUCCESS
}
