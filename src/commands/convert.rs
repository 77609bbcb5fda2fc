//! `guifan convert`: the dossier read from an item list (spreadsheet or CSV), written as YAML or
//! JSON with the pack's canonical keys, through `output.rs`. Checking what it writes gives the
//! findings `check` gives on the list (at the converted file's lines, not the cells).

use std::sync::Arc;

use super::check::{load_selected_pack, SheetSettings};
use super::inputs::{read_input_bytes, Input};
use super::output::write_output;
use super::{print_stdout, Outcome};
use crate::cli::{ConvertArgs, ConvertFormat};
use crate::document::{Node, NodeKind};
use crate::dossier::{Dossier, KeyStyle};
use crate::error::GuifanError;
use crate::sheet::is_sheet_name;

pub fn run(arguments: &ConvertArgs) -> Result<Outcome, GuifanError> {
    if !is_sheet_name(&arguments.path) {
        return Err(GuifanError::Usage(format!(
            "convert reads item lists (.xlsx, .xlsm, .xls, .csv), not {}",
            arguments.path
        )));
    }
    let pack = load_selected_pack(arguments.pack.as_deref())?;
    let sheets = SheetSettings::from_args(&arguments.sheet, arguments.max_input_bytes)?;
    let input = Input::File {
        display: arguments.path.replace('\\', "/"),
        path: arguments.path.clone().into(),
    };
    let mut protected = super::pack::pack_files(&pack);
    if let Input::File { display, path } = &input {
        protected.add_path(format!("the input {display}"), path);
    }
    if let Some(path) = &arguments.sheet.dossier {
        protected.add_path(format!("the dossier {}", path.display()), path);
    }
    if let Some(output) = &arguments.output {
        protected.refuse_clash(output)?;
    }
    let (name, bytes) = read_input_bytes(&input, arguments.max_input_bytes)?;
    let sheet = sheets.read(&pack, &name, bytes)?;
    let mut dossier = Dossier {
        file: Arc::clone(&sheet.source),
        document: 0,
        root: sheet.root,
        keys: KeyStyle::Canonical,
    };
    // the keys of a dossier sheet or a --dossier file as the pack names them; a key given
    // twice (部门名称 and department.name) keeps its first value, as `check` reads it
    dossier.resolve_aliases(&pack.aliases);
    let text = match arguments.to {
        ConvertFormat::Yaml => {
            let mut text = format!("# converted by guifan convert from {name}\n");
            write_yaml_map(&dossier.root, 0, false, &mut text);
            text
        }
        ConvertFormat::Json => {
            let mut text = serde_json::to_string_pretty(&dossier.root.to_json())
                .map_err(|error| GuifanError::Usage(error.to_string()))?;
            text.push('\n');
            text
        }
    };
    match &arguments.output {
        Some(path) => write_output(path, &text, &protected)?,
        None => print_stdout(&text)?,
    }
    Ok(Outcome::Clean)
}

/// A mapping's entries in block style from `indent`; the first one on the current line when
/// it follows a sequence's `- `.
fn write_yaml_map(node: &Node, indent: usize, inline_first: bool, out: &mut String) {
    let Some(entries) = node.as_entries() else {
        out.push_str(&scalar(node));
        out.push('\n');
        return;
    };
    for (index, entry) in entries.iter().enumerate() {
        if index > 0 || !inline_first {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(&key(&entry.key));
        out.push(':');
        match &entry.value.kind {
            NodeKind::Map(inner) if !inner.is_empty() => {
                out.push('\n');
                write_yaml_map(&entry.value, indent + 2, false, out);
            }
            NodeKind::Seq(items) if !items.is_empty() => {
                out.push('\n');
                write_yaml_items(items, indent + 2, out);
            }
            _ => {
                out.push(' ');
                out.push_str(&scalar(&entry.value));
                out.push('\n');
            }
        }
    }
}

fn write_yaml_items(items: &[Node], indent: usize, out: &mut String) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        match &item.kind {
            NodeKind::Map(entries) if !entries.is_empty() => {
                out.push(' ');
                write_yaml_map(item, indent + 2, true, out);
            }
            NodeKind::Seq(inner) if !inner.is_empty() => {
                out.push('\n');
                write_yaml_items(inner, indent + 2, out);
            }
            _ => {
                out.push(' ');
                out.push_str(&scalar(item));
                out.push('\n');
            }
        }
    }
}

/// A key: plain when it is an ASCII name, else a double-quoted string.
fn key(key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && key
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || character == '_');
    if plain {
        key.to_string()
    } else {
        quoted(key)
    }
}

/// A scalar; strings always quoted, so that a code stays a string (`'01'`, never 1).
fn scalar(node: &Node) -> String {
    match &node.kind {
        NodeKind::Null => "~".to_string(),
        NodeKind::Bool(value) => value.to_string(),
        NodeKind::Int(value) => value.to_string(),
        NodeKind::Float(value) => {
            let text = format!("{value:?}");
            if value.is_finite() {
                text
            } else {
                ".nan".to_string()
            }
        }
        NodeKind::Str(text) => quoted(text),
        NodeKind::Seq(_) => "[]".to_string(),
        NodeKind::Map(_) => "{}".to_string(),
    }
}

/// A JSON string is a YAML double-quoted scalar: the same escapes.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::parse_yaml;
    use crate::source::SourceFile;

    #[test]
    fn the_yaml_written_reads_back_as_the_same_tree() {
        let source = SourceFile::new(
            "a.yaml",
            "dossier:\n  id: '01'\nitems:\n  - name: \"甲\\n乙\"\n    legal_basis:\n      - title: x\n        level: law\n    channels: ['1', '2']\n    is_fee: true\n    statutory_limit: {value: 20, unit: working_days}\n  - name: 丙\n\"事项\": []\n",
        );
        let root = parse_yaml(&source).expect("yaml").remove(0);
        let mut text = String::new();
        write_yaml_map(&root, 0, false, &mut text);
        let again = parse_yaml(&SourceFile::new("b.yaml", text.as_str()))
            .expect("written yaml")
            .remove(0);
        assert_eq!(again.to_json(), root.to_json(), "{text}");
    }
}
