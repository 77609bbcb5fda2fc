//! Tool failures: the run could not be done (exit code 2). Findings are not errors; they are
//! data (see `finding`). Every error that concerns a file names it and, where it can, points
//! at the line and column.

use std::sync::Arc;

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use crate::source::{SourceFile, Span};

/// An error at a place in a file: a YAML/JSON syntax error, a bad pack entry.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
pub struct LocatedError {
    pub message: String,
    #[source_code]
    pub source_code: Arc<SourceFile>,
    #[label("{label}")]
    pub span: SourceSpan,
    pub label: String,
    #[help]
    pub help: Option<String>,
}

impl LocatedError {
    pub fn new(
        file: &SourceFile,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> LocatedError {
        let position = file.line_column(span.start());
        let message = message.into();
        LocatedError {
            message: format!(
                "{}:{}:{}: {message}",
                file.name, position.line, position.column
            ),
            source_code: Arc::new(SourceFile::new(file.name.clone(), Arc::clone(&file.text))),
            span: span.into(),
            label: label.into(),
            help,
        }
    }
}

#[derive(Debug, Error, Diagnostic)]
pub enum GuifanError {
    #[error("cannot read {path}: {message}")]
    #[diagnostic(code(guifan::io))]
    Read { path: String, message: String },

    #[error("cannot write {path}: {message}")]
    #[diagnostic(code(guifan::io))]
    Write { path: String, message: String },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Located(Box<LocatedError>),

    #[error("the pack {pack} does not load ({count} error{plural})", plural = if *.count == 1 { "" } else { "s" })]
    #[diagnostic(code(guifan::pack))]
    Pack {
        pack: String,
        count: usize,
        #[related]
        problems: Vec<LocatedError>,
    },

    #[error("{0}")]
    #[diagnostic(code(guifan::usage))]
    Usage(String),

    #[error("{count} inputs could not be read")]
    #[diagnostic(code(guifan::input))]
    Inputs {
        count: usize,
        #[related]
        errors: Vec<GuifanError>,
    },
}

impl From<LocatedError> for GuifanError {
    fn from(error: LocatedError) -> Self {
        GuifanError::Located(Box::new(error))
    }
}
