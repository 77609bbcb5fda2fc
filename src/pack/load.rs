//! Strict pack loading: every file parsed with spans, every entry typed, every CEL expression
//! compiled, every reference (clause, variable, binding) checked, and every error of the whole
//! pack reported in one run at its line and column in the pack's own files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use include_dir::Dir;
use regex::Regex;

use super::de::{from_node, suggest, Spanned};
use super::resolve;
use super::spec::{
    ClauseSpec, Coverage, Force, ManifestSpec, ReferenceSpec, RuleSpec, Stage, TextSpec,
    VariableSpec,
};
use super::{
    Clause, Expression, Level, Localized, Manifest, Origin, Pack, Reference, ReferenceCitation,
    Rule, Target, Template, TemplatePart, Variable,
};
use crate::document::{parse_documents, Node, NodeKind, Syntax};
use crate::engine::functions::{cached_regex, environment, parse_date};
use crate::error::{GuifanError, LocatedError};
use crate::finding::Severity;
use crate::source::{SourceFile, Span};

/// Names every rule can read besides its bindings and the pack's variables.
pub const BUILTIN_NAMES: &[&str] = &["doc", "as_of"];

/// CEL's type names and namespaces, which an expression may name (`type(x) == map`,
/// `math.greatest(…)`).
const CEL_NAMES: &[&str] = &[
    "bool",
    "bytes",
    "double",
    "duration",
    "int",
    "list",
    "map",
    "null_type",
    "string",
    "timestamp",
    "type",
    "uint",
    "dyn",
    "math",
    "strings",
    "optional",
    "optional_type",
];

/// Where a pack's files come from.
pub enum PackFiles {
    Directory {
        root: PathBuf,
        display: String,
    },
    Embedded {
        directory: &'static Dir<'static>,
        display: String,
    },
    /// Files held in memory, by their path relative to the pack's root (`rules/items.yaml`):
    /// packs built by a program, such as the fuzz targets (fuzz/), with no file system.
    Memory {
        files: BTreeMap<String, Vec<u8>>,
        display: String,
    },
}

impl PackFiles {
    fn display(&self) -> &str {
        match self {
            PackFiles::Directory { display, .. }
            | PackFiles::Embedded { display, .. }
            | PackFiles::Memory { display, .. } => display,
        }
    }

    /// Reads a file the pack names, through the one resolver that confines it to the pack
    /// (`resolve.rs`); also gives the file's canonical path on disk, if it has one.
    fn read(&self, relative: &str) -> Result<(Arc<SourceFile>, Option<PathBuf>), String> {
        let name = if self.display().is_empty() {
            relative.to_string()
        } else {
            format!("{}/{relative}", self.display())
        };
        let resolved = match self {
            PackFiles::Directory { root, .. } => resolve::read_from_directory(root, relative)?,
            PackFiles::Embedded { directory, .. } => {
                resolve::read_from_embedded(directory, relative)?
            }
            PackFiles::Memory { files, .. } => resolve::read_from_memory(files, relative)?,
        };
        Ok((
            Arc::new(SourceFile::new(name, resolved.text)),
            resolved.path_on_disk,
        ))
    }
}

/// Loads a pack from a directory holding `pack.yaml`, or from a manifest file.
pub fn load_pack_from_path(path: &Path) -> Result<Pack, GuifanError> {
    let display = path.to_string_lossy().trim_end_matches('/').to_string();
    if path.is_file() {
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let manifest = path
            .file_name()
            .map(|name| name.to_string_lossy().to_string())
            .unwrap_or_default();
        let display = Path::new(&display)
            .parent()
            .map(|parent| parent.to_string_lossy().to_string())
            .unwrap_or_default();
        load_pack_with_manifest(&PackFiles::Directory { root, display }, &manifest)
    } else if path.is_dir() {
        load_pack(&PackFiles::Directory {
            root: path.to_path_buf(),
            display,
        })
    } else {
        Err(GuifanError::Read {
            path: display,
            message: "no such pack directory or file".to_string(),
        })
    }
}

/// Loads the pack whose manifest is `pack.yaml`.
pub fn load_pack(files: &PackFiles) -> Result<Pack, GuifanError> {
    load_pack_with_manifest(files, "pack.yaml")
}

struct ParsedFile {
    file: Arc<SourceFile>,
    root: Node,
}

#[derive(Default)]
struct Problems(Vec<LocatedError>);

impl Problems {
    fn add(
        &mut self,
        file: &SourceFile,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
    ) {
        self.0
            .push(LocatedError::new(file, span, message, label, None));
    }

    fn add_with_help(
        &mut self,
        file: &SourceFile,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
        help: String,
    ) {
        self.0
            .push(LocatedError::new(file, span, message, label, Some(help)));
    }

    fn field(&mut self, file: &SourceFile, fallback: Span, error: super::de::FieldError) {
        let span = error.span.unwrap_or(fallback);
        let label = if error.message.starts_with("unknown key") {
            "not a key of the pack format"
        } else {
            "here"
        };
        self.0.push(LocatedError::new(
            file,
            span,
            error.message,
            label,
            error.help,
        ));
    }
}

const MANIFEST_KEYS: &[&str] = &[
    "pack",
    "schema",
    "include",
    "clauses",
    "references",
    "aliases",
    "variables",
    "rules",
];
const CONTENT_KEYS: &[&str] = &["clauses", "references", "aliases", "variables", "rules"];

fn load_pack_with_manifest(files: &PackFiles, manifest_name: &str) -> Result<Pack, GuifanError> {
    let mut problems = Problems::default();
    let (manifest_file, manifest_path) =
        files
            .read(manifest_name)
            .map_err(|message| GuifanError::Read {
                path: format!("{}/{manifest_name}", files.display()),
                message,
            })?;
    // every file read from disk, so that no output can be written over the pack in use
    let mut paths_on_disk: Vec<(String, PathBuf)> = manifest_path
        .map(|path| (manifest_file.name.clone(), path))
        .into_iter()
        .collect();
    let mut parsed = Vec::new();
    let manifest_root = parse_file(&manifest_file, &mut problems);
    let mut manifest_spec: Option<ManifestSpec> = None;
    let mut schema_path: Option<(String, Span)> = None;
    if let Some(root) = &manifest_root {
        for entry in root.as_entries().unwrap_or_default() {
            match &*entry.key {
                "pack" => match from_node::<ManifestSpec>(&manifest_file, &entry.value) {
                    Ok(spec) => manifest_spec = Some(spec),
                    Err(error) => problems.field(&manifest_file, entry.value.span, error),
                },
                "schema" => match entry.value.as_str() {
                    Some(path) => schema_path = Some((path.to_string(), entry.value.span)),
                    None => problems.add(
                        &manifest_file,
                        entry.value.span,
                        "`schema` names the pack's JSON Schema file",
                        "a file name was expected",
                    ),
                },
                "include" => {
                    for item in entry.value.as_items().unwrap_or_default() {
                        let Some(path) = item.as_str() else {
                            problems.add(
                                &manifest_file,
                                item.span,
                                "an include is a file name",
                                "here",
                            );
                            continue;
                        };
                        match files.read(path) {
                            Ok((file, path_on_disk)) => {
                                paths_on_disk
                                    .extend(path_on_disk.map(|path| (file.name.clone(), path)));
                                if let Some(root) = parse_file(&file, &mut problems) {
                                    check_keys(&file, &root, CONTENT_KEYS, &mut problems);
                                    parsed.push(ParsedFile { file, root });
                                }
                            }
                            Err(message) => problems.add(
                                &manifest_file,
                                item.span,
                                format!("cannot read the included file `{path}`: {message}"),
                                "included here",
                            ),
                        }
                    }
                    if entry.value.as_items().is_none() {
                        problems.add(
                            &manifest_file,
                            entry.value.span,
                            "`include` is a list of file names",
                            "here",
                        );
                    }
                }
                // the sections are read with every file's below; unknown keys: check_keys
                _ => {}
            }
        }
        check_keys(&manifest_file, root, MANIFEST_KEYS, &mut problems);
        for required in ["pack", "schema"] {
            if root.entry(required).is_none() {
                problems.add(
                    &manifest_file,
                    root.locate("").span,
                    format!("the manifest has no `{required}`"),
                    format!("`{required}` is required"),
                );
            }
        }
        parsed.insert(
            0,
            ParsedFile {
                file: Arc::clone(&manifest_file),
                root: root.clone(),
            },
        );
    }

    let manifest =
        manifest_spec.and_then(|spec| build_manifest(&manifest_file, spec, &mut problems));

    // the schema: needed before aliases (their targets) and rules (the dossier's sections)
    let mut schema_json = serde_json::Value::Null;
    let mut validator = None;
    let mut schema_file = None;
    if let Some((path, span)) = &schema_path {
        match files.read(path) {
            Ok((file, path_on_disk)) => {
                paths_on_disk.extend(path_on_disk.map(|path| (file.name.clone(), path)));
                let syntax = Syntax::for_name(path);
                match parse_documents(&file, syntax) {
                    Ok(documents) if documents.len() == 1 => {
                        schema_json = documents[0].to_json();
                        let retriever = resolve::NoRetrieval::default();
                        let asked = retriever.asked();
                        match jsonschema::options_for::<crate::document::NodeJson>()
                            .with_retriever(retriever)
                            .build(&schema_json)
                        {
                            Ok(compiled) => validator = Some(compiled),
                            Err(error) => {
                                let asked = asked.lock().map(|asked| asked.first().cloned());
                                match asked.ok().flatten() {
                                    Some(uri) => problems.add_with_help(
                                        &file,
                                        resolve::reference_span(&documents[0], &uri)
                                            .unwrap_or(documents[0].locate("").span),
                                        format!(
                                            "the schema refers to `{uri}`, outside the pack: guifan never fetches a schema"
                                        ),
                                        "an external reference",
                                        "copy the definitions into this schema under `$defs` and refer to them as `#/$defs/NAME`".to_string(),
                                    ),
                                    None => problems.add(
                                        &file,
                                        documents[0].locate("").span,
                                        format!(
                                            "the dossier schema is not a valid JSON Schema: {error}"
                                        ),
                                        "in this schema",
                                    ),
                                }
                            }
                        }
                    }
                    Ok(_) => problems.add(
                        &file,
                        Span::default(),
                        "the schema file must hold one document",
                        "here",
                    ),
                    Err(error) => problems.add(&file, error.span, error.message, error.label),
                }
                schema_file = Some(file);
            }
            Err(message) => problems.add(
                &manifest_file,
                *span,
                format!("cannot read the schema `{path}`: {message}"),
                "named here",
            ),
        }
    }
    let schema_titles = property_names(&schema_json);
    let schema_properties: BTreeSet<String> = schema_titles.keys().cloned().collect();
    let sections: BTreeSet<String> = schema_json
        .get("properties")
        .and_then(|properties| properties.as_object())
        .map(|properties| properties.keys().cloned().collect())
        .unwrap_or_default();

    let mut context = Loader {
        variable_bytes: BTreeMap::new(),
        problems,
        clauses: Vec::new(),
        clause_spans: BTreeMap::new(),
        rule_ids: BTreeMap::new(),
        programs: std::collections::HashMap::new(),
        aliases: BTreeMap::new(),
        variables: Vec::new(),
        rules: Vec::new(),
        references: Vec::new(),
        sections,
        schema_properties,
    };
    for phase in ["clauses", "references", "aliases", "variables", "rules"] {
        for parsed_file in &parsed {
            if let Some(node) = parsed_file.root.get(phase) {
                context.section(phase, &parsed_file.file, node);
            }
        }
    }
    context.attestation_rules();

    let Loader {
        problems,
        clauses,
        aliases,
        variables,
        rules,
        references,
        schema_properties,
        ..
    } = context;
    if !problems.0.is_empty() {
        let mut problems = problems;
        // in the order of the files and of the text, as a person reads them
        let order: Vec<String> = parsed
            .iter()
            .map(|parsed| parsed.file.name.clone())
            .collect();
        problems.0.sort_by_key(|problem| {
            let name = problem.source_code.name.clone();
            let file_rank = order
                .iter()
                .position(|known| *known == name)
                .unwrap_or(order.len());
            (file_rank, name, problem.offset)
        });
        return Err(GuifanError::Pack {
            pack: files.display().to_string(),
            count: problems.0.len(),
            problems: problems.0,
        });
    }
    let (Some(manifest), Some(validator)) = (manifest, validator) else {
        return Err(GuifanError::Usage(format!(
            "the pack {} is incomplete",
            files.display()
        )));
    };
    let mut pack_files: Vec<Arc<SourceFile>> = parsed
        .iter()
        .map(|parsed| Arc::clone(&parsed.file))
        .collect();
    pack_files.extend(schema_file);
    let field_names = super::field_names::FieldNames::new(&schema_json, &aliases);
    Ok(Pack {
        manifest,
        clauses,
        field_names,
        aliases,
        schema: schema_json,
        schema_properties,
        field_titles: schema_titles
            .into_iter()
            .filter_map(|(name, title)| title.map(|title| (name, title)))
            .collect(),
        validator,
        variables,
        rules,
        references,
        files: pack_files,
        paths_on_disk,
    })
}

/// Compiles one expression as the pack compiles a rule's (`guifan eval`): the same depth
/// bounds, the same environment, the same check of the names it reads (the pack's variables,
/// its dossier sections, `doc` and `as_of`; no binding, as there is no element) and of its
/// literal patterns. `file` holds the expression's text, which errors point into.
pub fn compile_expression(
    pack: &Pack,
    file: &Arc<SourceFile>,
) -> Result<Expression, Vec<LocatedError>> {
    let sections: BTreeSet<String> = pack
        .schema
        .get("properties")
        .and_then(|properties| properties.as_object())
        .map(|properties| properties.keys().cloned().collect())
        .unwrap_or_default();
    let mut known: BTreeSet<String> = sections.clone();
    known.extend(BUILTIN_NAMES.iter().map(|name| name.to_string()));
    known.extend(CEL_NAMES.iter().map(|name| name.to_string()));
    known.extend(pack.variables.iter().map(|variable| variable.name.clone()));
    let mut loader = Loader {
        variable_bytes: BTreeMap::new(),
        problems: Problems::default(),
        clauses: Vec::new(),
        clause_spans: BTreeMap::new(),
        rule_ids: BTreeMap::new(),
        programs: std::collections::HashMap::new(),
        aliases: BTreeMap::new(),
        variables: Vec::new(),
        rules: Vec::new(),
        references: Vec::new(),
        sections,
        schema_properties: BTreeSet::new(),
    };
    let text = Spanned {
        span: Span::new(0, file.text.len()),
        value: file.text.to_string(),
    };
    match loader.compile(file, None, &text, &known) {
        Some(expression) if loader.problems.0.is_empty() => Ok(expression),
        _ => Err(loader.problems.0),
    }
}

fn parse_file(file: &Arc<SourceFile>, problems: &mut Problems) -> Option<Node> {
    match parse_documents(file, Syntax::for_name(&file.name)) {
        Ok(mut documents) => {
            if documents.len() != 1 {
                problems.add(
                    file,
                    Span::default(),
                    "a pack file holds exactly one YAML document",
                    "here",
                );
                return None;
            }
            let root = documents.remove(0);
            if !matches!(root.kind, NodeKind::Map(_)) {
                problems.add(
                    file,
                    root.span,
                    "a pack file is a mapping",
                    "a mapping was expected",
                );
                return None;
            }
            Some(root)
        }
        Err(error) => {
            problems.add(file, error.span, error.message, error.label);
            None
        }
    }
}

fn check_keys(file: &SourceFile, root: &Node, allowed: &[&str], problems: &mut Problems) {
    for entry in root.as_entries().unwrap_or_default() {
        if !allowed.contains(&&*entry.key) {
            problems.add_with_help(
                file,
                entry.key_span,
                format!("unknown key `{}`", entry.key),
                "not a key of the pack format",
                suggest(&entry.key, allowed),
            );
        }
    }
}

fn build_manifest(
    file: &SourceFile,
    spec: ManifestSpec,
    problems: &mut Problems,
) -> Option<Manifest> {
    static PACK_ID: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[a-z0-9]+([.-][a-z0-9]+)*$").expect("valid pattern"));
    if !PACK_ID.is_match(&spec.id) {
        problems.add(
            file,
            spec.id.span,
            format!(
                "the pack id `{}` must be lowercase words joined by `.` or `-`",
                spec.id.value
            ),
            "pack id",
        );
    }
    if let Err(error) = semver::Version::parse(&spec.version) {
        problems.add(
            file,
            spec.version.span,
            format!(
                "`{}` is not a semantic version: {error}",
                spec.version.value
            ),
            "e.g. 1.0.0",
        );
    }
    let effective_from = date_field(file, &spec.effective_from, problems);
    let effective_until = spec
        .effective_until
        .as_ref()
        .and_then(|until| date_field(file, until, problems));
    Some(Manifest {
        id: spec.id.value,
        version: spec.version.value,
        title: spec.title,
        standard_code: spec.standard.code,
        standard_title: spec.standard.title,
        effective_from: effective_from?,
        effective_until,
        waivers_need_document: spec
            .waivers
            .is_some_and(|policy| policy.shall_requires_document),
    })
}

fn date_field(
    file: &SourceFile,
    value: &Spanned<String>,
    problems: &mut Problems,
) -> Option<chrono::NaiveDate> {
    let date = parse_date(value);
    if date.is_none() {
        problems.add(
            file,
            value.span,
            format!("`{}` is not a date (YYYY-MM-DD or YYYYMMDD)", value.value),
            "a date was expected",
        );
    }
    date
}

/// Every property name the schema declares anywhere (the only keys an alias may point to),
/// with the first `title` given to it (事项名称 for `name` …), for messages.
fn property_names(schema: &serde_json::Value) -> BTreeMap<String, Option<String>> {
    let mut names: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut stack = vec![schema];
    while let Some(value) = stack.pop() {
        match value {
            serde_json::Value::Object(object) => {
                if let Some(serde_json::Value::Object(properties)) = object.get("properties") {
                    for (name, property) in properties {
                        let title = property.get("title").and_then(|title| title.as_str());
                        let slot = names.entry(name.clone()).or_default();
                        if slot.is_none() {
                            *slot = title.map(str::to_string);
                        }
                    }
                }
                stack.extend(object.values().rev());
            }
            serde_json::Value::Array(items) => stack.extend(items.iter().rev()),
            _ => {}
        }
    }
    names
}

struct Loader {
    /// The estimated longest string of each variable built only from literals and variables.
    variable_bytes: BTreeMap<String, usize>,
    problems: Problems,
    clauses: Vec<Clause>,
    clause_spans: BTreeMap<String, (Arc<SourceFile>, Span)>,
    rule_ids: BTreeMap<String, (Arc<SourceFile>, Span)>,
    /// Programs compiled so far, by their text.
    programs: std::collections::HashMap<String, Arc<cel::Program>>,
    aliases: BTreeMap<String, String>,
    variables: Vec<Variable>,
    rules: Vec<Rule>,
    references: Vec<Reference>,
    sections: BTreeSet<String>,
    schema_properties: BTreeSet<String>,
}

static IDENTIFIER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z_][A-Za-z0-9_]*$").expect("valid pattern"));
static RULE_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$").expect("valid pattern"));
static CLAUSE_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[0-9]+(\.[0-9]+)*$").expect("valid pattern"));
/// Variables a comprehension introduces: `xs.all(x, …)`, `m.exists(k, v, …)`.
static COMPREHENSION_VARIABLES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:all|exists|exists_one|existsOne|map|filter|transformList|transformMap|optMap|optFlatMap)\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,(?:\s*([A-Za-z_][A-Za-z0-9_]*)\s*,)?")
        .expect("valid pattern")
});
/// `matches` with a literal pattern: compiled (and checked) at load.
static LITERAL_PATTERNS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"matches\((?:[^,()]*,\s*)?(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\)"#)
        .expect("valid pattern")
});

impl Loader {
    fn section(&mut self, phase: &str, file: &Arc<SourceFile>, node: &Node) {
        if phase == "aliases" {
            let Some(entries) = node.as_entries() else {
                self.problems.add(
                    file,
                    node.span,
                    "`aliases` maps a key as written to its canonical key",
                    "a mapping was expected",
                );
                return;
            };
            for entry in entries {
                self.alias(file, entry);
            }
            return;
        }
        let Some(items) = node.as_items() else {
            self.problems.add(
                file,
                node.span,
                format!("`{phase}` is a list"),
                "a list was expected",
            );
            return;
        };
        for item in items {
            match phase {
                "clauses" => match from_node::<ClauseSpec>(file, item) {
                    Ok(spec) => self.clause(file, spec),
                    Err(error) => self.problems.field(file, item.span, error),
                },
                "references" => match from_node::<ReferenceSpec>(file, item) {
                    Ok(spec) => self.reference(file, spec),
                    Err(error) => self.problems.field(file, item.span, error),
                },
                "variables" => match from_node::<VariableSpec>(file, item) {
                    Ok(spec) => self.variable(file, item, spec),
                    Err(error) => self.problems.field(file, item.span, error),
                },
                _ => match from_node::<RuleSpec>(file, item) {
                    Ok(spec) => self.rule(file, item, spec),
                    Err(error) => self.problems.field(file, item.span, error),
                },
            }
        }
    }

    fn alias(&mut self, file: &Arc<SourceFile>, entry: &crate::document::Entry) {
        let Some(target) = entry.value.as_str() else {
            self.problems.add(
                file,
                entry.value.span,
                "an alias maps to a canonical key",
                "a key name was expected",
            );
            return;
        };
        if self.schema_properties.contains(&*entry.key) {
            self.problems.add(
                file,
                entry.key_span,
                format!(
                    "`{}` is itself a key of the schema and cannot be an alias",
                    entry.key
                ),
                "canonical key",
            );
        } else if !self.schema_properties.contains(target) {
            let known: Vec<&str> = self.schema_properties.iter().map(String::as_str).collect();
            let closest = suggest(target, &known);
            let help = closest
                .split_once('?')
                .map(|(first, _)| format!("{first}?"));
            self.problems.0.push(LocatedError::new(
                file,
                entry.value.span,
                format!(
                    "the alias `{}` points to `{target}`, which the schema does not declare",
                    entry.key
                ),
                "unknown key",
                help,
            ));
        } else if let Some(previous) = self.aliases.get(&*entry.key) {
            if previous != target {
                self.problems.add(
                    file,
                    entry.key_span,
                    format!(
                        "the alias `{}` is declared twice (`{previous}` and `{target}`)",
                        entry.key
                    ),
                    "second declaration",
                );
            }
        } else {
            self.aliases
                .insert(entry.key.to_string(), target.to_string());
        }
    }

    fn clause(&mut self, file: &Arc<SourceFile>, spec: ClauseSpec) {
        if !CLAUSE_NUMBER.is_match(&spec.number) {
            self.problems.add(
                file,
                spec.number.span,
                format!("`{}` is not a clause number", spec.number.value),
                "e.g. 5.2.1.1",
            );
            return;
        }
        if let Some((first_file, first_span)) = self.clause_spans.get(&spec.number.value) {
            let first = first_file.line_column(first_span.start());
            self.problems.add(
                file,
                spec.number.span,
                format!(
                    "clause {} is listed twice (first in {} at line {})",
                    spec.number.value, first_file.name, first.line
                ),
                "listed again",
            );
            return;
        }
        if *spec.coverage == Coverage::Informative
            && spec.reason.as_deref().is_none_or(str::is_empty)
        {
            self.problems.add(
                file,
                spec.coverage.span,
                format!(
                    "clause {} is informative but gives no `reason`",
                    spec.number.value
                ),
                "say why it cannot be checked",
            );
        }
        self.clause_spans.insert(
            spec.number.value.clone(),
            (Arc::clone(file), spec.number.span),
        );
        self.clauses.push(Clause {
            number: spec.number.value,
            force: spec.force,
            coverage: spec.coverage.value,
            text: spec.text,
            reason: spec.reason,
            attested_from: spec.attested_from.map(|stage| stage.value),
        });
    }

    fn reference(&mut self, file: &Arc<SourceFile>, spec: ReferenceSpec) {
        if self
            .references
            .iter()
            .any(|known| known.standard == spec.standard.value)
        {
            self.problems.add(
                file,
                spec.standard.span,
                format!("the reference {} is listed twice", spec.standard.value),
                "listed again",
            );
            return;
        }
        self.references.push(Reference {
            standard: spec.standard.value,
            title: spec.title,
        });
    }

    fn variable(&mut self, file: &Arc<SourceFile>, node: &Node, spec: VariableSpec) {
        let name = spec.name.value.clone();
        if !IDENTIFIER.is_match(&name) {
            self.problems.add(
                file,
                spec.name.span,
                format!("`{name}` is not a CEL identifier"),
                "variable name",
            );
            return;
        }
        if self.sections.contains(&name)
            || BUILTIN_NAMES.contains(&name.as_str())
            || self.variables.iter().any(|variable| variable.name == name)
        {
            self.problems.add(
                file,
                spec.name.span,
                format!("the variable `{name}` is already a name"),
                "choose another name",
            );
            return;
        }
        let known = self.known_names(&[]);
        let Some(expression) = self.compile(file, node.get("expr"), &spec.expr, &known) else {
            return;
        };
        // string growth, estimated where the variable is written (the runtime bounds the rest)
        if let Some(bytes) = super::expression_limits::estimated_string_bytes(
            &expression.source,
            &expression.variables,
            &self.variable_bytes,
        ) {
            let limit = crate::engine::evaluate::MAX_STRING_BYTES;
            if bytes > limit {
                self.problems.add_with_help(
                    file,
                    spec.expr.span,
                    format!(
                        "the variable `{name}` can grow to about {bytes} bytes, more than the {limit} a value may hold"
                    ),
                    "grows too large",
                    "a variable that repeats another (`b: a + a`) doubles it: compute what the rules need instead".to_string(),
                );
                return;
            }
            self.variable_bytes.insert(name.clone(), bytes);
        }
        self.variables.push(Variable {
            name,
            expression,
            description: spec.description,
        });
    }

    /// Names an expression may read: dossier sections, built-ins, variables so far, bindings.
    fn known_names(&self, bindings: &[String]) -> BTreeSet<String> {
        let mut names: BTreeSet<String> = self.sections.clone();
        names.extend(BUILTIN_NAMES.iter().map(|name| name.to_string()));
        names.extend(CEL_NAMES.iter().map(|name| name.to_string()));
        names.extend(self.variables.iter().map(|variable| variable.name.clone()));
        names.extend(bindings.iter().cloned());
        names
    }

    fn rule(&mut self, file: &Arc<SourceFile>, node: &Node, spec: RuleSpec) {
        let problems_before = self.problems.0.len();
        if !RULE_ID.is_match(&spec.id) {
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
        if CLAUSE_NUMBER.is_match(&spec.id) {
            self.problems.add(
                file,
                spec.id.span,
                "a rule id names the violation, never a clause number",
                "rule id",
            );
        }
        if let Some((first_file, first_span)) = self.rule_ids.get(&spec.id.value) {
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
                let help = suggest(&reference.standard, &known);
                let help = help.split_once('?').map(|(first, _)| format!("{first}?"));
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
                    let help = suggest(&number.value, &known);
                    let help = help.split_once('?').map(|(first, _)| format!("{first}?"));
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
        let reads = self.fields_read(
            guard.iter().chain([&assertion]).chain(cite.iter()),
            &bindings,
        );
        let fields_read = reads.fields;
        // the paths read from the rule's bindings, the sections and `doc` are placed exactly;
        // a path from a comprehension's variable starts at a list that is itself read from one
        // of those (or a variable), so it adds nothing
        let placed = |expressions: &[&Expression]| -> Vec<super::ReadChain> {
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
        let all: Vec<&Expression> = guard
            .iter()
            .chain([&assertion])
            .chain(cite.iter())
            .collect();
        let chains = placed(&all);
        let guard_chains = placed(&guard.iter().collect::<Vec<_>>());
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
            chains,
            guard_chains,
            fields_read,
            reads_across_elements: reads.across,
            sections_read: reads.sections,
            format: spec.format,
        });
    }

    fn reference_named(&self, standard: &str) -> Option<&Reference> {
        self.references
            .iter()
            .find(|reference| reference.standard == standard)
    }

    /// The field names a rule's expressions select, with those of the pack variables they
    /// read (variables read variables before them, so one pass in order settles it), and
    /// whether any of it reaches beyond the rule's own element (a variable that selects
    /// fields, a section or `doc` read directly).
    fn fields_read<'e>(
        &self,
        expressions: impl Iterator<Item = &'e Expression>,
        bindings: &[String],
    ) -> Reads {
        // what each variable reads, with what the variables it reads read
        let mut variable_reads: BTreeMap<&str, Reads> = BTreeMap::new();
        for variable in &self.variables {
            let mut reads = Reads::default();
            reads
                .fields
                .extend(variable.expression.fields.iter().cloned());
            reads.fields.extend(
                variable
                    .expression
                    .chains
                    .iter()
                    .flat_map(|chain| chain.fields.iter().cloned()),
            );
            for name in &variable.expression.variables {
                reads.name(name, &variable_reads, &self.sections);
            }
            variable_reads.insert(&variable.name, reads);
        }
        let mut reads = Reads::default();
        for expression in expressions {
            // index keys: their place is not known
            reads.fields.extend(expression.fields.iter().cloned());
            for name in &expression.variables {
                // bindings and sections are read through their chains, placed exactly
                if variable_reads.contains_key(name.as_str()) {
                    reads.name(name, &variable_reads, &self.sections);
                }
            }
        }
        let _ = bindings;
        reads
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
            if path.iter().any(|segment| !IDENTIFIER.is_match(segment))
                || !IDENTIFIER.is_match(&binding)
                || key_binding
                    .as_deref()
                    .is_some_and(|key| !IDENTIFIER.is_match(key))
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
                self.problems.add_with_help(
                    file,
                    text.span,
                    format!("for_each starts at `{}`, which is neither a dossier section nor an outer binding", path[0]),
                    "unknown name",
                    suggest(&path[0], &known),
                );
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
                    match regex::Regex::new(unquoted) {
                        Ok(compiled) => Some(Arc::new(compiled)),
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
            IDENTIFIER.is_match(segment)
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

    fn localized_template(
        &mut self,
        file: &Arc<SourceFile>,
        node: Option<&Node>,
        text: &TextSpec,
        known: &BTreeSet<String>,
    ) -> Option<Localized<Template>> {
        let zh = self.template(file, node.and_then(|node| node.get("zh")), &text.zh, known);
        let en = self.template(file, node.and_then(|node| node.get("en")), &text.en, known);
        Some(Localized { zh: zh?, en: en? })
    }

    /// `{expression}` interpolates a CEL value; `{{` and `}}` are literal braces.
    fn template(
        &mut self,
        file: &Arc<SourceFile>,
        node: Option<&Node>,
        text: &Spanned<String>,
        known: &BTreeSet<String>,
    ) -> Option<Template> {
        let mut parts = Vec::new();
        let mut ok = true;
        for piece in scan_template(&text.value) {
            match piece {
                TemplatePiece::Literal(literal) => parts.push(TemplatePart::Literal(literal)),
                TemplatePiece::Expression { start, end } => {
                    let located = Located {
                        file,
                        node,
                        value: text,
                        offset: start,
                    };
                    match self.compile_located(&located, &text.value[start..end], known) {
                        Some(expression) => parts.push(TemplatePart::Expression(expression)),
                        None => ok = false,
                    }
                }
                TemplatePiece::LoneClose(at) => {
                    let span = value_span(file, node, text, at, 1);
                    self.problems
                        .add(file, span, "a lone `}` in a message (write `}}`)", "here");
                    ok = false;
                }
                TemplatePiece::Unclosed(at) => {
                    let span = value_span(file, node, text, at, 1);
                    self.problems.add(
                        file,
                        span,
                        "an interpolation `{` is not closed",
                        "opened here",
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(Template { parts })
    }

    fn compile(
        &mut self,
        file: &Arc<SourceFile>,
        node: Option<&Node>,
        text: &Spanned<String>,
        known: &BTreeSet<String>,
    ) -> Option<Expression> {
        let located = Located {
            file,
            node,
            value: text,
            offset: 0,
        };
        self.compile_located(&located, &text.value, known)
    }

    fn compile_located(
        &mut self,
        located: &Located<'_>,
        expression_text: &str,
        known: &BTreeSet<String>,
    ) -> Option<Expression> {
        // a text too deep for the parser's stack is refused before it is parsed
        if let Err(error) = super::expression_limits::check_shape(expression_text) {
            let span = located.span(error.offset, 1);
            self.problems
                .add(located.file, span, error.message, "too deep here");
            return None;
        }
        // the same text is often written in many rules (`has(item.task_type)` …): compile it
        // once and share the program
        let cached = self.programs.get(expression_text).cloned();
        let program = match cached.map(Ok).unwrap_or_else(|| {
            environment()
                .compile(expression_text)
                .map(std::sync::Arc::new)
        }) {
            Ok(program) => {
                self.programs
                    .entry(expression_text.to_string())
                    .or_insert_with(|| std::sync::Arc::clone(&program));
                program
            }
            Err(errors) => {
                for error in &errors.errors {
                    let offset = offset_of_line_column(expression_text, error.pos.0, error.pos.1);
                    let span = located.span(offset, 1);
                    let message = error
                        .msg
                        .strip_prefix("Syntax error: ")
                        .unwrap_or(&error.msg);
                    let depth_error = super::expression_limits::is_depth_error(message);
                    self.problems.add(
                        located.file,
                        span,
                        format!(
                            "CEL syntax error: {}",
                            super::expression_limits::parse_error_message(message)
                        ),
                        "here",
                    );
                    // what the parser says after its depth error is about its own state
                    if depth_error {
                        break;
                    }
                }
                return None;
            }
        };
        // the interpreter recurses once per level of the tree, on the stack of a rayon worker
        // (2 MiB): `1 + 1 + …` with 2,000 terms overflowed it (found by fuzzing)
        let depth = expression_depth(program.expression());
        if depth > MAX_EXPRESSION_DEPTH {
            self.problems.add_with_help(
                located.file,
                located.span(0, expression_text.len()),
                format!(
                    "the expression nests {depth} levels deep; at most {MAX_EXPRESSION_DEPTH} can be evaluated"
                ),
                "too deep",
                "split it into pack variables, or use `in` with a list instead of a long chain of `||` or `+`".to_string(),
            );
            return None;
        }
        let references = program.references();
        let introduced: BTreeSet<&str> = COMPREHENSION_VARIABLES
            .captures_iter(expression_text)
            .flat_map(|captures| [captures.get(1), captures.get(2)])
            .flatten()
            .map(|name| name.as_str())
            .collect();
        let mut variables: Vec<String> = Vec::new();
        let mut ok = true;
        for name in references.variables() {
            if introduced.contains(name) {
                continue;
            }
            if !known.contains(name) {
                let offset = find_identifier(expression_text, name).unwrap_or(0);
                let known_list: Vec<&str> = known.iter().map(String::as_str).collect();
                self.problems.add_with_help(
                    located.file,
                    located.span(offset, name.len()),
                    format!("`{name}` is not a binding, a pack variable or a dossier section"),
                    "unknown name",
                    suggest(name, &known_list),
                );
                ok = false;
            }
            variables.push(name.to_string());
        }
        for captures in LITERAL_PATTERNS.captures_iter(expression_text) {
            let Some(pattern) = captures.get(1).or_else(|| captures.get(2)) else {
                continue;
            };
            let unescaped = pattern.as_str().replace("\\\\", "\\");
            if let Err(error) = cached_regex(&unescaped) {
                self.problems.add(
                    located.file,
                    located.span(pattern.start(), pattern.len()),
                    format!("invalid regular expression: {error}"),
                    "this pattern",
                );
                ok = false;
            }
        }
        variables.sort();
        variables.dedup();
        let mut fields = BTreeSet::new();
        let mut chains = BTreeSet::new();
        read_paths(&program.expression().expr, &mut chains, &mut fields);
        ok.then(|| Expression {
            source: expression_text.to_string(),
            program,
            variables,
            fields: fields.into_iter().collect(),
            chains: chains.into_iter().collect(),
            origin: Origin {
                file: Arc::clone(located.file),
                span: located.span(0, expression_text.len()),
            },
        })
    }

    /// Clauses marked `attestation` get a rule: an attestation in the dossier must name them.
    fn attestation_rules(&mut self) {
        let attested: Vec<Clause> = self
            .clauses
            .iter()
            .filter(|clause| clause.coverage == Coverage::Attestation)
            .cloned()
            .collect();
        if attested.is_empty() {
            return;
        }
        let known = self.known_names(&[]);
        for clause in attested {
            let Some((file, span)) = self.clause_spans.get(&clause.number).cloned() else {
                continue;
            };
            let number = &clause.number;
            let text = Spanned {
                span,
                value: format!(
                    "has(doc.attestations) && doc.attestations.exists(a, has(a.clause) && a.clause == '{number}')"
                ),
            };
            let Some(assertion) = self.compile(&file, None, &text, &known) else {
                continue;
            };
            let literal = |text: String| Template {
                parts: vec![TemplatePart::Literal(text)],
            };
            let fields_read = assertion.fields.iter().cloned().collect();
            let chains = assertion
                .chains
                .iter()
                .filter(|chain| chain.root == "doc")
                .cloned()
                .collect();
            let sections_read = Some(BTreeSet::from(["attestations".to_string()]));
            self.rules.push(Rule {
                id: "attestation-missing".to_string(),
                clauses: vec![number.clone()],
                reference: None,
                cite: None,
                stage: clause.attested_from.unwrap_or(Stage::Proposal),
                severity: severity_cap(clause.force),
                for_each: Vec::new(),
                guard: None,
                assertion,
                target: Some(Target::Absolute("/attestations".to_string())),
                message: Localized {
                    zh: literal(format!("缺少对条款 {number} 的声明（attestation）")),
                    en: literal(format!("no attestation names clause {number}")),
                },
                help: Some(Localized {
                    zh: format!("在 attestations 中加入一条声明：clause: '{number}'，写明 statement（声明内容）、attested_by（声明人）和 attested_on（日期）。"),
                    en: format!("add an entry to attestations with clause: '{number}', a statement, attested_by (who attests) and attested_on (the date)."),
                }),
                effective_from: None,
                effective_until: None,
                origin: Origin { file, span },
                chains,
                guard_chains: Vec::new(),
                fields_read,
                reads_across_elements: true,
                sections_read,
                format: false,
            });
        }
    }
}

/// The deepest CEL expression a pack may hold: the interpreter uses about 2 KB of stack a
/// level in a release build, and an evaluation runs on a 2 MiB rayon worker. The national
/// pack's deepest expression nests 9 levels.
pub const MAX_EXPRESSION_DEPTH: usize = 100;

/// How many levels a compiled expression nests (a literal is 1), counted without recursion so
/// that the count itself cannot overflow the stack.
fn expression_depth(root: &cel::common::ast::IdedExpr) -> usize {
    use cel::common::ast::{EntryExpr, Expr};
    let mut deepest = 0;
    let mut pending = vec![(root, 1usize)];
    while let Some((node, depth)) = pending.pop() {
        deepest = deepest.max(depth);
        let below = depth + 1;
        match &node.expr {
            Expr::Call(call) => {
                pending.extend(call.target.iter().map(|target| (&**target, below)));
                pending.extend(call.args.iter().map(|argument| (argument, below)));
            }
            Expr::Comprehension(comprehension) => pending.extend(
                [
                    &comprehension.iter_range,
                    &comprehension.accu_init,
                    &comprehension.loop_cond,
                    &comprehension.loop_step,
                    &comprehension.result,
                ]
                .map(|part| (part, below)),
            ),
            Expr::List(list) => {
                pending.extend(list.elements.iter().map(|element| (element, below)))
            }
            Expr::Select(select) => pending.push((&select.operand, below)),
            Expr::Map(map) => {
                for entry in &map.entries {
                    if let EntryExpr::MapEntry(entry) = &entry.expr {
                        pending.push((&entry.key, below));
                        pending.push((&entry.value, below));
                    }
                }
            }
            Expr::Struct(structure) => {
                for entry in &structure.entries {
                    if let EntryExpr::StructField(field) = &entry.expr {
                        pending.push((&field.value, below));
                    }
                }
            }
            Expr::Unspecified | Expr::Ident(_) | Expr::Literal(_) => {}
        }
    }
    deepest
}

/// A text inside a pack value: maps offsets within an expression back to the pack file.
struct Located<'a> {
    file: &'a Arc<SourceFile>,
    node: Option<&'a Node>,
    value: &'a Spanned<String>,
    /// Where the expression starts within the value's text.
    offset: usize,
}

impl Located<'_> {
    fn span(&self, offset_in_expression: usize, length: usize) -> Span {
        value_span(
            self.file,
            self.node,
            self.value,
            self.offset + offset_in_expression,
            length,
        )
    }
}

/// Maps a byte offset within a YAML scalar's value to the file. Each line of the value is
/// found again in the scalar's source text (which may be quoted, folded or indented); where
/// escapes make that impossible, the scalar's start is used.
fn value_span(
    file: &SourceFile,
    node: Option<&Node>,
    value: &Spanned<String>,
    offset: usize,
    length: usize,
) -> Span {
    let scalar_span = node.map(|node| node.span).unwrap_or(value.span);
    let raw = file.slice(scalar_span);
    let text = value.value.as_str();
    let offset = offset.min(text.len());
    let mut search_from = 0usize;
    let mut line_start_in_value = 0usize;
    for line in text.split('\n') {
        let line_end_in_value = line_start_in_value + line.len();
        let found = if line.is_empty() {
            Some(search_from)
        } else {
            raw[search_from..].find(line).map(|at| search_from + at)
        };
        let Some(found) = found else {
            break;
        };
        if offset <= line_end_in_value {
            let start = scalar_span.start() + found + (offset - line_start_in_value);
            let mut end = (start + length)
                .min(scalar_span.start() + found + line.len())
                .max(start);
            // a one-byte span at a multi-byte character (where the CEL parser stopped at `关`)
            // covers the character: a span must not cut one (found by fuzzing)
            while !file.text.is_char_boundary(end) {
                end += 1;
            }
            return Span::new(start, end);
        }
        search_from = found + line.len();
        line_start_in_value = line_end_in_value + 1;
    }
    Span::new(scalar_span.start(), scalar_span.start())
}

/// A message template cut into its pieces; offsets are bytes of the template's text.
enum TemplatePiece {
    Literal(String),
    /// `{expression}`: the expression is `text[start..end]`.
    Expression {
        start: usize,
        end: usize,
    },
    /// A `}` that closes nothing, at this offset.
    LoneClose(usize),
    /// A `{` that is never closed, at this offset (the scan stops there).
    Unclosed(usize),
}

/// `{expression}` interpolates a CEL value; `{{` and `}}` are literal braces.
fn scan_template(text: &str) -> Vec<TemplatePiece> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut offset = 0usize;
    while let Some(found) = text[offset..].find(['{', '}']) {
        let position = offset + found;
        literal.push_str(&text[offset..position]);
        let brace = &text[position..];
        if brace.starts_with("{{") || brace.starts_with("}}") {
            literal.push(brace.as_bytes()[0] as char);
            offset = position + 2;
            continue;
        }
        if brace.starts_with('}') {
            pieces.push(TemplatePiece::LoneClose(position));
            offset = position + 1;
            continue;
        }
        let Some(close) = matching_brace(brace) else {
            pieces.push(TemplatePiece::Unclosed(position));
            offset = text.len();
            break;
        };
        if !literal.is_empty() {
            pieces.push(TemplatePiece::Literal(std::mem::take(&mut literal)));
        }
        pieces.push(TemplatePiece::Expression {
            start: position + 1,
            end: position + close,
        });
        offset = position + close + 1;
    }
    literal.push_str(&text[offset..]);
    if !literal.is_empty() {
        pieces.push(TemplatePiece::Literal(literal));
    }
    pieces
}

/// The offset of the `}` that closes the `{` at the start of `text`, skipping nested braces
/// (a map literal) and braces inside CEL string literals.
fn matching_brace(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (offset, character) in text.char_indices() {
        if let Some(open) = quote {
            match (escaped, character) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, c) if c == open => quote = None,
                _ => {}
            }
            continue;
        }
        match character {
            '\'' | '"' => quote = Some(character),
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(offset);
                }
            }
            _ => {}
        }
    }
    None
}

/// Byte offset of a 1-based line and 1-based character column within a text.
fn offset_of_line_column(text: &str, line: isize, column: isize) -> usize {
    let line = line.max(1) as usize;
    let column = column.max(1) as usize;
    let mut line_start = 0usize;
    for (index, line_text) in text.split('\n').enumerate() {
        if index + 1 == line {
            return line_start
                + line_text
                    .char_indices()
                    .nth(column - 1)
                    .map_or(line_text.len(), |(byte, _)| byte);
        }
        line_start += line_text.len() + 1;
    }
    text.len()
}

fn find_identifier(text: &str, name: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let is_word = |byte: u8| byte.is_ascii_alphanumeric() || byte == b'_';
    let mut from = 0;
    while let Some(found) = text[from..].find(name) {
        let start = from + found;
        let end = start + name.len();
        let before = start == 0 || !is_word(bytes[start - 1]) && bytes[start - 1] != b'.';
        let after = end == bytes.len() || !is_word(bytes[end]);
        if before && after {
            return Some(start);
        }
        from = end;
    }
    None
}

/// What a rule's expressions read: field names, and the sections beyond its own element.
struct Reads {
    fields: BTreeSet<String>,
    /// Something beyond the rule's element is read (a variable, a section, `doc`).
    across: bool,
    /// The sections read beyond the element; `None` for `doc` (any section).
    sections: Option<BTreeSet<String>>,
}

impl Default for Reads {
    fn default() -> Self {
        Reads {
            fields: BTreeSet::new(),
            across: false,
            sections: Some(BTreeSet::new()),
        }
    }
}

impl Reads {
    /// A name an expression reads: a variable (with what it reads), a section or `doc`.
    fn name(&mut self, name: &str, variables: &BTreeMap<&str, Reads>, sections: &BTreeSet<String>) {
        if let Some(inner) = variables.get(name) {
            self.fields.extend(inner.fields.iter().cloned());
            self.across |= inner.across;
            match (&mut self.sections, &inner.sections) {
                (Some(mine), Some(theirs)) => mine.extend(theirs.iter().cloned()),
                (mine, None) => *mine = None,
                (None, _) => {}
            }
        } else if name == "doc" {
            self.across = true;
            self.sections = None;
        } else if sections.contains(name) {
            self.across = true;
            self.fields.insert(name.to_string());
            if let Some(mine) = &mut self.sections {
                mine.insert(name.to_string());
            }
        }
    }
}

/// The highest severity a rule of a clause of this force may have: 应 error, 宜 warning, 可 and
/// informative clauses info.
fn severity_cap(force: Force) -> Severity {
    match force {
        Force::Shall => Severity::Error,
        Force::Should => Severity::Warning,
        Force::May | Force::Informative => Severity::Info,
    }
}

/// The paths an expression reads from a name (`item.a.b`, `has(item.a.b)`, a bare `item`), and
/// the keys of `x['k']` indexes, whose place is not followed. The parser bounds the
/// expression's depth, so the walk's recursion is bounded too.
fn read_paths(
    expression: &cel::common::ast::Expr,
    chains: &mut BTreeSet<super::ReadChain>,
    loose: &mut BTreeSet<String>,
) {
    use cel::common::ast::{EntryExpr, Expr};
    match expression {
        Expr::Select(select) => {
            let mut fields = vec![select.field.clone()];
            let mut operand = &select.operand.expr;
            loop {
                match operand {
                    Expr::Select(inner) => {
                        fields.push(inner.field.clone());
                        operand = &inner.operand.expr;
                    }
                    Expr::Ident(root) => {
                        fields.reverse();
                        chains.insert(super::ReadChain {
                            root: root.clone(),
                            fields,
                            presence_only: select.test,
                        });
                        return;
                    }
                    other => {
                        // a path from a computed value (`code_parts(…).body`): the fields are
                        // of that value, not of the dossier
                        read_paths(other, chains, loose);
                        return;
                    }
                }
            }
        }
        Expr::Ident(root) => {
            chains.insert(super::ReadChain {
                root: root.clone(),
                fields: Vec::new(),
                presence_only: false,
            });
        }
        Expr::Call(call) if call.func_name == "size" => {
            // `size(x)` reads how many, not what: like `has`, only a malformed container or
            // ancestor matters
            for part in call
                .target
                .iter()
                .map(|target| &**target)
                .chain(call.args.iter())
            {
                let mut inner = BTreeSet::new();
                read_paths(&part.expr, &mut inner, loose);
                let whole = matches!(part.expr, Expr::Select(_) | Expr::Ident(_));
                for mut chain in inner {
                    if whole {
                        chain.presence_only = true;
                    }
                    chains.insert(chain);
                }
            }
        }
        Expr::Call(call) => {
            if call.func_name == "_[_]" {
                if let Some(Expr::Literal(cel::common::ast::LiteralValue::String(key))) =
                    call.args.get(1).map(|argument| &argument.expr)
                {
                    loose.insert(key.to_string());
                }
            }
            if let Some(target) = &call.target {
                read_paths(&target.expr, chains, loose);
            }
            for argument in &call.args {
                read_paths(&argument.expr, chains, loose);
            }
        }
        Expr::Comprehension(comprehension) => {
            // `doc.items.exists(i, has(i.note))` reads the note of every item: a path from the
            // comprehension's variable continues the range's path through any element (`*`)
            let mut range = BTreeSet::new();
            read_paths(&comprehension.iter_range.expr, &mut range, loose);
            let range_chain = matches!(
                comprehension.iter_range.expr,
                Expr::Select(_) | Expr::Ident(_)
            )
            .then(|| range.iter().next().cloned())
            .flatten();
            let mut inner = BTreeSet::new();
            for part in [
                &comprehension.accu_init,
                &comprehension.loop_cond,
                &comprehension.loop_step,
                &comprehension.result,
            ] {
                read_paths(&part.expr, &mut inner, loose);
            }
            match range_chain {
                Some(range_chain) => {
                    // iterating reads the elements only through the variable
                    chains.insert(super::ReadChain {
                        presence_only: true,
                        ..range_chain.clone()
                    });
                    for chain in inner {
                        if chain.root == comprehension.iter_var {
                            let mut fields = range_chain.fields.clone();
                            fields.push(super::READ_ANY_ELEMENT.to_string());
                            fields.extend(chain.fields);
                            chains.insert(super::ReadChain {
                                root: range_chain.root.clone(),
                                fields,
                                presence_only: chain.presence_only,
                            });
                        } else {
                            chains.insert(chain);
                        }
                    }
                }
                None => {
                    chains.extend(range);
                    chains.extend(inner);
                }
            }
        }
        Expr::List(list) => {
            for element in &list.elements {
                read_paths(&element.expr, chains, loose);
            }
        }
        Expr::Map(map) => {
            for entry in &map.entries {
                if let EntryExpr::MapEntry(entry) = &entry.expr {
                    read_paths(&entry.key.expr, chains, loose);
                    read_paths(&entry.value.expr, chains, loose);
                }
            }
        }
        Expr::Struct(structure) => {
            for entry in &structure.entries {
                if let EntryExpr::StructField(field) = &entry.expr {
                    read_paths(&field.value.expr, chains, loose);
                }
            }
        }
        Expr::Unspecified | Expr::Literal(_) => {}
    }
}
