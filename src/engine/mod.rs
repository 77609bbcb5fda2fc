//! The engine: a dossier and a compiled pack in, findings out. It does no IO, prints nothing
//! and knows nothing of miette or the command line.
//!
//! Per dossier: aliases resolved → structure validated against the pack's JSON Schema → pack
//! variables computed once → the format rules, then every other rule in force and due at the
//! dossier's stage, evaluated (in parallel across rules) per element of its `for_each`, guard
//! before assertion → the dossier's waivers applied. A field that failed its format (in the
//! schema or a format rule) never silences the dossier: only the evaluations that read it are
//! skipped, and each skip is returned.

pub mod budget;
pub(crate) mod evaluate;
mod structure;
mod values;
mod waivers;

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::dossier::{Dossier, KeyStyle};
use crate::finding::{Finding, ReferenceCitation, Severity, STRUCTURE_RULE};
use crate::pack::{Pack, Stage};
use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The Chinese or the English of a pair.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// Judge by the rules in force on this date; default: the dossier's `submitted_on`, else
    /// `today`.
    pub as_of: Option<NaiveDate>,
    pub today: NaiveDate,
    pub lang: Lang,
    pub limits: Limits,
}

/// What checking one dossier gave.
#[derive(Clone, Debug, Default)]
pub struct DossierOutcome {
    /// Unsorted; reports sort them.
    pub findings: Vec<Finding>,
    /// The stage the dossier declares (`dossier.stage`; proposal when it says none).
    pub stage: Option<Stage>,
    /// Rule evaluations not done because a field they read failed its format.
    pub skipped: Vec<Skip>,
    /// Findings past [`Limits::max_findings`], counted but not kept.
    pub not_shown: NotShown,
}

pub use crate::finding::Skip;

/// The stage a dossier declares, as written in `dossier.stage`.
pub fn dossier_stage(root: &crate::document::Node) -> Option<Stage> {
    root.get("dossier")
        .and_then(|meta| meta.get("stage"))
        .and_then(crate::document::Node::as_str)
        .and_then(Stage::parse)
}

/// The bounds of checking one dossier (docs/SECURITY.md): a hostile dossier or pack ends in a
/// `rule-error` or a capped report, never in a hang or an exhausted memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Steps one evaluation may take (see `budget`).
    pub max_cost: u64,
    /// Steps all the evaluations of one dossier may take together.
    pub max_dossier_cost: u64,
    /// Findings kept per dossier; the rest are counted as not shown.
    pub max_findings: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_cost: budget::DEFAULT_MAX_COST,
            max_dossier_cost: budget::DEFAULT_MAX_DOSSIER_COST,
            max_findings: DEFAULT_MAX_FINDINGS,
        }
    }
}

/// Findings kept per dossier by default: every finding of a 100,000-item dossier with a few
/// problems per item, not the million of a million broken items.
pub const DEFAULT_MAX_FINDINGS: usize = 10_000;

/// The findings of one dossier, sorted and capped at [`Limits::max_findings`], and how many
/// more there were.
#[derive(Debug, Default)]
pub struct DossierFindings {
    pub findings: Vec<Finding>,
    pub not_shown: NotShown,
}

/// Findings dropped past a cap, by severity: the summary still counts them and the exit code
/// still sees an error among them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NotShown {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl NotShown {
    pub fn add(&mut self, findings: &[Finding]) {
        for finding in findings {
            match finding.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Info => self.infos += 1,
            }
        }
    }

    pub fn merge(&mut self, other: NotShown) {
        self.errors += other.errors;
        self.warnings += other.warnings;
        self.infos += other.infos;
    }

    pub fn total(self) -> usize {
        self.errors + self.warnings + self.infos
    }

    /// Drops the findings past `cap`, counting them.
    pub fn cap(&mut self, findings: &mut Vec<Finding>, cap: usize) {
        if findings.len() > cap {
            self.add(&findings[cap..]);
            findings.truncate(cap);
        }
    }
}

/// A dossier whose text is at least this long is freed on another thread.
const FREE_ELSEWHERE_BYTES: usize = 1 << 20;

/// Checks one dossier. The findings come back sorted in report order and capped at
/// [`Limits::max_findings`] (a rule keeps at most that many while it runs, so that memory stays
/// bounded however many elements fail); the rest are counted in `not_shown`.
pub fn check_dossier(pack: &Pack, mut dossier: Dossier, options: &CheckOptions) -> DossierOutcome {
    let mut findings = Vec::new();
    for clash in dossier.resolve_aliases(&pack.aliases) {
        let first = dossier.file.line_column(clash.first.start());
        let message = match options.lang {
            Lang::Zh => format!(
                "键 `{}` 写了两次（第一次在第 {} 行第 {} 列，另一次用了别名或原名）",
                clash.key, first.line, first.column
            ),
            Lang::En => format!(
                "the key `{}` is written twice (first at line {}, column {}, once by its alias)",
                clash.key, first.line, first.column
            ),
        };
        let label = options.lang.pick("重复的键", "duplicate key").to_string();
        findings.push(finding_at_span(
            &dossier,
            FindingText::structure(message, label, None),
            clash.path.clone(),
            clash.second,
        ));
    }
    let malformed = structure::validate(
        pack,
        &mut dossier,
        options.lang,
        options.limits.max_findings,
        &mut findings,
    );
    let stage = dossier_stage(&dossier.root);
    let mut skipped = Vec::new();
    let mut not_shown = evaluate::evaluate(
        pack,
        &dossier,
        options,
        stage.unwrap_or(Stage::Proposal),
        malformed,
        &mut findings,
        &mut skipped,
    );
    waivers::apply(pack, &dossier, options.lang, &mut findings);
    // a large tree is freed on another thread of the pool, off the way to the report: freeing
    // the tree of a 100,000-item list took 15 ms (its text stays with the findings)
    if dossier.root.span.len() >= FREE_ELSEWHERE_BYTES {
        rayon::spawn(move || drop(dossier));
    }
    skipped.sort();
    crate::finding::sort_findings(&mut findings);
    not_shown.cap(&mut findings, options.limits.max_findings);
    DossierOutcome {
        findings,
        stage,
        skipped,
        not_shown,
    }
}

pub use evaluate::ExpressionFailure;

/// One expression over one dossier (`guifan eval`), through the engine's own evaluation: the
/// dossier read as `check_dossier` reads it (aliases resolved, unquoted codes read as
/// written), then the pack's variables and the expression evaluated. What the dossier's
/// structure lacks is not reported here: `check` does that.
pub fn evaluate_expression(
    pack: &Pack,
    mut dossier: Dossier,
    expression: &crate::pack::Expression,
    options: &CheckOptions,
) -> Result<cel::Value, ExpressionFailure> {
    let _clashes = dossier.resolve_aliases(&pack.aliases);
    let mut structure_findings = Vec::new();
    let _malformed = structure::validate(
        pack,
        &mut dossier,
        options.lang,
        options.limits.max_findings,
        &mut structure_findings,
    );
    evaluate::evaluate_expression(pack, &dossier, expression, options)
}

/// What a finding says, before it is placed.
pub(crate) struct FindingText<'a> {
    pub rule: &'a str,
    pub failed_rule: Option<String>,
    pub clause: Option<String>,
    pub reference: Option<ReferenceCitation>,
    pub severity: Severity,
    pub message: String,
    /// The label when the pointer resolves; a missing field gets its own label.
    pub label: String,
    pub help: Option<String>,
}

impl FindingText<'static> {
    /// A finding about the dossier's structure: schema, keys.
    pub(crate) fn structure(message: String, label: String, help: Option<String>) -> Self {
        FindingText {
            rule: STRUCTURE_RULE,
            failed_rule: None,
            clause: None,
            reference: None,
            severity: Severity::Error,
            message,
            label,
            help,
        }
    }
}

/// Places a finding at a JSON Pointer: the node, or the object that should hold the missing
/// field (labelled with the field's name).
/// In Chinese, a missing field is named by its title in the schema (`titles`), so that a
/// dossier written with Chinese keys reads 缺少「复核日期」; a dossier written with canonical
/// keys is also given the key: 缺少「复核日期」（reviewed_on）.
pub(crate) fn finding_at(
    dossier: &Dossier,
    text: FindingText<'_>,
    path: String,
    lang: Lang,
    titles: &BTreeMap<String, String>,
) -> Finding {
    let location = dossier.root.locate(&path);
    let label = match &location.missing {
        Some(missing) => {
            let title = missing
                .rsplit('/')
                .next()
                .and_then(|field| titles.get(field));
            match (lang, title) {
                (Lang::Zh, Some(title)) if dossier.keys == KeyStyle::Aliased => {
                    // every missing level by its title when each has one: 「窗口授权／审查日期」
                    let all: Option<Vec<&str>> = missing
                        .split('/')
                        .map(|field| titles.get(field).map(String::as_str))
                        .collect();
                    let separator = crate::pack::field_names::PATH_SEPARATOR.to_string();
                    match all {
                        Some(all) => format!("缺少「{}」", all.join(&separator)),
                        None => format!("缺少「{title}」"),
                    }
                }
                (Lang::Zh, Some(title)) => format!("缺少「{title}」（{missing}）"),
                (Lang::Zh, None) => format!("缺少 `{missing}`"),
                (Lang::En, _) => format!("`{missing}` is missing"),
            }
        }
        None => text.label.clone(),
    };
    finding_at_span(dossier, FindingText { label, ..text }, path, location.span)
}

pub(crate) fn finding_at_span(
    dossier: &Dossier,
    text: FindingText<'_>,
    path: String,
    span: Span,
) -> Finding {
    Finding {
        rule: text.rule.to_string(),
        failed_rule: text.failed_rule,
        clause: text.clause,
        reference: text.reference,
        waived: None,
        severity: text.severity,
        message: text.message,
        label: text.label,
        help: text.help,
        file: dossier.file.name.clone(),
        document: dossier.document,
        path,
        span,
        start: dossier.file.line_column(span.start()),
        end: dossier.file.line_column(span.end()),
        cell: None,
    }
}
