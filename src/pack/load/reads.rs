//! What a rule's expressions read: the paths from its bindings, the sections and `doc`
//! (`ReadChain`s, each placed exactly), the field names, and whether it reads beyond its own
//! element. The engine skips exactly the evaluations that would read a malformed field.

use std::collections::{BTreeMap, BTreeSet};

use super::Loader;
use crate::pack::{Expression, ReadChain, READ_ANY_ELEMENT};

/// What a rule's expressions read: field names, and the sections beyond its own element.
pub(super) struct Reads {
    pub fields: BTreeSet<String>,
    /// Something beyond the rule's element is read (a variable, a section, `doc`).
    pub across: bool,
    /// The sections read beyond the element; `None` for `doc` (any section).
    pub sections: Option<BTreeSet<String>>,
}

impl Default for Reads {
    fn default() -> Self {
        Reads {
            fields: BTreeSet::new(),
            across: false,
            sections: Some(BTreeSet::new()),
        }
    }
}

impl Reads {
    /// A name an expression reads: a variable (with what it reads), a section or `doc`.
    fn name(
        &mut self,
        name: &str,
        variables: &BTreeMap<String, Reads>,
        sections: &BTreeSet<String>,
    ) {
        if let Some(inner) = variables.get(name) {
            self.fields.extend(inner.fields.iter().cloned());
            self.across |= inner.across;
            match (&mut self.sections, &inner.sections) {
                (Some(mine), Some(theirs)) => mine.extend(theirs.iter().cloned()),
                (mine, None) => *mine = None,
                (None, _) => {}
            }
        } else if name == "doc" {
            self.across = true;
            self.sections = None;
        } else if sections.contains(name) {
            self.across = true;
            self.fields.insert(name.to_string());
            if let Some(mine) = &mut self.sections {
                mine.insert(name.to_string());
            }
        }
    }
}

impl Loader {
    /// The field names a rule's expressions select, with those of the pack variables they
    /// read (variables read variables before them, so one pass in order settles it), and
    /// whether any of it reaches beyond the rule's own element (a variable that selects
    /// fields, a section or `doc` read directly).
    /// What a pack variable's expression reads, with what the variables before it that it
    /// reads read (kept in `variable_reads` as each variable loads: variables read only earlier
    /// ones, so one pass in order settles it).
    pub(super) fn variable_reads(&self, expression: &Expression) -> Reads {
        let mut reads = Reads::default();
        reads.fields.extend(expression.fields.iter().cloned());
        reads.fields.extend(
            expression
                .chains
                .iter()
                .flat_map(|chain| chain.fields.iter().cloned()),
        );
        for name in &expression.variables {
            reads.name(name, &self.variable_reads, &self.sections);
        }
        reads
    }

    pub(super) fn fields_read<'e>(
        &self,
        expressions: impl Iterator<Item = &'e Expression>,
    ) -> Reads {
        let variable_reads = &self.variable_reads;
        let mut reads = Reads::default();
        for expression in expressions {
            // index keys: their place is not known
            reads.fields.extend(expression.fields.iter().cloned());
            for name in &expression.variables {
                // bindings and sections are read through their chains, placed exactly
                if variable_reads.contains_key(name.as_str()) {
                    reads.name(name, variable_reads, &self.sections);
                }
            }
        }
        reads
    }
}

/// The paths an expression reads from a name (`item.a.b`, `has(item.a.b)`, a bare `item`), and
/// the keys of `x['k']` indexes, whose place is not followed. The parser bounds the
/// expression's depth, so the walk's recursion is bounded too.
pub(super) fn read_paths(
    expression: &cel::common::ast::Expr,
    chains: &mut BTreeSet<ReadChain>,
    loose: &mut BTreeSet<String>,
) {
    use cel::common::ast::{EntryExpr, Expr};
    match expression {
        Expr::Select(select) => {
            let mut fields = vec![select.field.clone()];
            let mut operand = &select.operand.expr;
            loop {
                match operand {
                    Expr::Select(inner) => {
                        fields.push(inner.field.clone());
                        operand = &inner.operand.expr;
                    }
                    Expr::Ident(root) => {
                        fields.reverse();
                        chains.insert(ReadChain {
                            root: root.clone(),
                            fields,
                            presence_only: select.test,
                        });
                        return;
                    }
                    other => {
                        // a path from a computed value (`code_parts(…).body`): the fields are
                        // of that value, not of the dossier
                        read_paths(other, chains, loose);
                        return;
                    }
                }
            }
        }
        Expr::Ident(root) => {
            chains.insert(ReadChain {
                root: root.clone(),
                fields: Vec::new(),
                presence_only: false,
            });
        }
        Expr::Call(call) if call.func_name == "size" => {
            // `size(x)` reads how many, not what: like `has`, only a malformed container or
            // ancestor matters
            for part in call
                .target
                .iter()
                .map(|target| &**target)
                .chain(call.args.iter())
            {
                let mut inner = BTreeSet::new();
                read_paths(&part.expr, &mut inner, loose);
                let whole = matches!(part.expr, Expr::Select(_) | Expr::Ident(_));
                for mut chain in inner {
                    if whole {
                        chain.presence_only = true;
                    }
                    chains.insert(chain);
                }
            }
        }
        Expr::Call(call) => {
            if call.func_name == "_[_]" {
                if let Some(Expr::Literal(cel::common::ast::LiteralValue::String(key))) =
                    call.args.get(1).map(|argument| &argument.expr)
                {
                    loose.insert(key.to_string());
                }
            }
            if let Some(target) = &call.target {
                read_paths(&target.expr, chains, loose);
            }
            for argument in &call.args {
                read_paths(&argument.expr, chains, loose);
            }
        }
        Expr::Comprehension(comprehension) => {
            // `doc.items.exists(i, has(i.note))` reads the note of every item: a path from the
            // comprehension's variable continues the range's path through any element (`*`)
            let mut range = BTreeSet::new();
            read_paths(&comprehension.iter_range.expr, &mut range, loose);
            let range_chain = matches!(
                comprehension.iter_range.expr,
                Expr::Select(_) | Expr::Ident(_)
            )
            .then(|| range.iter().next().cloned())
            .flatten();
            let mut inner = BTreeSet::new();
            for part in [
                &comprehension.accu_init,
                &comprehension.loop_cond,
                &comprehension.loop_step,
                &comprehension.result,
            ] {
                read_paths(&part.expr, &mut inner, loose);
            }
            match range_chain {
                Some(range_chain) => {
                    // iterating reads the elements only through the variable
                    chains.insert(ReadChain {
                        presence_only: true,
                        ..range_chain.clone()
                    });
                    for chain in inner {
                        if chain.root == comprehension.iter_var {
                            let mut fields = range_chain.fields.clone();
                            fields.push(READ_ANY_ELEMENT.to_string());
                            fields.extend(chain.fields);
                            chains.insert(ReadChain {
                                root: range_chain.root.clone(),
                                fields,
                                presence_only: chain.presence_only,
                            });
                        } else {
                            chains.insert(chain);
                        }
                    }
                }
                None => {
                    chains.extend(range);
                    chains.extend(inner);
                }
            }
        }
        Expr::List(list) => {
            for element in &list.elements {
                read_paths(&element.expr, chains, loose);
            }
        }
        Expr::Map(map) => {
            for entry in &map.entries {
                if let EntryExpr::MapEntry(entry) = &entry.expr {
                    read_paths(&entry.key.expr, chains, loose);
                    read_paths(&entry.value.expr, chains, loose);
                }
            }
        }
        Expr::Struct(structure) => {
            for entry in &structure.entries {
                if let EntryExpr::StructField(field) = &entry.expr {
                    read_paths(&field.value.expr, chains, loose);
                }
            }
        }
        Expr::Unspecified | Expr::Literal(_) => {}
    }
}
