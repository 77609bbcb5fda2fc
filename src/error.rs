//! Tool failures: the run could not be done (exit code 2). Findings are not errors; they are
//! data (see `finding`). Every error that concerns a file names it and, where it can, points
//! at the line and column.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use crate::sanitize::escape;
use crate::snippet::SourceWindow;
use crate::source::{SourceFile, Span};

/// An error at a place in a file: a YAML/JSON syntax error, a bad pack entry. Its snippet is a
/// window of the lines around the place (see `snippet`), so that a long line or a control
/// character in the file cannot break the report.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
pub struct LocatedError {
    pub message: String,
    #[source_code]
    pub source_code: SourceWindow,
    /// The label's span in the window.
    #[label("{label}")]
    pub span: SourceSpan,
    /// The byte offset of the error in the file, for ordering errors as a person reads them.
    pub offset: usize,
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
        let window = SourceWindow::around(file, span);
        LocatedError {
            message: format!(
                "{}:{}:{}: {}",
                escape(&file.name),
                position.line,
                position.column,
                escape(&message)
            ),
            span: window.label(),
            source_code: window,
            offset: span.start(),
            label: escape(&label.into()).into_owned(),
            help: help.map(|help| escape(&help).into_owned()),
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

    #[error("{count} test case{plural} of the pack cannot be run", plural = if *.count == 1 { "" } else { "s" })]
    #[diagnostic(code(guifan::pack_test))]
    Cases {
        count: usize,
        #[related]
        errors: Vec<GuifanError>,
    },

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
