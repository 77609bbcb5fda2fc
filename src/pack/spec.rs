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
    pub clauses: Spanned<Vec<Spanned<String>>>,
    /// Defaults from the first clause's force: shall → error, should → warning.
    #[serde(default)]
    pub severity: Option<Severity>,
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
