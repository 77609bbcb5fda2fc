//! One module per subcommand: orchestration only (read inputs, call pack/dossier/engine, hand
//! findings to a report, write it through `output.rs`).

pub mod check;
pub mod completions;
pub mod convert;
pub mod eval;
pub mod init;
pub mod init_pack;
pub mod inputs;
pub mod output;
pub mod pack;
pub mod pack_diff;
pub mod pack_test;
pub mod progress;

use crate::error::GuifanError;

impl From<crate::cli::LangArg> for crate::engine::Lang {
    fn from(flag: crate::cli::LangArg) -> Self {
        match flag {
            crate::cli::LangArg::Zh => crate::engine::Lang::Zh,
            crate::cli::LangArg::En => crate::engine::Lang::En,
        }
    }
}

/// How a run ended, mapped to the exit code by `main`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing at or above `--fail-on`: exit 0.
    Clean,
    /// Findings at or above `--fail-on`: exit 1.
    Findings,
    /// `pack diff`: a breaking change without the major version it needs: exit 3.
    BreakingUnversioned,
}

/// Writes a report to standard output. A reader that stops early (`guifan check … | head`)
/// closes the pipe: that ends the output quietly instead of panicking.
pub fn print_stdout(text: &str) -> Result<(), GuifanError> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(GuifanError::Write {
            path: "<stdout>".to_string(),
            message: error.to_string(),
        }),
    }
}
