//! The pack files as written: the typed, spanned shape of pack format v1 (see
//! docs/rule-pack-format.md). Loading turns these into a compiled [`super::Pack`].

use serde::Deserialize;

use super::de::Spanned;
use crate::finding::Severity;

/// The `pack:` section of `pack.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestSpec {
    pub id: Spanned<String>,
    pub version: Spanned<String>,
    pub title: String,
    pub standard: StandardSpec,
    pub effective_from: Spanned<String>,
    #[serde(default)]
    pub effective_until: Option<Spanned<String>>,
    /// What waivers in a dossier may do.
    #[serde(default)]
    pub waivers: Option<WaiverPolicySpec>,
}

/// `pack.waivers`: the pack's policy on waivers written in dossiers.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaiverPolicySpec {
    /// A waiver of a rule of a 应 (shall) clause must name its approving document.
    #[serde(default)]
    pub shall_requires_document: bool,
}

/// How far a dossier's process has gone. A rule applies from the stage at which the fact it
/// checks can exist; `adjustment` and `exit` both come after `stationed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The department's proposed list, before the center acts (5.2.1.1–5.2.1.2).
    Proposal,
    /// After recognition, feedback and publication (5.2.1.3–5.2.1.4, 4.2.1, 4.2.2, 5.2.2).
    Recognized,
    /// Windows in service, staff vetted, trained and registered (5.2.1.5, 6.2).
    Stationed,
    /// Changes after entry (4.3.4, 5.3.6, 6.3.2).
    Adjustment,
    /// Leaving the center (4.3.5, 5.3.7).
    Exit,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Proposal,
        Stage::Recognized,
        Stage::Stationed,
        Stage::Adjustment,
        Stage::Exit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Proposal => "proposal",
            Stage::Recognized => "recognized",
            Stage::Stationed => "stationed",
            Stage::Adjustment => "adjustment",
            Stage::Exit => "exit",
        }
    }

    pub fn parse(text: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|stage| stage.as_str() == text)
    }

    /// The stage's place in the process: adjustment and exit both follow stationing.
    pub fn rank(self) -> u8 {
        match self {
            Stage::Proposal => 0,
            Stage::Recognized => 1,
            Stage::Stationed => 2,
            Stage::Adjustment | Stage::Exit => 3,
        }
    }

    /// A rule from stage `from` applies to a dossier at `self`.
    pub fn reaches(self, from: Stage) -> bool {
        self == from || self.rank() > from.rank()
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Stage::Proposal => "拟定申报",
            Stage::Recognized => "已认定",
            Stage::Stationed => "已进驻",
            Stage::Adjustment => "调整",
            Stage::Exit => "退出",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandardSpec {
    pub code: String,
    pub title: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Force {
    /// 应: a violation is an error.
    Shall,
    /// 宜: a violation is a warning.
    Should,
    /// 可: a permission; its conditions (…后方可) are checked as shall-conditions.
    May,
    /// Describes; nothing to check.
    Informative,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// Checked by one or more rules.
    Automated,
    /// Satisfied by an attestation in the dossier naming the clause.
    Attestation,
    /// Cannot be checked from a dossier; `reason` says why.
    Informative,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClauseSpec {
    pub number: Spanned<String>,
    pub force: Force,
    pub coverage: Spanned<Coverage>,
    pub text: String,
    #[serde(default)]
    pub reason: Option<String>,
    /// For an attestation clause: the stage from which its attestation can exist (the acts
    /// attested are often the center's, done after the department's proposal).
    #[serde(default)]
    pub attested_from: Option<Spanned<Stage>>,
}

/// A standard other than the pack's own that data-quality rules cite (GB 32100 for USCCs …).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceSpec {
    /// The standard's code as rules cite it: `GB 32100-2015`.
    pub standard: Spanned<String>,
    pub title: String,
}

/// A rule's citation of a reference standard.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceCitationSpec {
    pub standard: Spanned<String>,
    /// The clause, article or annex of that standard (`4`, `附录 A.2`).
    pub clause: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableSpec {
    pub name: Spanned<String>,
    pub expr: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// A text in Chinese with its English variant.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextSpec {
    pub zh: Spanned<String>,
    pub en: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Names the violation (`item-legal-basis-missing`); never a clause number.
    pub id: Spanned<String>,
    /// The clauses of the pack's standard whose words oblige the fact the rule checks.
    #[serde(default)]
    pub clauses: Option<Spanned<Vec<Spanned<String>>>>,
    /// Instead of clauses: the reference standard a data-quality rule checks against.
    #[serde(default)]
    pub reference: Option<ReferenceCitationSpec>,
    /// When the rule cites several clauses: a CEL expression giving the clause of this case.
    #[serde(default)]
    pub cite: Option<Spanned<String>>,
    /// The earliest stage at which the fact the rule checks can exist (default: proposal).
    #[serde(default)]
    pub stage: Option<Spanned<Stage>>,
    /// A format rule (a USCC's check character, a calendar date): where it fails, the field at
    /// its target counts as malformed, and the other rules that read it there are skipped.
    #[serde(default)]
    pub format: bool,
    /// Defaults from the first clause's force: shall → error, should → warning, may → info.
    #[serde(default)]
    pub severity: Option<Spanned<Severity>>,
    /// `items as item, item.legal_basis as basis`: the collections iterated, outermost first.
    #[serde(default)]
    pub for_each: Option<Spanned<String>>,
    /// A guard: the assertion is only checked where this holds.
    #[serde(default)]
    pub when: Option<Spanned<String>>,
    #[serde(rename = "assert")]
    pub assertion: Spanned<String>,
    /// Where the finding points: a dotted path from the innermost element, or a JSON Pointer
    /// from the document root when it starts with `/`.
    #[serde(default)]
    pub target: Option<Spanned<String>>,
    pub message: TextSpec,
    #[serde(default)]
    pub help: Option<TextSpec>,
    #[serde(default)]
    pub effective_from: Option<Spanned<String>>,
    #[serde(default)]
    pub effective_until: Option<Spanned<String>>,
}

/// `set:` in an overlay: a pack variable of a base given another value (a province's code
/// layouts, a limit).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetSpec {
    pub variable: Spanned<String>,
    pub expr: Spanned<String>,
    /// Why the value differs from the base's (recorded in the lineage).
    #[serde(default)]
    pub reason: Option<Spanned<String>>,
}

/// `modify:` in an overlay: a rule of a base tightened, relaxed or reworded.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModifySpec {
    pub rule: Spanned<String>,
    /// The new severity, capped by the force of the rule's clauses like any rule's.
    #[serde(default)]
    pub severity: Option<Spanned<Severity>>,
    /// A condition added to the base's assertion (both must hold): the rule can only get
    /// stricter.
    #[serde(default)]
    pub assert_also: Option<Spanned<String>>,
    #[serde(default)]
    pub message: Option<TextSpec>,
    #[serde(default)]
    pub help: Option<TextSpec>,
    /// Why; required when the change relaxes the rule.
    #[serde(default)]
    pub reason: Option<Spanned<String>>,
    /// The document that allows the local exception; required to relax a rule of a 应 clause.
    #[serde(default)]
    pub legal_basis: Option<Spanned<String>>,
}

/// `disable:` in an overlay: a rule of a base turned off, with why.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisableSpec {
    pub rule: Spanned<String>,
    pub reason: Option<Spanned<String>>,
    /// The document that allows the local exception; required for a rule of a 应 clause.
    #[serde(default)]
    pub legal_basis: Option<Spanned<String>>,
}
