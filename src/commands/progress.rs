//! The progress bar of a long `check`: on standard error, and only where someone watches it —
//! a terminal, outside CI, for a run of many files or of large ones. Standard output is never
//! touched, so a report written there reads the same with or without it.
//!
//! The bar is cleared before the report is written (and when the run fails), so that a human
//! report printed to the same terminal follows no leftover line.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::inputs::Input;
use crate::engine::Lang;

/// More files than this make a run long enough to show its progress.
pub const MANY_FILES: usize = 20;
/// Inputs larger than this together (10 MiB) make a run long enough too, whatever their count.
pub const LARGE_BYTES: u64 = 10 << 20;

/// Whether a run shows a bar: standard error is a terminal that can redraw a line (not
/// `TERM=dumb`), it is not CI (`CI` set: logs keep every redraw), and the run is long.
pub fn wanted(
    stderr_is_terminal: bool,
    dumb_terminal: bool,
    ci: bool,
    files: usize,
    bytes: u64,
) -> bool {
    stderr_is_terminal && !dumb_terminal && !ci && (files > MANY_FILES || bytes > LARGE_BYTES)
}

/// The bar of a run, or nothing.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// No bar: library callers, tests, and runs that do not want one.
    pub fn hidden() -> Progress {
        Progress(None)
    }

    /// The bar of a run over `inputs`, when [`wanted`].
    pub fn for_inputs(inputs: &[Input], lang: Lang) -> Progress {
        let bytes: u64 = inputs
            .iter()
            .map(|input| match input {
                Input::File { path, .. } => std::fs::metadata(path).map_or(0, |meta| meta.len()),
                Input::Stdin => 0,
            })
            .sum();
        let show = wanted(
            std::io::stderr().is_terminal(),
            std::env::var_os("TERM").is_some_and(|term| term == "dumb"),
            std::env::var_os("CI").is_some(),
            inputs.len(),
            bytes,
        );
        if !show {
            return Progress::hidden();
        }
        let bar =
            ProgressBar::with_draw_target(Some(inputs.len() as u64), ProgressDrawTarget::stderr());
        // a template of literals and known keys: it cannot fail, and the default is kept if
        // it did
        if let Ok(style) = ProgressStyle::with_template(lang.pick(
            "{spinner} {elapsed} [{bar:30}] {pos}/{len} 个文件",
            "{spinner} {elapsed} [{bar:30}] {pos}/{len} files",
        )) {
            bar.set_style(style.progress_chars("=> "));
        }
        // a steady tick shows a single large file still being read
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress(Some(bar))
    }

    /// One more file read and checked.
    pub fn file_done(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    /// Clears the bar from the terminal (before the report is written).
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_watched_long_run_shows_a_bar() {
        assert!(wanted(true, false, false, 21, 0));
        assert!(wanted(true, false, false, 1, LARGE_BYTES + 1));
        assert!(!wanted(true, false, false, 20, LARGE_BYTES), "a short run");
        assert!(
            !wanted(false, false, false, 1000, 0),
            "standard error piped"
        );
        assert!(!wanted(true, false, true, 1000, 0), "in CI");
        assert!(!wanted(true, true, false, 1000, 0), "a dumb terminal");
    }
}
