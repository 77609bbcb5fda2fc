//! `guifan completions SHELL` and `guifan man`: shell completion scripts and manual pages, both
//! generated from the clap definition of the command line (`cli.rs`), so they never drift
//! from the flags the binary takes.

use std::path::Path;

use clap::CommandFactory;

use super::output::{write_output, ProtectedFiles};
use super::{print_stdout, Outcome};
use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::error::GuifanError;

pub fn completions(arguments: &CompletionsArgs) -> Result<Outcome, GuifanError> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(arguments.shell, &mut command, "guifan", &mut script);
    print_stdout(&String::from_utf8_lossy(&script))?;
    Ok(Outcome::Clean)
}

pub fn man(arguments: &ManArgs) -> Result<Outcome, GuifanError> {
    let command = Cli::command();
    match &arguments.output {
        None => print_stdout(&page(command, "guifan")?)?,
        Some(directory) => {
            if !directory.is_dir() {
                return Err(GuifanError::Usage(format!(
                    "--output {} is not a directory: make it first, the pages are written into it",
                    directory.display()
                )));
            }
            write_pages(&command, "guifan", directory)?;
        }
    }
    Ok(Outcome::Clean)
}

/// The roff of one command's page, titled `title` (`guifan-check`).
fn page(command: clap::Command, title: &str) -> Result<String, GuifanError> {
    let mut roff = Vec::new();
    clap_mangen::Man::new(command)
        .title(title.to_string())
        // every page is of the binary and its version, not of a subcommand (clap gives a
        // subcommand no version)
        .source(format!("guifan {}", env!("CARGO_PKG_VERSION")))
        .render(&mut roff)
        .map_err(|error| GuifanError::Usage(format!("the manual page cannot be made: {error}")))?;
    Ok(String::from_utf8_lossy(&roff).into_owned())
}

/// `guifan.1`, then `guifan-check.1`, `guifan-pack-lint.1` … for every subcommand, each named
/// by its path of commands as `man guifan-check` finds it.
fn write_pages(command: &clap::Command, title: &str, directory: &Path) -> Result<(), GuifanError> {
    write_output(
        &directory.join(format!("{title}.1")),
        &page(command.clone(), title)?,
        &ProtectedFiles::default(),
    )?;
    for subcommand in command.get_subcommands() {
        if subcommand.get_name() == "help" {
            continue;
        }
        let title = format!("{title}-{}", subcommand.get_name());
        // the page names and shows the command as typed (`guifan check`), not `check`
        let typed = title.replace('-', " ");
        let subcommand = subcommand
            .clone()
            .bin_name(typed.clone())
            .display_name(typed);
        write_pages(&subcommand, &title, directory)?;
    }
    Ok(())
}
