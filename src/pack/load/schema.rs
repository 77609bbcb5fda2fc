//! The dossier's JSON Schema, named by the manifest: read, compiled with nothing retrieved
//! from outside the pack, and the property names (with their titles) it declares.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::{PackFiles, Problems};
use crate::document::{parse_documents, Node, Syntax};
use crate::pack::resolve;
use crate::source::{SourceFile, Span};

/// A schema file as read: its text and its tree, for errors at their place.
pub(super) struct SchemaDocument {
    pub file: Arc<SourceFile>,
    pub root: Node,
}

/// Reads the schema the manifest names (at `schema_path` in `manifest_file`).
pub(super) fn read_schema_document(
    files: &PackFiles,
    manifest_file: &Arc<SourceFile>,
    schema_path: Option<&(String, Span)>,
    paths_on_disk: &mut Vec<(String, PathBuf)>,
    problems: &mut Problems,
) -> Option<SchemaDocument> {
    let (path, span) = schema_path?;
    match files.read(path) {
        Ok((file, path_on_disk)) => {
            paths_on_disk.extend(path_on_disk.map(|path| (file.name.clone(), path)));
            let syntax = Syntax::for_name(path);
            match parse_documents(&file, syntax) {
                Ok(mut documents) if documents.len() == 1 => Some(SchemaDocument {
                    root: documents.remove(0),
                    file,
                }),
                Ok(_) => {
                    problems.add(
                        &file,
                        Span::default(),
                        "the schema file must hold one document",
                        "here",
                    );
                    None
                }
                Err(error) => {
                    problems.add(&file, error.span, error.message, error.label);
                    None
                }
            }
        }
        Err(message) => {
            problems.add(
                manifest_file,
                *span,
                format!("cannot read the schema `{path}`: {message}"),
                "named here",
            );
            None
        }
    }
}

/// Compiles the dossier schema (a pack's own, or a base's with what its overlays add) with
/// nothing retrieved from outside; an error is placed in `documents`, the files it was made
/// of, the last (the overlay's) first.
pub(super) fn compile_schema(
    schema_json: &serde_json::Value,
    documents: &[SchemaDocument],
    problems: &mut Problems,
) -> Option<jsonschema::Validator<crate::document::NodeJson>> {
    let last = documents.last()?;
    let retriever = resolve::NoRetrieval::default();
    let asked = retriever.asked();
    match jsonschema::options_for::<crate::document::NodeJson>()
        .with_retriever(retriever)
        .build(schema_json)
    {
        Ok(compiled) => Some(compiled),
        Err(error) => {
            let asked = asked.lock().map(|asked| asked.first().cloned());
            match asked.ok().flatten() {
                Some(uri) => {
                    let (file, span) = documents
                        .iter()
                        .rev()
                        .find_map(|document| {
                            resolve::reference_span(&document.root, &uri)
                                .map(|span| (&document.file, span))
                        })
                        .unwrap_or((&last.file, last.root.locate("").span));
                    problems.add_with_help(
                        file,
                        span,
                        format!(
                            "the schema refers to `{uri}`, outside the pack: guifan never fetches a schema"
                        ),
                        "an external reference",
                        "copy the definitions into this schema under `$defs` and refer to them as `#/$defs/NAME`".to_string(),
                    )
                }
                None => problems.add(
                    &last.file,
                    last.root.locate("").span,
                    format!("the dossier schema is not a valid JSON Schema: {error}"),
                    "in this schema",
                ),
            }
            None
        }
    }
}

/// Every property name the schema declares anywhere (the only keys an alias may point to),
/// with the first `title` given to it (事项名称 for `name` …), for messages.
pub(super) fn property_names(schema: &serde_json::Value) -> BTreeMap<String, Option<String>> {
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
