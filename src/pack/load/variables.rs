//! Pack variables: named CEL expressions computed once per dossier, each able to read the ones
//! before it; their names checked and their string growth estimated where they are written.

use std::sync::Arc;

use super::expressions::BUILTIN_NAMES;
use super::names::is_identifier;
use super::Loader;
use crate::document::Node;
use crate::pack::spec::VariableSpec;
use crate::pack::Variable;
use crate::source::SourceFile;

impl Loader {
    pub(super) fn variable(&mut self, file: &Arc<SourceFile>, node: &Node, spec: VariableSpec) {
        let name = spec.name.value.clone();
        if !is_identifier(&name) {
            self.problems.add(
                file,
                spec.name.span,
                format!("`{name}` is not a CEL identifier"),
                "variable name",
            );
            return;
        }
        let base = self
            .variables
            .iter()
            .find(|variable| {
                variable.name == name && variable.lineage.defined_by != self.current_pack
            })
            .map(|variable| variable.lineage.defined_by.clone());
        if let Some(base) = base {
            self.problems.add_with_help(
                file,
                spec.name.span,
                format!("the variable `{name}` is already a variable of the base pack {base}"),
                "declared again",
                format!(
                    "give it this pack's value with `set` (`- variable: {name}`, `expr`, `reason`)"
                ),
            );
            return;
        }
        if self.sections.contains(&name)
            || BUILTIN_NAMES.contains(&name.as_str())
            || self.variables.iter().any(|variable| variable.name == name)
        {
            self.problems.add(
                file,
                spec.name.span,
                format!("the variable `{name}` is already a name"),
                "choose another name",
            );
            return;
        }
        let known = self.known_names(&[]);
        // an overlay's `set` gives a base's variable another value: compiled in its place, so
        // that the rules after it read the overlay's value, and errors point into the overlay
        let (replacement, changes) = self.take_override(&name);
        let compiled = match &replacement {
            Some((set_file, set_node, expr)) => {
                self.compile(set_file, set_node.get("expr"), expr, &known)
            }
            None => self.compile(file, node.get("expr"), &spec.expr, &known),
        };
        let Some(expression) = compiled else {
            return;
        };
        let (file, expr_span) = match &replacement {
            Some((set_file, _, expr)) => (set_file, expr.span),
            None => (file, spec.expr.span),
        };
        // string growth, estimated where the variable is written (the runtime bounds the rest)
        if let Some(bytes) = crate::pack::expression_limits::estimated_string_bytes(
            &expression.source,
            &expression.variables,
            &self.variable_bytes,
        ) {
            let limit = crate::cel::MAX_STRING_BYTES;
            if bytes > limit {
                self.problems.add_with_help(
                    file,
                    expr_span,
                    format!(
                        "the variable `{name}` can grow to about {bytes} bytes, more than the {limit} a value may hold"
                    ),
                    "grows too large",
                    "a variable that repeats another (`b: a + a`) doubles it: compute what the rules need instead".to_string(),
                );
                return;
            }
            self.variable_bytes.insert(name.clone(), bytes);
        }
        let reads = self.variable_reads(&expression);
        self.variable_reads.insert(name.clone(), reads);
        self.variables.push(Variable {
            name,
            expression,
            description: spec.description,
            lineage: crate::pack::Lineage {
                defined_by: self.current_pack.clone(),
                changes,
            },
        });
    }
}
