//! guifan's own CEL functions, the ones rule authors need for dossiers (the environment that
//! declares them with the standard library and extensions: `environment.rs`):
//!
//! - `date(s)`: an ISO date (`2026-05-01`) or a GB/T 39046 date (`20260501`) as a timestamp, so
//!   dates compare correctly whichever way they were written.
//! - `matches(s, re)` / `s.matches(re)`: as in the CEL standard, but each pattern is compiled
//!   once per process (the `cel` crate recompiles on every call, 15–19 µs each).
//! - `duplicates(list)`: the strings or ints that occur more than once in a list, each once, in
//!   the order they first repeat: one hashing pass where CEL's `filter` per element is
//!   quadratic.
//! - `counts(list)`: how many times each string or int occurs in a list, as a map: one hashing
//!   pass where `size(xs.filter(x, x == y))` for each distinct `y` is quadratic.
//! - `is_date(s)`: `s` is a date that exists on the calendar, in either notation (the schema
//!   checks only the notation: `2026-02-30` passes it).
//! - `uscc_valid(s)`: a 统一社会信用代码 of 18 characters whose check character is right
//!   (GB 32100).
//! - `uscc_problem(s, lang)`: what is wrong with a 统一社会信用代码, in words a clerk can act on
//!   (`含有连字符「-」`, `只有 17 位`, `第 18 位应为校验码「P」`), in `'zh'` or `'en'`; `''` when
//!   it is valid.
//! - `code_parts(code, layouts)`: an item code split by the first layout that matches it; a
//!   layout is a map with a `name` and a `pattern` whose named groups are the segments
//!   (`(?P<uscc>…)`). The result maps `layout` to the layout's name and each segment to its
//!   text; `{}` when no layout matches.
//!
//! Packs come from other hands, so no function here, and none of the `cel` crate's standard
//! library and extensions (checked for cel 0.15: no file, environment, network or clock calls),
//! reads the world outside the dossier: the only date a rule sees is `as_of`, which the engine
//! computes before evaluation. A function added here must keep it so (docs/SECURITY.md).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use cel::common::types::{self, CelBool, CelString, CelTimestamp};
use cel::common::value::{Builtin, CowVal};
use cel::ExecutionError;
use chrono::format::{Item, StrftimeItems};
use chrono::{NaiveDate, TimeZone};

use super::regex_cache::{regex_is_match, with_local_regex};
use super::shared_map::SharedMap;

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

pub(super) fn date_function<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
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

pub(super) fn duplicates_function<'b, 'v>(
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

pub(super) fn counts_function<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let list = args
        .first()
        .and_then(|value| value.as_ref().as_iterable())
        .ok_or_else(|| ExecutionError::function_error("counts", "expects a list"))?;
    let mut counts: HashMap<cel::objects::Key, cel::Value> = HashMap::new();
    let mut elements = list.iter();
    while let Some(element) = elements.next() {
        let key = if let Some(text) = element.downcast_ref::<CelString>() {
            cel::objects::Key::from(text.inner().to_string())
        } else if let Some(number) = element.downcast_ref::<types::CelInt>() {
            cel::objects::Key::from(*number.inner())
        } else {
            return Err(ExecutionError::function_error(
                "counts",
                format!(
                    "expects strings or ints, found a {}",
                    element.get_type().name()
                ),
            ));
        };
        let count = counts.entry(key).or_insert(cel::Value::Int(0));
        if let cel::Value::Int(count) = count {
            *count += 1;
        }
    }
    let value: Box<dyn cel::common::value::Val> =
        cel::Value::Map(cel::objects::Map::from(counts)).try_into()?;
    Ok(CowVal::Owned(value))
}

pub(super) fn is_date_function<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let text = string_argument(&args, 0, "is_date")?;
    Ok(CowVal::owned(CelBool::from(parse_date(text).is_some())))
}

/// An ISO date or a YYYYMMDD date.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let layout = if text.len() == 8 && text.bytes().all(|byte| byte.is_ascii_digit()) {
        &*COMPACT_DATE
    } else {
        &*DASHED_DATE
    };
    // what `NaiveDate::parse_from_str` does, with the layout's items made once: it parses its
    // format string again on every call, 2.4 % of the CPU time of checking W1, where every
    // date of every item is read (docs/PERFORMANCE.md, point 42)
    let mut parsed = chrono::format::Parsed::new();
    chrono::format::parse(&mut parsed, text, layout.iter()).ok()?;
    parsed.to_naive_date().ok()
}

/// The items of the date layouts `parse_date` reads (a literal layout always parses: empty
/// would read no date, which `dates_are_read_in_both_layouts` would show).
static COMPACT_DATE: LazyLock<Vec<Item<'static>>> = LazyLock::new(|| layout("%Y%m%d"));
static DASHED_DATE: LazyLock<Vec<Item<'static>>> = LazyLock::new(|| layout("%Y-%m-%d"));

fn layout(format: &'static str) -> Vec<Item<'static>> {
    StrftimeItems::new(format).parse().unwrap_or_default()
}

/// Midnight UTC of a date, as CEL timestamps carry an offset.
pub fn date_to_timestamp(date: NaiveDate) -> chrono::DateTime<chrono::FixedOffset> {
    let utc = chrono::FixedOffset::east_opt(0).expect("zero offset is valid");
    utc.from_utc_datetime(&date.and_time(chrono::NaiveTime::MIN))
}

pub(super) fn matches_function<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
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

pub(super) fn uscc_function<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let text = string_argument(&args, 0, "uscc_valid")?;
    Ok(CowVal::owned(CelBool::from(uscc_is_valid(text))))
}

/// The characters of a 统一社会信用代码, in the order of their values (GB 32100).
const USCC_CHARSET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// GB 32100: 18 characters from `0-9A-Z` without I, O, S, V, Z; the 18th is the check
/// character over the first 17 with weights 3^i mod 31.
pub fn uscc_is_valid(code: &str) -> bool {
    let bytes = code.as_bytes();
    bytes.len() == 18
        && bytes.iter().all(|byte| USCC_CHARSET.contains(byte))
        && uscc_check_character(&bytes[..17]) == Some(bytes[17])
}

/// The check character of the first 17 characters, when they are all allowed ones.
pub fn uscc_check_character(first17: &[u8]) -> Option<u8> {
    const WEIGHTS: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (byte, weight) in first17.iter().zip(WEIGHTS) {
        let value = USCC_CHARSET.iter().position(|allowed| allowed == byte)? as u32;
        sum += value * weight;
    }
    let check = ((31 - sum % 31) % 31) as usize;
    USCC_CHARSET.get(check).copied()
}

/// What is wrong with a 统一社会信用代码, in words; `None` when it is valid. The first problem
/// a clerk would fix first: separators and case before length, length before characters,
/// characters before the check character.
pub fn uscc_problem(code: &str, english: bool) -> Option<String> {
    let pick = |zh: String, en: String| Some(if english { en } else { zh });
    let length = code.chars().count();
    if code.trim().is_empty() {
        return pick("是空的".into(), "is empty".into());
    }
    if let Some(space) = code.chars().find(|c| c.is_whitespace()) {
        let _ = space;
        return pick("含有空格".into(), "contains a space".into());
    }
    if code.contains('-') {
        return pick(
            "含有连字符「-」（统一社会信用代码是连续的 18 位）".into(),
            "contains a hyphen '-' (a USCC is 18 characters in a row)".into(),
        );
    }
    if let Some(other) = code.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return pick(
            format!("含有字符「{other}」（只能是数字和大写字母）"),
            format!("contains the character '{other}' (only digits and capital letters)"),
        );
    }
    if let Some(lower) = code.chars().find(|c| c.is_ascii_lowercase()) {
        return pick(
            format!("含有小写字母「{lower}」（应为大写）"),
            format!("contains the lowercase letter '{lower}' (capitals only)"),
        );
    }
    let bytes = code.as_bytes();
    if bytes.iter().all(|byte| *byte == bytes[0]) && length > 1 {
        return pick(
            format!("是占位符（{length} 位全是「{}」）", bytes[0] as char),
            format!("is a placeholder ({length} times '{}')", bytes[0] as char),
        );
    }
    if length != 18 {
        return pick(
            format!("有 {length} 位（统一社会信用代码为 18 位）"),
            format!("has {length} characters (a USCC has 18)"),
        );
    }
    if let Some((position, letter)) = code
        .chars()
        .enumerate()
        .find(|(_, c)| !USCC_CHARSET.contains(&(*c as u8)))
    {
        return pick(
            format!(
                "第 {} 位是「{letter}」（统一社会信用代码不用 I、O、S、V、Z）",
                position + 1
            ),
            format!(
                "character {} is '{letter}' (a USCC never uses I, O, S, V, Z)",
                position + 1
            ),
        );
    }
    let expected = uscc_check_character(&bytes[..17])?;
    if expected != bytes[17] {
        return pick(
            format!(
                "第 18 位应为校验码「{}」，写的是「{}」",
                expected as char, bytes[17] as char
            ),
            format!(
                "the 18th character should be the check character '{}', not '{}'",
                expected as char, bytes[17] as char
            ),
        );
    }
    None
}

pub(super) fn uscc_problem_function<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let text = string_argument(&args, 0, "uscc_problem")?;
    let lang = string_argument(&args, 1, "uscc_problem")?;
    let problem = uscc_problem(text, lang == "en").unwrap_or_default();
    Ok(CowVal::owned(CelString::from(problem)))
}

/// The `(name, pattern)` of each layout of a built-in list of built-in maps with a string
/// `name` and `pattern`; `None` for anything else (which the general path reads, or refuses).
fn borrowed_layouts(layouts: &dyn cel::common::value::Val) -> Option<Vec<(&str, &str)>> {
    let list = layouts.downcast_ref::<types::CelList>()?;
    list.inner()
        .iter()
        .map(|layout| {
            let map = layout.downcast_ref::<types::CelMap>()?;
            let field = |wanted: &str| {
                map.inner().iter().find_map(|(key, value)| {
                    let key = key.inner().downcast_ref::<CelString>()?;
                    (key.inner() == wanted)
                        .then(|| value.downcast_ref::<CelString>().map(CelString::inner))
                        .flatten()
                })
            };
            Some((field("name")?, field("pattern")?))
        })
        .collect()
}

pub(super) fn code_parts_function<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let code = string_argument(&args, 0, "code_parts")?;
    let layouts = code_layouts(args.get(1).map(|value| &**value))?;
    let kept = kept_parts(code, &layouts);
    if let Some(parts) = kept.found {
        return Ok(CowVal::Owned(Box::new(SharedMap(parts))));
    }
    let parts = Arc::new(parse_code(code, layouts)?);
    if let Some(key) = kept.key {
        keep_parts(key, code, Arc::clone(&parts));
    }
    Ok(CowVal::Owned(Box::new(SharedMap(parts))))
}

/// The parts of `code` by the first layout it matches (its named groups and `layout`, the
/// layout's name); no parts when it matches none. A layout is refused only when it is reached,
/// as it always was.
fn parse_code(
    code: &str,
    layouts: Vec<Layout<'_>>,
) -> Result<types::CelMap<'static>, ExecutionError> {
    let mut found = HashMap::<cel::objects::Key, cel::Value>::new();
    for layout in layouts {
        let (name, pattern) = layout?;
        let captured = with_local_regex(&pattern, |compiled| {
            compiled.captures(code).map(|captures| {
                let mut parts: HashMap<cel::objects::Key, cel::Value> = HashMap::new();
                parts.insert(
                    "layout".into(),
                    cel::Value::String(Arc::new(name.to_string())),
                );
                for group in compiled.capture_names().flatten() {
                    if let Some(matched) = captures.name(group) {
                        parts.insert(
                            group.into(),
                            cel::Value::String(Arc::new(matched.as_str().to_string())),
                        );
                    }
                }
                parts
            })
        })
        .map_err(|error| {
            ExecutionError::function_error(
                "code_parts",
                format!("the layout {name} has an invalid pattern: {error}"),
            )
        })?;
        if let Some(parts) = captured {
            found = parts;
            break;
        }
    }
    let value: Box<dyn cel::common::value::Val> =
        cel::Value::Map(cel::objects::Map::from(found)).try_into()?;
    match value.into_builtin() {
        Some(Builtin::Map(map)) => Ok(map),
        _ => Err(ExecutionError::function_error(
            "code_parts",
            "the parts did not make a map",
        )),
    }
}

/// A layout's name and pattern as `code_layouts` reads it, or why it cannot be used.
type Layout<'a> = Result<(Cow<'a, str>, Cow<'a, str>), ExecutionError>;

/// The layouts' names and patterns, as the key of the answers kept for them.
type LayoutsKey = Vec<(String, String)>;

/// The answers `code_parts` keeps on each thread: for the layouts of its last few calls, the
/// parts of the last codes. Why: a rule reads the parts of one code again and again
/// (`has(code_parts(c, l).body) && uscc_valid(code_parts(c, l).body)`, and its message), and
/// each call matched the layouts again and made a new map (a tenth of W1's instructions). An
/// answer depends only on the code and the layouts' names and patterns, which are compared
/// whole; a call whose layouts are not all a name and a pattern, or that gives an error, is not
/// kept. Bounded: at most `KEPT_LAYOUT_SETS` sets of layouts, each with at most
/// `KEPT_CODES` codes, emptied when full, and only codes of at most `KEPT_CODE_BYTES` (a task
/// code has a few dozen characters; a dossier of long texts passed as codes keeps none).
type KeptParts = Vec<(LayoutsKey, HashMap<String, Arc<types::CelMap<'static>>>)>;

const KEPT_LAYOUT_SETS: usize = 4;
const KEPT_CODES: usize = 512;
const KEPT_CODE_BYTES: usize = 256;

thread_local! {
    static KEPT_PARTS: std::cell::RefCell<KeptParts> = const { std::cell::RefCell::new(Vec::new()) };
}

/// What the kept answers have for a call: the answer, or the key to keep it under.
struct Kept {
    found: Option<Arc<types::CelMap<'static>>>,
    key: Option<LayoutsKey>,
}

fn kept_parts(code: &str, layouts: &[Layout<'_>]) -> Kept {
    let named = if code.len() <= KEPT_CODE_BYTES {
        layouts
            .iter()
            .map(|layout| layout.as_ref().ok())
            .collect::<Option<Vec<_>>>()
    } else {
        None
    };
    let Some(named) = named else {
        return Kept {
            found: None,
            key: None,
        };
    };
    let same = |key: &LayoutsKey| {
        key.len() == named.len()
            && key
                .iter()
                .zip(&named)
                .all(|((name, pattern), (other_name, other_pattern))| {
                    name == other_name && pattern == other_pattern
                })
    };
    let found = KEPT_PARTS.with(|kept| {
        let kept = kept.borrow();
        kept.iter()
            .find(|(key, _)| same(key))
            .and_then(|(_, codes)| codes.get(code).cloned())
    });
    let key = found.is_none().then(|| {
        named
            .iter()
            .map(|(name, pattern)| (name.to_string(), pattern.to_string()))
            .collect()
    });
    Kept { found, key }
}

fn keep_parts(key: LayoutsKey, code: &str, parts: Arc<types::CelMap<'static>>) {
    KEPT_PARTS.with(|kept| {
        let mut kept = kept.borrow_mut();
        let position = match kept.iter().position(|(known, _)| *known == key) {
            Some(position) => position,
            None => {
                if kept.len() >= KEPT_LAYOUT_SETS {
                    kept.remove(0);
                }
                kept.push((key, HashMap::new()));
                kept.len() - 1
            }
        };
        let codes = &mut kept[position].1;
        if codes.len() >= KEPT_CODES {
            codes.clear();
        }
        codes.insert(code.to_string(), parts);
    });
}

/// The `(name, pattern)` of each layout `code_parts` is given. The layouts as the pack's
/// variables hold them (a built-in list of maps of strings) are read in place: converting the
/// list for every call was a tenth of a check's time. Any other value is converted: refused
/// unless it is a list, and each of its elements unless it is a map with a string `name` and
/// `pattern`.
fn code_layouts(
    layouts: Option<&dyn cel::common::value::Val>,
) -> Result<Vec<Layout<'_>>, ExecutionError> {
    if let Some(borrowed) = layouts.and_then(borrowed_layouts) {
        return Ok(borrowed
            .into_iter()
            .map(|(name, pattern)| Ok((Cow::Borrowed(name), Cow::Borrowed(pattern))))
            .collect());
    }
    let Some(cel::Value::List(layouts)) = layouts.map(super::values::to_cel_value).transpose()?
    else {
        return Err(ExecutionError::function_error(
            "code_parts",
            "expects a list of layouts",
        ));
    };
    let field = |layout: &cel::Value, key: &str| -> Option<String> {
        match layout {
            cel::Value::Map(map) => match map.get(&cel::objects::Key::from(key)) {
                Some(cel::Value::String(text)) => Some(text.to_string()),
                _ => None,
            },
            _ => None,
        }
    };
    Ok(layouts
        .iter()
        .map(
            |layout| match (field(layout, "name"), field(layout, "pattern")) {
                (Some(name), Some(pattern)) => Ok((Cow::Owned(name), Cow::Owned(pattern))),
                _ => Err(ExecutionError::function_error(
                    "code_parts",
                    "a layout is a map with a `name` and a `pattern`",
                )),
            },
        )
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cel::environment;
    use cel::{Context, Value};

    fn evaluate(expression: &str) -> Result<Value, ExecutionError> {
        let env = environment();
        let program = env.compile(expression).expect("compiles");
        program.execute(&Context::with_env(env))
    }

    /// `parse_date` reads exactly what `NaiveDate::parse_from_str` reads with its two layouts,
    /// their items made once.
    #[test]
    fn dates_are_read_in_both_layouts() {
        let texts = [
            "2024-03-05",
            " 2024-03-05 ",
            "20240305",
            "2024-3-5",
            "2024-02-30",
            "20240230",
            "2024-03-05x",
            "2024/03/05",
            "２０２４-03-05",
            "2024年3月5日",
            "99999-01-01",
            "0001-01-01",
            "",
            "-",
        ];
        for text in texts {
            let trimmed = text.trim();
            let expected =
                if trimmed.len() == 8 && trimmed.bytes().all(|byte| byte.is_ascii_digit()) {
                    NaiveDate::parse_from_str(trimmed, "%Y%m%d").ok()
                } else {
                    NaiveDate::parse_from_str(trimmed, "%Y-%m-%d").ok()
                };
            assert_eq!(parse_date(text), expected, "{text:?}");
        }
        assert_eq!(parse_date("20240305"), NaiveDate::from_ymd_opt(2024, 3, 5));
        assert_eq!(
            parse_date("2024-03-05"),
            NaiveDate::from_ymd_opt(2024, 3, 5)
        );
    }

    #[test]
    fn code_parts_reads_its_layouts_and_refuses_a_bad_one_when_it_reaches_it() {
        let layout = "{'name': 'a', 'pattern': '^X(?P<n>[0-9])$'}";
        assert_eq!(
            evaluate(&format!("code_parts('X1', [{layout}]).n")),
            Ok(Value::String(Arc::new("1".to_string())))
        );
        assert_eq!(
            evaluate(&format!("code_parts('X1', [{layout}]).layout")),
            Ok(Value::String(Arc::new("a".to_string())))
        );
        assert_eq!(
            evaluate(&format!("code_parts('Z', [{layout}]) == {{}}")),
            Ok(Value::Bool(true))
        );
        // a malformed layout after the one that matches is never reached
        assert_eq!(
            evaluate(&format!("code_parts('X1', [{layout}, {{'name': 'b'}}]).n")),
            Ok(Value::String(Arc::new("1".to_string())))
        );
        let error = |text: &str| match evaluate(text) {
            Err(error) => error.to_string(),
            Ok(value) => panic!("{text} gave {value:?}"),
        };
        assert!(
            error(&format!("code_parts('Y', [{layout}, {{'name': 'b'}}])"))
                .contains("a layout is a map with a `name` and a `pattern`")
        );
        // not a list: refused by the overload (string, list) before the function runs
        assert!(error("code_parts('Y', 'x')").contains("code_parts"));
        assert!(error("code_parts('Y', [{'name': 'c', 'pattern': '('}])")
            .contains("the layout c has an invalid pattern"));
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
    fn counts_are_made_in_one_pass() {
        assert_eq!(
            evaluate("counts(['科', '处', '科', '科']) == {'科': 3, '处': 1}"),
            Ok(Value::Bool(true))
        );
        assert_eq!(evaluate("counts([7, 7, 2])[7]"), Ok(Value::Int(2)));
        assert_eq!(evaluate("size(counts([]))"), Ok(Value::Int(0)));
        assert!(evaluate("counts([[1]])").is_err());
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
    fn uscc_problems_in_words() {
        assert_eq!(uscc_problem("91350100M000100Y43", false), None);
        let problem = |code: &str| uscc_problem(code, false).unwrap_or_default();
        assert_eq!(
            problem("68236467-9"),
            "含有连字符「-」（统一社会信用代码是连续的 18 位）"
        );
        assert_eq!(
            problem("11511301452259996u"),
            "含有小写字母「u」（应为大写）"
        );
        assert_eq!(
            problem("1151130108778239R_6861"),
            "含有字符「_」（只能是数字和大写字母）"
        );
        assert_eq!(
            problem("91350100M000100Y4"),
            "有 17 位（统一社会信用代码为 18 位）"
        );
        assert_eq!(problem("2222222222222"), "是占位符（13 位全是「2」）");
        assert_eq!(
            problem("91350100M000100Y44"),
            "第 18 位应为校验码「3」，写的是「4」"
        );
        assert_eq!(
            problem("91350100M000100I43"),
            "第 16 位是「I」（统一社会信用代码不用 I、O、S、V、Z）"
        );
        assert_eq!(
            evaluate("uscc_problem('91350100M000100Y4', 'en')"),
            Ok(Value::String(Arc::new(
                "has 17 characters (a USCC has 18)".into()
            )))
        );
    }

    #[test]
    fn codes_split_by_their_layout() {
        let layouts =
            "[{'name': 'dashed', 'pattern': '^(?P<catalog>[0-9A-Z]+)-(?P<uscc>[0-9A-Za-z]+)$'}]";
        assert_eq!(
            evaluate(&format!(
                "code_parts('511Z07001006-11511301452259996U', {layouts}).uscc"
            )),
            Ok(Value::String(Arc::new("11511301452259996U".into())))
        );
        assert_eq!(
            evaluate(&format!("code_parts('nothing', {layouts}) == {{}}")),
            Ok(Value::Bool(true))
        );
    }

    /// A kept answer is the answer: a second call with the same code and layouts gives an
    /// equal map, another layout list or code its own, and the map shared by its copies answers
    /// as the built-in map does (equality either way round, `size`, `in`, fields, `has`,
    /// indexing a missing key, iteration, conversion to a value).
    #[test]
    fn kept_parts_answer_as_a_built_in_map() {
        let first = "[{'name': 'a', 'pattern': '^(?P<kind>[A-Z])(?P<n>[0-9]+)$'}]";
        let second = "[{'name': 'b', 'pattern': '^(?P<kind>[A-Z])(?P<n>[0-9])(?P<rest>[0-9]*)$'}]";
        let parts = |code: &str, layouts: &str| format!("code_parts('{code}', {layouts})");
        let yes = |text: String| assert_eq!(evaluate(&text), Ok(Value::Bool(true)), "{text}");
        for _ in 0..2 {
            yes(format!(
                "{} == {{'layout': 'a', 'kind': 'X', 'n': '12'}}",
                parts("X12", first)
            ));
            yes(format!(
                "{{'layout': 'a', 'kind': 'X', 'n': '12'}} == {}",
                parts("X12", first)
            ));
            yes(format!(
                "{} == {{'layout': 'b', 'kind': 'X', 'n': '1', 'rest': '2'}}",
                parts("X12", second)
            ));
            yes(format!("{}.n == '34'", parts("Y34", first)));
            yes(format!(
                "size({}) == 3 && 'kind' in {a} && !('rest' in {a})",
                parts("X12", first),
                a = parts("X12", first)
            ));
            yes(format!(
                "has({}.kind) && !has({}.rest)",
                parts("X12", first),
                parts("X12", first)
            ));
            yes(format!(
                "{}.all(key, key in ['layout', 'kind', 'n'])",
                parts("X12", first)
            ));
            yes(format!(
                "[{a}, {a}][1]['n'] == '12'",
                a = parts("X12", first)
            ));
            yes(format!("{} == {{}}", parts("12", first)));
            // a code too long to be kept is answered all the same
            let long = format!("X{}", "7".repeat(300));
            yes(format!("{}.n.size() == 300", parts(&long, first)));
        }
        let missing = evaluate(&format!("{}['rest']", parts("X12", first)));
        let built_in = evaluate("{'layout': 'a', 'kind': 'X', 'n': '12'}['rest']");
        assert_eq!(
            format!("{missing:?}"),
            format!("{built_in:?}"),
            "a missing key"
        );
        assert!(missing.is_err());
        let value = evaluate(&parts("X12", first)).expect("a map");
        let Value::Map(map) = value else {
            panic!("{value:?}")
        };
        assert_eq!(map.map.len(), 3);
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
