//! The one CEL environment every pack is compiled and every rule evaluated with: the standard
//! library, the strings, lists and math extension libraries, and guifan's functions
//! (`functions.rs`) declared with their overloads.

use std::sync::{Arc, LazyLock};

use cel::common::ast::{EntryExpr, Expr, IdedExpr};
use cel::common::types;
use cel::parser::{Expression, ParseErrors, PrattParser};
use cel::Env;

use super::functions::{
    code_parts_function, counts_function, date_function, duplicates_function, is_date_function,
    matches_function, uscc_function, uscc_problem_function,
};

static ENVIRONMENT: LazyLock<Arc<Env>> = LazyLock::new(|| Arc::new(build_environment()));

/// The one environment (building the standard library costs ~35 µs: done once).
pub fn environment() -> Arc<Env> {
    Arc::clone(&ENVIRONMENT)
}

/// The macros the environment adds to the standard ones, which the fast parser does not
/// expand: the optional values' `optMap` and `optFlatMap`, the `lists` extension's `sortBy`,
/// the `math` extension's `math.greatest` and `math.least` (every `add_macro` of `cel` 0.15).
const EXTENSION_MACROS: &[&str] = &["optMap", "optFlatMap", "sortBy", "greatest", "least"];

/// Parses a CEL text as [`Env::compile`] does on [`environment`], 15–20 times faster.
///
/// The `cel` crate ships two parsers: the ANTLR one behind `Env::compile`, and a hand-written
/// Pratt parser (feature `parser_pratt`) that builds the same tree, node for node (only the
/// ids of a map literal's entries and keys are numbered in another order; the interpreter
/// does not read ids). On the 333 texts of the national pack the Pratt parser takes 0.9 ms,
/// the ANTLR one 16–20 ms, which was most of a pack's load. The environment's parser is still
/// used where the two would differ: for a text that does not parse (its error messages and
/// positions are the ones users and the tests know), and for a text that calls a macro of an
/// extension library, which only the environment's parser expands. `tests/cel_parsers.rs`
/// checks that both give the same tree on every expression of the shipped packs.
pub fn parse(text: &str) -> Result<Expression, ParseErrors> {
    let fast = PrattParser::new().enable_optional_syntax(true).parse(text);
    match fast {
        Ok(expression) if !calls_extension_macro(&expression.expr) => Ok(expression),
        _ => environment()
            .compile(text)
            .map(|program| program.expression().clone()),
    }
}

/// Whether a parsed expression calls, anywhere, a function named as an extension macro.
fn calls_extension_macro(expr: &Expr) -> bool {
    let mut stack = vec![expr];
    while let Some(expr) = stack.pop() {
        if let Expr::Call(call) = expr {
            if EXTENSION_MACROS.contains(&call.func_name.as_str()) {
                return true;
            }
        }
        each_sub_expression(expr, |child| stack.push(&child.expr));
    }
    false
}

/// Visits the expressions directly below `expr`: a call's target and arguments, a
/// comprehension's parts, a list's elements, a map's keys and values, a struct's field values,
/// a selection's operand. For the walks over a parsed tree that need no recursion.
pub fn each_sub_expression<'e>(expr: &'e Expr, mut visit: impl FnMut(&'e IdedExpr)) {
    match expr {
        Expr::Call(call) => {
            call.target.as_deref().into_iter().for_each(&mut visit);
            call.args.iter().for_each(visit);
        }
        Expr::Comprehension(comprehension) => [
            &comprehension.iter_range,
            &comprehension.accu_init,
            &comprehension.loop_cond,
            &comprehension.loop_step,
            &comprehension.result,
        ]
        .into_iter()
        .for_each(visit),
        Expr::List(list) => list.elements.iter().for_each(visit),
        Expr::Map(map) => {
            for entry in &map.entries {
                if let EntryExpr::MapEntry(entry) = &entry.expr {
                    visit(&entry.key);
                    visit(&entry.value);
                }
            }
        }
        Expr::Select(select) => visit(&select.operand),
        Expr::Struct(structure) => {
            for entry in &structure.entries {
                if let EntryExpr::StructField(field) = &entry.expr {
                    visit(&field.value);
                }
            }
        }
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}

/// The functions guifan adds (`functions.rs`), for static checks of rule expressions.
pub const CUSTOM_FUNCTIONS: &[&str] = &[
    "code_parts",
    "counts",
    "date",
    "duplicates",
    "is_date",
    "matches",
    "uscc_problem",
    "uscc_valid",
];

fn build_environment() -> Env {
    let mut env = Env::stdlib();
    // cel-go's strings (replace, substring, split, join …), lists (flatten, distinct, sort …) and
    // math (greatest, least …) libraries
    let extensions = [
        env.add_extension(cel::extensions::strings),
        env.add_extension(cel::extensions::lists),
        env.add_extension(cel::extensions::math),
    ];
    for extension in extensions {
        if let Err(error) = extension {
            panic!("a CEL extension library does not load: {error}");
        }
    }
    let declared = [
        env.add_overload(
            "date",
            "date_string",
            vec![types::STRING_TYPE],
            date_function,
        ),
        env.add_overload(
            "date",
            "date_timestamp",
            vec![types::TIMESTAMP_TYPE],
            date_function,
        ),
        env.add_overload(
            "matches",
            "guifan_matches_string",
            vec![types::STRING_TYPE, types::STRING_TYPE],
            matches_function,
        ),
        env.add_member_overload(
            "matches",
            "guifan_string_matches",
            types::STRING_TYPE,
            vec![types::STRING_TYPE],
            matches_function,
        ),
        env.add_overload(
            "duplicates",
            "duplicates_list",
            vec![types::LIST_TYPE],
            duplicates_function,
        ),
        env.add_overload(
            "counts",
            "counts_list",
            vec![types::LIST_TYPE],
            counts_function,
        ),
        env.add_overload(
            "is_date",
            "is_date_string",
            vec![types::STRING_TYPE],
            is_date_function,
        ),
        env.add_overload(
            "uscc_valid",
            "uscc_valid_string",
            vec![types::STRING_TYPE],
            uscc_function,
        ),
        env.add_overload(
            "uscc_problem",
            "uscc_problem_string_string",
            vec![types::STRING_TYPE, types::STRING_TYPE],
            uscc_problem_function,
        ),
        env.add_overload(
            "code_parts",
            "code_parts_string_list",
            vec![types::STRING_TYPE, types::LIST_TYPE],
            code_parts_function,
        ),
    ];
    for declaration in declared {
        if let Err(error) = declaration {
            // the declarations are constants of this file: a conflict is a bug caught by tests
            panic!("guifan's CEL functions conflict with the standard library: {error}");
        }
    }
    env
}
