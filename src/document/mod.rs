//! Documents: YAML and JSON texts read into one compact tree in which every node and every key
//! carries its byte span, plus the JSON Pointer look-up that turns a finding's path back into a
//! place in the file. Packs and dossiers are both read through here.
//!
//! Why not a ready tree: saphyr's `MarkedYaml` costs about 29× the input in memory and
//! serde_yaml has no spans, so the tree is built from saphyr-parser's event stream (YAML) and
//! jiter's pull iterator (JSON: the positions around each value give its byte range, and it
//! handles what YAML does not: surrogate pairs, very long keys).

mod json;
mod pointer;
mod schema;
mod tree;
mod yaml;

pub use json::parse_json;
pub use pointer::{escape_pointer_token, pointer_tokens, push_pointer_token, Location};
pub use schema::{NodeJson, NodeNumber};
pub use tree::{Entry, Node, NodeKind};
pub(crate) use tree::{KeyIndex, WordHasher};
pub use yaml::parse_yaml;

use crate::source::{SourceFile, Span};

/// A text could not be read as YAML or JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
    pub label: String,
}

/// Which syntax a file is read with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Yaml,
    Json,
}

impl Syntax {
    /// `.json` is JSON; everything else (`.yaml`, `.yml`, standard input) is YAML.
    pub fn for_name(name: &str) -> Syntax {
        if name.to_ascii_lowercase().ends_with(".json") {
            Syntax::Json
        } else {
            Syntax::Yaml
        }
    }
}

/// Reads every document of a source: a YAML stream may hold several, JSON holds one.
pub fn parse_documents(source: &SourceFile, syntax: Syntax) -> Result<Vec<Node>, SyntaxError> {
    match syntax {
        Syntax::Yaml => parse_yaml(source),
        Syntax::Json => parse_json(source).map(|node| vec![node]),
    }
}
