//! The national pack, embedded in the binary so that `guifan check dossier.yaml` needs no
//! setup.

use include_dir::{include_dir, Dir};

static NATIONAL: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/rules/national");

/// The files of the embedded national pack, shown as `rules/national/…` in diagnostics.
pub fn embedded_national_pack() -> super::PackFiles {
    super::PackFiles::Embedded {
        directory: &NATIONAL,
        display: "rules/national".to_string(),
    }
}
