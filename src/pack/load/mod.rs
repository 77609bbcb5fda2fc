//! Strict pack loading: every file parsed with spans, every entry typed, every CEL expression
//! compiled, every reference (clause, variable, binding) checked, and every error of the whole
//! pack reported in one run at its line and column in the pack's own files.
//!
//! This file holds the entry points, where a pack's files come from (`PackFiles`), the problems
//! collected on the way and the phase loop: each section of every file, in the order clauses,
//! references, aliases, variables, rules (each phase needs the ones before). What each phase
//! does is in a file of its own: the manifest and its includes (`manifest.rs`), the dossier
//! schema (`schema.rs`), aliases (`aliases.rs`), clauses, references and attestation rules
//! (`clauses.rs`), pack variables (`variables.rs`), rules (`rules.rs`), CEL expressions
//! (`expressions.rs`), what they read (`reads.rs`) and message templates (`templates.rs`).

mod aliases;
mod clauses;
mod expressions;
mod manifest;
mod names;
mod overlay;
mod parallel;
mod reads;
mod rules;
mod schema;
mod templates;
mod variables;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use include_dir::Dir;

use super::de::from_node;
use super::resolve;
use super::spec::{ClauseSpec, ReferenceSpec, RuleSpec, VariableSpec};
use super::{Clause, Pack, Reference, Rule, Variable};
use crate::document::Node;
use crate::error::{GuifanError, LocatedError};
use crate::source::{SourceFile, Span};

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

/// Loads the national pack embedded in the binary, for `check` with no `--pack`: as
/// [`load_pack`] gives it, without the checks that only find mistakes in a pack's text (a
/// misspelt function, name or field, an invalid literal pattern). Why: those checks were half
/// of the pack's load (docs/PERFORMANCE.md, point 36), and the embedded pack is the one pack
/// whose text cannot change after the tests checked it: `tests/embedded_pack.rs` loads it both
/// ways and wants the same pack, and loads it with every check and wants no problem. `pack
/// lint` and every other command load it with them.
pub fn load_embedded_pack_unlinted() -> Result<Pack, GuifanError> {
    load_pack_with_options(
        &super::embedded::embedded_national_pack(),
        "pack.yaml",
        false,
    )
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

    fn field(&mut self, file: &SourceFile, fallback: Span, mut error: super::de::FieldError) {
        for also in std::mem::take(&mut error.also) {
            self.field(file, fallback, also);
        }
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

fn load_pack_with_manifest(files: &PackFiles, manifest_name: &str) -> Result<Pack, GuifanError> {
    load_pack_with_options(files, manifest_name, true)
}

/// `lint`: whether the checks that only find mistakes in the pack's text are made.
fn load_pack_with_options(
    files: &PackFiles,
    manifest_name: &str,
    lint: bool,
) -> Result<Pack, GuifanError> {
    let mut problems = Problems::default();
    // the pack and every base it extends, the deepest base first
    let layers = overlay::read_layers(files, manifest_name, &mut problems)?;

    // the schema: a base's, with what each overlay adds; needed before aliases (their
    // targets) and rules (the dossier's sections)
    let mut schema_json = serde_json::Value::Null;
    let mut schema_documents: Vec<schema::SchemaDocument> = Vec::new();
    let problems_before_merge = problems.0.len();
    for layer in &layers {
        let Some(document) = &layer.schema else {
            continue;
        };
        if schema_json.is_null() {
            schema_json = document.root.to_json();
        } else {
            overlay::merge_schema(
                &mut schema_json,
                &document.root,
                &document.file,
                "",
                &mut problems,
            );
        }
    }
    for layer in layers.iter() {
        if let Some(document) = &layer.schema {
            schema_documents.push(schema::SchemaDocument {
                file: Arc::clone(&document.file),
                root: document.root.clone(),
            });
        }
    }
    // a schema whose merge failed is not compiled: its errors are already at their place
    let compile = problems.0.len() == problems_before_merge && !schema_json.is_null();
    let problems_before_schema = problems.0.len();
    let schema_titles = schema::property_names(&schema_json);
    let schema_properties: BTreeSet<String> = schema_titles.keys().cloned().collect();
    let sections: BTreeSet<String> = schema_json
        .get("properties")
        .and_then(|properties| properties.as_object())
        .map(|properties| properties.keys().cloned().collect())
        .unwrap_or_default();

    // the schema is compiled on a helper thread while the rest is loaded here: nothing
    // below needs the compiled validator, only the schema's text
    let compile_schema = || {
        let mut problems = Problems::default();
        let validator = schema::compile_schema(&schema_json, &schema_documents, &mut problems);
        (validator, problems)
    };
    let load_here = || {
        load_sections(
            Loader::new(problems, sections, schema_properties, schema_json.clone()),
            lint,
            &layers,
        )
    };
    let ((validator, schema_problems), mut context) = if compile {
        parallel::beside(compile_schema, load_here)
    } else {
        ((None, Problems::default()), load_here())
    };
    // the schema's errors where they were when it was compiled first
    context.problems.0.splice(
        problems_before_schema..problems_before_schema,
        schema_problems.0,
    );

    let Loader {
        problems,
        clauses,
        aliases,
        variables,
        rules,
        references,
        schema_properties,
        disabled,
        ..
    } = context;
    if !problems.0.is_empty() {
        let mut problems = problems;
        // in the order of the files and of the text, as a person reads them: the pack's own
        // files first, then its bases', each pack's in the manifest's order whether they
        // parsed or not
        let order: Vec<String> = layers
            .iter()
            .rev()
            .flat_map(|layer| layer.manifested.read.iter().cloned())
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
    let waivers_need_document = layers.iter().any(|layer| {
        layer
            .manifested
            .manifest
            .as_ref()
            .is_some_and(|manifest| manifest.waivers_need_document)
    });
    let mut layers = layers;
    let top = layers.pop();
    let (Some(mut top), Some(validator)) = (top, validator) else {
        return Err(GuifanError::Usage(format!(
            "the pack {} is incomplete",
            files.display()
        )));
    };
    let Some(mut manifest) = top.manifested.manifest.take() else {
        return Err(GuifanError::Usage(format!(
            "the pack {} is incomplete",
            files.display()
        )));
    };
    // a base's waiver policy holds in its overlays: a local pack cannot loosen it
    manifest.waivers_need_document = waivers_need_document;
    layers.push(top);
    let mut pack_files: Vec<Arc<SourceFile>> = Vec::new();
    let mut paths_on_disk = Vec::new();
    for layer in layers.iter_mut().rev() {
        pack_files.extend(
            layer
                .manifested
                .parsed
                .iter()
                .map(|parsed| Arc::clone(&parsed.file)),
        );
        pack_files.extend(layer.schema.as_ref().map(|schema| Arc::clone(&schema.file)));
        paths_on_disk.append(&mut layer.manifested.paths_on_disk);
    }
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
        layers: layers.into_iter().map(|layer| layer.info).collect(),
        disabled,
    })
}

/// Every section of every layer's files, phase by phase (each phase needs the ones before),
/// then each overlay's operations on what its bases defined.
fn load_sections(mut context: Loader, lint: bool, layers: &[overlay::LayerRead]) -> Loader {
    context.lint = lint;
    // an overlay's `set`s are known before any variable is compiled
    for (index, layer) in layers.iter().enumerate() {
        context.enter(index, &layer.info.id);
        for parsed_file in &layer.manifested.parsed {
            if let Some(node) = parsed_file.root.get("set") {
                context.collect_overrides(index, &parsed_file.file, node);
            }
        }
    }
    for phase in ["clauses", "references", "aliases", "variables", "rules"] {
        for (index, layer) in layers.iter().enumerate() {
            context.enter(index, &layer.info.id);
            for parsed_file in &layer.manifested.parsed {
                if let Some(node) = parsed_file.root.get(phase) {
                    context.section(phase, &parsed_file.file, node);
                }
            }
        }
        if phase == "variables" {
            context.unused_overrides();
        }
    }
    // each overlay's operations on what its bases defined, in the order of the chain
    for (index, layer) in layers.iter().enumerate() {
        context.enter(index, &layer.info.id);
        for parsed_file in &layer.manifested.parsed {
            context.operations(&parsed_file.file, &parsed_file.root);
        }
    }
    context.attestation_rules();
    context
}

struct Loader {
    /// The id of the pack whose files are being read (lineage), and its place in the chain
    /// (0: the deepest base).
    current_pack: String,
    current_layer: usize,
    /// The overlays' `set`s, waiting for the variables they replace.
    overrides: Vec<overlay::Override>,
    /// Rules of a base an overlay disabled.
    disabled: Vec<crate::pack::Disabled>,
    /// The estimated longest string of each variable built only from literals and variables.
    variable_bytes: BTreeMap<String, usize>,
    /// What each variable reads (with what the variables it reads read), made as it loads.
    variable_reads: BTreeMap<String, reads::Reads>,
    /// The dossier schema, against which every field an expression selects is checked.
    schema: serde_json::Value,
    /// The bindings of the rule being compiled, as paths in the schema.
    scope: crate::pack::static_check::Scope,
    problems: Problems,
    clauses: Vec<Clause>,
    clause_spans: BTreeMap<String, (Arc<SourceFile>, Span)>,
    rule_ids: BTreeMap<String, (Arc<SourceFile>, Span)>,
    /// Whether the checks that only find mistakes in the pack's text are made (see
    /// [`load_embedded_pack_unlinted`]).
    lint: bool,
    /// Programs compiled so far, by their text.
    programs: std::collections::HashMap<String, Arc<cel::parser::Expression>>,
    aliases: BTreeMap<String, String>,
    variables: Vec<Variable>,
    rules: Vec<Rule>,
    references: Vec<Reference>,
    sections: BTreeSet<String>,
    schema_properties: BTreeSet<String>,
}

impl Loader {
    /// A loader with nothing read yet, for the dossier schema's sections and properties.
    fn new(
        problems: Problems,
        sections: BTreeSet<String>,
        schema_properties: BTreeSet<String>,
        schema: serde_json::Value,
    ) -> Loader {
        Loader {
            current_pack: String::new(),
            current_layer: 0,
            overrides: Vec::new(),
            disabled: Vec::new(),
            variable_bytes: BTreeMap::new(),
            variable_reads: BTreeMap::new(),
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
            schema,
            scope: crate::pack::static_check::Scope::default(),
            lint: true,
        }
    }
}

impl Loader {
    /// From here on, what is read belongs to the layer `index` of the chain, the pack `id`.
    fn enter(&mut self, index: usize, id: &str) {
        self.current_layer = index;
        self.current_pack = id.to_string();
    }
}

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
}

/// Compiles one expression as the pack compiles a rule's (`guifan eval`): the same depth
/// bounds, the same environment, the same check of the names it reads (the pack's variables,
/// its dossier sections, `doc` and `as_of`; no binding, as there is no element) and of its
/// literal patterns. `file` holds the expression's text, which errors point into.
pub fn compile_expression(
    pack: &Pack,
    file: &Arc<SourceFile>,
) -> Result<crate::pack::Expression, Vec<LocatedError>> {
    let sections: BTreeSet<String> = pack
        .schema
        .get("properties")
        .and_then(|properties| properties.as_object())
        .map(|properties| properties.keys().cloned().collect())
        .unwrap_or_default();
    let mut loader = Loader::new(
        Problems::default(),
        sections,
        BTreeSet::new(),
        pack.schema.clone(),
    );
    let mut known = loader.known_names(&[]);
    known.extend(pack.variables.iter().map(|variable| variable.name.clone()));
    let text = crate::pack::de::Spanned {
        span: Span::new(0, file.text.len()),
        value: file.text.to_string(),
    };
    match loader.compile(file, None, &text, &known) {
        Some(expression) if loader.problems.0.is_empty() => Ok(expression),
        _ => {
            // in the expression's reading order, as a pack's problems are: the names it
            // reads come from the interpreter in no set order
            let mut problems = loader.problems.0;
            problems.sort_by_key(|problem| problem.offset);
            Err(problems)
        }
    }
}
