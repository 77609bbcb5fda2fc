//! Aliases: a key as a dossier may write it (often Chinese) mapped to a canonical key the
//! schema declares.

use std::sync::Arc;

use super::Loader;
use crate::error::LocatedError;
use crate::source::SourceFile;

impl Loader {
    pub(super) fn alias(&mut self, file: &Arc<SourceFile>, entry: &crate::document::Entry) {
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
            let help = crate::pack::static_check::did_you_mean(target, known);
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
}
