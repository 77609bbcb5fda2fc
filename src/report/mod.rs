//! Reports: findings rendered for people (miette) and for machines (JSON, SARIF, JUnit,
//! GitHub annotations). Each format has its
//! own data-transfer types; nothing here evaluates anything.

pub mod github;
pub mod human;
pub mod json;
pub mod junit;

use crate::finding::{DossierSummary, Finding, Severity};

/// Counts for the summary line and the JSON `summary`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub dossiers: usize,
    /// Errors, warnings and infos count the findings that are not waived.
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub waived: usize,
    /// Rule evaluations skipped because a field they read failed its format.
    pub skipped: usize,
}

impl Summary {
    pub fn new(files: usize, dossiers: &[DossierSummary], findings: &[Finding]) -> Summary {
        let count = |severity| {
            findings
                .iter()
                .filter(|finding| finding.severity == severity && finding.counts())
                .count()
        };
        Summary {
            files,
            dossiers: dossiers.len(),
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
            waived: findings.iter().filter(|finding| !finding.counts()).count(),
            skipped: dossiers.iter().map(|dossier| dossier.skipped.len()).sum(),
        }
    }
}
pub mod pack_doc;
pub mod sarif;
