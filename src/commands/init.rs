//! `guifan init`: a dossier template for a department category and a stage, written from the
//! pack's own schema (field names as its titles) and rules (the clauses that read each field).
//! `init --pack NAME` for a NAME that is not a pack yet makes a new local pack: `init_pack.rs`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::check::load_selected_pack;
use super::output::write_output;
use super::pack::pack_files;
use super::{print_stdout, Outcome};
use crate::cli::InitArgs;
use crate::error::GuifanError;
use crate::pack::{did_you_mean, Pack, Stage, READ_ANY_ELEMENT};

pub fn run(arguments: &InitArgs) -> Result<Outcome, GuifanError> {
    // `--pack NAME` alone, NAME not a pack yet: a new local pack (init_pack.rs)
    if let (Some(name), None, None, None) = (
        &arguments.pack,
        &arguments.category,
        &arguments.stage,
        &arguments.output,
    ) {
        if super::init_pack::wants_scaffold(name)? {
            return super::init_pack::scaffold(name);
        }
    }
    let category = arguments.category.as_deref().unwrap_or("government");
    let stage_name = arguments.stage.as_deref().unwrap_or("proposal");
    let pack = load_selected_pack(arguments.pack.as_deref())?;
    let stage = Stage::parse(stage_name).ok_or_else(|| {
        let names = Stage::ALL.map(Stage::as_str);
        GuifanError::Usage(choice_error("stage", stage_name, &names))
    })?;
    let categories = enum_values(&pack.schema, &["department", "category"]);
    if !categories.is_empty() && !categories.iter().any(|c| c == category) {
        let names: Vec<&str> = categories.iter().map(String::as_str).collect();
        return Err(GuifanError::Usage(choice_error(
            "category", category, &names,
        )));
    }
    let text = with_schema_line(
        template(&pack, category, stage),
        arguments.schema_url.as_deref(),
    )?;
    match &arguments.output {
        Some(path) => write_output(path, &text, &pack_files(&pack))?,
        None => print_stdout(&text)?,
    }
    Ok(Outcome::Clean)
}

/// The template with what editors read first: the `yaml-language-server` line naming the
/// schema given (a path is resolved from the dossier's directory), or, when none is given, how
/// to make one. The line is the YAML language server's convention, which VS Code, Neovim, Helix
/// and others share.
fn with_schema_line(text: String, schema: Option<&str>) -> Result<String, GuifanError> {
    match schema {
        Some(schema) => {
            // one line of a comment: a line break would write YAML into the dossier
            if schema.trim().is_empty() || schema.chars().any(|c| c.is_control() || c == ' ') {
                return Err(GuifanError::Usage(format!(
                    "--schema-url {schema:?} is not a path or URL: it must be one word without spaces or control characters"
                )));
            }
            Ok(format!("# yaml-language-server: $schema={schema}\n{text}"))
        }
        None => Ok(format!(
            "# 编辑器补全与检查：guifan schema --output dossier.schema.json，再以 guifan init --schema-url dossier.schema.json 在首行写明 $schema。\n{text}"
        )),
    }
}

fn choice_error(what: &str, given: &str, names: &[&str]) -> String {
    let hint = did_you_mean(given, names.iter().copied())
        .map(|hint| format!(" ({hint})"))
        .unwrap_or_default();
    format!(
        "`{given}` is not a {what} of the pack{hint}; one of: {}",
        names.join(", ")
    )
}

/// The dossier kind a stage belongs to: the three stages of entering are `entry`.
fn kind_of(stage: Stage) -> &'static str {
    match stage {
        Stage::Proposal | Stage::Recognized | Stage::Stationed => "entry",
        Stage::Adjustment => "adjustment",
        Stage::Exit => "exit",
    }
}

/// The template: every field the schema requires and every field a rule due at `stage` reads,
/// each with its title and the clauses of those rules; the values are left to fill in, except
/// the kind, stage, category and standard that the choice fixes.
pub fn template(pack: &Pack, category: &str, stage: Stage) -> String {
    let reads = clauses_by_path(pack, category, stage);
    let fixed: BTreeMap<&str, String> = [
        ("dossier/kind", kind_of(stage).to_string()),
        ("dossier/stage", stage.as_str().to_string()),
        ("department/category", category.to_string()),
        (
            "dossier/standard",
            format!("{}@{}", pack.manifest.id, pack.manifest.version),
        ),
    ]
    .into_iter()
    .collect();
    let mut out = String::new();
    out.push_str(&format!(
        "# {}（{}）申报材料模板：部门类别 {category}，阶段 {}。\n",
        pack.manifest.standard_title,
        pack.manifest.standard_code,
        stage.as_str()
    ));
    out.push_str(&format!(
        "# 由 guifan init 依规范包 {}@{} 生成。每个字段后的注释是它的名称和读取它的规则所依据的条款。\n",
        pack.manifest.id, pack.manifest.version
    ));
    out.push_str("# 填写每个空值（'' 或 ~），列表按实际条目增减；填好后用 guifan check 检查。\n");
    let writer = Writer {
        root: &pack.schema,
        reads: &reads,
        fixed: &fixed,
    };
    writer.object(&pack.schema, "", 0, false, &mut out);
    out
}

/// For each schema path (`items/*/legal_basis`), the clauses of the rules due at `stage` that
/// read it, found from each rule's read chains and the bindings of its `for_each`.
fn clauses_by_path(pack: &Pack, category: &str, stage: Stage) -> BTreeMap<String, Read> {
    let chosen = [
        ("department.category", category),
        ("dossier.kind", kind_of(stage)),
        ("dossier.stage", stage.as_str()),
    ];
    let mut reads: BTreeMap<String, Read> = BTreeMap::new();
    let applies = |rule: &&crate::pack::Rule| {
        rule.stage <= stage
            && rule
                .guard
                .as_ref()
                .is_none_or(|guard| guard_may_hold(pack, &guard.source, &chosen))
    };
    // a format or reference rule checks a value only where it is written: it asks for no field
    for rule in pack
        .rules
        .iter()
        .filter(|rule| !rule.format && !rule.clauses.is_empty())
        .filter(applies)
    {
        // each binding: the path of its elements and of the collection they come from
        let mut bindings: BTreeMap<&str, (Vec<String>, String)> = BTreeMap::new();
        for level in &rule.for_each {
            let mut path = level
                .from_binding
                .as_deref()
                .and_then(|outer| bindings.get(outer).map(|(path, _)| path.clone()))
                .unwrap_or_default();
            path.extend(level.path.iter().cloned());
            let collection = path.join("/");
            path.push(READ_ANY_ELEMENT.to_string());
            bindings.insert(level.binding.as_str(), (path, collection));
        }
        // what the rule reads through the pack's variables counts as read for its clauses
        let mut variables: Vec<&str> = rule
            .guard
            .iter()
            .chain([&rule.assertion])
            .flat_map(|expression| expression.variables.iter().map(String::as_str))
            .collect();
        let mut seen = BTreeSet::new();
        let mut through_variables = Vec::new();
        while let Some(name) = variables.pop() {
            if !seen.insert(name) {
                continue;
            }
            if let Some(variable) = pack.variables.iter().find(|v| v.name == name) {
                through_variables.extend(variable.expression.chains.iter());
                variables.extend(variable.expression.variables.iter().map(String::as_str));
            }
        }
        // a field read through a variable (the submission date, read by every date rule) is
        // asked for, but the variable's many readers are not listed as its clauses
        let chains = rule
            .chains
            .iter()
            .chain(&rule.assertion.chains)
            .map(|chain| (chain, true))
            .chain(through_variables.into_iter().map(|chain| (chain, false)));
        for (chain, cited) in chains {
            let (mut path, condition) = match bindings.get(chain.root.as_str()) {
                Some((prefix, collection)) => (prefix.clone(), Some(collection.clone())),
                None if chain.root == "doc" => (Vec::new(), None),
                None => (vec![chain.root.clone()], None),
            };
            if chain.fields.is_empty() && condition.is_none() {
                reads
                    .entry(path.join("/"))
                    .or_default()
                    .conditions
                    .insert(None);
            }
            for field in &chain.fields {
                path.push(field.clone());
                let entry = reads.entry(path.join("/")).or_default();
                entry.conditions.insert(condition.clone());
                if cited {
                    entry.clauses.extend(rule.clauses.iter().cloned());
                }
            }
        }
    }
    // what the schema asks of a dossier of this kind (`then` of an `if` on dossier.kind): the
    // items of an entry, a change somewhere in an adjustment, an exit in an exit
    for path in kind_requires(&pack.schema, kind_of(stage)) {
        reads.entry(path).or_default().conditions.insert(None);
    }
    reads
}

/// The key paths that the root schema's `allOf` branches for `kind` require, wherever they say
/// so (`required`, under `properties`, `items`, `contains`, `anyOf`).
fn kind_requires(schema: &Value, kind: &str) -> BTreeSet<String> {
    fn collect(schema: &Value, path: &str, out: &mut BTreeSet<String>) {
        let join = |key: &str| {
            if path.is_empty() {
                key.to_string()
            } else {
                format!("{path}/{key}")
            }
        };
        if let Some(names) = schema.get("required").and_then(Value::as_array) {
            out.extend(names.iter().filter_map(Value::as_str).map(join));
        }
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (key, property) in properties {
                collect(property, &join(key), out);
            }
        }
        for key in ["items", "contains"] {
            if let Some(items) = schema.get(key) {
                collect(items, &join(READ_ANY_ELEMENT), out);
            }
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            for branch in schema
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                collect(branch, path, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    for branch in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let condition = branch.pointer("/if/properties/dossier/properties/kind/const");
        if condition.and_then(Value::as_str) == Some(kind) {
            if let Some(then) = branch.get("then") {
                collect(then, "", &mut out);
            }
        }
    }
    out
}

/// Whether a guard may hold for a dossier of the chosen category, kind and stage. Only a guard
/// that is a conjunction (`a && b`, no `||`) is judged, and only by its conjuncts that compare
/// one of those three fields with literals (`department.category == 'x'`, `!= 'x'`,
/// `in ['x', 'y']`), directly or through a pack variable that is such a comparison; anything
/// else may hold, so a field is never left out of the template by a guess.
fn guard_may_hold(pack: &Pack, source: &str, chosen: &[(&str, &str); 3]) -> bool {
    if source.contains("||") {
        return true;
    }
    source.split("&&").all(|conjunct| {
        let conjunct = conjunct.trim();
        let conjunct = pack
            .variables
            .iter()
            .find(|variable| variable.name == conjunct)
            .map_or(conjunct, |variable| variable.expression.source.trim());
        comparison_may_hold(conjunct, chosen)
    })
}

fn comparison_may_hold(conjunct: &str, chosen: &[(&str, &str); 3]) -> bool {
    for (field, value) in chosen {
        let Some(rest) = conjunct.strip_prefix(field) else {
            continue;
        };
        let rest = rest.trim_start();
        let (operator, literals) = if let Some(literals) = rest.strip_prefix("==") {
            ("==", literals)
        } else if let Some(literals) = rest.strip_prefix("!=") {
            ("!=", literals)
        } else if let Some(literals) = rest.strip_prefix("in ") {
            ("in", literals)
        } else {
            return true;
        };
        let Some(values) = string_literals(literals) else {
            return true;
        };
        let matches = values.iter().any(|literal| literal == value);
        return match operator {
            "!=" => !matches,
            _ => matches,
        };
    }
    true
}

/// `'x'` or `['x', "y"]` as its strings; `None` for anything else.
fn string_literals(text: &str) -> Option<Vec<String>> {
    let text = text.trim();
    let inner = match text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        Some(inner) => inner,
        None => text,
    };
    inner
        .split(',')
        .map(|part| {
            let part = part.trim();
            let quoted = part
                .strip_prefix('\'')
                .and_then(|p| p.strip_suffix('\''))
                .or_else(|| part.strip_prefix('"').and_then(|p| p.strip_suffix('"')))?;
            (!quoted.contains(['\'', '"', '\\'])).then(|| quoted.to_string())
        })
        .collect()
}

/// What the rules due read at one path: their clauses, and for each read the collection whose
/// elements the rule iterates (`None`: read whether or not any collection has elements).
#[derive(Default)]
struct Read {
    clauses: BTreeSet<String>,
    conditions: BTreeSet<Option<String>>,
}

struct Writer<'a> {
    root: &'a Value,
    reads: &'a BTreeMap<String, Read>,
    fixed: &'a BTreeMap<&'a str, String>,
}

impl Writer<'_> {
    /// Follows a local `$ref` (`#/$defs/name`); anything else is taken as it is.
    fn resolve<'s>(&'s self, schema: &'s Value) -> &'s Value {
        let mut current = schema;
        for _ in 0..16 {
            match current.get("$ref").and_then(Value::as_str) {
                Some(reference) => match reference
                    .strip_prefix('#')
                    .and_then(|pointer| self.root.pointer(pointer))
                {
                    Some(target) => current = target,
                    None => return current,
                },
                None => return current,
            }
        }
        current
    }

    fn title(&self, schema: &Value) -> Option<String> {
        schema
            .get("title")
            .or_else(|| self.resolve(schema).get("title"))
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    /// A field belongs in the template when the schema requires it or a rule reads it or
    /// something below it. A rule that iterates a collection (`for_each: items as item, item.changes
    /// as change`) asks for what it reads only where the collection is asked for: the reason of
    /// a change is not asked of a dossier that has no changes to make.
    fn wanted(&self, path: &str, required: bool) -> bool {
        required || self.fixed.contains_key(path) || self.read_under(path)
    }

    fn read_under(&self, path: &str) -> bool {
        let below = format!("{path}/");
        self.reads
            .range(path.to_string()..)
            .take_while(|(read, _)| *read == path || read.starts_with(&below))
            .flat_map(|(_, read)| &read.conditions)
            .any(|condition| match condition {
                None => true,
                // the collection is the field itself: iterating it does not ask for it
                Some(collection) if collection == path => false,
                // inside the collection: asked for where the collection is (its parent is in
                // the template, since this field is being decided)
                Some(collection) if path.starts_with(&format!("{collection}/")) => true,
                // a collection below the field: asked for only if that collection is
                Some(collection) => self.read_under(collection),
            })
    }

    /// The properties of an object schema, written at `indent`; `first_dash` puts the first one
    /// after a list's `- `.
    fn object(
        &self,
        schema: &Value,
        path: &str,
        indent: usize,
        first_dash: bool,
        out: &mut String,
    ) {
        let schema = self.resolve(schema);
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            return;
        };
        let required: BTreeSet<&str> = required_keys(schema).into_iter().flatten().collect();
        let join = |key: &str| {
            if path.is_empty() {
                key.to_string()
            } else {
                format!("{path}/{key}")
            }
        };
        let mut chosen: Vec<(&String, &Value)> = properties
            .iter()
            .filter(|(key, _)| self.wanted(&join(key), required.contains(key.as_str())))
            .collect();
        if chosen.is_empty() {
            // an object the rules read as a whole: all its fields are asked for
            chosen = properties.iter().collect();
        }
        // the schema's own order of fields, which is the order a reader expects
        for (position, (key, property)) in chosen.into_iter().enumerate() {
            let lead = if first_dash && position == 0 {
                format!("{}- ", " ".repeat(indent.saturating_sub(2)))
            } else {
                " ".repeat(indent)
            };
            self.field(key, property, &join(key), &lead, indent, out);
        }
    }

    fn field(
        &self,
        key: &str,
        schema: &Value,
        path: &str,
        lead: &str,
        indent: usize,
        out: &mut String,
    ) {
        let resolved = self.resolve(schema);
        let mut comment = self.title(schema).unwrap_or_default();
        // a fixed field (the category) is read by the guards of most rules: its clauses say
        // nothing about what to write there
        let clauses = self
            .reads
            .get(path)
            .map(|read| &read.clauses)
            .filter(|clauses| !clauses.is_empty() && !self.fixed.contains_key(path));
        if let Some(clauses) = clauses {
            let list: Vec<&str> = clauses.iter().map(String::as_str).collect();
            comment.push_str(&format!("；条款 {}", list.join("、")));
        }
        let options = resolved
            .get("enum")
            .and_then(Value::as_array)
            .map(|values| {
                values
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .filter(|options| !options.is_empty());
        if let Some(options) = &options {
            if !self.fixed.contains_key(path) {
                comment.push_str(&format!("；可选 {options}"));
            }
        }
        let alternatives = required_keys(resolved);
        if alternatives.len() > 2 {
            let ways: Vec<String> = alternatives[1..]
                .iter()
                .map(|keys| keys.join("、"))
                .collect();
            comment.push_str(&format!("；以下写其一：{}", ways.join(" 或 ")));
        }
        let comment = if comment.is_empty() {
            String::new()
        } else {
            format!("  # {comment}")
        };
        let kind = resolved.get("type").and_then(Value::as_str);
        let item_schema = resolved.get("items").map(|items| self.resolve(items));
        match kind {
            Some("object") if resolved.get("properties").is_some() => {
                out.push_str(&format!("{lead}{key}:{comment}\n"));
                self.object(resolved, path, indent + 2, false, out);
            }
            Some("array") if item_schema.is_some_and(|items| items.get("properties").is_some()) => {
                out.push_str(&format!("{lead}{key}:{comment}\n"));
                if let Some(items) = item_schema {
                    self.object(
                        items,
                        &format!("{path}/{READ_ANY_ELEMENT}"),
                        indent + 4,
                        true,
                        out,
                    );
                }
            }
            Some("array") => out.push_str(&format!("{lead}{key}: []{comment}\n")),
            _ => {
                let value = match self.fixed.get(path) {
                    Some(value) => value.clone(),
                    None if kind == Some("string") || kind.is_none() => "''".to_string(),
                    None => "~".to_string(),
                };
                out.push_str(&format!("{lead}{key}: {value}{comment}\n"));
            }
        }
    }
}

/// The keys an object schema requires: its own `required` first, then the `required` of each
/// alternative of a `oneOf` or `anyOf` (a time limit is a value and a unit, or none by law), all
/// of which the template shows so that the writer can keep the one that applies.
fn required_keys(schema: &Value) -> Vec<Vec<&str>> {
    fn names(schema: &Value) -> Vec<&str> {
        schema
            .get("required")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }
    let mut keys = vec![names(schema)];
    for combinator in ["oneOf", "anyOf"] {
        if let Some(alternatives) = schema.get(combinator).and_then(Value::as_array) {
            keys.extend(
                alternatives
                    .iter()
                    .map(names)
                    .filter(|keys| !keys.is_empty()),
            );
        }
    }
    keys
}

/// The values of a string enumeration at a path of properties (`department/category`).
fn enum_values(schema: &Value, path: &[&str]) -> Vec<String> {
    let resolve = |value: &Value| -> Value {
        let mut current = value.clone();
        for _ in 0..16 {
            let Some(target) = current
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|reference| reference.strip_prefix('#'))
                .and_then(|pointer| schema.pointer(pointer))
            else {
                break;
            };
            current = target.clone();
        }
        current
    };
    let mut current = resolve(schema);
    for key in path {
        match current
            .get("properties")
            .and_then(|properties| properties.get(*key))
        {
            Some(next) => current = resolve(next),
            None => return Vec::new(),
        }
    }
    current
        .get("enum")
        .and_then(Value::as_array)
        .map(|values| {
            values
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}
