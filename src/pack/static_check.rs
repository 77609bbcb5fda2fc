//! Static checks of a pack's expressions before any dossier is seen: every field a rule, a
//! message placeholder or a variable selects from a binding, a dossier section or `doc` must
//! exist at that place in the pack's JSON Schema, every `for_each` path must too, and every
//! function called must exist in the CEL environment.
//!
//! Why: a typo in a field name (`has(item.chanels)`) is valid CEL and, without this, passes
//! `pack lint` and then fires (or never fires) on every element; a typo in a macro name
//! (`items.exsts(c, …)`) leaves `c` unbound and the author is told about `c` instead of
//! `exsts`. The schema is read as a set of places: `properties`, array `items`, map
//! `additionalProperties`, `$ref` to `#/…`, and the branches of `allOf`/`anyOf`/`oneOf`/`then`/
//! `else` united; a place that does not close itself (`additionalProperties` true or absent)
//! allows any field, and nothing is reported below it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{LazyLock, Mutex};

use cel::common::ast::{EntryExpr, Expr};
use serde_json::Value;

use super::{ReadChain, READ_ANY_ELEMENT};

/// A problem found in an expression, at a byte offset of the expression's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticProblem {
    pub offset: usize,
    pub length: usize,
    pub message: String,
    pub label: &'static str,
    pub help: Option<String>,
}

/// One step of a path through the dossier: a field, or any element of a list or a map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Field(String),
    Element,
}

/// What each binding of a rule stands for: its path from the dossier's root.
#[derive(Debug, Default, Clone)]
pub struct Scope {
    bindings: BTreeMap<String, Vec<Step>>,
}

impl Scope {
    /// Binds `name` to the elements found at `path` (already a path from the root).
    pub fn bind(&mut self, name: &str, path: Vec<Step>) {
        self.bindings.insert(name.to_string(), path);
    }

    pub fn path_of(&self, name: &str) -> Option<&Vec<Step>> {
        self.bindings.get(name)
    }
}

/// "did you mean `x`?" for the closest candidate, or nothing when none is close: an empty or
/// far-fetched suggestion only adds noise to an error.
pub fn did_you_mean<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<String> {
    closest(word, candidates).map(|candidate| format!("did you mean `{candidate}`?"))
}

/// The candidate closest to `word`, if any is close (Jaro–Winkler above 0.8).
pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(word, candidate), candidate))
        .filter(|(score, candidate)| *score > 0.8 && *candidate != word)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, candidate)| candidate)
}

/// The pack's dossier schema, walked by path.
pub struct SchemaView<'a> {
    root: &'a Value,
}

/// Where a path leads in the schema.
enum Place<'a> {
    /// The schema declares the place.
    Found,
    /// The schema says nothing about what is there: any field is allowed below.
    Open,
    /// The field at `index` of the path is not declared where it is selected.
    Unknown {
        index: usize,
        candidates: BTreeSet<&'a str>,
    },
}

/// `$ref` chains longer than this are taken for cycles: the place is then open.
const MAX_EXPANSION: usize = 256;

impl<'a> SchemaView<'a> {
    pub fn new(root: &'a Value) -> Self {
        SchemaView { root }
    }

    /// The node and every node that applies with it: `$ref` targets and the branches of
    /// `allOf`, `anyOf`, `oneOf`, `then` and `else` (an `if` is a condition, not a shape).
    fn expand(&self, nodes: &[&'a Value]) -> Vec<&'a Value> {
        let mut out: Vec<&'a Value> = Vec::new();
        let mut stack: Vec<&'a Value> = nodes.iter().rev().copied().collect();
        while let Some(node) = stack.pop() {
            if out.iter().any(|seen| std::ptr::eq(*seen, node)) {
                continue;
            }
            if out.len() >= MAX_EXPANSION {
                break;
            }
            out.push(node);
            let Some(object) = node.as_object() else {
                continue;
            };
            if let Some(target) = object
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|reference| self.reference(reference))
            {
                stack.push(target);
            }
            for keyword in ["allOf", "anyOf", "oneOf"] {
                if let Some(branches) = object.get(keyword).and_then(Value::as_array) {
                    stack.extend(branches.iter().rev());
                }
            }
            for keyword in ["then", "else"] {
                if let Some(branch) = object.get(keyword) {
                    stack.push(branch);
                }
            }
        }
        out
    }

    fn reference(&self, reference: &str) -> Option<&'a Value> {
        let pointer = reference.strip_prefix('#')?;
        if pointer.is_empty() {
            return Some(self.root);
        }
        self.root.pointer(pointer)
    }

    /// A node forbids fields it does not declare: `additionalProperties: false` (or
    /// `unevaluatedProperties: false`), a type that is not an object, an `allOf` branch that
    /// forbids them, or `anyOf`/`oneOf` branches that all do.
    fn closed(&self, node: &'a Value, depth: usize) -> bool {
        if depth > 32 {
            return false;
        }
        let Some(object) = node.as_object() else {
            // `false` allows nothing; `true` allows anything
            return node == &Value::Bool(false);
        };
        if object.get("additionalProperties") == Some(&Value::Bool(false))
            || object.get("unevaluatedProperties") == Some(&Value::Bool(false))
        {
            return true;
        }
        match object.get("type") {
            Some(Value::String(kind)) if kind != "object" => return true,
            Some(Value::Array(kinds)) if !kinds.iter().any(|kind| kind == "object") => return true,
            _ => {}
        }
        if let Some(target) = object
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|reference| self.reference(reference))
        {
            if self.closed(target, depth + 1) {
                return true;
            }
        }
        if let Some(branches) = object.get("allOf").and_then(Value::as_array) {
            if branches.iter().any(|branch| self.closed(branch, depth + 1)) {
                return true;
            }
        }
        for keyword in ["anyOf", "oneOf"] {
            if let Some(branches) = object.get(keyword).and_then(Value::as_array) {
                if !branches.is_empty() && branches.iter().all(|b| self.closed(b, depth + 1)) {
                    return true;
                }
            }
        }
        false
    }

    /// Follows `path` from the root.
    fn walk(&self, path: &[Step]) -> Place<'a> {
        let mut current: Vec<&'a Value> = vec![self.root];
        for (index, step) in path.iter().enumerate() {
            let expanded = self.expand(&current);
            let mut next: Vec<&'a Value> = Vec::new();
            match step {
                Step::Field(name) => {
                    for node in &expanded {
                        if let Some(property) = node
                            .get("properties")
                            .and_then(|properties| properties.get(name))
                        {
                            next.push(property);
                        }
                        if let Some(patterns) =
                            node.get("patternProperties").and_then(Value::as_object)
                        {
                            for (pattern, schema) in patterns {
                                if crate::cel::cached_regex(pattern)
                                    .is_ok_and(|regex| regex.is_match(name))
                                {
                                    next.push(schema);
                                }
                            }
                        }
                    }
                    if next.is_empty() {
                        if !current.iter().all(|node| self.closed(node, 0)) {
                            return Place::Open;
                        }
                        let candidates = expanded
                            .iter()
                            .filter_map(|node| node.get("properties").and_then(Value::as_object))
                            .flat_map(|properties| properties.keys().map(String::as_str))
                            .collect();
                        return Place::Unknown { index, candidates };
                    }
                }
                Step::Element => {
                    for node in &expanded {
                        for keyword in ["items", "additionalProperties"] {
                            if let Some(schema) =
                                node.get(keyword).filter(|schema| schema.is_object())
                            {
                                next.push(schema);
                            }
                        }
                        if let Some(prefix) = node.get("prefixItems").and_then(Value::as_array) {
                            next.extend(prefix.iter());
                        }
                        if let Some(patterns) =
                            node.get("patternProperties").and_then(Value::as_object)
                        {
                            next.extend(patterns.values());
                        }
                    }
                    if next.is_empty() {
                        return Place::Open;
                    }
                }
            }
            current = next;
        }
        Place::Found
    }

    /// The path an expression's read chain starts from: a binding, a dossier section or `doc`.
    /// Pack variables, `as_of` and a comprehension's own variables have no place in the schema.
    fn start(&self, scope: &Scope, root: &str) -> Option<Vec<Step>> {
        if let Some(path) = scope.path_of(root) {
            return Some(path.clone());
        }
        if root == "doc" {
            return Some(Vec::new());
        }
        self.root
            .get("properties")
            .and_then(|properties| properties.get(root))
            .map(|_| vec![Step::Field(root.to_string())])
    }
}

/// How a path is written in a message: `item.legal_basis`, `items[*].name`.
fn written(root: &str, fields: &[String]) -> String {
    let mut text = root.to_string();
    for field in fields {
        if field == READ_ANY_ELEMENT {
            text.push_str("[*]");
        } else {
            text.push('.');
            text.push_str(field);
        }
    }
    text
}

/// Every field an expression selects that the schema does not have at that place.
pub fn unknown_fields(
    schema: &Value,
    scope: &Scope,
    chains: &[ReadChain],
    text: &str,
) -> Vec<StaticProblem> {
    let view = SchemaView::new(schema);
    let mut problems: Vec<StaticProblem> = Vec::new();
    let mut reported: BTreeSet<(String, String)> = BTreeSet::new();
    for chain in chains {
        let Some(mut path) = view.start(scope, &chain.root) else {
            continue;
        };
        let base = path.len();
        path.extend(chain.fields.iter().map(|field| {
            if field == READ_ANY_ELEMENT {
                Step::Element
            } else {
                Step::Field(field.clone())
            }
        }));
        let Place::Unknown { index, candidates } = view.walk(&path) else {
            continue;
        };
        // an unknown step within the binding's own path is the for_each's error, reported there
        let Some(field_index) = index.checked_sub(base) else {
            continue;
        };
        let field = &chain.fields[field_index];
        let parent = written(&chain.root, &chain.fields[..field_index]);
        if !reported.insert((parent.clone(), field.clone())) {
            continue;
        }
        let (offset, length) = find_selection(text, field).unwrap_or((0, text.len()));
        problems.push(StaticProblem {
            offset,
            length,
            message: format!("`{parent}` has no field `{field}` in the pack's schema"),
            label: "unknown field",
            help: did_you_mean(field, candidates),
        });
    }
    problems.sort_by_key(|problem| problem.offset);
    problems
}

/// Checks a `for_each` path; `text` is the whole `for_each` value, searched for the segment.
pub fn unknown_for_each_step(schema: &Value, path: &[Step], text: &str) -> Option<StaticProblem> {
    let view = SchemaView::new(schema);
    let Place::Unknown { index, candidates } = view.walk(path) else {
        return None;
    };
    let Step::Field(field) = &path[index] else {
        return None;
    };
    let (offset, length) = find_word(text, field).unwrap_or((0, text.len()));
    Some(StaticProblem {
        offset,
        length,
        message: format!(
            "for_each iterates `{field}`, which the pack's schema does not have there"
        ),
        label: "unknown field",
        help: did_you_mean(field, candidates),
    })
}

/// `.field` in the expression's text (whitespace may follow the dot).
fn find_selection(text: &str, field: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = text[from..].find(field) {
        let start = from + found;
        let end = start + field.len();
        let mut before = start;
        while before > 0 && bytes[before - 1].is_ascii_whitespace() {
            before -= 1;
        }
        let dotted = before > 0 && bytes[before - 1] == b'.';
        let whole = end == bytes.len() || !is_word(bytes[end]);
        if dotted && whole {
            return Some((start, field.len()));
        }
        from = end;
    }
    None
}

fn find_word(text: &str, word: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = text[from..].find(word) {
        let start = from + found;
        let end = start + word.len();
        if (start == 0 || !is_word(bytes[start - 1]))
            && (end == bytes.len() || !is_word(bytes[end]))
        {
            return Some((start, word.len()));
        }
        from = end;
    }
    None
}

fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Macros are expanded by the parser: a call left with one of these names was written with
/// the wrong number of arguments, which is not a misspelt function.
const MACROS: &[&str] = &[
    "has",
    "all",
    "exists",
    "exists_one",
    "existsOne",
    "map",
    "filter",
    "sortBy",
    "optMap",
    "optFlatMap",
    "math.greatest",
    "math.least",
];

/// Names offered as suggestions for a misspelt function; only those the environment really
/// declares are offered (each is probed once).
const SUGGESTED_FUNCTIONS: &[&str] = &[
    "all",
    "bool",
    "bytes",
    "charAt",
    "code_parts",
    "contains",
    "counts",
    "date",
    "distinct",
    "double",
    "duplicates",
    "duration",
    "dyn",
    "endsWith",
    "exists",
    "exists_one",
    "filter",
    "flatten",
    "format",
    "getDate",
    "getDayOfMonth",
    "getDayOfWeek",
    "getDayOfYear",
    "getFullYear",
    "getHours",
    "getMinutes",
    "getMonth",
    "getSeconds",
    "has",
    "hasValue",
    "indexOf",
    "int",
    "is_date",
    "join",
    "lastIndexOf",
    "lists.range",
    "lowerAscii",
    "map",
    "matches",
    "math.abs",
    "math.ceil",
    "math.floor",
    "math.greatest",
    "math.least",
    "math.round",
    "math.sign",
    "math.trunc",
    "optional.none",
    "optional.of",
    "orValue",
    "replace",
    "reverse",
    "size",
    "slice",
    "sort",
    "sortBy",
    "split",
    "startsWith",
    "string",
    "strings.quote",
    "substring",
    "timestamp",
    "trim",
    "type",
    "uint",
    "upperAscii",
    "uscc_problem",
    "uscc_valid",
    "value",
];

static PROBES: LazyLock<Mutex<HashMap<String, bool>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Whether the environment declares `name` as a global function (`math.greatest` included):
/// calling it with no argument fails as "no such overload", never as "undeclared reference".
/// The `cel` crate does not list its functions, so they are asked for one by one.
fn probe(call: &str, name: &str) -> bool {
    let key = format!("{call}\u{0}{name}");
    if let Some(known) = PROBES
        .lock()
        .ok()
        .and_then(|probes| probes.get(&key).copied())
    {
        return known;
    }
    let text = match call {
        "member" => format!("''.{name}()"),
        _ => format!("{name}()"),
    };
    let known = match crate::cel::parse(&text) {
        Ok(expression) => !matches!(
            cel::Value::resolve(
                &expression,
                &cel::Context::with_env(crate::cel::environment())
            ),
            Err(cel::ExecutionError::UndeclaredReference(_))
        ),
        Err(_) => false,
    };
    if let Ok(mut probes) = PROBES.lock() {
        probes.insert(key, known);
    }
    known
}

fn is_function(name: &str) -> bool {
    if MACROS.contains(&name) {
        return true;
    }
    if name.contains('.') {
        return probe("global", name);
    }
    probe("global", name) || probe("member", name)
}

/// The functions an author can be pointed to.
fn declared_functions() -> &'static [&'static str] {
    static DECLARED: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        SUGGESTED_FUNCTIONS
            .iter()
            .copied()
            .filter(|name| is_function(name))
            .collect()
    });
    &DECLARED
}

/// A qualified name written as a call's target (`math` in `math.greatest(…)`).
fn qualified(expression: &Expr) -> Option<String> {
    match expression {
        Expr::Ident(name) => Some(name.clone()),
        Expr::Select(select) if !select.test => {
            qualified(&select.operand.expr).map(|operand| format!("{operand}.{}", select.field))
        }
        _ => None,
    }
}

/// The calls of functions the environment does not declare, and the names written as their
/// direct arguments (the variables a misspelt macro would have introduced), which are not to
/// be reported again as unknown names.
pub fn unknown_functions(
    expression: &Expr,
    text: &str,
    problems: &mut Vec<StaticProblem>,
    arguments: &mut BTreeSet<String>,
) {
    match expression {
        Expr::Call(call) => {
            let name = &call.func_name;
            // operators (`_+_`, `@in`) and what macros expand to (`math.@max`) are not written
            let is_operator =
                !name.starts_with(|c: char| c.is_ascii_alphabetic()) || name.contains('@');
            if !is_operator && !is_function(name) {
                let prefix = call
                    .target
                    .as_ref()
                    .and_then(|target| qualified(&target.expr));
                let namespaced = prefix
                    .as_ref()
                    .map(|prefix| format!("{prefix}.{name}"))
                    .filter(|full| probe("global", full));
                if namespaced.is_none() {
                    let shown = match &prefix {
                        Some(prefix) if prefix.contains('.') || is_namespace(prefix) => {
                            format!("{prefix}.{name}")
                        }
                        _ => name.clone(),
                    };
                    let (offset, length) = find_call(text, name).unwrap_or((0, text.len()));
                    problems.push(StaticProblem {
                        offset,
                        length,
                        message: format!("`{shown}` is not a function"),
                        label: "unknown function",
                        help: did_you_mean(&shown, declared_functions().iter().copied()),
                    });
                    for argument in &call.args {
                        if let Expr::Ident(argument) = &argument.expr {
                            arguments.insert(argument.clone());
                        }
                    }
                }
            }
            if let Some(target) = &call.target {
                unknown_functions(&target.expr, text, problems, arguments);
            }
            for argument in &call.args {
                unknown_functions(&argument.expr, text, problems, arguments);
            }
        }
        Expr::Select(select) => unknown_functions(&select.operand.expr, text, problems, arguments),
        Expr::Comprehension(comprehension) => {
            for part in [
                &comprehension.iter_range,
                &comprehension.accu_init,
                &comprehension.loop_cond,
                &comprehension.loop_step,
                &comprehension.result,
            ] {
                unknown_functions(&part.expr, text, problems, arguments);
            }
        }
        Expr::List(list) => {
            for element in &list.elements {
                unknown_functions(&element.expr, text, problems, arguments);
            }
        }
        Expr::Map(map) => {
            for entry in &map.entries {
                if let EntryExpr::MapEntry(entry) = &entry.expr {
                    unknown_functions(&entry.key.expr, text, problems, arguments);
                    unknown_functions(&entry.value.expr, text, problems, arguments);
                }
            }
        }
        Expr::Struct(structure) => {
            for entry in &structure.entries {
                if let EntryExpr::StructField(field) = &entry.expr {
                    unknown_functions(&field.value.expr, text, problems, arguments);
                }
            }
        }
        Expr::Unspecified | Expr::Ident(_) | Expr::Literal(_) => {}
    }
}

/// CEL's namespaces of functions (`math.…`, `strings.…`).
fn is_namespace(name: &str) -> bool {
    ["math", "strings", "lists", "optional", "base64", "sets"].contains(&name)
}

/// `name(` in the expression's text.
fn find_call(text: &str, name: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some((start, length)) = find_word(&text[from..], name) {
        let start = from + start;
        let mut after = start + length;
        while after < bytes.len() && bytes[after].is_ascii_whitespace() {
            after += 1;
        }
        if bytes.get(after) == Some(&b'(') {
            return Some((start, length));
        }
        from = start + length;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Value {
        serde_json::json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/$defs/item"}},
                "notes": {"type": "object"},
            },
            "$defs": {
                "item": {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "name": {"type": "string"},
                        "channels": {"type": "array", "items": {"type": "string"}},
                    },
                    "allOf": [{"properties": {"extra": {"type": "string"}}}],
                }
            }
        })
    }

    fn item_scope() -> Scope {
        let mut scope = Scope::default();
        scope.bind("item", vec![Step::Field("items".into()), Step::Element]);
        scope
    }

    fn chain(root: &str, fields: &[&str]) -> ReadChain {
        ReadChain {
            root: root.into(),
            fields: fields.iter().map(|field| field.to_string()).collect(),
            presence_only: false,
        }
    }

    #[test]
    fn a_misspelt_field_is_found_with_the_closest_name() {
        let schema = schema();
        let text = "has(item.chanels)";
        let problems = unknown_fields(&schema, &item_scope(), &[chain("item", &["chanels"])], text);
        assert_eq!(problems.len(), 1);
        assert_eq!(&text[problems[0].offset..][..problems[0].length], "chanels");
        assert_eq!(
            problems[0].help.as_deref(),
            Some("did you mean `channels`?")
        );
    }

    #[test]
    fn branches_and_open_places_allow_their_fields() {
        let schema = schema();
        let scope = item_scope();
        for fields in [&["extra"][..], &["name"], &["channels", "*"]] {
            assert!(unknown_fields(&schema, &scope, &[chain("item", fields)], "").is_empty());
        }
        // `notes` is an open object: anything below it
        assert!(unknown_fields(&schema, &scope, &[chain("notes", &["anything"])], "").is_empty());
        // a field of a string is no field
        assert_eq!(
            unknown_fields(
                &schema,
                &scope,
                &[chain("item", &["name", "x"])],
                "item.name.x"
            )
            .len(),
            1
        );
    }

    #[test]
    fn misspelt_functions_are_named_and_known_ones_pass() {
        let environment = crate::cel::environment();
        for (text, expected) in [
            ("[1].exsts(c, c > 0)", Some("`exsts` is not a function")),
            (
                "math.gratest(1, 2) > 0",
                Some("`math.gratest` is not a function"),
            ),
            (
                "[1].exists(c, c > 0) && size('a') == 1 && 'a'.startsWith('a')",
                None,
            ),
            (
                "math.greatest(1, 2) > 0 && uscc_valid('x') && [1].sort() == [1]",
                None,
            ),
        ] {
            let program = environment.compile(text).expect("compiles");
            let mut problems = Vec::new();
            let mut arguments = BTreeSet::new();
            unknown_functions(
                &program.expression().expr,
                text,
                &mut problems,
                &mut arguments,
            );
            assert_eq!(
                problems.first().map(|problem| problem.message.as_str()),
                expected,
                "{text}: {problems:?}"
            );
            assert_eq!(
                problems.first().map(|problem| problem.message.as_str()),
                expected,
                "{text}"
            );
        }
    }

    #[test]
    fn every_suggested_function_is_declared() {
        let missing: Vec<&str> = SUGGESTED_FUNCTIONS
            .iter()
            .copied()
            .filter(|name| !declared_functions().contains(name))
            .collect();
        assert!(missing.is_empty(), "{missing:?}");
    }

    #[test]
    fn nothing_close_means_no_suggestion() {
        assert_eq!(did_you_mean("zzz", ["name", "channels"]), None);
        assert_eq!(did_you_mean("zzz", []), None);
    }
}
