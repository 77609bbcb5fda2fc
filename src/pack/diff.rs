//! What changed between two loaded packs, each change classified by what it can do to a dossier
//! that passed before (the table is in docs/rule-pack-format.md, "Changing a pack"). Pure: it
//! compares two [`Pack`]s, reads no file and runs no dossier (`commands/pack_diff.rs` does).
//!
//! The packs are compared as loaded, not as written: a rule the loader adds (an attestation
//! clause's `attestation-missing`), a severity capped by its clause's force and, once packs
//! extend others, a rule resolved from its layers are compared as `check` would run them.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Force, Level, Pack, Rule, Target, Template, TemplatePart};
use crate::finding::Severity;

/// How far a change reaches, as the semantic version of the pack must say it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    /// Words only (a message, a help, a clause's text): no verdict changes.
    Patch,
    /// Something added or relaxed: a dossier that passed still passes at the default
    /// `--fail-on error` (it may see new warnings).
    Minor,
    /// A dossier that passed may now fail: an error where there was none, a field it may no
    /// longer hold, a waiver or reference it wrote that no longer holds.
    Breaking,
}

impl Impact {
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Patch => "patch",
            Impact::Minor => "minor",
            Impact::Breaking => "breaking",
        }
    }
}

/// One change between the packs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// `pack`, `clause`, `rule`, `variable`, `schema`, `alias` or `reference`.
    pub kind: &'static str,
    /// The clause number, rule id, variable name, schema path (`/items/*/name`) …
    pub name: String,
    /// What changed: `added`, `removed`, or the field (`severity`, `assert`, `required` …).
    pub aspect: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
    pub impact: Impact,
    /// Why the change has that impact, in one clause.
    pub why: &'static str,
}

/// Every change between `old` and `new`, in a stable order: pack, clauses, schema, aliases,
/// variables, rules, references, each by name.
pub fn diff(old: &Pack, new: &Pack) -> Vec<Change> {
    let mut changes = Vec::new();
    manifest(old, new, &mut changes);
    clauses(old, new, &mut changes);
    schema(&old.schema, &new.schema, &mut changes);
    aliases(old, new, &mut changes);
    variables(old, new, &mut changes);
    rules(old, new, &mut changes);
    references(old, new, &mut changes);
    changes
}

/// The greatest impact of the changes; `None` when nothing changed.
pub fn impact(changes: &[Change]) -> Option<Impact> {
    changes.iter().map(|change| change.impact).max()
}

fn change(
    kind: &'static str,
    name: impl Into<String>,
    aspect: &'static str,
    old: Option<String>,
    new: Option<String>,
    impact: Impact,
    why: &'static str,
) -> Change {
    Change {
        kind,
        name: name.into(),
        aspect,
        old,
        new,
        impact,
        why,
    }
}

fn manifest(old: &Pack, new: &Pack, out: &mut Vec<Change>) {
    let (a, b) = (&old.manifest, &new.manifest);
    if a.id != b.id {
        out.push(change(
            "pack",
            &b.id,
            "id",
            Some(a.id.clone()),
            Some(b.id.clone()),
            Impact::Breaking,
            "reports and waivers name the pack by its id",
        ));
    }
    if a.effective_from != b.effective_from || a.effective_until != b.effective_until {
        let narrower = b.effective_from > a.effective_from
            || match (a.effective_until, b.effective_until) {
                (None, Some(_)) => true,
                (Some(until_a), Some(until_b)) => until_b < until_a,
                _ => false,
            };
        let window = |from: chrono::NaiveDate, until: Option<chrono::NaiveDate>| match until {
            Some(until) => format!("{from} – {until}"),
            None => format!("from {from}"),
        };
        out.push(change(
            "pack",
            &b.id,
            "effective",
            Some(window(a.effective_from, a.effective_until)),
            Some(window(b.effective_from, b.effective_until)),
            if narrower {
                Impact::Breaking
            } else {
                Impact::Minor
            },
            if narrower {
                "the pack is in force on fewer dates"
            } else {
                "the pack is in force on more dates"
            },
        ));
    }
    if a.waivers_need_document != b.waivers_need_document {
        out.push(change(
            "pack",
            &b.id,
            "waivers.shall_requires_document",
            Some(a.waivers_need_document.to_string()),
            Some(b.waivers_need_document.to_string()),
            if b.waivers_need_document {
                Impact::Breaking
            } else {
                Impact::Minor
            },
            if b.waivers_need_document {
                "a waiver of a 应 rule without its approving document becomes an error"
            } else {
                "waivers are accepted with less"
            },
        ));
    }
    if a.title != b.title
        || a.standard_code != b.standard_code
        || a.standard_title != b.standard_title
    {
        out.push(change(
            "pack",
            &b.id,
            "title",
            Some(format!(
                "{} ({} {})",
                a.title, a.standard_code, a.standard_title
            )),
            Some(format!(
                "{} ({} {})",
                b.title, b.standard_code, b.standard_title
            )),
            Impact::Patch,
            "words only",
        ));
    }
}

fn force_rank(force: Force) -> u8 {
    match force {
        Force::Informative => 0,
        Force::May => 1,
        Force::Should => 2,
        Force::Shall => 3,
    }
}

fn force_name(force: Force) -> &'static str {
    match force {
        Force::Shall => "shall",
        Force::Should => "should",
        Force::May => "may",
        Force::Informative => "informative",
    }
}

fn coverage_name(coverage: super::Coverage) -> &'static str {
    match coverage {
        super::Coverage::Automated => "automated",
        super::Coverage::Attestation => "attestation",
        super::Coverage::Informative => "informative",
    }
}

fn clauses(old: &Pack, new: &Pack, out: &mut Vec<Change>) {
    let before: BTreeMap<&str, &super::Clause> = old
        .clauses
        .iter()
        .map(|clause| (clause.number.as_str(), clause))
        .collect();
    let after: BTreeMap<&str, &super::Clause> = new
        .clauses
        .iter()
        .map(|clause| (clause.number.as_str(), clause))
        .collect();
    for (number, clause) in &before {
        let Some(now) = after.get(number) else {
            out.push(change(
                "clause",
                *number,
                "removed",
                Some(clause.text.clone()),
                None,
                Impact::Breaking,
                "attestations, waivers and report filters that name the clause no longer hold",
            ));
            continue;
        };
        if clause.force != now.force {
            let raised = force_rank(now.force) > force_rank(clause.force);
            out.push(change(
                "clause",
                *number,
                "force",
                Some(force_name(clause.force).to_string()),
                Some(force_name(now.force).to_string()),
                if raised {
                    Impact::Breaking
                } else {
                    Impact::Minor
                },
                if raised {
                    "a stronger force lets its rules be errors and asks more of waivers"
                } else {
                    "a weaker force caps its rules lower"
                },
            ));
        }
        if clause.coverage != now.coverage {
            out.push(change(
                "clause",
                *number,
                "coverage",
                Some(coverage_name(clause.coverage).to_string()),
                Some(coverage_name(now.coverage).to_string()),
                Impact::Patch,
                "how the clause is covered; the rules that follow from it are compared as rules",
            ));
        }
        if clause.text != now.text || clause.reason != now.reason {
            out.push(change(
                "clause",
                *number,
                "text",
                Some(clause.text.clone()),
                Some(now.text.clone()),
                Impact::Patch,
                "words only: findings quote it, verdicts do not change",
            ));
        }
        if clause.attested_from != now.attested_from {
            let earlier = match (clause.attested_from, now.attested_from) {
                (Some(a), Some(b)) => b.rank() < a.rank(),
                (Some(_), None) => true,
                _ => false,
            };
            out.push(change(
                "clause",
                *number,
                "attested_from",
                clause.attested_from.map(|stage| stage.as_str().to_string()),
                now.attested_from.map(|stage| stage.as_str().to_string()),
                if earlier {
                    Impact::Breaking
                } else {
                    Impact::Minor
                },
                if earlier {
                    "its attestation is asked for at an earlier stage"
                } else {
                    "its attestation is asked for at a later stage"
                },
            ));
        }
    }
    for (number, clause) in &after {
        if !before.contains_key(number) {
            out.push(change(
                "clause",
                *number,
                "added",
                None,
                Some(clause.text.clone()),
                Impact::Minor,
                "a clause alone checks nothing; its rules are compared as rules",
            ));
        }
    }
}

/// A property of the schema as the diff sees it: whether its object requires it, and its own
/// constraints (the schema at that place without the properties below it and without words).
#[derive(Debug, PartialEq)]
struct Property {
    required: bool,
    constraints: Value,
}

/// The keys of a schema that hold no constraint on the value (words, annotations), and those
/// the walk follows into the properties below.
const WORDS: [&str; 8] = [
    "title",
    "description",
    "$comment",
    "examples",
    "default",
    "deprecated",
    "$schema",
    "$id",
];
const STRUCTURE: [&str; 5] = ["properties", "items", "required", "$defs", "$ref"];

fn schema(old: &Value, new: &Value, out: &mut Vec<Change>) {
    let mut before = BTreeMap::new();
    walk_schema(old, old, String::new(), true, &mut before, &mut Vec::new());
    let mut after = BTreeMap::new();
    walk_schema(new, new, String::new(), true, &mut after, &mut Vec::new());
    // the dossier itself (its conditions: `allOf`, `if`/`then` …) is the empty pointer
    let rename = |map: BTreeMap<String, Property>| -> BTreeMap<String, Property> {
        map.into_iter()
            .map(|(path, property)| {
                if path.is_empty() {
                    ("(the dossier)".to_string(), property)
                } else {
                    (path, property)
                }
            })
            .collect()
    };
    let (before, after) = (rename(before), rename(after));
    for (path, property) in &before {
        let Some(now) = after.get(path) else {
            out.push(change(
                "schema",
                path.clone(),
                "removed",
                None,
                None,
                Impact::Breaking,
                "objects are closed: a dossier that holds the field no longer passes",
            ));
            continue;
        };
        if property.required != now.required {
            out.push(change(
                "schema",
                path.clone(),
                "required",
                Some(property.required.to_string()),
                Some(now.required.to_string()),
                if now.required {
                    Impact::Breaking
                } else {
                    Impact::Minor
                },
                if now.required {
                    "a dossier without the field no longer passes"
                } else {
                    "the field may now be left out"
                },
            ));
        }
        if property.constraints != now.constraints {
            let widened = enum_widened(&property.constraints, &now.constraints);
            out.push(change(
                "schema",
                path.clone(),
                "constraints",
                Some(compact(&differing(&property.constraints, &now.constraints))),
                Some(compact(&differing(&now.constraints, &property.constraints))),
                if widened {
                    Impact::Minor
                } else {
                    Impact::Breaking
                },
                if widened {
                    "more values are accepted"
                } else {
                    "a changed constraint cannot be shown to accept every value it accepted"
                },
            ));
        }
    }
    for (path, property) in &after {
        if !before.contains_key(path) {
            out.push(change(
                "schema",
                path.clone(),
                "added",
                None,
                Some(if property.required {
                    "required".to_string()
                } else {
                    "optional".to_string()
                }),
                if property.required {
                    Impact::Breaking
                } else {
                    Impact::Minor
                },
                if property.required {
                    "a required field: a dossier without it no longer passes"
                } else {
                    "an optional field: nothing that passed is refused"
                },
            ));
        }
    }
}

/// Only the enumeration differs, and the new one holds every old value.
fn enum_widened(old: &Value, new: &Value) -> bool {
    let (Value::Object(a), Value::Object(b)) = (old, new) else {
        return false;
    };
    let rest = |map: &serde_json::Map<String, Value>| {
        map.iter()
            .filter(|(key, _)| key.as_str() != "enum")
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    match (a.get("enum"), b.get("enum")) {
        (Some(Value::Array(before)), Some(Value::Array(after))) => {
            rest(a) == rest(b) && before.iter().all(|value| after.contains(value))
        }
        (Some(_), None) => rest(a) == rest(b),
        _ => false,
    }
}

/// The keywords of `one` whose value `other` does not share (all of `one` when either is not
/// a mapping): what a reader needs to see of a changed constraint.
fn differing(one: &Value, other: &Value) -> Value {
    match (one, other) {
        (Value::Object(a), Value::Object(b)) => Value::Object(
            a.iter()
                .filter(|(key, value)| b.get(key.as_str()) != Some(value))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
        ),
        _ => one.clone(),
    }
}

fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// The properties below `node` by path (`/items/*/name`), following local `$ref`s (each at
/// most once on a path, so a recursive schema ends).
fn walk_schema(
    root: &Value,
    node: &Value,
    path: String,
    required: bool,
    out: &mut BTreeMap<String, Property>,
    refs: &mut Vec<String>,
) {
    let Value::Object(map) = node else {
        if !path.is_empty() {
            out.entry(path).or_insert(Property {
                required,
                constraints: node.clone(),
            });
        }
        return;
    };
    // the schema at this place: its own keys and those of the definition it refers to
    let mut merged = serde_json::Map::new();
    let mut followed = None;
    if let Some(Value::String(reference)) = map.get("$ref") {
        if let Some(target) = reference
            .strip_prefix('#')
            .and_then(|pointer| root.pointer(pointer))
        {
            if !refs.contains(reference) {
                followed = Some((reference.clone(), target));
            }
        }
    }
    if let Some((_, Value::Object(target))) = &followed {
        for (key, value) in target {
            merged.insert(key.clone(), value.clone());
        }
    }
    for (key, value) in map {
        merged.insert(key.clone(), value.clone());
    }
    {
        let constraints: serde_json::Map<String, Value> = merged
            .iter()
            .filter(|(key, _)| !WORDS.contains(&key.as_str()) && !STRUCTURE.contains(&key.as_str()))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        out.insert(
            path.clone(),
            Property {
                required,
                constraints: Value::Object(constraints),
            },
        );
    }
    if let Some((reference, _)) = &followed {
        refs.push(reference.clone());
    }
    let required_here: BTreeSet<&str> = match merged.get("required") {
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
        _ => BTreeSet::new(),
    };
    if let Some(Value::Object(properties)) = merged.get("properties") {
        for (name, child) in properties {
            walk_schema(
                root,
                child,
                format!("{path}/{}", name.replace('~', "~0").replace('/', "~1")),
                required_here.contains(name.as_str()),
                out,
                refs,
            );
        }
    }
    if let Some(items) = merged.get("items") {
        walk_schema(root, items, format!("{path}/*"), false, out, refs);
    }
    if followed.is_some() {
        refs.pop();
    }
}

fn aliases(old: &Pack, new: &Pack, out: &mut Vec<Change>) {
    for (alias, target) in &old.aliases {
        match new.aliases.get(alias) {
            None => out.push(change(
                "alias",
                alias.clone(),
                "removed",
                Some(target.clone()),
                None,
                Impact::Breaking,
                "a dossier written with the key no longer passes",
            )),
            Some(now) if now != target => out.push(change(
                "alias",
                alias.clone(),
                "target",
                Some(target.clone()),
                Some(now.clone()),
                Impact::Breaking,
                "a dossier written with the key now means another field",
            )),
            Some(_) => {}
        }
    }
    for (alias, target) in &new.aliases {
        if !old.aliases.contains_key(alias) {
            out.push(change(
                "alias",
                alias.clone(),
                "added",
                None,
                Some(target.clone()),
                Impact::Minor,
                "one more way to write a key",
            ));
        }
    }
}

/// The variables each error rule reads, directly or through other variables.
fn variables_read_by_errors(pack: &Pack) -> BTreeSet<String> {
    let names: BTreeSet<&str> = pack.variables.iter().map(|v| v.name.as_str()).collect();
    let mut read: BTreeSet<String> = BTreeSet::new();
    for rule in pack
        .rules
        .iter()
        .filter(|rule| rule.severity == Severity::Error)
    {
        for expression in rule_expressions(rule) {
            for name in &expression.variables {
                if names.contains(name.as_str()) {
                    read.insert(name.clone());
                }
            }
        }
    }
    // a variable read by one that is read: to a fixed point (variables form no cycle, and
    // each pass adds at least one name or stops)
    loop {
        let before = read.len();
        for variable in &pack.variables {
            if read.contains(&variable.name) {
                for name in &variable.expression.variables {
                    if names.contains(name.as_str()) {
                        read.insert(name.clone());
                    }
                }
            }
        }
        if read.len() == before {
            return read;
        }
    }
}

fn rule_expressions(rule: &Rule) -> impl Iterator<Item = &super::Expression> {
    let templates = [&rule.message.zh, &rule.message.en]
        .into_iter()
        .flat_map(|template| template.parts.iter())
        .filter_map(|part| match part {
            TemplatePart::Expression(expression) => Some(expression),
            TemplatePart::Literal(_) => None,
        });
    std::iter::once(&rule.assertion)
        .chain(rule.guard.as_ref())
        .chain(rule.cite.as_ref())
        .chain(templates)
}

fn variables(old: &Pack, new: &Pack, out: &mut Vec<Change>) {
    let before: BTreeMap<&str, &super::Variable> = old
        .variables
        .iter()
        .map(|variable| (variable.name.as_str(), variable))
        .collect();
    let after: BTreeMap<&str, &super::Variable> = new
        .variables
        .iter()
        .map(|variable| (variable.name.as_str(), variable))
        .collect();
    let read_by_errors = variables_read_by_errors(new);
    for (name, variable) in &before {
        match after.get(name) {
            None => out.push(change(
                "variable",
                *name,
                "removed",
                Some(variable.expression.source.clone()),
                None,
                Impact::Minor,
                "nothing reads it any more (a rule that did is compared as a rule)",
            )),
            Some(now) if now.expression.source != variable.expression.source => {
                let breaking = read_by_errors.contains(*name);
                out.push(change(
                    "variable",
                    *name,
                    "expr",
                    Some(variable.expression.source.clone()),
                    Some(now.expression.source.clone()),
                    if breaking {
                        Impact::Breaking
                    } else {
                        Impact::Minor
                    },
                    if breaking {
                        "an error rule reads it: a changed value can make it fire"
                    } else {
                        "only rules below error read it"
                    },
                ));
            }
            Some(now) if now.description != variable.description => out.push(change(
                "variable",
                *name,
                "description",
                variable.description.clone(),
                now.description.clone(),
                Impact::Patch,
                "words only",
            )),
            Some(_) => {}
        }
    }
    for (name, variable) in &after {
        if !before.contains_key(name) {
            out.push(change(
                "variable",
                *name,
                "added",
                None,
                Some(variable.expression.source.clone()),
                Impact::Minor,
                "a new variable changes nothing until a rule reads it",
            ));
        }
    }
}

/// A rule's key: its id, with its clause when several rules share the id (the loader's
/// `attestation-missing`, one per attestation clause).
fn rule_keys(pack: &Pack) -> BTreeMap<String, &Rule> {
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for rule in &pack.rules {
        *count.entry(rule.id.as_str()).or_default() += 1;
    }
    pack.rules
        .iter()
        .map(|rule| {
            let key = if count.get(rule.id.as_str()).copied().unwrap_or(0) > 1 {
                format!("{}[{}]", rule.id, rule.primary_clause())
            } else {
                rule.id.clone()
            };
            (key, rule)
        })
        .collect()
}

pub fn for_each_text(levels: &[Level]) -> String {
    levels
        .iter()
        .map(|level| {
            let mut text = String::new();
            if let Some(binding) = &level.from_binding {
                text.push_str(binding);
                text.push('.');
            }
            text.push_str(&level.path.join("."));
            text.push_str(" as ");
            text.push_str(&level.binding);
            if let Some(key) = &level.key_binding {
                text.push_str(" by ");
                text.push_str(key);
            }
            if let Some(pattern) = &level.key_pattern {
                text.push_str(&format!(" matching '{}'", pattern.as_str()));
            }
            text
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn template_text(template: &Template) -> String {
    template
        .parts
        .iter()
        .map(|part| match part {
            TemplatePart::Literal(text) => text.clone(),
            TemplatePart::Expression(expression) => format!("{{{}}}", expression.source),
        })
        .collect()
}

fn target_text(target: &Option<Target>) -> Option<String> {
    target.as_ref().map(|target| match target {
        Target::Relative(path) => path.join("."),
        Target::Absolute(pointer) => pointer.clone(),
    })
}

fn citation_text(rule: &Rule) -> String {
    match &rule.reference {
        Some(reference) => format!("{} {}", reference.standard, reference.clause),
        None => rule.clauses.join(", "),
    }
}

fn rules(old: &Pack, new: &Pack, out: &mut Vec<Change>) {
    let before = rule_keys(old);
    let after = rule_keys(new);
    for (key, rule) in &before {
        let Some(now) = after.get(key) else {
            out.push(change(
                "rule",
                key.clone(),
                "removed",
                Some(rule.severity.as_str().to_string()),
                None,
                Impact::Breaking,
                "a dossier's waiver of the rule becomes an error (waiver-invalid)",
            ));
            continue;
        };
        rule_changes(key, rule, now, out);
    }
    for (key, rule) in &after {
        if !before.contains_key(key) {
            let error = rule.severity == Severity::Error;
            out.push(change(
                "rule",
                key.clone(),
                "added",
                None,
                Some(rule.severity.as_str().to_string()),
                if error {
                    Impact::Breaking
                } else {
                    Impact::Minor
                },
                if error {
                    "a new error: a dossier that passed may now fail"
                } else {
                    "a new warning or notice: nothing that passed fails"
                },
            ));
        }
    }
}

/// The changes of one rule. What the rule decides (its expressions, iteration, target,
/// stage, dates) is breaking when the new rule is an error: whether a changed expression is
/// stricter cannot be decided from its text.
fn rule_changes(key: &str, old: &Rule, new: &Rule, out: &mut Vec<Change>) {
    let error = new.severity == Severity::Error;
    let decides = |aspect: &'static str,
                   a: Option<String>,
                   b: Option<String>,
                   out: &mut Vec<Change>| {
        if a != b {
            out.push(change(
                "rule",
                key,
                aspect,
                a,
                b,
                if error {
                    Impact::Breaking
                } else {
                    Impact::Minor
                },
                if error {
                    "an error rule decides differently: whether it is stricter cannot be told from its text"
                } else {
                    "a rule below error decides differently: nothing that passed fails"
                },
            ));
        }
    };
    if old.severity != new.severity {
        let raised_to_error = error && old.severity != Severity::Error;
        out.push(change(
            "rule",
            key,
            "severity",
            Some(old.severity.as_str().to_string()),
            Some(new.severity.as_str().to_string()),
            if raised_to_error {
                Impact::Breaking
            } else {
                Impact::Minor
            },
            if raised_to_error {
                "its findings now fail a dossier"
            } else if new.severity > old.severity {
                "raised below error: nothing that passed fails"
            } else {
                "lowered: its findings fail less"
            },
        ));
    }
    decides(
        "assert",
        Some(old.assertion.source.clone()),
        Some(new.assertion.source.clone()),
        out,
    );
    decides(
        "when",
        old.guard.as_ref().map(|guard| guard.source.clone()),
        new.guard.as_ref().map(|guard| guard.source.clone()),
        out,
    );
    decides(
        "for_each",
        Some(for_each_text(&old.for_each)).filter(|text| !text.is_empty()),
        Some(for_each_text(&new.for_each)).filter(|text| !text.is_empty()),
        out,
    );
    decides(
        "target",
        target_text(&old.target),
        target_text(&new.target),
        out,
    );
    decides(
        "cite",
        old.cite.as_ref().map(|cite| cite.source.clone()),
        new.cite.as_ref().map(|cite| cite.source.clone()),
        out,
    );
    if old.stage != new.stage {
        let earlier = new.stage.rank() < old.stage.rank();
        out.push(change(
            "rule",
            key,
            "stage",
            Some(old.stage.as_str().to_string()),
            Some(new.stage.as_str().to_string()),
            if earlier && error {
                Impact::Breaking
            } else {
                Impact::Minor
            },
            if earlier && error {
                "the error now applies to dossiers of an earlier stage"
            } else if earlier {
                "a rule below error applies earlier"
            } else {
                "the rule applies from a later stage"
            },
        ));
    }
    if old.effective_from != new.effective_from || old.effective_until != new.effective_until {
        let wider = new
            .effective_from
            .is_some_and(|from| old.effective_from.is_none_or(|before| from < before))
            || (new.effective_from.is_none() && old.effective_from.is_some())
            || (new.effective_until.is_none() && old.effective_until.is_some())
            || new
                .effective_until
                .zip(old.effective_until)
                .is_some_and(|(after, before)| after > before);
        let dates = |from: Option<chrono::NaiveDate>, until: Option<chrono::NaiveDate>| {
            format!(
                "{} – {}",
                from.map(|date| date.to_string()).unwrap_or_default(),
                until.map(|date| date.to_string()).unwrap_or_default()
            )
        };
        out.push(change(
            "rule",
            key,
            "effective",
            Some(dates(old.effective_from, old.effective_until)),
            Some(dates(new.effective_from, new.effective_until)),
            if wider && error {
                Impact::Breaking
            } else {
                Impact::Minor
            },
            if wider && error {
                "the error is in force on more dates"
            } else {
                "the rule is in force on other dates, no error on more of them"
            },
        ));
    }
    if old.format != new.format {
        out.push(change(
            "rule",
            key,
            "format",
            Some(old.format.to_string()),
            Some(new.format.to_string()),
            if old.format && error {
                Impact::Breaking
            } else {
                Impact::Minor
            },
            if old.format {
                "a failing field no longer skips the rules that read it: they may fire"
            } else {
                "a failing field now skips the rules that read it"
            },
        ));
    }
    let citation = (citation_text(old), citation_text(new));
    if citation.0 != citation.1 {
        out.push(change(
            "rule",
            key,
            "citation",
            Some(citation.0),
            Some(citation.1),
            Impact::Patch,
            "findings cite another clause; the verdict is the severity's, compared apart",
        ));
    }
    let message = (
        format!(
            "{} / {}",
            template_text(&old.message.zh),
            template_text(&old.message.en)
        ),
        format!(
            "{} / {}",
            template_text(&new.message.zh),
            template_text(&new.message.en)
        ),
    );
    if message.0 != message.1 {
        out.push(change(
            "rule",
            key,
            "message",
            Some(message.0),
            Some(message.1),
            Impact::Patch,
            "words only",
        ));
    }
    let help = |rule: &Rule| {
        rule.help
            .as_ref()
            .map(|help| format!("{} / {}", help.zh, help.en))
    };
    if help(old) != help(new) {
        out.push(change(
            "rule",
            key,
            "help",
            help(old),
            help(new),
            Impact::Patch,
            "words only",
        ));
    }
}

fn references(old: &Pack, new: &Pack, out: &mut Vec<Change>) {
    for reference in &old.references {
        match new.reference(&reference.standard) {
            None => out.push(change(
                "reference",
                reference.standard.clone(),
                "removed",
                Some(reference.title.clone()),
                None,
                Impact::Patch,
                "no rule cites it any more (a rule that did is compared as a rule)",
            )),
            Some(now) if now.title != reference.title => out.push(change(
                "reference",
                reference.standard.clone(),
                "title",
                Some(reference.title.clone()),
                Some(now.title.clone()),
                Impact::Patch,
                "words only",
            )),
            Some(_) => {}
        }
    }
    for reference in &new.references {
        if old.reference(&reference.standard).is_none() {
            out.push(change(
                "reference",
                reference.standard.clone(),
                "added",
                None,
                Some(reference.title.clone()),
                Impact::Patch,
                "a standard named changes nothing until a rule cites it",
            ));
        }
    }
}
