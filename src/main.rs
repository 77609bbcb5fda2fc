//! The guifan binary: parse the arguments, run the command, map the outcome to an exit code
//! (0 clean, 1 findings at or above --fail-on, 2 the run could not be done, 3 a breaking pack
//! change without a new major version).

use std::process::ExitCode;

use clap::Parser;
use guifan::cli::{Cli, Command, PackCommand};
use guifan::commands::{self, Outcome};

/// mimalloc rather than the system allocator: a check makes and drops many small values per rule
/// evaluation (CEL values, scopes, hash maps), and glibc's malloc and free were a quarter of the
/// profile of a check (docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The stack of the thread that runs the command: the CEL parser recurses deeply per level of
/// nesting (≈150 KiB a parenthesis in a debug build), and an expression within the loader's
/// limits must not overflow the 8 MiB of the main thread. Only the pages used are committed.
const COMMAND_STACK_BYTES: usize = 256 << 20;
/// The stack of the worker threads, which evaluate rules (recursive over the expression).
const WORKER_STACK_BYTES: usize = 64 << 20;

fn main() -> ExitCode {
    // the default pool's threads would have 2 MiB; a failure here (a pool already built) only
    // leaves the default
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(WORKER_STACK_BYTES)
        .build_global();
    let command = std::thread::Builder::new()
        .name("guifan".to_string())
        .stack_size(COMMAND_STACK_BYTES)
        .spawn(run);
    match command.map(|handle| handle.join()) {
        Ok(Ok(code)) => code,
        // a panic was already reported by the panic hook; a thread that could not start is a
        // failure of the run
        _ => ExitCode::from(2),
    }
}

fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Check(arguments) => commands::check::run(&arguments),
        Command::Pack(PackCommand::Lint(arguments)) => commands::pack::lint(&arguments),
        Command::Pack(PackCommand::Doc(arguments)) => commands::pack::doc(&arguments),
        Command::Pack(PackCommand::Test(arguments)) => commands::pack_test::run(&arguments),
        Command::Pack(PackCommand::Diff(arguments)) => commands::pack_diff::run(&arguments),
        Command::Schema(arguments) => commands::pack::schema(&arguments),
        Command::Explain(arguments) => commands::pack::explain(&arguments),
        Command::Eval(arguments) => commands::eval::run(&arguments),
        Command::Init(arguments) => commands::init::run(&arguments),
        Command::Completions(arguments) => commands::completions::completions(&arguments),
        Command::Man(arguments) => commands::completions::man(&arguments),
        Command::Convert(arguments) => commands::convert::run(&arguments),
    };
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Ok(Outcome::BreakingUnversioned) => ExitCode::from(3),
        Err(error) => {
            // a closed or full standard error must not turn a failure into a panic
            use std::io::Write;
            let text = format!("{:?}\n", miette::Report::new(error));
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
            ExitCode::from(2)
        }
    }
}
