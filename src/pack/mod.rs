//! Rule packs: the model, strict loading with every error located in the pack's own files,
//! and the embedded national pack. A pack never sees a dossier.

mod de;
mod embedded;
pub mod expression_limits;
mod load;
mod spec;

pub use crate::finding::Severity;
pub use de::{from_node, suggest, FieldError, Spanned};
pub use embedded::embedded_national_pack;
pub use load::{load_pack, load_pack_from_path, PackFiles};
pub use spec::{Coverage, Force};

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::NaiveDate;

use crate::source::{SourceFile, Span};

/// A loaded, compiled pack. Shared read-only across threads.
pub struct Pack {
    pub manifest: Manifest,
    pub clauses: Vec<Clause>,
    /// Chinese (or other) key → canonical key.
    pub aliases: BTreeMap<String, String>,
    pub schema: serde_json::Value,
    /// Every property name the schema declares anywhere (for suggestions and alias checks).
    pub schema_properties: BTreeSet<String>,
    /// A property's Chinese title in the schema (`name` → 事项名称), for messages.
    pub field_titles: BTreeMap<String, String>,
    /// Validates the dossier tree in place (no `serde_json` copy).
    pub validator: jsonschema::Validator<crate::document::NodeJson>,
    pub variables: Vec<Variable>,
    pub rules: Vec<Rule>,
    /// The pack's files, for diagnostics about the pack itself.
    pub files: Vec<Arc<SourceFile>>,
}

#[derive(Clone, Debug)]
pub struct Manifest {
    pub id: String,
    pub version: String,
    pub title: String,
    pub standard_code: String,
    pub standard_title: String,
    pub effective_from: NaiveDate,
    pub effective_until: Option<NaiveDate>,
}

#[derive(Clone, Debug)]
pub struct Clause {
    pub number: String,
    pub force: Force,
    pub coverage: Coverage,
    pub text: String,
    pub reason: Option<String>,
}

/// A CEL expression compiled once, with where it was written in the pack.
#[derive(Debug)]
pub struct Expression {
    pub source: String,
    /// Shared by every expression of the pack with the same text.
    pub program: Arc<cel::Program>,
    /// The names it reads (bindings, variables, dossier sections), sorted.
    pub variables: Vec<String>,
    pub origin: Origin,
}

/// A place in a pack file.
#[derive(Clone, Debug)]
pub struct Origin {
    pub file: Arc<SourceFile>,
    pub span: Span,
}

#[derive(Debug)]
pub struct Variable {
    pub name: String,
    pub expression: Expression,
    pub description: Option<String>,
}

/// One level of `for_each`: a dotted path from the dossier root or from an outer binding,
/// the name its elements are bound to, and optionally the name of each element's key (a
/// mapping's key, a list's index).
#[derive(Clone, Debug)]
pub struct Level {
    /// Set when the first segment names an outer binding.
    pub from_binding: Option<String>,
    pub path: Vec<String>,
    pub binding: String,
    pub key_binding: Option<String>,
    /// `matching 're'`: only the entries of a mapping whose key matches (list elements have no
    /// key to match and are skipped); applied before any value is made for the element.
    pub key_pattern: Option<Arc<regex::Regex>>,
}

/// Where a finding points.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// Dotted path from the innermost element (or the root for rules without `for_each`).
    Relative(Vec<String>),
    /// JSON Pointer from the document root.
    Absolute(String),
}

/// A message with `{cel}` interpolations, compiled.
#[derive(Debug)]
pub struct Template {
    pub parts: Vec<TemplatePart>,
}

#[derive(Debug)]
pub enum TemplatePart {
    Literal(String),
    Expression(Expression),
}

#[derive(Debug)]
pub struct Localized<T> {
    pub zh: T,
    pub en: T,
}

#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub clauses: Vec<String>,
    pub severity: Severity,
    pub for_each: Vec<Level>,
    pub guard: Option<Expression>,
    pub assertion: Expression,
    pub target: Option<Target>,
    pub message: Localized<Template>,
    pub help: Option<Localized<String>>,
    pub effective_from: Option<NaiveDate>,
    pub effective_until: Option<NaiveDate>,
    pub origin: Origin,
}

impl Pack {
    pub fn clause(&self, number: &str) -> Option<&Clause> {
        self.clauses.iter().find(|clause| clause.number == number)
    }

    /// Clauses marked automated that no rule cites: holes in coverage (`pack lint` and the
    /// coverage test report them).
    pub fn uncovered_clauses(&self) -> Vec<&Clause> {
        self.clauses
            .iter()
            .filter(|clause| clause.coverage == Coverage::Automated)
            .filter(|clause| {
                !self
                    .rules
                    .iter()
                    .any(|rule| rule.clauses.contains(&clause.number))
            })
            .collect()
    }

    /// The pack is in force on that date.
    pub fn in_force(&self, date: NaiveDate) -> bool {
        date >= self.manifest.effective_from
            && self
                .manifest
                .effective_until
                .is_none_or(|until| date < until)
    }
}

impl Rule {
    /// The rule is in force on that date.
    pub fn in_force(&self, date: NaiveDate) -> bool {
        self.effective_from.is_none_or(|from| date >= from)
            && self.effective_until.is_none_or(|until| date < until)
    }

    pub fn primary_clause(&self) -> &str {
        self.clauses.first().map(String::as_str).unwrap_or("")
    }
}
