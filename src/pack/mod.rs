//! Rule packs: the model, strict loading with every error located in the pack's own files,
//! and the embedded national pack. A pack never sees a dossier.

mod de;
pub mod diff;
mod embedded;
pub mod expression_limits;
pub mod field_names;
mod load;
mod resolve;
mod spec;
mod static_check;

pub use crate::finding::Severity;
pub use de::{from_node, suggest, FieldError, Spanned};
pub use embedded::embedded_national_pack;
pub use load::{
    compile_expression, load_embedded_pack_unlinted, load_pack, load_pack_from_path, PackFiles,
};
pub use resolve::MAX_PACK_FILE_BYTES;
pub use spec::{Coverage, Force, Stage};
pub use static_check::did_you_mean;

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
    /// The schema's titles by path, to name fields in help texts for a dossier written with
    /// Chinese keys.
    pub field_names: field_names::FieldNames,
    /// Validates the dossier tree in place (no `serde_json` copy).
    pub validator: jsonschema::Validator<crate::document::NodeJson>,
    pub variables: Vec<Variable>,
    pub rules: Vec<Rule>,
    /// Standards other than the pack's own that data-quality rules cite.
    pub references: Vec<Reference>,
    /// The pack's files, for diagnostics about the pack itself.
    pub files: Vec<Arc<SourceFile>>,
    /// Each pack file read from disk, as (name shown, canonical path); none for the embedded
    /// pack. An `--output` must never name one of them.
    pub paths_on_disk: Vec<(String, std::path::PathBuf)>,
    /// The packs this one is made of, the deepest base first and this pack last; one entry
    /// for a pack that extends none.
    pub layers: Vec<Layer>,
    /// Rules of a base that a layer turned off, with why.
    pub disabled: Vec<Disabled>,
}

/// One pack of a chain of `extends`.
#[derive(Clone, Debug)]
pub struct Layer {
    pub id: String,
    pub version: String,
    /// How the layer was named: its directory, or `cn.gbt.xzfwzx-2@^2` for the embedded pack.
    pub source: String,
}

/// Which pack defined a rule (or a variable) and which packs changed it, in order.
#[derive(Clone, Debug, Default)]
pub struct Lineage {
    pub defined_by: String,
    pub changes: Vec<Change>,
}

/// One change a layer made to what a base defined.
#[derive(Clone, Debug)]
pub struct Change {
    pub pack: String,
    /// What changed, in words: `severity warning → error`, `assert_also`, `message`, `value`.
    pub what: Vec<String>,
    pub reason: Option<String>,
    pub legal_basis: Option<String>,
}

/// A rule of a base that a layer disabled.
#[derive(Clone, Debug)]
pub struct Disabled {
    pub id: String,
    pub clauses: Vec<String>,
    pub lineage: Lineage,
    /// Where the `disable` entry is written.
    pub origin: Origin,
}

impl Lineage {
    /// Defined by `pack`, changed by none yet.
    pub fn defined(pack: &str) -> Lineage {
        Lineage {
            defined_by: pack.to_string(),
            changes: Vec::new(),
        }
    }

    /// The pack whose word is final: the last to change it, else the one that defined it.
    pub fn decided_by(&self) -> &str {
        self.changes
            .last()
            .map(|change| change.pack.as_str())
            .unwrap_or(&self.defined_by)
    }

    /// `pack` defined or changed it.
    pub fn touched_by(&self, pack: &str) -> bool {
        self.defined_by == pack || self.changes.iter().any(|change| change.pack == pack)
    }
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
    /// A waiver of a rule of a 应 clause must name its approving document.
    pub waivers_need_document: bool,
}

/// A reference standard (GB 32100-2015 …) and its title.
#[derive(Clone, Debug)]
pub struct Reference {
    pub standard: String,
    pub title: String,
}

pub use crate::finding::ReferenceCitation;

#[derive(Clone, Debug)]
pub struct Clause {
    pub number: String,
    pub force: Force,
    pub coverage: Coverage,
    pub text: String,
    pub reason: Option<String>,
    /// For an attestation clause: the stage from which its attestation is asked for.
    pub attested_from: Option<Stage>,
    /// The id of the pack that lists it (a base's, or an overlay's own).
    pub pack: String,
}

/// A CEL expression compiled once, with where it was written in the pack.
#[derive(Debug)]
pub struct Expression {
    pub source: String,
    /// The parsed tree, shared by every expression of the pack with the same text.
    pub program: Arc<cel::parser::Expression>,
    /// The same expression for the native evaluator, when it is of a shape it knows
    /// (`crate::cel::native`); the interpreter decides wherever it gives no answer.
    pub native: Option<Box<crate::cel::Native>>,
    /// The names it reads (bindings, variables, dossier sections), sorted.
    pub variables: Vec<String>,
    /// The field names it selects (`item.task_code` → `task_code`), sorted: a rule reading a
    /// field that failed its format is not evaluated where that field is.
    pub fields: Vec<String>,
    /// The paths it reads from a name (`item.implementing_body.uscc`), so that a field that
    /// failed its format skips exactly the evaluations that read it.
    pub chains: Vec<ReadChain>,
    pub origin: Origin,
}

/// A path an expression reads from a name: `item.implementing_body.uscc` is the root `item`
/// and the fields `implementing_body`, `uscc`; `has(…)` reads only whether the last is there.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReadChain {
    pub root: String,
    pub fields: Vec<String>,
    pub presence_only: bool,
}

/// A field of a [`ReadChain`] that stands for any element of a list or any value of a map:
/// the elements a comprehension iterates.
pub const READ_ANY_ELEMENT: &str = "*";

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
    /// The pack that declared it and the layers that `set` it.
    pub lineage: Lineage,
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
    /// The clauses of the pack's standard the rule enforces; empty for a reference rule.
    pub clauses: Vec<String>,
    /// A data-quality rule cites a reference standard instead of clauses.
    pub reference: Option<ReferenceCitation>,
    /// For a rule of several clauses: the clause of each case.
    pub cite: Option<Expression>,
    /// The earliest stage at which the fact the rule checks can exist.
    pub stage: Stage,
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
    /// The paths the rule's expressions read from its bindings, the dossier's sections and
    /// `doc`: a malformed field on one of them skips the evaluation.
    pub chains: Vec<ReadChain>,
    /// The paths the guard alone reads: where only the assertion reads a malformed field, a
    /// guard that does not hold means there is nothing to skip.
    pub guard_chains: Vec<ReadChain>,
    /// The field names read where their place is not known (through the pack's variables, an
    /// index `x['f']`): a malformed field of that name in a section read skips the evaluation.
    pub fields_read: std::collections::BTreeSet<String>,
    /// The rule reads a field through a pack variable or a whole section (not only through
    /// its own element): a field that failed its format in a section it reads skips it.
    pub reads_across_elements: bool,
    /// The dossier sections the rule's expressions read directly or through variables; `None`
    /// when it reads `doc`, and so any section.
    pub sections_read: Option<std::collections::BTreeSet<String>>,
    /// A format rule: where it fails, its target counts as malformed for the other rules.
    pub format: bool,
    /// The pack that defined the rule and the layers that changed it.
    pub lineage: Lineage,
}

impl Pack {
    pub fn clause(&self, number: &str) -> Option<&Clause> {
        self.clauses.iter().find(|clause| clause.number == number)
    }

    pub fn reference(&self, standard: &str) -> Option<&Reference> {
        self.references
            .iter()
            .find(|reference| reference.standard == standard)
    }

    /// Clauses marked automated that no rule cites: holes in coverage (`pack lint` and the
    /// coverage test report them). A clause whose rules a layer disabled, with the reason
    /// recorded, is no hole: the exception is the pack's decision.
    pub fn uncovered_clauses(&self) -> Vec<&Clause> {
        self.clauses
            .iter()
            .filter(|clause| clause.coverage == Coverage::Automated)
            .filter(|clause| {
                !self
                    .rules
                    .iter()
                    .any(|rule| rule.clauses.contains(&clause.number))
                    && !self
                        .disabled
                        .iter()
                        .any(|rule| rule.clauses.contains(&clause.number))
            })
            .collect()
    }

    /// This pack's id (the top layer's).
    pub fn id(&self) -> &str {
        &self.manifest.id
    }

    /// The pack extends another.
    pub fn is_layered(&self) -> bool {
        self.layers.len() > 1
    }

    /// The pack whose word decided the findings of a rule (`attestation-missing` by its
    /// clause), when it is a base rather than this pack; `None` for this pack's own rules
    /// and for what guifan reports itself (`dossier-structure`, `rule-error` …).
    pub fn deciding_base(&self, rule: &str, clause: Option<&str>) -> Option<&str> {
        let found = self.rules.iter().find(|candidate| {
            candidate.id == rule
                && (candidate.id != "attestation-missing"
                    || clause.is_some_and(|clause| candidate.clauses.iter().any(|c| c == clause)))
        })?;
        let decided = found.lineage.decided_by();
        (decided != self.manifest.id).then_some(decided)
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

    /// The rule reads the section `name` beyond its own element.
    pub fn reads_section(&self, name: &str) -> bool {
        self.sections_read
            .as_ref()
            .is_none_or(|sections| sections.contains(name))
    }

    pub fn primary_clause(&self) -> &str {
        self.clauses.first().map(String::as_str).unwrap_or("")
    }

    /// How a report names what the rule cites: `5.2.1.1`, or `GB 32100-2015 4`.
    pub fn citation_label(&self) -> String {
        match &self.reference {
            Some(reference) => format!("{} {}", reference.standard, reference.clause),
            None => self.primary_clause().to_string(),
        }
    }
}
