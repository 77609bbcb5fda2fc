//! Rules: ids, what they cite (clauses or a reference standard), severity capped by the force
//! of the clauses, stage and dates, the `for_each` levels and bindings, the target, and the
//! compiled rule with what it reads.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::manifest::date_field;
use super::names::{is_clause_number, is_identifier, is_rule_id};
use super::Loader;
use crate::document::Node;
use crate::error::LocatedError;
use crate::finding::Severity;
use crate::pack::de::{suggest, Spanned};
use crate::pack::spec::{Force, RuleSpec, Stage};
use crate::pack::{
    Expression, Level, Localized, Origin, ReadChain, Reference, ReferenceCitation, Rule, Target,
};
use crate::source::SourceFile;

/// What a rule reads, as the engine needs it to skip evaluations on malformed fields.
pub(super) struct RuleReads {
    pub chains: Vec<ReadChain>,
    pub guard_chains: Vec<ReadChain>,
    pub fields: BTreeSet<String>,
    pub across: bool,
    pub sections: Option<BTreeSet<String>>,
}

impl Loader {
    pub(super) fn rule(&mut self, file: &Arc<SourceFile>, node: &Node, spec: RuleSpec) {
        let problems_before = self.problems.0.len();
        if !is_rule_id(&spec.id) {
            self.problems.add(
                file,
                spec.id.span,
                format!(
                    "the rule id `{}` must be lowercase words joined by `-`",
                    spec.id.value
                ),
                "names the violation, e.g. item-legal-basis-missing",
            );
        }
        if is_clause_number(&spec.id) {
            self.problems.add(
                file,
                spec.id.span,
                "a rule id names the violation, never a clause number",
                "rule id",
            );
        }
        let base = self
            .rules
            .iter()
            .find(|rule| rule.id == spec.id.value && rule.lineage.defined_by != self.current_pack)
            .map(|rule| rule.lineage.defined_by.clone());
        if let Some(base) = base {
            self.problems.add_with_help(
                file,
                spec.id.span,
                format!(
                    "the rule id `{}` is already a rule of the base pack {base}",
                    spec.id.value
                ),
                "defined again",
                format!(
                    "use `modify` (under `modify:`, `- rule: {}`) to tighten or reword it, or `disable` to turn it off with a reason",
                    spec.id.value
                ),
            );
        } else if let Some((first_file, first_span)) = self.rule_ids.get(&spec.id.value) {
            let first = first_file.line_column(first_span.start());
            self.problems.add(
                file,
                spec.id.span,
                format!(
                    "the rule id `{}` is used twice (first in {} at line {})",
                    spec.id.value, first_file.name, first.line
                ),
                "ids are unique",
            );
        } else {
            self.rule_ids
                .insert(spec.id.value.clone(), (Arc::clone(file), spec.id.span));
        }
        let empty_clauses = Spanned {
            span: spec.id.span,
            value: Vec::new(),
        };
        let cited = spec.clauses.as_ref().unwrap_or(&empty_clauses);
        match (&spec.reference, cited.is_empty()) {
            (None, true) => self.problems.add(
                file,
                cited.span,
                "a rule cites at least one clause, or a reference standard (`reference`)",
                "nothing cited",
            ),
            (Some(reference), false) => self.problems.add(
                file,
                reference.standard.span,
                "a rule cites clauses of the pack's standard or a reference standard, not both",
                "cite one",
            ),
            _ => {}
        }
        if let Some(reference) = &spec.reference {
            if self.reference_named(&reference.standard).is_none() {
                let known: Vec<&str> = self
                    .references
                    .iter()
                    .map(|known| known.standard.as_str())
                    .collect();
                let help = crate::pack::static_check::did_you_mean(&reference.standard, known);
                self.problems.0.push(LocatedError::new(
                    file,
                    reference.standard.span,
                    format!(
                        "rule `{}` cites the reference {}, which the pack's `references` do not list",
                        spec.id.value, reference.standard.value
                    ),
                    "unknown reference",
                    help,
                ));
            }
            if spec.severity.is_none() {
                self.problems.add(
                    file,
                    spec.id.span,
                    format!(
                        "rule `{}` cites a reference standard: give its `severity`",
                        spec.id.value
                    ),
                    "no clause force to take it from",
                );
            }
        }
        let mut first_force = None;
        // the weakest force among the cited clauses caps the severity: 可 gives info at most
        let mut cap: Option<(Severity, String)> = None;
        for number in cited.iter() {
            match self
                .clauses
                .iter()
                .find(|clause| clause.number == number.value)
            {
                Some(clause) => {
                    first_force.get_or_insert(clause.force);
                    let clause_cap = severity_cap(clause.force);
                    if cap
                        .as_ref()
                        .is_none_or(|(severity, _)| clause_cap < *severity)
                    {
                        cap = Some((clause_cap, clause.number.clone()));
                    }
                }
                None => {
                    let known: Vec<&str> = self
                        .clauses
                        .iter()
                        .map(|clause| clause.number.as_str())
                        .collect();
                    let help = crate::pack::static_check::did_you_mean(&number.value, known);
                    self.problems.0.push(LocatedError::new(
                        file,
                        number.span,
                        format!(
                            "rule `{}` cites clause {}, which the pack does not list",
                            spec.id.value, number.value
                        ),
                        "unknown clause",
                        help,
                    ));
                }
            }
        }
        let severity = spec
            .severity
            .as_ref()
            .map(|severity| severity.value)
            .unwrap_or(match first_force {
                Some(force) => severity_cap(force),
                None => Severity::Error,
            });
        if let (Some((cap, number)), Some(written)) = (&cap, &spec.severity) {
            if written.value > *cap {
                let force = self
                    .clauses
                    .iter()
                    .find(|clause| clause.number == *number)
                    .map(|clause| clause.force);
                let words = match force {
                    Some(Force::Should) => "宜 (should): a warning at most",
                    Some(Force::May) => "可 (may): an info at most",
                    _ => "informative: an info at most",
                };
                self.problems.add(
                    file,
                    written.span,
                    format!(
                        "rule `{}` is of severity {} but clause {number} is {words}",
                        spec.id.value,
                        written.value.as_str()
                    ),
                    "stronger than the clause",
                );
            }
        }
        let for_each = match &spec.for_each {
            Some(text) => self.parse_for_each(file, text),
            None => Vec::new(),
        };
        self.scope = match &spec.for_each {
            Some(text) => self.for_each_scope(file, node.get("for_each"), text, &for_each),
            None => crate::pack::static_check::Scope::default(),
        };
        let bindings: Vec<String> = for_each
            .iter()
            .flat_map(|level| {
                std::iter::once(level.binding.clone()).chain(level.key_binding.clone())
            })
            .collect();
        let known = self.known_names(&bindings);
        let guard = spec
            .when
            .as_ref()
            .and_then(|when| self.compile(file, node.get("when"), when, &known));
        let assertion = self.compile(file, node.get("assert"), &spec.assertion, &known);
        let cite = spec
            .cite
            .as_ref()
            .and_then(|cite| self.compile(file, node.get("cite"), cite, &known));
        if spec.cite.is_some() && cited.len() < 2 {
            if let Some(cite_text) = &spec.cite {
                self.problems.add(
                    file,
                    cite_text.span,
                    "`cite` chooses among the rule's clauses: the rule must cite two or more",
                    "nothing to choose",
                );
            }
        }
        let target = spec
            .target
            .as_ref()
            .and_then(|target| self.parse_target(file, target));
        let message_node = node.get("message");
        let message = self.localized_template(file, message_node, &spec.message, &known);
        let help = spec.help.map(|help| Localized {
            zh: help.zh.value,
            en: help.en.value,
        });
        let effective_from = spec
            .effective_from
            .as_ref()
            .and_then(|date| date_field(file, date, &mut self.problems));
        let effective_until = spec
            .effective_until
            .as_ref()
            .and_then(|date| date_field(file, date, &mut self.problems));
        if self.problems.0.len() != problems_before {
            return;
        }
        let (Some(assertion), Some(message)) = (assertion, message) else {
            return;
        };
        let reads = self.rule_reads(&bindings, guard.as_ref(), &assertion, cite.as_ref());
        self.rules.push(Rule {
            id: spec.id.value,
            clauses: spec
                .clauses
                .map(|clauses| clauses.value)
                .unwrap_or_default()
                .into_iter()
                .map(|number| number.value)
                .collect(),
            reference: spec.reference.map(|reference| ReferenceCitation {
                standard: reference.standard.value,
                clause: reference.clause,
            }),
            cite,
            stage: spec
                .stage
                .map(|stage| stage.value)
                .unwrap_or(Stage::Proposal),
            severity,
            for_each,
            guard,
            assertion,
            target,
            message,
            help,
            effective_from,
            effective_until,
            origin: Origin {
                file: Arc::clone(file),
                span: spec.id.span,
            },
            chains: reads.chains,
            guard_chains: reads.guard_chains,
            fields_read: reads.fields,
            reads_across_elements: reads.across,
            sections_read: reads.sections,
            format: spec.format,
            lineage: crate::pack::Lineage::defined(&self.current_pack),
        });
    }

    /// What a rule's expressions read, placed: the paths read from its bindings, the sections
    /// and `doc` (a path from a comprehension's variable starts at a list that is itself read
    /// from one of those, or a variable, so it adds nothing), and the fields and sections read
    /// through the pack's variables.
    pub(super) fn rule_reads(
        &self,
        bindings: &[String],
        guard: Option<&Expression>,
        assertion: &Expression,
        cite: Option<&Expression>,
    ) -> RuleReads {
        let reads = self.fields_read(guard.into_iter().chain([assertion]).chain(cite));
        let placed = |expressions: &[&Expression]| -> Vec<ReadChain> {
            expressions
                .iter()
                .flat_map(|expression| expression.chains.iter())
                .filter(|chain| {
                    bindings.contains(&chain.root)
                        || self.sections.contains(&chain.root)
                        || chain.root == "doc"
                })
                .cloned()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        };
        let all: Vec<&Expression> = guard.into_iter().chain([assertion]).chain(cite).collect();
        RuleReads {
            chains: placed(&all),
            guard_chains: placed(&guard.into_iter().collect::<Vec<_>>()),
            fields: reads.fields,
            across: reads.across,
            sections: reads.sections,
        }
    }

    fn reference_named(&self, standard: &str) -> Option<&Reference> {
        self.references
            .iter()
            .find(|reference| reference.standard == standard)
    }

    /// The rule's bindings as paths in the schema; a `for_each` path the schema does not have
    /// is an error where the path is written.
    pub(super) fn for_each_scope(
        &mut self,
        file: &Arc<SourceFile>,
        node: Option<&Node>,
        text: &Spanned<String>,
        levels: &[Level],
    ) -> crate::pack::static_check::Scope {
        use crate::pack::static_check::{unknown_for_each_step, Scope, Step};
        let mut scope = Scope::default();
        for level in levels {
            let mut path = match &level.from_binding {
                Some(outer) => match scope.path_of(outer) {
                    Some(path) => path.clone(),
                    // the outer level was not placed: nothing is known below it
                    None => return scope,
                },
                None => Vec::new(),
            };
            path.extend(level.path.iter().map(|field| Step::Field(field.clone())));
            if let Some(problem) = unknown_for_each_step(&self.schema, &path, &text.value) {
                let located = super::expressions::Located {
                    file,
                    node,
                    value: text,
                    offset: 0,
                };
                self.problems.0.push(LocatedError::new(
                    file,
                    located.span(problem.offset, problem.length),
                    problem.message,
                    problem.label,
                    problem.help,
                ));
                return scope;
            }
            path.push(Step::Element);
            scope.bind(&level.binding, path);
        }
        scope
    }

    fn parse_for_each(&mut self, file: &Arc<SourceFile>, text: &Spanned<String>) -> Vec<Level> {
        let mut levels: Vec<Level> = Vec::new();
        for level_text in text.split(',') {
            let mut words = level_text.split_whitespace();
            let path_text = words.next().unwrap_or("");
            let rest: Vec<&str> = words.collect();
            let (binding, key_binding, pattern) = match rest.as_slice() {
                [] => ("it".to_string(), None, None),
                ["as", name] => (name.to_string(), None, None),
                ["as", name, "by", key] => (name.to_string(), Some(key.to_string()), None),
                ["as", name, "by", key, "matching", pattern] => {
                    (name.to_string(), Some(key.to_string()), Some(*pattern))
                }
                _ => {
                    self.problems.add(
                        file,
                        text.span,
                        format!(
                            "`{}` is not `path as name` or `path as name by key`",
                            level_text.trim()
                        ),
                        "for_each: items as item, item.legal_basis as basis",
                    );
                    return Vec::new();
                }
            };
            let path: Vec<String> = path_text.split('.').map(str::to_string).collect();
            if path.iter().any(|segment| !is_identifier(segment))
                || !is_identifier(&binding)
                || key_binding
                    .as_deref()
                    .is_some_and(|key| !is_identifier(key))
            {
                self.problems.add(
                    file,
                    text.span,
                    format!("`{}` is not a dotted path of names", level_text.trim()),
                    "for_each path",
                );
                return Vec::new();
            }
            let from_binding = levels
                .iter()
                .any(|level| level.binding == path[0])
                .then(|| path[0].clone());
            if from_binding.is_none() && !self.sections.contains(&path[0]) && path[0] != "doc" {
                let known: Vec<&str> = self.sections.iter().map(String::as_str).collect();
                self.problems.0.push(LocatedError::new(
                    file,
                    text.span,
                    format!("for_each starts at `{}`, which is neither a dossier section nor an outer binding", path[0]),
                    "unknown name",
                    suggest(&path[0], &known),
                ));
                return Vec::new();
            }
            let path = if from_binding.is_some() || path[0] == "doc" {
                path[1..].to_vec()
            } else {
                path
            };
            let key_pattern = match pattern {
                None => None,
                Some(quoted) => {
                    let unquoted = quoted
                        .strip_prefix('\'')
                        .and_then(|rest| rest.strip_suffix('\''))
                        .unwrap_or(quoted);
                    // compiled once for every rule that writes it, within the size that
                    // `matches` allows a pattern; each rule has its own clone, whose cache of
                    // match states is its own (the rules run side by side, and threads sharing
                    // one regex wait for each other's caches)
                    match crate::cel::cached_regex(unquoted) {
                        Ok(compiled) => Some(Arc::new(regex::Regex::clone(&compiled))),
                        Err(error) => {
                            self.problems.add(
                                file,
                                text.span,
                                format!("`{quoted}` is not a regular expression: {error}"),
                                "for_each key pattern",
                            );
                            return Vec::new();
                        }
                    }
                }
            };
            levels.push(Level {
                from_binding,
                path,
                binding,
                key_binding,
                key_pattern,
            });
        }
        levels
    }

    fn parse_target(&mut self, file: &Arc<SourceFile>, target: &Spanned<String>) -> Option<Target> {
        if target.starts_with('/') {
            return Some(Target::Absolute(target.value.clone()));
        }
        let segments: Vec<String> = target.split('.').map(str::to_string).collect();
        let valid = segments.iter().all(|segment| {
            is_identifier(segment)
                || segment.bytes().all(|byte| byte.is_ascii_digit()) && !segment.is_empty()
        });
        if !valid {
            self.problems.add(
                file,
                target.span,
                format!("`{}` is not a dotted path or a JSON Pointer", target.value),
                "target",
            );
            return None;
        }
        Some(Target::Relative(segments))
    }
}

/// The highest severity a rule of a clause of this force may have: 应 error, 宜 warning, 可 and
/// informative clauses info.
pub(super) fn severity_cap(force: Force) -> Severity {
    match force {
        Force::Shall => Severity::Error,
        Force::Should => Severity::Warning,
        Force::May | Force::Informative => Severity::Info,
    }
}
