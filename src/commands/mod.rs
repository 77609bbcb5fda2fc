//! One module per subcommand: orchestration only (read inputs, call pack/dossier/engine, hand
//! findings to a report, write atomically).

pub mod check;
pub mod inputs;
pub mod pack;

use std::path::Path;

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

/// Writes a file atomically: a temporary file beside it, renamed over it. A failed run never
/// leaves a partial report behind.
pub fn write_atomically(path: &Path, contents: &str) -> Result<(), GuifanError> {
    use std::io::Write;
    let display = path.to_string_lossy().to_string();
    let error = |message: String| GuifanError::Write {
        path: display.clone(),
        message,
    };
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let mut temporary =
        tempfile::NamedTempFile::new_in(&directory).map_err(|e| error(e.to_string()))?;
    temporary
        .write_all(contents.as_bytes())
        .map_err(|e| error(e.to_string()))?;
    temporary
        .persist(path)
        .map_err(|e| error(e.error.to_string()))?;
    Ok(())
}
