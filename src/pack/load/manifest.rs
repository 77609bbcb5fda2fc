//! The manifest (`pack.yaml`): the pack's id, version, standard and dates, the files it
//! includes (each parsed and checked for unknown keys), and the name of its dossier schema.

use std::path::PathBuf;
use std::sync::Arc;

use super::{PackFiles, ParsedFile, Problems};
use crate::cel::parse_date;
use crate::document::{parse_documents, Node, NodeKind, Syntax};
use crate::error::{GuifanError, LocatedError};
use crate::pack::de::{from_node, suggest, Spanned};
use crate::pack::spec::ManifestSpec;
use crate::pack::Manifest;
use crate::source::{SourceFile, Span};

const MANIFEST_KEYS: &[&str] = &[
    "pack",
    "extends",
    "schema",
    "include",
    "clauses",
    "references",
    "aliases",
    "variables",
    "rules",
    "set",
    "modify",
    "disable",
];
/// What an included file may hold: the sections, and an overlay's operations on its base.
const CONTENT_KEYS: &[&str] = &[
    "clauses",
    "references",
    "aliases",
    "variables",
    "rules",
    "set",
    "modify",
    "disable",
];

/// What the manifest gives before the sections are read.
pub(super) struct Manifested {
    pub manifest_file: Arc<SourceFile>,
    /// The manifest first, then each file it includes that parsed, in order: the order of the
    /// phases' reading.
    pub parsed: Vec<ParsedFile>,
    /// The name of every file read, the manifest first and then the files it includes, in
    /// order, whether they parse or not: the order of the problems reported.
    pub read: Vec<String>,
    pub manifest: Option<Manifest>,
    /// The schema's file name, where the manifest names it.
    pub schema_path: Option<(String, Span)>,
    /// Every file read from disk, so that no output can be written over the pack in use.
    pub paths_on_disk: Vec<(String, PathBuf)>,
    /// The base this pack extends, as written (`cn.gbt.xzfwzx-2@^2`, `../national`).
    pub extends: Option<Spanned<String>>,
}

/// Reads the manifest and the files it includes; an unreadable manifest ends the load.
pub(super) fn read_manifest(
    files: &PackFiles,
    manifest_name: &str,
    problems: &mut Problems,
) -> Result<Manifested, GuifanError> {
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
    let mut read = vec![manifest_file.name.clone()];
    let manifest_root = parse_file(&manifest_file, problems);
    let mut manifest_spec: Option<ManifestSpec> = None;
    let mut schema_path: Option<(String, Span)> = None;
    let mut extends: Option<Spanned<String>> = None;
    if let Some(root) = &manifest_root {
        for entry in root.as_entries().unwrap_or_default() {
            match &*entry.key {
                "pack" => match from_node::<ManifestSpec>(&manifest_file, &entry.value) {
                    Ok(spec) => manifest_spec = Some(spec),
                    Err(error) => problems.field(&manifest_file, entry.value.span, error),
                },
                "extends" => match entry.value.as_str() {
                    Some(base) => {
                        extends = Some(Spanned {
                            span: entry.value.span,
                            value: base.to_string(),
                        })
                    }
                    None => problems.add(
                        &manifest_file,
                        entry.value.span,
                        "`extends` names one base pack: `ID@REQUIREMENT` for an embedded pack, or a directory (`../national`)",
                        "a pack was expected",
                    ),
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
                    let items = entry.value.as_items().unwrap_or_default();
                    // the files are read and parsed side by side; what they hold, and their
                    // errors, are then taken in the order of the list
                    let included = super::parallel::each(items, |item| {
                        let path = item.as_str()?;
                        Some(files.read(path).map(|(file, path_on_disk)| {
                            let mut problems = Problems::default();
                            let root = parse_file(&file, &mut problems);
                            (file, path_on_disk, root, problems)
                        }))
                    });
                    for (item, included) in items.iter().zip(included) {
                        // nothing was read for an item that is not a file name
                        let (Some(path), Some(included)) = (item.as_str(), included) else {
                            problems.add(
                                &manifest_file,
                                item.span,
                                "an include is a file name",
                                "here",
                            );
                            continue;
                        };
                        match included {
                            Ok((file, path_on_disk, root, parse_problems)) => {
                                read.push(file.name.clone());
                                paths_on_disk
                                    .extend(path_on_disk.map(|path| (file.name.clone(), path)));
                                problems.0.extend(parse_problems.0);
                                if let Some(root) = root {
                                    check_keys(&file, &root, CONTENT_KEYS, problems);
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
        check_keys(&manifest_file, root, MANIFEST_KEYS, problems);
        for required in ["pack", "schema"] {
            // an overlay has its base's schema, and may add to it
            if root.entry(required).is_none() && !(required == "schema" && extends.is_some()) {
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

    let manifest = manifest_spec.and_then(|spec| build_manifest(&manifest_file, spec, problems));

    Ok(Manifested {
        manifest_file,
        parsed,
        read,
        manifest,
        schema_path,
        paths_on_disk,
        extends,
    })
}

pub(super) fn parse_file(file: &Arc<SourceFile>, problems: &mut Problems) -> Option<Node> {
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
            problems.0.push(LocatedError::new(
                file,
                entry.key_span,
                format!("unknown key `{}`", entry.key),
                "not a key of the pack format",
                suggest(&entry.key, allowed),
            ));
        }
    }
}

fn build_manifest(
    file: &SourceFile,
    spec: ManifestSpec,
    problems: &mut Problems,
) -> Option<Manifest> {
    if !super::names::is_pack_id(&spec.id) {
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

pub(super) fn date_field(
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
