//! The one CEL environment every pack is compiled and every rule evaluated with: the standard
//! library, the strings, lists and math extension libraries, and guifan's functions
//! (`functions.rs`) declared with their overloads.

use std::sync::{Arc, LazyLock};

use cel::common::types;
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
