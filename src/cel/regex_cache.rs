//! Regular expressions compiled once: a bounded process-wide cache, and each thread's own
//! copies for matching (`matches`, `code_parts`, the loader's check of literal patterns).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

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
pub(super) fn regex_is_match(pattern: &str, text: &str) -> Result<bool, regex::Error> {
    with_local_regex(pattern, |compiled| compiled.is_match(text))
}

/// `with` given this thread's copy of `pattern`, compiled once per process.
pub(super) fn with_local_regex<T>(
    pattern: &str,
    with: impl FnOnce(&regex::Regex) -> T,
) -> Result<T, regex::Error> {
    LOCAL_REGEXES.with(|local| {
        if let Some(compiled) = local.borrow().get(pattern) {
            return Ok(with(compiled));
        }
        let compiled = regex::Regex::clone(&*cached_regex(pattern)?);
        let result = with(&compiled);
        let mut local = local.borrow_mut();
        if local.len() >= REGEX_CACHE_CAPACITY {
            local.clear();
        }
        local.insert(pattern.to_string(), compiled);
        Ok(result)
    })
}
