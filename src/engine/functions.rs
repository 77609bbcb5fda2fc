//! The CEL environment every pack is compiled and evaluated with: the standard library, the
//! strings, lists and math extension libraries, plus the functions rule authors need for
//! dossiers.
//!
//! - `date(s)`: an ISO date (`2026-05-01`) or a GB/T 39046 date (`20260501`) as a timestamp, so
//!   dates compare correctly whichever way they were written.
//! - `matches(s, re)` / `s.matches(re)`: as in the CEL standard, but each pattern is compiled
//!   once per process (the `cel` crate recompiles on every call, 15–19 µs each).
//! - `duplicates(list)`: the strings or ints that occur more than once in a list, each once, in
//!   the order they first repeat: one hashing pass where CEL's `filter` per element is
//!   quadratic.
//! - `is_date(s)`: `s` is a date that exists on the calendar, in either notation (the schema
//!   checks only the notation: `2026-02-30` passes it).
//! - `uscc_valid(s)`: a 统一社会信用代码 of 18 characters whose check character is right
//!   (GB 32100).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

use cel::common::types::{self, CelBool, CelString, CelTimestamp};
use cel::common::value::CowVal;
use cel::{Env, ExecutionError};
use chrono::{NaiveDate, TimeZone};

static ENVIRONMENT: LazyLock<Arc<Env>> = LazyLock::new(|| Arc::new(build_environment()));

/// The one environment (building the standard library costs ~35 µs: done once).
pub fn environment() -> Arc<Env> {
    Arc::clone(&ENVIRONMENT)
}

/// The functions this module adds, for static checks of rule expressions.
pub const CUSTOM_FUNCTIONS: &[&str] = &["date", "duplicates", "is_date", "matches", "uscc_valid"];

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
    ];
    for declaration in declared {
        if let Err(error) = declaration {
            // the declarations are constants of this file: a conflict is a bug caught by tests
            panic!("guifan's CEL functions conflict with the standard library: {error}");
        }
    }
    env
}

fn string_argument<'a, 'b, 'v>(
    args: &'a [CowVal<'b, 'v>],
    index: usize,
    function: &str,
) -> Result<&'a str, ExecutionError> {
    args.get(index)
        .and_then(|value| value.downcast_ref::<CelString>())
        .map(|text| text.inner())
        .ok_or_else(|| ExecutionError::function_error(function, "expects a string argument"))
}

fn date_function<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    if let Some(timestamp) = args
        .first()
        .and_then(|value| value.downcast_ref::<CelTimestamp>())
    {
        return Ok(CowVal::owned(CelTimestamp::from(*timestamp.inner())));
    }
    let text = string_argument(&args, 0, "date")?;
    let date = parse_date(text).ok_or_else(|| {
        ExecutionError::function_error(
            "date",
            format!("`{text}` is not a date (YYYY-MM-DD or YYYYMMDD)"),
        )
    })?;
    Ok(CowVal::owned(CelTimestamp::from(date_to_timestamp(date))))
}

fn duplicates_function<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    use std::collections::HashSet;
    let list = args
        .first()
        .and_then(|value| value.as_ref().as_iterable())
        .ok_or_else(|| ExecutionError::function_error("duplicates", "expects a list"))?;
    let mut seen: HashSet<String> = HashSet::new();
    let mut reported: HashSet<String> = HashSet::new();
    let mut repeated: Vec<Box<dyn cel::common::value::Val + 'v>> = Vec::new();
    let mut elements = list.iter();
    while let Some(element) = elements.next() {
        let key = if let Some(text) = element.downcast_ref::<CelString>() {
            format!("s{}", text.inner())
        } else if let Some(number) = element.downcast_ref::<types::CelInt>() {
            format!("i{}", number.inner())
        } else {
            return Err(ExecutionError::function_error(
                "duplicates",
                format!(
                    "expects strings or ints, found a {}",
                    element.get_type().name()
                ),
            ));
        };
        if !seen.insert(key.clone()) && reported.insert(key) {
            repeated.push(element.clone_as_boxed());
        }
    }
    Ok(CowVal::owned(types::CelList::from(repeated)))
}

fn is_date_function<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let text = string_argument(&args, 0, "is_date")?;
    Ok(CowVal::owned(CelBool::from(parse_date(text).is_some())))
}

/// An ISO date or a YYYYMMDD date.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if text.len() == 8 && text.bytes().all(|byte| byte.is_ascii_digit()) {
        NaiveDate::parse_from_str(text, "%Y%m%d").ok()
    } else {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
    }
}

/// Midnight UTC of a date, as CEL timestamps carry an offset.
pub fn date_to_timestamp(date: NaiveDate) -> chrono::DateTime<chrono::FixedOffset> {
    let utc = chrono::FixedOffset::east_opt(0).expect("zero offset is valid");
    utc.from_utc_datetime(&date.and_time(chrono::NaiveTime::MIN))
}

static REGEX_CACHE: LazyLock<RwLock<HashMap<String, Arc<regex::Regex>>>> =
    LazyLock::new(Default::default);

/// Patterns kept by the process-wide cache and by each thread's. A pack has a few dozen
/// patterns; patterns made from dossier values (`x.matches(item.name)`) are each new, and an
/// unbounded cache grew to gigabytes. A full cache is emptied and refilled by the patterns in
/// use: simpler than an LRU, and as good for a working set far below the cap.
pub const REGEX_CACHE_CAPACITY: usize = 1024;
/// The largest compiled program a pattern may have (the `regex` crate's default is 10 MiB
/// per pattern; a cache of them would hold gigabytes).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// The patterns in the process-wide cache now (never more than [`REGEX_CACHE_CAPACITY`]).
pub fn regex_cache_len() -> usize {
    REGEX_CACHE.read().map(|cache| cache.len()).unwrap_or(0)
}

/// Compiles a pattern once and keeps it for later calls in the process (see
/// [`REGEX_CACHE_CAPACITY`]).
pub fn cached_regex(pattern: &str) -> Result<Arc<regex::Regex>, regex::Error> {
    if let Ok(cache) = REGEX_CACHE.read() {
        if let Some(compiled) = cache.get(pattern) {
            return Ok(Arc::clone(compiled));
        }
    }
    let compiled = Arc::new(
        regex::RegexBuilder::new(pattern)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()?,
    );
    if let Ok(mut cache) = REGEX_CACHE.write() {
        if cache.len() >= REGEX_CACHE_CAPACITY {
            cache.clear();
        }
        cache.insert(pattern.to_string(), Arc::clone(&compiled));
    }
    Ok(compiled)
}

thread_local! {
    /// This thread's own copies of the patterns it used: a match touches no lock, reference
    /// count or match cache that another thread also uses (with two threads matching the same
    /// date pattern per value, the shared ones cost more than the matching).
    static LOCAL_REGEXES: std::cell::RefCell<
        HashMap<String, regex::Regex, std::hash::BuildHasherDefault<crate::document::WordHasher>>,
    > = std::cell::RefCell::new(HashMap::default());
}

/// Whether `text` matches `pattern`, compiled once per process (see [`cached_regex`]).
fn regex_is_match(pattern: &str, text: &str) -> Result<bool, regex::Error> {
    LOCAL_REGEXES.with(|local| {
        if let Some(compiled) = local.borrow().get(pattern) {
            return Ok(compiled.is_match(text));
        }
        let compiled = regex::Regex::clone(&*cached_regex(pattern)?);
        let result = compiled.is_match(text);
        let mut local = local.borrow_mut();
        if local.len() >= REGEX_CACHE_CAPACITY {
            local.clear();
        }
        local.insert(pattern.to_string(), compiled);
        Ok(result)
    })
}

fn matches_function<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let text = string_argument(&args, 0, "matches")?;
    let pattern = string_argument(&args, 1, "matches")?;
    let matched = regex_is_match(pattern, text).map_err(|error| {
        ExecutionError::function_error(
            "matches",
            format!("'{pattern}' is not a valid regex: {error}"),
        )
    })?;
    Ok(CowVal::owned(CelBool::from(matched)))
}

fn uscc_function<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let text = string_argument(&args, 0, "uscc_valid")?;
    Ok(CowVal::owned(CelBool::from(uscc_is_valid(text))))
}

/// GB 32100: 18 characters from `0-9A-Z` without I, O, S, V, Z; the 18th is the check
/// character over the first 17 with weights 3^i mod 31.
pub fn uscc_is_valid(code: &str) -> bool {
    const CHARSET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let bytes = code.as_bytes();
    if bytes.len() != 18 {
        return false;
    }
    let mut values = [0u32; 18];
    for (slot, byte) in values.iter_mut().zip(bytes) {
        match CHARSET.iter().position(|allowed| allowed == byte) {
            Some(position) => *slot = position as u32,
            None => return false,
        }
    }
    let sum: u32 = values[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(value, weight)| value * weight)
        .sum();
    let check = (31 - sum % 31) % 31;
    values[17] == check
}

#[cfg(test)]
mod tests {
    use super::*;
    use cel::{Context, Value};

    fn evaluate(expression: &str) -> Result<Value, ExecutionError> {
        let env = environment();
        let program = env.compile(expression).expect("compiles");
        program.execute(&Context::with_env(env))
    }

    #[test]
    fn dates_compare_across_both_notations() {
        assert_eq!(
            evaluate("date('2026-05-01') == date('20260501')"),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            evaluate("date('20260430') < date('2026-05-01')"),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            evaluate("is_date('2024-02-29') && is_date('20240229')"),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            evaluate("is_date('2026-02-29') || is_date('2026-02-30') || is_date('2026/01/01')"),
            Ok(Value::Bool(false))
        );
        let error = evaluate("date('2026-13-01')").expect_err("bad date");
        assert!(error.to_string().contains("not a date"), "{error}");
    }

    #[test]
    fn matches_works_as_function_and_method() {
        assert_eq!(
            evaluate("'01'.matches('^[0-9]{2}$')"),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            evaluate("matches('1', '^[0-9]{2}$')"),
            Ok(Value::Bool(false))
        );
        assert!(evaluate("'a'.matches('(')").is_err());
    }

    #[test]
    fn extension_libraries_are_there() {
        assert_eq!(evaluate("'a-b'.replace('-', '')"), Ok(Value::from("ab")));
        assert_eq!(
            evaluate("'000101001001'.substring(2, 4)"),
            Ok(Value::from("01"))
        );
        assert_eq!(
            evaluate("[[1], [2, 3]].flatten().size()"),
            Ok(Value::Int(3))
        );
        assert_eq!(evaluate("math.greatest(1, 5, 3)"), Ok(Value::Int(5)));
    }

    #[test]
    fn duplicates_are_found_in_one_pass() {
        assert_eq!(
            evaluate("duplicates(['a', 'b', 'a', 'c', 'a', 'b'])"),
            Ok(Value::List(vec![Value::from("a"), Value::from("b")].into()))
        );
        assert_eq!(
            evaluate("duplicates([1, 2, 3]) == []"),
            Ok(Value::Bool(true))
        );
        assert!(evaluate("duplicates([[1]])").is_err());
    }

    #[test]
    fn uscc_check_characters() {
        // weights 3^i mod 31 (see GB 32100); these codes were computed by that rule
        assert!(uscc_is_valid("91350100M000100Y43"));
        assert!(!uscc_is_valid("91350100M000100Y44"));
        assert!(!uscc_is_valid("91350100M000100Y4"));
        assert!(!uscc_is_valid("91350100M000100I43"));
        assert_eq!(
            evaluate("uscc_valid('91350100M000100Y43')"),
            Ok(Value::Bool(true))
        );
    }
}
