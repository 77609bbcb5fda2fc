//! Layering: a pack that `extends` another (the embedded national pack by id and version
//! requirement, or a pack directory by path), the chain of bases read base-first, the
//! overlay's schema merged into its base's, and the typed operations an overlay applies to
//! what a base defined (`set` a variable, `modify` or `disable` a rule), with the guardrails
//! tied to the force of the base's clauses and the lineage each change leaves.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::manifest::{read_manifest, Manifested};
use super::schema::{read_schema_document, SchemaDocument};
use super::{Loader, PackFiles, Problems};
use crate::document::Node;
use crate::error::{GuifanError, LocatedError};
use crate::finding::Severity;
use crate::pack::de::{from_node, Spanned};
use crate::pack::spec::{DisableSpec, Force, ModifySpec, SetSpec};
use crate::pack::{Change, Disabled, Layer, Localized, Origin};
use crate::source::SourceFile;

/// More bases than this is a load error: no real chain is that deep, and a bound keeps a
/// chain of generated packs from reading without end.
const MAX_LAYERS: usize = 8;

/// The rule guifan adds for each attestation clause; it follows its clause, not `modify`.
const ATTESTATION_RULE: &str = "attestation-missing";

/// One pack of the chain, read but not compiled.
pub(super) struct LayerRead {
    pub info: Layer,
    pub manifested: Manifested,
    pub schema: Option<SchemaDocument>,
}

/// Reads the pack whose manifest is `manifest_name` and every base it extends, the deepest
/// base first. A problem with a base (missing, not embedded, of a version the requirement
/// refuses, a cycle) is placed at the `extends` value that names it.
pub(super) fn read_layers(
    files: &PackFiles,
    manifest_name: &str,
    problems: &mut Problems,
) -> Result<Vec<LayerRead>, GuifanError> {
    let top = read_manifest(files, manifest_name, problems)?;
    let mut chain = vec![(identity(files), files.display().to_string())];
    let mut layers = vec![layer(files, files.display().to_string(), top, problems)];
    // the bases' files: a relative `extends` of a base is resolved from that base's directory
    let mut bases: Vec<PackFiles> = Vec::new();
    while let Some(last) = layers.last() {
        let Some(extends) = last.manifested.extends.clone() else {
            break;
        };
        let manifest_file = Arc::clone(&last.manifested.manifest_file);
        let from = bases.last().unwrap_or(files);
        let (base_files, source) = match resolve_base(from, &extends) {
            Ok(base) => base,
            Err(message) => {
                problems.add(&manifest_file, extends.span, message, "the base pack");
                break;
            }
        };
        let key = identity(&base_files);
        if let Some(position) = chain.iter().position(|(known, _)| *known == key) {
            let mut names: Vec<&str> = chain[position..]
                .iter()
                .map(|(_, name)| name.as_str())
                .collect();
            names.push(&source);
            problems.add(
                &manifest_file,
                extends.span,
                format!(
                    "the packs extend each other in a cycle: {}",
                    names.join(" → ")
                ),
                "extends a pack already in the chain",
            );
            break;
        }
        if layers.len() >= MAX_LAYERS {
            problems.add(
                &manifest_file,
                extends.span,
                format!("a chain of more than {MAX_LAYERS} packs: flatten some of them"),
                "too deep",
            );
            break;
        }
        let base = match read_manifest(&base_files, "pack.yaml", problems) {
            Ok(base) => base,
            Err(error) => {
                problems.add(
                    &manifest_file,
                    extends.span,
                    format!("the base pack `{}` cannot be read: {error}", extends.value),
                    "the base pack",
                );
                break;
            }
        };
        if let Some(problem) = requirement_problem(&extends.value, &base) {
            problems.add(&manifest_file, extends.span, problem, "the base pack");
            break;
        }
        chain.push((key, source.clone()));
        layers.push(layer(&base_files, source, base, problems));
        bases.push(base_files);
    }
    layers.reverse();
    Ok(layers)
}

/// A layer as read: its manifest and included files, and its schema document if it names one.
fn layer(
    files: &PackFiles,
    source: String,
    mut manifested: Manifested,
    problems: &mut Problems,
) -> LayerRead {
    let schema = read_schema_document(
        files,
        &manifested.manifest_file,
        manifested.schema_path.as_ref(),
        &mut manifested.paths_on_disk,
        problems,
    );
    let info = Layer {
        id: manifested
            .manifest
            .as_ref()
            .map(|manifest| manifest.id.clone())
            .unwrap_or_default(),
        version: manifested
            .manifest
            .as_ref()
            .map(|manifest| manifest.version.clone())
            .unwrap_or_default(),
        source,
    };
    LayerRead {
        info,
        manifested,
        schema,
    }
}

/// What identifies a pack in a chain: its canonical directory, or the embedded pack's name.
fn identity(files: &PackFiles) -> String {
    match files {
        PackFiles::Directory { root, .. } => {
            let root = if root.as_os_str().is_empty() {
                Path::new(".")
            } else {
                root
            };
            std::fs::canonicalize(root)
                .map(|path| format!("dir:{}", path.display()))
                .unwrap_or_else(|_| format!("dir:{}", root.display()))
        }
        PackFiles::Embedded { display, .. } => format!("embedded:{display}"),
        PackFiles::Memory { display, .. } => format!("memory:{display}"),
    }
}

/// `extends` split into the pack it names and the version requirement after `@`, if any.
fn split_requirement(written: &str) -> (&str, Option<&str>) {
    match written.rsplit_once('@') {
        Some((target, requirement)) => (target, Some(requirement)),
        None => (written, None),
    }
}

/// A base named by path is written with a `/` or starting with `.`; anything else is the id of
/// an embedded pack.
fn is_path(target: &str) -> bool {
    target.contains('/') || target.contains('\\') || target.starts_with('.')
}

/// The files of the base `extends` names.
fn resolve_base(
    from: &PackFiles,
    extends: &Spanned<String>,
) -> Result<(PackFiles, String), String> {
    let (target, requirement) = split_requirement(&extends.value);
    if let Some(requirement) = requirement {
        semver::VersionReq::parse(requirement).map_err(|error| {
            format!("`{requirement}` is not a version requirement (e.g. ^2, >=2.1, 2.0.0): {error}")
        })?;
    }
    if !is_path(target) {
        let embedded = crate::pack::embedded_national_pack();
        let id = embedded_id().unwrap_or_default();
        if target != id {
            let hint = crate::pack::did_you_mean(target, [id.as_str()])
                .map(|hint| format!("; {hint}"))
                .unwrap_or_default();
            return Err(format!(
                "no embedded pack is called `{target}`: the embedded pack is `{id}` (a directory is written as a path, `../{target}`){hint}"
            ));
        }
        if requirement.is_none() {
            return Err(format!(
                "name the versions of `{id}` this pack is written for: `{id}@^{}`",
                embedded_version()
                    .unwrap_or_default()
                    .split('.')
                    .next()
                    .unwrap_or("1")
            ));
        }
        return Ok((embedded, extends.value.clone()));
    }
    let (root, display) = match from {
        PackFiles::Directory { root, display } => (root.clone(), display.clone()),
        PackFiles::Embedded { .. } | PackFiles::Memory { .. } => return Err(
            "a pack that is not a directory can extend only an embedded pack (`ID@REQUIREMENT`)"
                .to_string(),
        ),
    };
    let written = Path::new(target);
    if target.starts_with('~') || written.is_absolute() || written.has_root() {
        return Err(
            "a base is named relative to this pack's directory (`../national`), never by an absolute path or `~`"
                .to_string(),
        );
    }
    let base_root = lexical_join(&root, written);
    let base_display = lexical_join(Path::new(&display), written)
        .to_string_lossy()
        .to_string();
    // only a pack directory is followed: its manifest, then what that manifest includes,
    // each confined to the base's own directory by resolve.rs (docs/SECURITY.md)
    let manifest = base_root.join("pack.yaml");
    match std::fs::metadata(&manifest) {
        Ok(metadata) if metadata.is_file() => {}
        _ => {
            return Err(format!(
                "`{target}` is not a pack directory: there is no pack.yaml in it"
            ))
        }
    }
    Ok((
        PackFiles::Directory {
            root: base_root,
            display: base_display.clone(),
        },
        base_display,
    ))
}

/// `a/b` joined with `../c` as `a/c`, without touching the file system (so a path written in
/// a pack is shown as a person reads it).
fn lexical_join(root: &Path, relative: &Path) -> PathBuf {
    let mut out: PathBuf = root.to_path_buf();
    for component in relative.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let last_is_normal =
                    matches!(out.components().next_back(), Some(Component::Normal(_)));
                if last_is_normal {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

/// The embedded pack's manifest values, read without compiling it.
fn embedded_manifest() -> Option<crate::pack::Manifest> {
    let mut problems = Problems::default();
    read_manifest(
        &crate::pack::embedded_national_pack(),
        "pack.yaml",
        &mut problems,
    )
    .ok()
    .and_then(|manifested| manifested.manifest)
}

fn embedded_id() -> Option<String> {
    embedded_manifest().map(|manifest| manifest.id)
}

fn embedded_version() -> Option<String> {
    embedded_manifest().map(|manifest| manifest.version)
}

/// Why the base read does not satisfy the version requirement written after `@`, if it
/// does not.
fn requirement_problem(written: &str, base: &Manifested) -> Option<String> {
    let (_, requirement) = split_requirement(written);
    let requirement = requirement?;
    let manifest = base.manifest.as_ref()?;
    let wanted = semver::VersionReq::parse(requirement).ok()?;
    match semver::Version::parse(&manifest.version) {
        Ok(version) if wanted.matches(&version) => None,
        Ok(_) => Some(format!(
            "the base pack {} is version {}, which does not satisfy `{requirement}`",
            manifest.id, manifest.version
        )),
        Err(_) => Some(format!(
            "the base pack {} has no semantic version to check `{requirement}` against",
            manifest.id
        )),
    }
}

/// Merges an overlay's schema into its base's: properties, `$defs` and any other mapping are
/// added to, and `required` lists joined; a value the base already gives cannot be changed
/// (an overlay adds fields and requirements, it never redefines one), an error at the value.
pub(super) fn merge_schema(
    base: &mut serde_json::Value,
    overlay: &Node,
    file: &Arc<SourceFile>,
    path: &str,
    problems: &mut Problems,
) {
    let Some(entries) = overlay.as_entries() else {
        problems.add(
            file,
            overlay.span,
            "an overlay's schema is a mapping of what it adds to its base's schema",
            "a mapping was expected",
        );
        return;
    };
    let Some(object) = base.as_object_mut() else {
        return;
    };
    for entry in entries {
        let key = entry.key.to_string();
        let here = format!("{path}/{key}");
        match object.get_mut(&key) {
            None => {
                object.insert(key, entry.value.to_json());
            }
            Some(existing) => {
                let added = entry.value.to_json();
                if *existing == added {
                    continue;
                }
                match (existing, &added) {
                    (existing @ serde_json::Value::Object(_), serde_json::Value::Object(_)) => {
                        merge_schema(existing, &entry.value, file, &here, problems)
                    }
                    (serde_json::Value::Array(list), serde_json::Value::Array(more))
                        if key == "required" =>
                    {
                        for name in more {
                            if !list.contains(name) {
                                list.push(name.clone());
                            }
                        }
                    }
                    _ => problems.add_with_help(
                        file,
                        entry.value.span,
                        format!(
                            "the base's schema already gives `{here}`: an overlay adds to its base's schema, it does not change it"
                        ),
                        "different in the base",
                        "add new properties (a local field) or names to `required`; to relax a base's requirement, change the base".to_string(),
                    ),
                }
            }
        }
    }
}

/// The value a `set` gives a variable: the overlay's file, the `set` entry, its `expr`.
pub(super) type Replacement = (Arc<SourceFile>, Node, Spanned<String>);

/// A `set` read from an overlay, waiting for the variable it replaces.
pub(super) struct Override {
    /// The index of the layer that wrote it.
    layer: usize,
    pack: String,
    file: Arc<SourceFile>,
    node: Node,
    spec: SetSpec,
    used: bool,
}

impl Loader {
    /// Reads the `set` entries of a layer's file before any variable is compiled: a variable
    /// of a base is compiled once, with the value its last overlay gives.
    pub(super) fn collect_overrides(&mut self, layer: usize, file: &Arc<SourceFile>, node: &Node) {
        let Some(items) = self.operation_items(file, node, "set") else {
            return;
        };
        for item in items {
            match from_node::<SetSpec>(file, item) {
                Ok(spec) => self.overrides.push(Override {
                    layer,
                    pack: self.current_pack.clone(),
                    file: Arc::clone(file),
                    node: item.clone(),
                    spec,
                    used: false,
                }),
                Err(error) => self.problems.field(file, item.span, error),
            }
        }
    }

    fn operation_items<'n>(
        &mut self,
        file: &Arc<SourceFile>,
        node: &'n Node,
        key: &str,
    ) -> Option<&'n [Node]> {
        if self.current_layer == 0 {
            self.problems.add_with_help(
                file,
                node.span,
                format!("`{key}` changes what a base pack defines, and this pack extends none"),
                "no base",
                "name the base in pack.yaml: `extends: cn.gbt.xzfwzx-2@^2` or `extends: ../national`".to_string(),
            );
            return None;
        }
        let items = node.as_items();
        if items.is_none() {
            self.problems.add(
                file,
                node.span,
                format!("`{key}` is a list"),
                "a list was expected",
            );
        }
        items
    }

    /// The `set` that gives the variable `name`, declared by the layer being read, its value:
    /// the last overlay above this layer that sets it. Marks every such `set` used, and
    /// returns the lineage's changes in order.
    pub(super) fn take_override(&mut self, name: &str) -> (Option<Replacement>, Vec<Change>) {
        let layer = self.current_layer;
        let mut changes = Vec::new();
        let mut chosen = None;
        for candidate in self
            .overrides
            .iter_mut()
            .filter(|candidate| candidate.layer > layer && candidate.spec.variable.value == name)
        {
            candidate.used = true;
            changes.push(Change {
                pack: candidate.pack.clone(),
                what: vec![format!("value: {}", one_line(&candidate.spec.expr.value))],
                reason: candidate
                    .spec
                    .reason
                    .as_ref()
                    .map(|reason| reason.value.clone()),
                legal_basis: None,
            });
            chosen = Some((
                Arc::clone(&candidate.file),
                candidate.node.clone(),
                candidate.spec.expr.clone(),
            ));
        }
        // the layers are read base-first and each layer's sets in order: the last one wins
        (chosen, changes)
    }

    /// A `set` no base variable took: an error at its name, with the nearest variable.
    pub(super) fn unused_overrides(&mut self) {
        let names: Vec<String> = self
            .variables
            .iter()
            .map(|variable| variable.name.clone())
            .collect();
        let unused: Vec<(Arc<SourceFile>, Spanned<String>, String)> = self
            .overrides
            .iter()
            .filter(|candidate| !candidate.used)
            .map(|candidate| {
                (
                    Arc::clone(&candidate.file),
                    candidate.spec.variable.clone(),
                    candidate.pack.clone(),
                )
            })
            .collect();
        for (file, variable, pack) in unused {
            let own = self
                .variables
                .iter()
                .any(|known| known.name == variable.value && known.lineage.defined_by == pack);
            let message = if own {
                format!(
                    "the variable `{}` is this pack's own: give it its value where it is declared; `set` replaces a base's",
                    variable.value
                )
            } else {
                format!("no base pack declares a variable `{}`", variable.value)
            };
            let help = crate::pack::did_you_mean(&variable.value, names.iter().map(String::as_str));
            self.problems.0.push(LocatedError::new(
                &file,
                variable.span,
                message,
                "unknown variable",
                help,
            ));
        }
    }

    /// Applies a layer file's `modify` and `disable` entries to the rules read so far (the
    /// bases' and the layer's own).
    pub(super) fn operations(&mut self, file: &Arc<SourceFile>, root: &Node) {
        if let Some(node) = root.get("modify") {
            for item in self
                .operation_items(file, node, "modify")
                .unwrap_or_default()
            {
                match from_node::<ModifySpec>(file, item) {
                    Ok(spec) => self.modify(file, item, spec),
                    Err(error) => self.problems.field(file, item.span, error),
                }
            }
        }
        if let Some(node) = root.get("disable") {
            for item in self
                .operation_items(file, node, "disable")
                .unwrap_or_default()
            {
                match from_node::<DisableSpec>(file, item) {
                    Ok(spec) => self.disable(file, spec),
                    Err(error) => self.problems.field(file, item.span, error),
                }
            }
        }
    }

    /// The index of the base rule an operation names, or an error at the name.
    fn base_rule(
        &mut self,
        file: &Arc<SourceFile>,
        id: &Spanned<String>,
        operation: &str,
    ) -> Option<usize> {
        if id.value == ATTESTATION_RULE {
            self.problems.add(
                file,
                id.span,
                format!("`{ATTESTATION_RULE}` is made for each attestation clause and follows it: it cannot be given to `{operation}`"),
                "an attestation rule",
            );
            return None;
        }
        if let Some(disabled) = self.disabled.iter().find(|rule| rule.id == id.value) {
            self.problems.add(
                file,
                id.span,
                format!(
                    "the rule `{}` is already disabled (by {})",
                    id.value,
                    disabled.lineage.decided_by()
                ),
                "disabled",
            );
            return None;
        }
        match self.rules.iter().position(|rule| rule.id == id.value) {
            Some(index) if self.rules[index].lineage.defined_by == self.current_pack => {
                self.problems.add(
                    file,
                    id.span,
                    format!(
                        "the rule `{}` is this pack's own: change it where it is defined; `{operation}` is for a base's rules",
                        id.value
                    ),
                    "not a base rule",
                );
                None
            }
            Some(index) => Some(index),
            None => {
                let help = crate::pack::did_you_mean(
                    &id.value,
                    self.rules.iter().map(|rule| rule.id.as_str()),
                );
                self.problems.0.push(LocatedError::new(
                    file,
                    id.span,
                    format!("no base pack has a rule `{}`", id.value),
                    "unknown rule",
                    help,
                ));
                None
            }
        }
    }

    /// The shall clause of the base among `clauses`, if one is: relaxing its rule needs the
    /// legal basis of the exception.
    fn shall_clause(&self, clauses: &[String]) -> Option<String> {
        clauses
            .iter()
            .find(|number| {
                self.clauses
                    .iter()
                    .any(|clause| clause.number == **number && clause.force == Force::Shall)
            })
            .cloned()
    }

    /// The guardrails of a relaxation (a lower severity, a disabled rule): a `reason` always,
    /// and the `legal_basis` for a rule of a 应 clause. Errors at `at`.
    fn relaxation_allowed(
        &mut self,
        file: &Arc<SourceFile>,
        at: crate::source::Span,
        rule: usize,
        what: &str,
        reason: Option<&Spanned<String>>,
        legal_basis: Option<&Spanned<String>>,
    ) -> bool {
        let id = self.rules[rule].id.clone();
        let defined_by = self.rules[rule].lineage.defined_by.clone();
        let mut allowed = true;
        if let Some(number) = self.shall_clause(&self.rules[rule].clauses.clone()) {
            if legal_basis.is_none_or(|basis| basis.value.trim().is_empty()) {
                self.problems.add_with_help(
                    file,
                    at,
                    format!(
                        "{what} relaxes the rule `{id}` of clause {number}, a 应 (shall) clause of {defined_by}: record the `legal_basis` that allows the local exception"
                    ),
                    "a shall clause relaxed without a legal basis",
                    "add `legal_basis:` naming the law, regulation or approving document (e.g. 某省人民政府令第×号 第×条), and a `reason`".to_string(),
                );
                allowed = false;
            }
        }
        if reason.is_none_or(|reason| reason.value.trim().is_empty()) {
            self.problems.add_with_help(
                file,
                at,
                format!("{what} relaxes the rule `{id}`: record the `reason`"),
                "no reason recorded",
                "add `reason:` saying why the local practice differs from the base".to_string(),
            );
            allowed = false;
        }
        allowed
    }

    fn modify(&mut self, file: &Arc<SourceFile>, node: &Node, spec: ModifySpec) {
        let Some(index) = self.base_rule(file, &spec.rule, "modify") else {
            return;
        };
        let problems_before = self.problems.0.len();
        let mut what = Vec::new();
        let mut new_severity = None;
        if let Some(severity) = &spec.severity {
            let current = self.rules[index].severity;
            let cap = self.severity_cap_of(&self.rules[index].clauses.clone());
            if let Some((cap, number)) = cap {
                if severity.value > cap {
                    self.problems.add(
                        file,
                        severity.span,
                        format!(
                            "rule `{}` cannot be raised to {}: clause {number} allows {} at most",
                            spec.rule.value,
                            severity.value.as_str(),
                            cap.as_str()
                        ),
                        "stronger than the clause",
                    );
                }
            }
            if severity.value < current {
                self.relaxation_allowed(
                    file,
                    severity.span,
                    index,
                    &format!(
                        "lowering the severity from {} to {}",
                        current.as_str(),
                        severity.value.as_str()
                    ),
                    spec.reason.as_ref(),
                    spec.legal_basis.as_ref(),
                );
            }
            if severity.value != current {
                what.push(format!(
                    "severity {} → {}",
                    current.as_str(),
                    severity.value.as_str()
                ));
                new_severity = Some(severity.value);
            }
        }
        // what the rule's expressions may read: its bindings, as its base compiled them
        let levels = self.rules[index].for_each.clone();
        let bindings: Vec<String> = levels
            .iter()
            .flat_map(|level| {
                std::iter::once(level.binding.clone()).chain(level.key_binding.clone())
            })
            .collect();
        let placeholder = Spanned {
            span: spec.rule.span,
            value: String::new(),
        };
        self.scope = self.for_each_scope(file, None, &placeholder, &levels);
        let known = self.known_names(&bindings);
        let mut assertion = None;
        if let Some(also) = &spec.assert_also {
            // compiled alone first, so that an error is placed in the overlay's own text
            if self
                .compile(file, node.get("assert_also"), also, &known)
                .is_some()
            {
                let combined = Spanned {
                    span: also.span,
                    value: format!(
                        "({}) && ({})",
                        self.rules[index].assertion.source, also.value
                    ),
                };
                assertion = self.compile(file, node.get("assert_also"), &combined, &known);
                what.push(format!("assert_also: {}", one_line(&also.value)));
            }
        }
        let message = spec.message.as_ref().and_then(|message| {
            self.localized_template(file, node.get("message"), message, &known)
        });
        if spec.message.is_some() {
            what.push("message".to_string());
        }
        if spec.help.is_some() {
            what.push("help".to_string());
        }
        if what.is_empty() {
            self.problems.add(
                file,
                spec.rule.span,
                format!(
                    "`modify` of `{}` changes nothing: give a `severity`, `assert_also`, `message` or `help`",
                    spec.rule.value
                ),
                "nothing to change",
            );
        }
        if self.problems.0.len() != problems_before {
            return;
        }
        let pack = self.current_pack.clone();
        if let Some(assertion) = assertion {
            let guard_chains = self.rules[index].guard_chains.clone();
            self.rules[index].assertion = assertion;
            let rule = &self.rules[index];
            let reads = self.rule_reads(
                &bindings,
                rule.guard.as_ref(),
                &rule.assertion,
                rule.cite.as_ref(),
            );
            let rule = &mut self.rules[index];
            rule.chains = reads.chains;
            rule.guard_chains = guard_chains;
            rule.fields_read = reads.fields;
            rule.reads_across_elements = reads.across;
            rule.sections_read = reads.sections;
        }
        let rule = &mut self.rules[index];
        if let Some(severity) = new_severity {
            rule.severity = severity;
        }
        if let Some(message) = message {
            rule.message = message;
        }
        if let Some(help) = spec.help {
            rule.help = Some(Localized {
                zh: help.zh.value,
                en: help.en.value,
            });
        }
        rule.lineage.changes.push(Change {
            pack,
            what,
            reason: spec.reason.map(|reason| reason.value),
            legal_basis: spec.legal_basis.map(|basis| basis.value),
        });
    }

    fn disable(&mut self, file: &Arc<SourceFile>, spec: DisableSpec) {
        let Some(index) = self.base_rule(file, &spec.rule, "disable") else {
            return;
        };
        if !self.relaxation_allowed(
            file,
            spec.rule.span,
            index,
            "disabling",
            spec.reason.as_ref(),
            spec.legal_basis.as_ref(),
        ) {
            return;
        }
        let rule = self.rules.remove(index);
        let mut lineage = rule.lineage;
        lineage.changes.push(Change {
            pack: self.current_pack.clone(),
            what: vec!["disabled".to_string()],
            reason: spec.reason.map(|reason| reason.value),
            legal_basis: spec.legal_basis.map(|basis| basis.value),
        });
        self.disabled.push(Disabled {
            id: rule.id,
            clauses: rule.clauses,
            lineage,
            origin: Origin {
                file: Arc::clone(file),
                span: spec.rule.span,
            },
        });
    }

    /// The weakest force among the clauses, as the severity it allows, and that clause.
    fn severity_cap_of(&self, clauses: &[String]) -> Option<(Severity, String)> {
        let mut cap: Option<(Severity, String)> = None;
        for number in clauses {
            if let Some(clause) = self.clauses.iter().find(|clause| clause.number == *number) {
                let clause_cap = super::rules::severity_cap(clause.force);
                if cap
                    .as_ref()
                    .is_none_or(|(severity, _)| clause_cap < *severity)
                {
                    cap = Some((clause_cap, clause.number.clone()));
                }
            }
        }
        cap
    }
}

/// An expression on one line, for the lineage.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{parse_documents, Syntax};

    #[test]
    fn a_base_is_an_embedded_id_unless_written_as_a_path() {
        assert_eq!(
            split_requirement("cn.gbt.xzfwzx-2@^2"),
            ("cn.gbt.xzfwzx-2", Some("^2"))
        );
        assert_eq!(split_requirement("../national"), ("../national", None));
        assert!(!is_path("cn.gbt.xzfwzx-2"));
        assert!(is_path("../national"));
        assert!(is_path("./national"));
        assert!(is_path("packs/national"));
    }

    #[test]
    fn a_relative_base_is_shown_as_a_reader_writes_it() {
        assert_eq!(
            lexical_join(Path::new("rules/local"), Path::new("../national")),
            PathBuf::from("rules/national")
        );
        assert_eq!(
            lexical_join(Path::new("local"), Path::new("../../national")),
            PathBuf::from("../national")
        );
        assert_eq!(
            lexical_join(Path::new(""), Path::new("./base")),
            PathBuf::from("base")
        );
    }

    fn merged(base: &str, overlay: &str) -> (serde_json::Value, Vec<String>) {
        let base_file = Arc::new(SourceFile::new("base.yaml".to_string(), base.to_string()));
        let overlay_file = Arc::new(SourceFile::new(
            "overlay.yaml".to_string(),
            overlay.to_string(),
        ));
        let mut json = parse_documents(&base_file, Syntax::Yaml).expect("parses")[0].to_json();
        let node = parse_documents(&overlay_file, Syntax::Yaml)
            .expect("parses")
            .remove(0);
        let mut problems = Problems::default();
        merge_schema(&mut json, &node, &overlay_file, "", &mut problems);
        let messages = problems
            .0
            .iter()
            .map(|problem| problem.message.clone())
            .collect();
        (json, messages)
    }

    #[test]
    fn an_overlay_schema_adds_properties_and_requirements_and_changes_nothing() {
        let base = "type: object\nadditionalProperties: false\nrequired: [a]\nproperties:\n  a: {type: string}\n";
        let (json, problems) = merged(
            base,
            "required: [b]\nproperties:\n  b: {type: integer}\n  a: {type: string}\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(json["required"], serde_json::json!(["a", "b"]));
        assert_eq!(json["properties"]["b"]["type"], "integer");
        assert_eq!(json["additionalProperties"], false);

        let (_, problems) = merged(base, "properties:\n  a: {type: integer}\n");
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].contains("the base's schema already gives `/properties/a/type`"),
            "{problems:?}"
        );
    }
}
