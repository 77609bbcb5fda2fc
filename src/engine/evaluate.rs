//! Rule evaluation over one dossier: the rules due at its stage, format rules first; an
//! evaluation that would read a malformed field is skipped and reported as such.

use std::collections::{BTreeSet, HashMap};
use std::hash::BuildHasherDefault;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use cel::common::types::CelBool;
use cel::common::value::{CowVal, Val};
use cel::context::VariableResolver;
use cel::{Context, ExecutionError, Value};
use rayon::prelude::*;

use super::budget::{metered, Spent};
use super::values::{root_value, settle, to_value, BoxedVal};
use super::{finding_at, CheckOptions, FindingText, Lang, Skip};
use crate::cel::{
    date_to_timestamp, environment, parse_date, to_cel_value, NativeScope, MAX_LIST_ELEMENTS,
    MAX_STRING_BYTES,
};
use crate::document::{escape_pointer_token, push_pointer_token, Node, NodeKind};
use crate::dossier::Dossier;
use crate::finding::{Finding, Severity, RULE_ERROR};
use crate::pack::{Expression, Level, Pack, Rule, Stage, Target, Template, TemplatePart};

/// What names resolve to during one evaluation: the bindings of the current element, the
/// pack's variables, the dossier's sections, `doc` and `as_of`. All borrowed.
struct Scope<'a, 'v> {
    /// Some name has a dot in it (a section of a schema that allows one): a dotted name must
    /// then be looked up as a whole, as `cel` tries `a.b` before `a`.
    dotted: bool,
    bindings: Vec<(&'a str, LazyBinding<'a, 'v>)>,
    /// The pack's variables, `doc`, `as_of` and the sections, by name.
    names: &'a Names<'a, 'v>,
    /// The nodes of the sections the names resolve to (for the native evaluator).
    section_nodes: Option<&'a SectionNodes<'v>>,
}

/// The dossier's sections that a name resolves to (no variable, `doc` or `as_of` of the same
/// name), by name, as nodes of the tree.
type SectionNodes<'v> = HashMap<&'v str, &'v Node, BuildHasherDefault<crate::document::WordHasher>>;

/// The [`SectionNodes`] of a dossier: its root's entries, in the order `sections` lists their
/// values, where `names` resolves the name to that same value.
fn section_nodes<'v>(
    root: &'v Node,
    sections: &[(&str, &(dyn Val + 'v))],
    names: &Names<'_, 'v>,
) -> SectionNodes<'v> {
    let mut nodes = SectionNodes::default();
    for (entry, (name, value)) in root.as_entries().unwrap_or_default().iter().zip(sections) {
        let resolved = names.get(*name).copied();
        if &*entry.key == *name
            && resolved.is_some_and(|resolved| std::ptr::addr_eq(resolved, *value))
        {
            nodes.insert(&entry.key, &entry.value);
        }
    }
    nodes
}

/// The names every evaluation of a dossier can read besides its bindings, in one table: the
/// interpreter asks for every identifier, and a scan compared it with each name in turn.
type Names<'a, 'v> =
    HashMap<&'a str, &'a (dyn Val + 'v), BuildHasherDefault<crate::document::WordHasher>>;

/// The table of [`Names`]: a variable before `doc` and `as_of` before a section, as the
/// look-up order was (the loader lets no two of them share a name).
fn names<'a, 'v>(
    variables: &'a [(String, BoxedVal<'v>)],
    sections: &'a [(&'a str, &'a (dyn Val + 'v))],
    doc: &'a (dyn Val + 'v),
    as_of: &'a (dyn Val + 'v),
) -> Names<'a, 'v> {
    let mut names = Names::default();
    for (name, value) in sections {
        names.insert(name, *value);
    }
    names.insert("doc", doc);
    names.insert("as_of", as_of);
    for (name, value) in variables {
        names.insert(name, value.as_ref());
    }
    names
}

/// A binding's value, made the first time an expression reads it (a binding that only leads to
/// an inner level, or that no expression of the rule names, costs nothing).
struct LazyBinding<'a, 'v> {
    node: &'v Node,
    /// A key or an index bound with `by`: a value of its own, not a node's.
    fixed: Option<&'a (dyn Val + 'v)>,
    made: std::sync::OnceLock<BoxedVal<'v>>,
}

impl<'v> LazyBinding<'_, 'v> {
    /// The node of the tree it stands for; `None` for a key or an index bound with `by`.
    fn tree_node(&self) -> Option<&'v Node> {
        self.fixed.is_none().then_some(self.node)
    }

    fn value(&self) -> &(dyn Val + 'v) {
        match self.fixed {
            Some(value) => value,
            None => self.made.get_or_init(|| to_value(self.node)).as_ref(),
        }
    }
}

impl<'v> Scope<'_, 'v> {
    /// The innermost binding of that name.
    fn binding(&self, name: &str) -> Option<&LazyBinding<'_, 'v>> {
        self.bindings
            .iter()
            .rev()
            .find(|(bound, _)| *bound == name)
            .map(|(_, binding)| binding)
    }

    /// What a name resolves to: a binding, else a variable, `doc`, `as_of` or a section.
    fn lookup(&self, name: &str) -> Option<&(dyn Val + 'v)> {
        match self.binding(name) {
            Some(binding) => Some(binding.value()),
            None => self.names.get(name).copied(),
        }
    }
}

impl VariableResolver for Scope<'_, '_> {
    fn resolve<'b>(&'b self, name: &str) -> Option<CowVal<'b, 'b>> {
        // `item.recognition.recognized_on` is asked for whole, then without its last segment,
        // and so on: no name of a scope has a dot unless a section does, and a dotted name is
        // then a field of a binding, read on the tree
        if name.contains('.') && !self.dotted {
            return self.binding_field(name).map(CowVal::Owned);
        }
        self.lookup(name).map(CowVal::Borrowed)
    }
}

impl<'v> Scope<'_, 'v> {
    /// `item.legal_basis.name` read on the tree: the value the interpreter would select from
    /// the binding's view one field at a time. Why: to select a field, the interpreter first
    /// asks the view whether it is an optional, and a view answers that by making the built-in
    /// map of all its entries (see `NodeMap::as_builtin`): an item of twenty fields was copied
    /// for each binding that a field was read from. Nothing where a field is missing or the
    /// binding is a key or an index: the interpreter then selects from the shorter name, as
    /// before, and gives its own error.
    fn binding_field(&self, name: &str) -> Option<BoxedVal<'v>> {
        let mut segments = name.split('.');
        let mut node = self.binding(segments.next()?)?.tree_node()?;
        for segment in segments {
            node = node.get(segment)?;
        }
        Some(to_value(node))
    }
}

enum Outcome {
    Holds,
    Fails,
    NotBoolean(String),
    Error(ExecutionError),
    /// The evaluation ran out of its budget (see `budget`).
    Exhausted,
}

/// A context for one evaluation: a scope of `root`, which holds the environment, so that an
/// evaluation does not touch the environment's shared reference count.
fn context_for<'b, 'v>(
    root: &'b Context<'static, 'static>,
    scope: &'v Scope<'_, '_>,
) -> Context<'b, 'v> {
    let mut context: Context<'b, 'v> = root.new_inner_scope();
    context.set_variable_resolver(scope);
    context
}

impl Scope<'_, '_> {
    /// The node a binding of the tree, or a section, holds (see `NativeScope::node`).
    fn node(&self, name: &str) -> Option<&Node> {
        match self.binding(name) {
            Some(binding) => binding.tree_node(),
            None => self.section_nodes?.get(name).copied(),
        }
    }

    fn value(&self, name: &str) -> Option<&dyn Val> {
        self.lookup(name)
    }

    fn dotted(&self) -> bool {
        self.dotted
    }
}

/// A scope as the native evaluator reads it: its operands left to the interpreter are
/// evaluated in one context of the scope, made for the first of them.
struct NativeReading<'s, 'a, 'v> {
    scope: &'s Scope<'a, 'v>,
    root: &'s Context<'static, 'static>,
    context: std::cell::OnceCell<Context<'s, 's>>,
}

impl NativeScope for NativeReading<'_, '_, '_> {
    fn node(&self, name: &str) -> Option<&Node> {
        self.scope.node(name)
    }

    fn value(&self, name: &str) -> Option<&dyn Val> {
        self.scope.value(name)
    }

    fn dotted(&self) -> bool {
        self.scope.dotted()
    }

    fn interpret(&self, expression: &cel::common::ast::IdedExpr) -> Option<bool> {
        let context = self
            .context
            .get_or_init(|| context_for(self.root, self.scope));
        Value::resolve_val(expression, context)
            .ok()?
            .downcast_ref::<CelBool>()
            .map(|boolean| *boolean.inner())
    }
}

fn evaluate_bool(
    expression: &Expression,
    scope: &Scope<'_, '_>,
    root: &Context<'static, 'static>,
) -> Outcome {
    // the common shapes on the tree itself; the interpreter wherever that gives no answer, in
    // the context the native evaluator made for its parts, if it made one
    let reading = NativeReading {
        scope,
        root,
        context: std::cell::OnceCell::new(),
    };
    if let Some(value) = expression
        .native
        .as_ref()
        .and_then(|native| native.evaluate(&reading))
    {
        return if value {
            Outcome::Holds
        } else {
            Outcome::Fails
        };
    }
    let context = reading
        .context
        .into_inner()
        .unwrap_or_else(|| context_for(root, scope));
    match Value::resolve_val(&expression.program, &context) {
        Ok(result) => match result.downcast_ref::<CelBool>() {
            Some(boolean) if *boolean.inner() => Outcome::Holds,
            Some(_) => Outcome::Fails,
            None => Outcome::NotBoolean(result.get_type().name().to_string()),
        },
        Err(error) => Outcome::Error(error),
    }
}

fn evaluate_value(
    expression: &Expression,
    scope: &Scope<'_, '_>,
    root: &Context<'static, 'static>,
) -> Result<Value, ExecutionError> {
    let context = context_for(root, scope);
    // as `Program::execute`, but the dossier's maps (views of the tree) convert too
    let result = Value::resolve_val(&expression.program, &context)?;
    to_cel_value(&*result)
}

/// A field that failed its format: the schema said so, or a format rule did.
struct Malformed {
    path: String,
    /// The field the pointer ends in (for a list element, the list's field).
    field: Option<String>,
    /// The dossier section it is in.
    section: Option<String>,
}

impl Malformed {
    fn new(path: String) -> Malformed {
        let tokens: Vec<String> = crate::document::pointer_tokens(&path).collect();
        Malformed {
            field: tokens
                .iter()
                .rev()
                .find(|token| token.parse::<usize>().is_err())
                .cloned(),
            section: tokens.first().cloned(),
            path,
        }
    }

    /// Evaluating `rule` at an element whose bindings are at `bindings` (name, JSON Pointer)
    /// would read this field: the element itself or an ancestor is malformed, a path the rule
    /// reads leads to it, through it or into it, or (where the place is not known, through a
    /// pack variable) a field of its name in a section the rule reads.
    fn blocks(&self, rule: &Rule, bindings: &[(&str, &str)]) -> bool {
        self.blocks_element(bindings)
            || self.blocks_paths(&rule.chains, bindings)
            || self.blocks_by_name(rule, bindings)
    }

    /// What the guard alone reads: the element, the guard's paths, the names of unknown place.
    fn blocks_guard(&self, rule: &Rule, bindings: &[(&str, &str)]) -> bool {
        self.blocks_element(bindings)
            || self.blocks_paths(&rule.guard_chains, bindings)
            || self.blocks_by_name(rule, bindings)
    }

    /// The element itself, or one of its ancestors, is malformed.
    fn blocks_element(&self, bindings: &[(&str, &str)]) -> bool {
        bindings
            .iter()
            .any(|(_, path)| *path == self.path || pointer_under(&self.path, path))
    }

    fn blocks_paths(&self, chains: &[crate::pack::ReadChain], bindings: &[(&str, &str)]) -> bool {
        for chain in chains {
            let mut pointer = match bindings.iter().rev().find(|(name, _)| *name == chain.root) {
                Some((_, path)) => path.to_string(),
                None if chain.root == "doc" => String::new(),
                None => format!("/{}", escape_pointer_token(&chain.root)),
            };
            for field in &chain.fields {
                pointer.push('/');
                push_pointer_token(&mut pointer, field);
            }
            // a malformed value on the way makes the selection fail; reading the value (not
            // only whether it is there) reads it, and all below it
            let relation = pointer_relation(&pointer, &self.path);
            if relation == Relation::Below
                || (!chain.presence_only && matches!(relation, Relation::Same | Relation::Above))
            {
                return true;
            }
        }
        false
    }

    /// A field of this name, where the rule reads it without its place being known (through a
    /// pack variable, an index), in a section the rule reads.
    fn blocks_by_name(&self, rule: &Rule, bindings: &[(&str, &str)]) -> bool {
        let Some(field) = &self.field else {
            return false;
        };
        rule.fields_read.contains(field)
            && (bindings.is_empty() || rule.reads_across_elements)
            && self
                .section
                .as_deref()
                .is_some_and(|section| rule.reads_section(section))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Relation {
    /// The read path leads to the malformed field.
    Same,
    /// The read path is an ancestor of the malformed field (it reads all below it).
    Above,
    /// The read path goes through the malformed field (its ancestor is malformed).
    Below,
    Apart,
}

/// How a read path (whose `*` tokens match any one token) stands to a malformed field.
fn pointer_relation(read: &str, malformed: &str) -> Relation {
    let read_tokens: Vec<&str> = read.split('/').skip(1).collect();
    let malformed_tokens: Vec<&str> = malformed.split('/').skip(1).collect();
    let common = read_tokens.len().min(malformed_tokens.len());
    let agree = read_tokens
        .iter()
        .zip(&malformed_tokens)
        .take(common)
        .all(|(read, malformed)| *read == crate::pack::READ_ANY_ELEMENT || read == malformed);
    if !agree {
        return Relation::Apart;
    }
    match read_tokens.len().cmp(&malformed_tokens.len()) {
        std::cmp::Ordering::Equal => Relation::Same,
        std::cmp::Ordering::Less => Relation::Above,
        std::cmp::Ordering::Greater => Relation::Below,
    }
}

/// The date a dossier is judged by: `--as-of`, else its `submitted_on`, else today.
fn judged_on(dossier: &Dossier, options: &CheckOptions) -> chrono::NaiveDate {
    options
        .as_of
        .or_else(|| {
            dossier
                .root
                .get("dossier")
                .and_then(|meta| meta.get("submitted_on"))
                .and_then(Node::as_str)
                .and_then(parse_date)
        })
        .unwrap_or(options.today)
}

/// `inner` is a JSON Pointer strictly below `outer`.
fn pointer_under(outer: &str, inner: &str) -> bool {
    inner.len() > outer.len()
        && inner.starts_with(outer)
        && inner.as_bytes().get(outer.len()) == Some(&b'/')
}

/// Evaluates the pack's variables and rules; returns how many findings were dropped past
/// [`super::Limits::max_findings`].
pub fn evaluate(
    pack: &Pack,
    dossier: &Dossier,
    options: &CheckOptions,
    stage: Stage,
    malformed: Vec<String>,
    findings: &mut Vec<Finding>,
    skipped: &mut Vec<Skip>,
) -> super::NotShown {
    let as_of_date = judged_on(dossier, options);
    let as_of: Box<dyn Val> = match Value::Timestamp(date_to_timestamp(as_of_date)).try_into() {
        Ok(value) => value,
        Err(_) => return super::NotShown::default(),
    };
    let doc = root_value(&dossier.root);
    let sections: Vec<(&str, &dyn Val)> = doc.sections().collect();

    if !pack.in_force(as_of_date) {
        let message = match options.lang {
            Lang::Zh => format!(
                "规则包 {} {} 在 {as_of_date} 不在有效期内（{} 起）",
                pack.manifest.id, pack.manifest.version, pack.manifest.effective_from
            ),
            Lang::En => format!(
                "the pack {} {} is not in force on {as_of_date} (from {})",
                pack.manifest.id, pack.manifest.version, pack.manifest.effective_from
            ),
        };
        findings.push(finding_at(
            dossier,
            FindingText {
                rule: "pack-not-in-force",
                failed_rule: None,
                clause: None,
                reference: None,
                severity: Severity::Warning,
                message,
                label: options
                    .lang
                    .pick("判定日期", "the date judged by")
                    .to_string(),
                help: None,
            },
            "/dossier/submitted_on".to_string(),
            options.lang,
            &pack.field_titles,
        ));
    }

    // the variables are evaluated in a context that holds the names they read as its own
    // variables, so that a value they return can keep borrowing the tree
    // (only the sections some variable reads: a copy of `items` is a pointer per item)
    let read: BTreeSet<&str> = pack
        .variables
        .iter()
        .flat_map(|variable| variable.expression.variables.iter().map(String::as_str))
        .collect();
    let mut variable_context = Context::with_env(environment());
    variable_context.add_variable_as_val("doc", doc.clone_as_boxed());
    variable_context.add_variable_as_val("as_of", as_of.clone_as_boxed());
    for (name, value) in &sections {
        if read.contains(name) {
            variable_context.add_variable_as_val(*name, value.clone_as_boxed());
        }
    }
    let budget = DossierBudget::new(options);
    let computed = compute_variables(pack, &mut variable_context, options);
    // each variable's steps are taken from the dossier's in the pack's order, so that what a
    // rule-error says of an exhausted budget (the evaluation's or the dossier's) is what the
    // budget was right after that variable
    let mut variables: Vec<(String, BoxedVal<'_>)> = Vec::with_capacity(pack.variables.len());
    let mut failed_variables: BTreeSet<&str> = BTreeSet::new();
    for (variable, computed) in pack.variables.iter().zip(computed) {
        let Some((converted, spent)) = computed else {
            // it reads a variable that failed
            failed_variables.insert(&variable.name);
            continue;
        };
        budget.take(spent.steps);
        match converted {
            Ok(value) => variables.push((variable.name.clone(), value)),
            Err(failure) => {
                failed_variables.insert(&variable.name);
                let reason = match failure {
                    Failure::Error(error) => explain_error(&error, options.lang),
                    Failure::Budget => budget.exhausted_reason(options.lang),
                    Failure::TooLarge(size) => too_large(size, options.lang),
                };
                let message = match options.lang {
                    Lang::Zh => format!("规则包变量 `{}` 无法求值：{reason}", variable.name),
                    Lang::En => format!(
                        "the pack variable `{}` could not be evaluated: {reason}",
                        variable.name
                    ),
                };
                findings.push(finding_at(
                    dossier,
                    FindingText {
                        rule: RULE_ERROR,
                        failed_rule: Some(variable.name.clone()),
                        clause: None,
                        reference: None,
                        severity: Severity::Error,
                        message,
                        label: options
                            .lang
                            .pick("无法求值", "could not be evaluated")
                            .to_string(),
                        help: None,
                    },
                    String::new(),
                    options.lang,
                    &pack.field_titles,
                ));
            }
        }
    }

    let names = names(&variables, &sections, &doc, as_of.as_ref());
    let section_nodes = section_nodes(&dossier.root, &sections, &names);
    let context = RuleContext {
        dotted: sections.iter().any(|(name, _)| name.contains('.')),
        titles: &pack.field_titles,
        field_names: (options.lang == Lang::Zh
            && dossier.keys == crate::dossier::KeyStyle::Aliased)
            .then_some(&pack.field_names),
        dossier,
        options,
        names: &names,
        section_nodes: &section_nodes,
        budget: &budget,
        not_shown: std::sync::Mutex::new(super::NotShown::default()),
    };
    // the rules due: in force on the date, due at the dossier's stage (an act of the center
    // still to come is not the department's error), and not reading a failed variable
    let due: Vec<&Rule> = pack
        .rules
        .iter()
        .filter(|rule| rule.in_force(as_of_date) && stage.reaches(rule.stage))
        .filter(|rule| !rule_reads(rule).any(|name| failed_variables.contains(name)))
        .collect();
    let (format_rules, other_rules): (Vec<&Rule>, Vec<&Rule>) =
        due.into_iter().partition(|rule| rule.format);
    let mut malformed: Vec<Malformed> = malformed.into_iter().map(Malformed::new).collect();
    let run = |rules: &[&'_ Rule], malformed: &[Malformed]| -> (Vec<Finding>, Vec<Skip>) {
        rules
            .par_iter()
            .map(|rule| context.run_rule(rule, malformed))
            .reduce(
                || (Vec::new(), Vec::new()),
                |mut all, (findings, skipped)| {
                    all.0.extend(findings);
                    all.1.extend(skipped);
                    all
                },
            )
    };
    // format rules first: what they find malformed, the other rules do not read
    let (format_findings, format_skipped) = run(&format_rules, &malformed);
    malformed.extend(
        format_findings
            .iter()
            .filter(|finding| finding.rule != RULE_ERROR)
            .map(|finding| Malformed::new(finding.path.clone())),
    );
    let (rule_findings, rule_skipped) = run(&other_rules, &malformed);
    findings.extend(format_findings);
    findings.extend(rule_findings);
    skipped.extend(format_skipped);
    skipped.extend(rule_skipped);
    context
        .not_shown
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Why a pack variable has no value.
enum Failure {
    Error(ExecutionError),
    Budget,
    /// A string of that many bytes or a list of that many elements.
    TooLarge(usize),
}

/// A variable's value (or why it has none) and the steps it took; `None` for a variable not
/// evaluated because it reads one that failed.
type Computed<'v> = Option<(Result<BoxedVal<'v>, Failure>, Spent)>;

/// The pack's variables, evaluated level by level when the dossier's budget allows: those of
/// a level read only variables of the levels before it, and are evaluated at once on the pool
/// (W1's five comprehensions over the items took 6 ms on one core).
///
/// In the pack's order, each variable may take what the ones before it left of the dossier's
/// budget, at most `max_cost`. When the variables together could not run the dossier's budget
/// out (each taking `max_cost`), each has `max_cost` in whatever order they are evaluated, so
/// the levels give what the pack's order gives, and their work stays within the budget.
/// Otherwise they are evaluated one by one in the pack's order, as before the levels: the one
/// that runs the budget out, and the ones then left without steps, are the same.
fn compute_variables<'v>(
    pack: &Pack,
    context: &mut Context<'_, 'v>,
    options: &CheckOptions,
) -> Vec<Computed<'v>> {
    let limits = options.limits;
    let count = pack.variables.len();
    let at_once = u64::try_from(count)
        .map(|count| count.saturating_mul(limits.max_cost) <= limits.max_dossier_cost)
        .unwrap_or(false);
    let reads = variable_reads(pack);
    let levels = if at_once {
        variable_levels(&reads)
    } else {
        (0..count).map(|index| vec![index]).collect()
    };
    let mut computed: Vec<Computed<'v>> = Vec::with_capacity(count);
    computed.resize_with(count, || None);
    let mut spent = 0u64;
    for level in levels {
        let limit = limits
            .max_dossier_cost
            .saturating_sub(spent)
            .min(limits.max_cost);
        // a variable reading one that failed is not evaluated
        let due: Vec<usize> = level
            .into_iter()
            .filter(|&index| {
                reads[index]
                    .iter()
                    .all(|&read| matches!(computed[read], Some((Ok(_), _))))
            })
            .collect();
        let shared: &Context<'_, 'v> = context;
        let results: Vec<(usize, Result<BoxedVal<'v>, Failure>, Spent)> = due
            .par_iter()
            .map(|&index| {
                let expression = &pack.variables[index].expression;
                let (converted, spent) = metered(limit, || {
                    Value::resolve_val(&expression.program, shared)
                        .and_then(|value| settle(&*value))
                });
                let converted = match converted {
                    _ if spent.exhausted => Err(Failure::Budget),
                    Ok(value) => match oversized(&*value) {
                        Some(size) => Err(Failure::TooLarge(size)),
                        None => Ok(value),
                    },
                    Err(error) => Err(Failure::Error(error)),
                };
                (index, converted, spent)
            })
            .collect();
        for (index, converted, steps) in results {
            spent = spent.saturating_add(steps.steps);
            if let Ok(value) = &converted {
                context.add_variable_as_val(&pack.variables[index].name, value.clone_as_boxed());
            }
            computed[index] = Some((converted, steps));
        }
    }
    computed
}

/// The variables each variable reads, by position: only those before it, as a name resolves
/// to a variable only once that variable is defined.
fn variable_reads(pack: &Pack) -> Vec<Vec<usize>> {
    let mut positions: HashMap<&str, usize> = HashMap::new();
    let mut reads = Vec::with_capacity(pack.variables.len());
    for (index, variable) in pack.variables.iter().enumerate() {
        reads.push(
            variable
                .expression
                .variables
                .iter()
                .filter_map(|name| positions.get(name.as_str()).copied())
                .collect::<Vec<usize>>(),
        );
        positions.insert(&variable.name, index);
    }
    reads
}

/// The variables by level, each level in the pack's order: a variable reading no variable is
/// of level 0, one reading variables of levels up to n of level n + 1.
fn variable_levels(reads: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut level_of: Vec<usize> = Vec::with_capacity(reads.len());
    let mut levels: Vec<Vec<usize>> = Vec::new();
    for (index, read) in reads.iter().enumerate() {
        let level = read
            .iter()
            .map(|&read| level_of[read] + 1)
            .max()
            .unwrap_or(0);
        level_of.push(level);
        if levels.len() <= level {
            levels.resize_with(level + 1, Vec::new);
        }
        levels[level].push(index);
    }
    levels
}

/// The size of a value past the limits, if it is.
fn oversized(value: &dyn Val) -> Option<usize> {
    if let Some(text) = value.downcast_ref::<cel::common::types::CelString>() {
        let length = text.inner().len();
        return (length > MAX_STRING_BYTES).then_some(length);
    }
    if let Some(list) = value.downcast_ref::<cel::common::types::CelList>() {
        let length = list.inner().len();
        return (length > MAX_LIST_ELEMENTS).then_some(length);
    }
    None
}

fn too_large(size: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "结果过大（{size}，上限为 {MAX_STRING_BYTES} 字节的字符串或 {MAX_LIST_ELEMENTS} 个元素的列表）"
        ),
        Lang::En => format!(
            "the result is too large ({size}; at most a string of {MAX_STRING_BYTES} bytes or a list of {MAX_LIST_ELEMENTS} elements)"
        ),
    }
}

/// The steps left to a dossier's evaluations, shared by the threads that run its rules.
struct DossierBudget {
    remaining: AtomicU64,
    limits: super::Limits,
}

impl DossierBudget {
    fn new(options: &CheckOptions) -> Self {
        DossierBudget {
            remaining: AtomicU64::new(options.limits.max_dossier_cost),
            limits: options.limits,
        }
    }

    /// Runs one evaluation with the steps it may take, and takes what it spent from the
    /// dossier's.
    fn run<R>(&self, evaluation: impl FnOnce() -> R) -> (R, Spent) {
        let available = self
            .remaining
            .load(Ordering::Relaxed)
            .min(self.limits.max_cost);
        let (result, spent) = metered(available, evaluation);
        self.take(spent.steps);
        (result, spent)
    }

    /// Takes the steps an evaluation spent from the dossier's.
    fn take(&self, steps: u64) {
        let _ = self
            .remaining
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                Some(left.saturating_sub(steps))
            });
    }

    /// What a rule-error says of an exhausted budget: the evaluation's, or the dossier's when
    /// that is what ran out.
    fn exhausted_reason(&self, lang: Lang) -> String {
        let dossier_out = self.remaining.load(Ordering::Relaxed) < self.limits.max_cost;
        match (lang, dossier_out) {
            (Lang::Zh, false) => format!(
                "求值预算已用尽（budget exhausted）：一次求值超过 {} 步（见 --max-cost）",
                self.limits.max_cost
            ),
            (Lang::Zh, true) => format!(
                "求值预算已用尽（budget exhausted）：这份申报材料的求值超过 {} 步（见 --max-dossier-cost）",
                self.limits.max_dossier_cost
            ),
            (Lang::En, false) => format!(
                "budget exhausted: one evaluation took more than {} steps (see --max-cost)",
                self.limits.max_cost
            ),
            (Lang::En, true) => format!(
                "budget exhausted: the dossier's evaluations took more than {} steps (see --max-dossier-cost)",
                self.limits.max_dossier_cost
            ),
        }
    }
}

fn rule_reads(rule: &Rule) -> impl Iterator<Item = &str> {
    rule.guard
        .iter()
        .chain(std::iter::once(&rule.assertion))
        .flat_map(|expression| expression.variables.iter().map(String::as_str))
}

/// One element a rule is evaluated for: its bindings (name, node, the node as a CEL value) and
/// the JSON Pointer of the innermost.
#[derive(Clone)]
struct Element<'a> {
    /// Shared, so that the inner levels copy a pointer: a list bound by an outer level (a
    /// section's values, `department as record`) would be copied for each of its elements.
    /// The value is set for a key bound with `by`; a node's value is made when it is read.
    bindings: Vec<ElementBinding<'a>>,
}

/// A binding of an element: its name, its node, the value of a key bound with `by`, and the
/// JSON Pointer of the node.
type ElementBinding<'a> = (&'a str, &'a Node, Option<Arc<dyn Val + 'a>>, Pointer<'a>);

/// The JSON Pointer of an element, written out only when asked for (a finding, a skip, a
/// malformed field nearby): the pointer of the collection, shared by its elements, and the
/// element's index or key. Made as a string for each of 500,000 evaluations, it was a tenth of
/// a check of 100,000 items.
#[derive(Clone)]
struct Pointer<'a> {
    parent: Arc<str>,
    last: Segment<'a>,
}

#[derive(Clone, Copy)]
enum Segment<'a> {
    Index(usize),
    Key(&'a str),
}

impl Pointer<'_> {
    fn text(&self) -> String {
        let mut text = String::with_capacity(self.parent.len() + 24);
        text.push_str(&self.parent);
        text.push('/');
        match self.last {
            Segment::Index(position) => {
                use std::fmt::Write;
                let _ = write!(text, "{position}");
            }
            Segment::Key(key) => push_pointer_token(&mut text, key),
        }
        text
    }
}

struct RuleContext<'a, 'v> {
    /// See [`Scope::dotted`].
    dotted: bool,
    /// The schema's field titles, for the label of a missing field.
    titles: &'a std::collections::BTreeMap<String, String>,
    /// Set for a dossier written with Chinese keys, checked in Chinese: help texts name its
    /// fields by their titles (`pack::field_names`).
    field_names: Option<&'a crate::pack::field_names::FieldNames>,
    dossier: &'a Dossier,
    options: &'a CheckOptions,
    names: &'a Names<'a, 'v>,
    section_nodes: &'a SectionNodes<'v>,
    budget: &'a DossierBudget,
    /// Findings dropped past the cap of a dossier (see `run_rule`).
    not_shown: std::sync::Mutex<super::NotShown>,
}

impl<'a, 'v> RuleContext<'a, 'v> {
    fn scope<'e>(&self, element: &'e Element<'a>) -> Scope<'e, 'v>
    where
        'a: 'e,
        'a: 'v,
    {
        Scope {
            dotted: self.dotted,
            bindings: element
                .bindings
                .iter()
                .map(|(name, node, value, _)| {
                    let binding = LazyBinding {
                        node,
                        fixed: value
                            .as_ref()
                            .map(|value| value.as_ref() as &(dyn Val + 'v)),
                        made: std::sync::OnceLock::new(),
                    };
                    (*name, binding)
                })
                .collect(),
            names: self.names,
            section_nodes: Some(self.section_nodes),
        }
    }

    /// The rule for every element of its `for_each`. A rule with many elements is split into
    /// chunks that run in parallel: a few rules over every item would otherwise leave one core
    /// idle at the end of a large dossier. An element where the rule would read a malformed
    /// field is skipped, and the skip returned.
    fn run_rule(&self, rule: &'a Rule, malformed: &[Malformed]) -> (Vec<Finding>, Vec<Skip>)
    where
        'a: 'v,
    {
        let relevant: Vec<&Malformed> = malformed.iter().collect();
        let skips = std::sync::Mutex::new(Vec::new());
        // true: the element is not evaluated (a skip is recorded, unless the guard, which reads
        // nothing malformed, says the rule does not apply there)
        let blocked = |element: &Element<'a>, root: &Context<'static, 'static>| -> bool {
            if relevant.is_empty() {
                return false;
            }
            let paths: Vec<String> = element
                .bindings
                .iter()
                .map(|(_, _, _, pointer)| pointer.text())
                .collect();
            let path = paths.last().map(String::as_str).unwrap_or_default();
            let bindings: Vec<(&str, &str)> = element
                .bindings
                .iter()
                .zip(&paths)
                .map(|((name, ..), path)| (*name, path.as_str()))
                .collect();
            let Some(first) = relevant
                .iter()
                .find(|malformed| malformed.blocks(rule, &bindings))
            else {
                return false;
            };
            let because = match relevant
                .iter()
                .find(|malformed| malformed.blocks_guard(rule, &bindings))
            {
                Some(malformed) => Some(*malformed),
                None => {
                    // only the assertion (or the citation) reads a malformed field: where the
                    // guard does not hold the rule does not apply, and nothing is lost
                    let applies = rule.guard.as_ref().is_none_or(|guard| {
                        !matches!(
                            self.evaluate_bool(guard, &self.scope(element), root),
                            Outcome::Fails
                        )
                    });
                    applies.then_some(*first)
                }
            };
            match because {
                Some(malformed) => {
                    if let Ok(mut skips) = skips.lock() {
                        skips.push(Skip {
                            rule: rule.id.clone(),
                            path: path.to_string(),
                            because: malformed.path.clone(),
                        });
                    }
                    true
                }
                None => true,
            }
        };
        const CHUNK: usize = 64;
        // the elements are taken a batch at a time, so that a rule over every value of every
        // item of a large dossier does not hold them all
        const BATCH: usize = 16 * CHUNK;
        let run_chunk = |chunk: &[Element<'a>]| {
            let root = Context::with_env(environment());
            let mut findings = Vec::new();
            for element in chunk {
                if !blocked(element, &root) {
                    self.run_element(rule, element, &root, &mut findings);
                }
            }
            findings
        };
        // a rule keeps at most the dossier's cap of findings, the first in document order (the
        // chunks keep their order): a million failing elements do not make a million findings
        let cap = self.options.limits.max_findings;
        let run_batch = |batch: &[Element<'a>], findings: &mut Vec<Finding>| {
            if batch.len() <= CHUNK {
                findings.extend(run_chunk(batch));
            } else {
                findings.par_extend(batch.par_chunks(CHUNK).flat_map_iter(run_chunk));
            }
            if findings.len() > cap {
                let mut dropped = super::NotShown::default();
                dropped.cap(findings, cap);
                if let Ok(mut not_shown) = self.not_shown.lock() {
                    not_shown.merge(dropped);
                }
            }
        };
        let mut findings = Vec::new();
        let mut batch = Vec::new();
        self.expand(
            &rule.for_each,
            Element {
                bindings: Vec::new(),
            },
            &mut |element| {
                batch.push(element);
                if batch.len() == BATCH {
                    run_batch(&batch, &mut findings);
                    batch.clear();
                }
            },
        );
        run_batch(&batch, &mut findings);
        (findings, skips.into_inner().unwrap_or_default())
    }

    /// The guard, then the assertion, for one element.
    fn run_element(
        &self,
        rule: &'a Rule,
        element: &Element<'a>,
        root: &Context<'static, 'static>,
        findings: &mut Vec<Finding>,
    ) where
        'a: 'v,
    {
        {
            let scope = self.scope(element);
            // written out only for a finding
            let element_path = || {
                element
                    .bindings
                    .last()
                    .map(|(_, _, _, pointer)| pointer.text())
                    .unwrap_or_default()
            };
            if let Some(guard) = &rule.guard {
                match self.evaluate_bool(guard, &scope, root) {
                    Outcome::Holds => {}
                    Outcome::Fails => return,
                    Outcome::NotBoolean(kind) => {
                        findings.push(self.rule_error(
                            rule,
                            &element_path(),
                            not_boolean(kind, "when", self.options.lang),
                        ));
                        return;
                    }
                    Outcome::Error(error) => {
                        findings.push(self.rule_error(
                            rule,
                            &element_path(),
                            explain_error(&error, self.options.lang),
                        ));
                        return;
                    }
                    Outcome::Exhausted => {
                        findings.push(self.rule_error(
                            rule,
                            &element_path(),
                            self.budget.exhausted_reason(self.options.lang),
                        ));
                        return;
                    }
                }
            }
            match self.evaluate_bool(&rule.assertion, &scope, root) {
                Outcome::Holds => {}
                Outcome::Fails => {
                    findings.push(self.violation(rule, &scope, &element_path(), root))
                }
                Outcome::NotBoolean(kind) => findings.push(self.rule_error(
                    rule,
                    &element_path(),
                    not_boolean(kind, "assert", self.options.lang),
                )),
                Outcome::Error(error) => findings.push(self.rule_error(
                    rule,
                    &element_path(),
                    explain_error(&error, self.options.lang),
                )),
                Outcome::Exhausted => findings.push(self.rule_error(
                    rule,
                    &element_path(),
                    self.budget.exhausted_reason(self.options.lang),
                )),
            }
        }
    }

    /// A guard or an assertion within the budget: an evaluation that ran out of steps has no
    /// result (its iterations were cut short), whatever it returned.
    fn evaluate_bool(
        &self,
        expression: &Expression,
        scope: &Scope<'_, '_>,
        root: &Context<'static, 'static>,
    ) -> Outcome {
        let (outcome, spent) = self.budget.run(|| evaluate_bool(expression, scope, root));
        if spent.exhausted {
            Outcome::Exhausted
        } else {
            outcome
        }
    }

    /// Every element of the rule's `for_each`, outermost level first, in document order (its
    /// values are views of the tree, made per element and dropped after the rule).
    fn expand(&self, levels: &'a [Level], element: Element<'a>, out: &mut dyn FnMut(Element<'a>)) {
        let Some((level, rest)) = levels.split_first() else {
            out(element);
            return;
        };
        let (mut node, mut path): (&'a Node, String) = match &level.from_binding {
            Some(name) => match element
                .bindings
                .iter()
                .rev()
                .find(|(bound, ..)| bound == name)
            {
                Some((_, node, _, pointer)) => (*node, pointer.text()),
                None => return,
            },
            None => (&self.dossier.root, String::new()),
        };
        for segment in &level.path {
            // a path through a list or a scalar has no elements, as a map key of the CEL value
            let Some(next_node) = node.get(segment) else {
                return;
            };
            node = next_node;
            path.push('/');
            push_pointer_token(&mut path, segment);
        }
        // when the next level iterates this element (`item as record, record as value`), a
        // scalar element has nothing to iterate: it is skipped before anything is made for it
        let inner_starts_here = rest
            .first()
            .is_some_and(|next| next.from_binding.as_deref() == Some(level.binding.as_str()));
        let leads_nowhere = |child: &Node| inner_starts_here && !child.is_collection();
        // the collection's pointer, shared by the pointers of its elements
        let parent: Arc<str> = Arc::from(path);
        let mut each = |child: &'a Node, last: Segment<'a>| {
            let pointer = Pointer {
                parent: Arc::clone(&parent),
                last,
            };
            // made at its final length: pushed onto a copy of the element's, the binding took
            // the vector's growth path for each element of each rule and left room for four
            let mut bindings = Vec::with_capacity(
                element.bindings.len() + 1 + usize::from(level.key_binding.is_some()),
            );
            bindings.extend(element.bindings.iter().cloned());
            if let Some(key_binding) = &level.key_binding {
                // the key (made only for a level that binds it with `by`) has no node of its
                // own: it shares the element's, which a later level never starts from (`by`
                // names a string or an index, not a collection)
                let key = match last {
                    Segment::Index(position) => Value::Int(position as i64),
                    Segment::Key(key) => Value::String(Arc::new(key.to_string())),
                };
                if let Ok(key) = BoxedVal::try_from(key) {
                    bindings.push((key_binding, child, Some(Arc::from(key)), pointer.clone()));
                }
            }
            bindings.push((&level.binding, child, None, pointer));
            self.expand(rest, Element { bindings }, out);
        };
        match &node.kind {
            // a key pattern matches mapping keys: a list's elements have none
            NodeKind::Seq(_) if level.key_pattern.is_some() => {}
            NodeKind::Seq(items) => {
                for (position, item) in items.iter().enumerate() {
                    if leads_nowhere(item) {
                        continue;
                    }
                    each(item, Segment::Index(position));
                }
            }
            NodeKind::Map(entries) => {
                for entry in entries {
                    let excluded = level
                        .key_pattern
                        .as_ref()
                        .is_some_and(|pattern| !pattern.is_match(&entry.key));
                    if excluded || leads_nowhere(&entry.value) {
                        continue;
                    }
                    each(&entry.value, Segment::Key(&entry.key));
                }
            }
            _ => {}
        }
    }

    fn target_path(&self, rule: &Rule, element_path: &str) -> String {
        match &rule.target {
            None => element_path.to_string(),
            Some(Target::Absolute(pointer)) => pointer.clone(),
            Some(Target::Relative(segments)) => {
                let mut path = element_path.to_string();
                for segment in segments {
                    path.push('/');
                    push_pointer_token(&mut path, segment);
                }
                path
            }
        }
    }

    fn violation(
        &self,
        rule: &Rule,
        scope: &Scope<'_, '_>,
        element_path: &str,
        root: &Context<'static, 'static>,
    ) -> Finding {
        let lang = self.options.lang;
        let template = match lang {
            Lang::Zh => &rule.message.zh,
            Lang::En => &rule.message.en,
        };
        let message = render(template, scope, root, self.budget, lang);
        let clause = match &rule.cite {
            Some(cite) => match evaluate_value(cite, scope, root) {
                Ok(Value::String(number)) if rule.clauses.iter().any(|c| **c == *number) => {
                    number.to_string()
                }
                Ok(other) => {
                    let mut shown = String::new();
                    display(&other, &mut shown);
                    let reason = match lang {
                        Lang::Zh => format!("`cite` 给出「{shown}」，不是该规则引用的条款"),
                        Lang::En => format!("`cite` gave '{shown}', not a clause the rule cites"),
                    };
                    return self.rule_error(rule, element_path, reason);
                }
                Err(error) => {
                    return self.rule_error(rule, element_path, explain_error(&error, lang))
                }
            },
            None => rule.primary_clause().to_string(),
        };
        let label = match (&rule.reference, lang) {
            (Some(reference), Lang::Zh) => {
                format!("不符合 {} {}", reference.standard, reference.clause)
            }
            (Some(reference), Lang::En) => {
                format!("does not meet {} {}", reference.standard, reference.clause)
            }
            (None, Lang::Zh) => format!("不符合条款 {clause}"),
            (None, Lang::En) => format!("does not meet clause {clause}"),
        };
        let path = self.target_path(rule, element_path);
        let help = rule.help.as_ref().map(|help| {
            let help = lang.pick(&help.zh, &help.en);
            match self.field_names {
                Some(names) => names.rewrite(help, &path),
                None => help.to_string(),
            }
        });
        finding_at(
            self.dossier,
            FindingText {
                rule: &rule.id,
                failed_rule: None,
                clause: rule.reference.is_none().then_some(clause),
                reference: rule.reference.clone(),
                severity: rule.severity,
                message,
                label,
                help,
            },
            path,
            lang,
            self.titles,
        )
    }

    fn rule_error(&self, rule: &Rule, element_path: &str, reason: String) -> Finding {
        let lang = self.options.lang;
        let message = match lang {
            Lang::Zh => format!("规则 {} 无法在此求值：{reason}", rule.id),
            Lang::En => format!("the rule {} could not be evaluated here: {reason}", rule.id),
        };
        finding_at(
            self.dossier,
            FindingText {
                rule: RULE_ERROR,
                failed_rule: Some(rule.id.clone()),
                clause: rule
                    .reference
                    .is_none()
                    .then(|| rule.primary_clause().to_string()),
                reference: rule.reference.clone(),
                severity: Severity::Error,
                message,
                label: lang.pick("求值出错", "evaluation failed").to_string(),
                help: Some(
                    lang.pick(
                        "这通常是缺少规则所需的字段或类型不符；若数据无误，请向规则包维护者报告。",
                        "usually a field the rule needs is missing or of another type; if the data is right, report it to the pack's maintainers.",
                    )
                    .to_string(),
                ),
            },
            element_path.to_string(),
            lang,
            self.titles,
        )
    }
}

fn not_boolean(kind: String, field: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("`{field}` 的结果是 {kind}，不是布尔值"),
        Lang::En => format!("`{field}` gave a {kind}, not a boolean"),
    }
}

fn explain_error(error: &ExecutionError, lang: Lang) -> String {
    match (error, lang) {
        (ExecutionError::NoSuchKey(key), Lang::Zh) => format!("缺少字段 `{key}`"),
        (ExecutionError::NoSuchKey(key), Lang::En) => format!("no field `{key}`"),
        (ExecutionError::UndeclaredReference(name), Lang::Zh) => format!("申报材料中没有 `{name}`"),
        (ExecutionError::UndeclaredReference(name), Lang::En) => {
            format!("the dossier has no `{name}`")
        }
        (other, _) => other.to_string(),
    }
}

/// A message with its `{…}` parts evaluated. A part that cannot be evaluated shows as `?`.
/// A value quoted in a message is cut to this many characters, with its length.
const QUOTED_CHARS: usize = crate::sanitize::MAX_VALUE_CHARS;

fn render(
    template: &Template,
    scope: &Scope<'_, '_>,
    root: &Context<'static, 'static>,
    budget: &DossierBudget,
    lang: Lang,
) -> String {
    let mut text = String::new();
    for part in &template.parts {
        match part {
            TemplatePart::Literal(literal) => text.push_str(literal),
            TemplatePart::Expression(expression) => {
                match budget.run(|| evaluate_value(expression, scope, root)) {
                    (Ok(value), spent) if !spent.exhausted => {
                        let mut shown = String::new();
                        display(&value, &mut shown);
                        let note_lang = match lang {
                            Lang::Zh => crate::sanitize::NoteLang::Zh,
                            Lang::En => crate::sanitize::NoteLang::En,
                        };
                        text.push_str(&crate::sanitize::truncate_value(
                            &shown,
                            QUOTED_CHARS,
                            note_lang,
                        ));
                    }
                    _ => text.push('?'),
                }
            }
        }
    }
    text
}

fn display(value: &Value, out: &mut String) {
    use std::fmt::Write;
    match value {
        Value::String(text) => out.push_str(text),
        Value::Int(number) => {
            let _ = write!(out, "{number}");
        }
        Value::UInt(number) => {
            let _ = write!(out, "{number}");
        }
        Value::Float(number) => {
            let _ = write!(out, "{number}");
        }
        Value::Bool(boolean) => out.push_str(if *boolean { "true" } else { "false" }),
        Value::Null => out.push_str("null"),
        Value::Timestamp(timestamp) => {
            if timestamp.time() == chrono::NaiveTime::MIN {
                let _ = write!(out, "{}", timestamp.date_naive());
            } else {
                let _ = write!(out, "{}", timestamp.to_rfc3339());
            }
        }
        Value::List(items) => {
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push('、');
                }
                display(item, out);
            }
        }
        Value::Map(map) => {
            // keys sorted: a map's order must not reach a message
            let mut entries: Vec<(String, &Value)> = map
                .map
                .iter()
                .map(|(key, value)| {
                    let key = match key {
                        cel::objects::Key::String(text) => text.to_string(),
                        cel::objects::Key::Int(number) => number.to_string(),
                        cel::objects::Key::Uint(number) => number.to_string(),
                        cel::objects::Key::Bool(boolean) => boolean.to_string(),
                    };
                    (key, value)
                })
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            out.push('{');
            for (index, (key, value)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                out.push_str(&key);
                out.push_str(": ");
                display(value, out);
            }
            out.push('}');
        }
        other => {
            let _ = write!(out, "{other:?}");
        }
    }
}

/// Why one expression has no value (`guifan eval`).
#[derive(Debug)]
pub enum ExpressionFailure {
    /// The expression itself failed.
    Error(ExecutionError),
    /// The evaluation ran out of its budget; the text says which.
    Budget(String),
    /// A pack variable the expression reads has no value for this dossier.
    Variable { name: String, reason: String },
}

/// Evaluates one compiled expression over a dossier as a rule's assertion is evaluated: the
/// same names (the pack's variables computed once for the dossier, its sections, `doc`,
/// `as_of`), the same environment and budget, and the value converted as a message's
/// `{…}` part is. There is no element, so no binding.
pub fn evaluate_expression(
    pack: &Pack,
    dossier: &Dossier,
    expression: &Expression,
    options: &CheckOptions,
) -> Result<Value, ExpressionFailure> {
    let as_of_date = judged_on(dossier, options);
    let as_of: Box<dyn Val> = Value::Timestamp(date_to_timestamp(as_of_date))
        .try_into()
        .map_err(ExpressionFailure::Error)?;
    let doc = root_value(&dossier.root);
    let sections: Vec<(&str, &dyn Val)> = doc.sections().collect();
    let budget = DossierBudget::new(options);
    // the variables as `evaluate` computes them; a failed one matters only when read
    let mut variable_context = Context::with_env(environment());
    variable_context.add_variable_as_val("doc", doc.clone_as_boxed());
    variable_context.add_variable_as_val("as_of", as_of.clone_as_boxed());
    for (name, value) in &sections {
        variable_context.add_variable_as_val(*name, value.clone_as_boxed());
    }
    let mut variables: Vec<(String, BoxedVal<'_>)> = Vec::with_capacity(pack.variables.len());
    let mut failed: Vec<(&str, String)> = Vec::new();
    for variable in &pack.variables {
        if let Some((name, _)) = failed.iter().find(|(name, _)| {
            variable
                .expression
                .variables
                .iter()
                .any(|read| read == name)
        }) {
            let reason = match options.lang {
                Lang::Zh => format!("它读取的 `{name}` 无法求值"),
                Lang::En => format!("it reads `{name}`, which could not be evaluated"),
            };
            failed.push((&variable.name, reason));
            continue;
        }
        let (converted, spent) = budget.run(|| {
            Value::resolve_val(&variable.expression.program, &variable_context)
                .and_then(|value| settle(&*value))
        });
        let reason = match converted {
            _ if spent.exhausted => Err(budget.exhausted_reason(options.lang)),
            Ok(value) => match oversized(&*value) {
                Some(size) => Err(too_large(size, options.lang)),
                None => Ok(value),
            },
            Err(error) => Err(explain_error(&error, options.lang)),
        };
        match reason {
            Ok(value) => {
                variable_context.add_variable_as_val(&variable.name, value.clone_as_boxed());
                variables.push((variable.name.clone(), value));
            }
            Err(reason) => failed.push((&variable.name, reason)),
        }
    }
    if let Some((name, reason)) = failed
        .into_iter()
        .find(|(name, _)| expression.variables.iter().any(|read| read == name))
    {
        return Err(ExpressionFailure::Variable {
            name: name.to_string(),
            reason,
        });
    }
    let root = Context::with_env(environment());
    let names = names(&variables, &sections, &doc, as_of.as_ref());
    let scope = Scope {
        dotted: sections.iter().any(|(name, _)| name.contains('.')),
        bindings: Vec::new(),
        names: &names,
        section_nodes: None,
    };
    match budget.run(|| evaluate_value(expression, &scope, &root)) {
        (_, spent) if spent.exhausted => Err(ExpressionFailure::Budget(
            budget.exhausted_reason(options.lang),
        )),
        (Ok(value), _) => Ok(value),
        (Err(error), _) => Err(ExpressionFailure::Error(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::{pointer_relation, Relation};

    #[test]
    fn read_paths_stand_to_malformed_fields() {
        // a comprehension reads the note of every item
        assert_eq!(
            pointer_relation("/items/*/note", "/items/3/note"),
            Relation::Same
        );
        assert_eq!(
            pointer_relation("/items/*/note", "/items/3/uscc"),
            Relation::Apart
        );
        // a malformed item breaks every path through it
        assert_eq!(
            pointer_relation("/items/*/note", "/items/3"),
            Relation::Below
        );
        // reading a whole list reads what is malformed inside it
        assert_eq!(pointer_relation("/items", "/items/3/uscc"), Relation::Above);
        assert_eq!(pointer_relation("", "/department/uscc"), Relation::Above);
        assert_eq!(
            pointer_relation("/department/uscc", "/items/0/uscc"),
            Relation::Apart
        );
    }
}
