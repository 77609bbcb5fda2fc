//! Reports: findings rendered for people (miette, an HTML page) and for machines (JSON, SARIF,
//! JUnit, GitHub annotations). Each format has its
//! own data-transfer types; nothing here evaluates anything.

pub mod github;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod pack_diff;
pub mod pack_test;

use crate::engine::NotShown;
use crate::finding::{DossierSummary, Finding, ReferenceCitation, Severity};

/// Findings reported per run by default (over all dossiers).
pub const DEFAULT_MAX_RUN_FINDINGS: usize = 100_000;

/// Counts for the summary line and the JSON `summary`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub dossiers: usize,
    /// Findings by severity, those not shown included and those waived left out.
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub waived: usize,
    /// Rule evaluations skipped because a field they read failed its format.
    pub skipped: usize,
    /// Findings past the caps (`--max-findings`, `--max-run-findings`), counted but not shown.
    pub not_shown: usize,
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
            not_shown: 0,
        }
    }

    /// The summary with the findings dropped past a cap counted in.
    pub fn with_not_shown(self, not_shown: NotShown) -> Summary {
        Summary {
            errors: self.errors + not_shown.errors,
            warnings: self.warnings + not_shown.warnings,
            infos: self.infos + not_shown.infos,
            not_shown: self.not_shown + not_shown.total(),
            ..self
        }
    }
}
pub mod pack_doc;
pub mod sarif;

/// A reference citation in words, with the standard's title (the human and HTML reports):
/// "GB 32100《…》第 4 条（数据质量检查，不是本规范的条款）".
pub fn reference_sentence(
    pack: &crate::pack::Pack,
    reference: &ReferenceCitation,
    lang: crate::engine::Lang,
) -> String {
    let title = pack
        .reference(&reference.standard)
        .map(|known| known.title.as_str())
        .unwrap_or_default();
    match lang {
        crate::engine::Lang::Zh => format!(
            "{}《{title}》{}（数据质量检查，不是本规范的条款）",
            reference.standard, reference.clause
        ),
        crate::engine::Lang::En => format!(
            "{} {title}, {} (a data-quality check, not a clause of the standard)",
            reference.standard, reference.clause
        ),
    }
}
