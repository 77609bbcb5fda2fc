//! The guifan binary: parse the arguments, run the command, map the outcome to an exit code
//! (0 clean, 1 findings at or above --fail-on, 2 the run could not be done).

use std::process::ExitCode;

use clap::Parser;
use guifan::cli::{Cli, Command, PackCommand};
use guifan::commands::{self, Outcome};

fn main() -> ExitCode {
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
        Command::Schema(arguments) => commands::pack::schema(&arguments),
        Command::Explain(arguments) => commands::pack::explain(&arguments),
    };
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(error) => {
            eprintln!("{:?}", miette::Report::new(error));
            ExitCode::from(2)
        }
    }
}
