//! guifan (规范): a standard's clauses as CEL rules in versioned YAML packs, checked against
//! entry dossiers, with diagnostics that cite the clause and point at the line and column.
//!
//! The pipeline: load pack → load dossier (with spans) → evaluate (pure) → findings (plain
//! data) → report (edge). See ARCHITECTURE.md.

pub mod cel;
pub mod cli;
pub mod commands;
pub mod document;
pub mod dossier;
pub mod engine;
pub mod error;
pub mod finding;
pub mod pack;
pub mod report;
pub mod sanitize;
pub mod sheet;
pub mod snippet;
pub mod source;
