//! Shared helpers of the integration tests: the embedded pack loaded once, and one way to
//! render a fixture's diagnostics (no colour, fixed width, links off).

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;

use guifan::commands::check::{check_inputs, collect_inputs, Checked};
use guifan::engine::{CheckOptions, Lang};
use guifan::pack::{embedded_national_pack, load_pack, Pack};
use guifan::report::human::{render, HumanOptions};
use guifan::report::Summary;

pub fn national_pack() -> &'static Pack {
    static PACK: OnceLock<Pack> = OnceLock::new();
    PACK.get_or_init(|| match load_pack(&embedded_national_pack()) {
        Ok(pack) => pack,
        Err(error) => panic!(
            "the national pack does not load: {:?}",
            miette::Report::new(error)
        ),
    })
}

/// Today is fixed so that runs are reproducible.
pub fn options(lang: Lang) -> CheckOptions {
    CheckOptions {
        as_of: None,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 27).expect("date"),
        lang,
        limits: Default::default(),
    }
}

pub fn check_paths(pack: &Pack, paths: &[&str], lang: Lang) -> Checked {
    let paths: Vec<String> = paths.iter().map(|path| path.to_string()).collect();
    let inputs = collect_inputs(&paths).expect("inputs exist");
    match check_inputs(pack, &inputs, &options(lang)) {
        Ok(checked) => checked,
        Err(error) => panic!(
            "{paths:?} could not be checked: {:?}",
            miette::Report::new(error)
        ),
    }
}

pub fn render_human(pack: &Pack, checked: &Checked, lang: Lang) -> String {
    let summary = Summary::new(checked.files, &checked.documents, &checked.findings);
    render(
        &checked.findings,
        &checked.documents,
        &checked.sources,
        pack,
        summary,
        HumanOptions {
            width: 100,
            color: false,
            lang,
        },
    )
}

/// Runs from the crate root so that file names in output are relative.
pub fn at_crate_root() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).expect("crate root");
    });
}

/// Runs the built binary in `directory`, without colour.
pub fn guifan_in(directory: &Path, arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guifan"))
        .args(arguments)
        .current_dir(directory)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .expect("guifan runs")
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}
