//! The CEL room, below both the pack and the engine (pack → cel ← engine): the one environment
//! every expression is compiled and evaluated with (`environment.rs`), guifan's own functions
//! (`functions.rs`), the cache of compiled regular expressions (`regex_cache.rs`), values
//! converted whatever type holds them (`values.rs`), and the limits a value may reach.
//!
//! The pack loader compiles with it and checks literal patterns and value sizes against it; the
//! engine evaluates with it; neither needs the other for CEL.

mod environment;
mod functions;
mod native;
mod regex_cache;
mod shared_map;
mod values;

pub use environment::{each_sub_expression, environment, parse, CUSTOM_FUNCTIONS};
pub use functions::{
    date_to_timestamp, parse_date, uscc_check_character, uscc_is_valid, uscc_problem,
};
pub use native::{Native, NativeScope};
pub use regex_cache::{cached_regex, regex_cache_len, REGEX_CACHE_CAPACITY};
pub use values::to_cel_value;

/// The longest string (in bytes) and the longest list a pack variable may hold: a variable
/// that doubles another (`a + a`) would otherwise double its way to an aborted allocation. The
/// engine checks each value it keeps; the loader estimates a variable's strings where it is
/// written.
pub const MAX_STRING_BYTES: usize = 16 << 20;
pub const MAX_LIST_ELEMENTS: usize = 2_000_000;
