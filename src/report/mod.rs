//! Reports: findings rendered for people (miette) and for machines (JSON, SARIF, JUnit,
//! GitHub annotations). Each format has its
//! own data-transfer types; nothing here evaluates anything.

pub mod github;
pub mod human;
pub mod json;
pub mod junit;

use crate::finding::{Finding, Severity};

/// Counts for the summary line and the JSON `summary`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub dossiers: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn new(files: usize, dossiers: usize, findings: &[Finding]) -> Summary {
        let count = |severity| {
            findings
                .iter()
                .filter(|finding| finding.severity == severity)
                .count()
        };
        Summary {
            files,
            dossiers,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
        }
    }
}
pub mod pack_doc;
pub mod sarif;
