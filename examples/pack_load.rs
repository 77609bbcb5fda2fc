//! Loads and compiles the embedded national pack (or `--pack DIR`) a number of times and prints
//! the fastest and the median time: the "pack load + compile" line of docs/PERFORMANCE.md.
//!
//! ```text
//! cargo run --release --example pack_load -- [--pack DIR] [RUNS]
//! ```

use std::process::ExitCode;
use std::time::Instant;

use guifan::commands::check::load_selected_pack;

fn main() -> ExitCode {
    let mut pack = None;
    let mut runs = 30usize;
    let mut arguments = std::env::args().skip(1);
    while let Some(argument) = arguments.next() {
        match argument.as_str() {
            "--pack" => pack = arguments.next().map(std::path::PathBuf::from),
            other => runs = other.parse().unwrap_or(runs),
        }
    }
    let mut times = Vec::with_capacity(runs);
    let mut rules = 0;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        match load_selected_pack(pack.as_deref()) {
            Ok(loaded) => rules = loaded.rules.len(),
            Err(error) => {
                eprintln!("{error}");
                return ExitCode::from(2);
            }
        }
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "pack load + compile ({rules} rules): fastest {:.2} ms, median {:.2} ms over {} runs",
        times[0],
        times[times.len() / 2],
        times.len()
    );
    ExitCode::SUCCESS
}
