//! The runtime budget of an evaluation: every step over a collection of the dossier (an element
//! of a comprehension, an element compared by `in` or `==`) is counted against a meter, and an
//! evaluation that runs out ends at once and becomes a `rule-error` "budget exhausted".
//!
//! The `cel` crate has no cost hook in its interpreter (cel-go's `CostTracker`), but it iterates
//! every list and map through the value's own `Iterable`: the dossier's lists are
//! [`MeteredList`]s and its maps `NodeMap`s, whose iterators ask the meter for each element. An
//! iterator refused a step reports the end of the collection, so the interpreter unwinds
//! quickly, and the meter remembers that it ran out: the (now meaningless) result is dropped
//! and the engine reports the exhausted budget instead (never a pass).
//!
//! The meter lives in a thread-local: an evaluation runs on one thread from start to end.
//! Outside [`metered`] (the pack loader, unit tests) nothing is counted.

use std::cell::Cell;
use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use cel::common::traits::{self, Adder, Container, Indexer, Iterable, Sizer, Zeroer};
use cel::common::types::{CelList, CelString, Type};
use cel::common::value::{Builtin, BuiltinRef, Val};
use cel::ExecutionError;

/// Steps one evaluation (a rule's guard or assertion on one element, a pack variable) may
/// take by default: ten passes over a 100,000-item list.
pub const DEFAULT_MAX_COST: u64 = 1_000_000;
/// Steps every evaluation of one dossier may take together by default.
pub const DEFAULT_MAX_DOSSIER_COST: u64 = 100_000_000;

#[derive(Clone, Copy)]
struct Meter {
    active: bool,
    remaining: u64,
    spent: u64,
    exhausted: bool,
}

thread_local! {
    static METER: Cell<Meter> = const {
        Cell::new(Meter { active: false, remaining: 0, spent: 0, exhausted: false })
    };
}

/// Takes `steps` steps from the running meter; false (and the meter marked exhausted) when
/// there are not that many left.
pub fn take(steps: u64) -> bool {
    METER.with(|cell| {
        let mut meter = cell.get();
        if !meter.active {
            return true;
        }
        let allowed = if meter.remaining >= steps {
            meter.remaining -= steps;
            meter.spent += steps;
            true
        } else {
            meter.spent += meter.remaining;
            meter.remaining = 0;
            meter.exhausted = true;
            false
        };
        cell.set(meter);
        allowed
    })
}

/// What an evaluation spent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spent {
    pub steps: u64,
    /// The evaluation ran out of steps: its result means nothing.
    pub exhausted: bool,
}

/// Runs `evaluation` with `limit` steps. Meters do not nest: an inner call (none today) would
/// count against its own limit and restore the outer meter after.
pub fn metered<R>(limit: u64, evaluation: impl FnOnce() -> R) -> (R, Spent) {
    let outer = METER.with(|cell| {
        cell.replace(Meter {
            active: true,
            remaining: limit,
            spent: 0,
            exhausted: false,
        })
    });
    let result = evaluation();
    let meter = METER.with(|cell| cell.replace(outer));
    (
        result,
        Spent {
            steps: meter.spent,
            exhausted: meter.exhausted,
        },
    )
}

/// The error a metered operation that can fail returns when the budget is out.
pub fn exhausted_error(operation: &str) -> ExecutionError {
    ExecutionError::function_error(operation, "budget exhausted")
}

/// An iterator that asks the meter for each element.
pub struct MeteredIterator<I>(pub I);

impl<'b, 'v, I: traits::Iterator<'b, 'v>> traits::Iterator<'b, 'v> for MeteredIterator<I> {
    fn next(&mut self) -> Option<&'b (dyn Val + 'v)> {
        if !take(1) {
            return None;
        }
        self.0.next()
    }
}

/// The elements of a built-in list, in order.
pub struct Elements<'b, 'v>(pub std::slice::Iter<'b, Box<dyn Val + 'v>>);

impl<'b, 'v: 'w, 'w> traits::Iterator<'b, 'w> for Elements<'b, 'v> {
    fn next(&mut self) -> Option<&'b (dyn Val + 'w)> {
        self.0.next().map(|item| item.as_ref() as &dyn Val)
    }
}

/// A list of the dossier (or made from it and kept, as a pack variable's) whose iteration,
/// membership test and comparison are metered. To everything else it is the built-in list it
/// holds: the interpreter's downcasts see that list.
///
/// `x in list` for a string `x` is a scan the first time and a hash look-up from the second
/// on: a list asked more than once (a pack variable such as `item_task_codes`, or a list of the
/// dossier's header such as `department.authorization.covers`, asked once per item) gets an
/// index of its strings, so a reference check over n elements costs n look-ups, not n scans.
/// An element of the list equals a string only if it is a string with the same text, so the
/// index (of the string elements only) gives the scan's answer.
#[derive(Clone)]
pub struct MeteredList<'v> {
    list: CelList<'v>,
    /// Shared by the copies of the list: made once, whoever asks. None for a list too short to
    /// index (most of the dossier's lists, made on every read: no allocation for them).
    membership: Option<Arc<Membership>>,
}

#[derive(Default)]
struct Membership {
    /// How many times a string was looked for.
    lookups: AtomicU32,
    /// (hash of the text, position in the list) of each string element, sorted: a look-up
    /// compares the texts of the positions whose hash matches.
    index: OnceLock<Box<[(u64, u32)]>>,
}

impl<'v> MeteredList<'v> {
    /// Below this length a scan is as fast as a look-up.
    const MIN_INDEXED: usize = 16;

    pub fn new(list: CelList<'v>) -> Self {
        let membership = (list.inner().len() >= Self::MIN_INDEXED).then(Arc::default);
        MeteredList { list, membership }
    }

    fn length(&self) -> u64 {
        self.list.inner().len() as u64
    }

    /// The index of the string elements, made (and paid for, as one pass) when a long list is
    /// asked for a string the second time.
    fn index(&self) -> Option<&[(u64, u32)]> {
        let membership = self.membership.as_deref()?;
        if let Some(index) = membership.index.get() {
            return Some(index);
        }
        if membership.lookups.fetch_add(1, Ordering::Relaxed) < 1 {
            return None;
        }
        let index = membership.index.get_or_init(|| {
            // a pass over the list; should the budget run out, the meter remembers it and the
            // evaluation's result is dropped
            let _ = take(self.length());
            let mut index: Vec<(u64, u32)> = self
                .list
                .inner()
                .iter()
                .enumerate()
                .filter_map(|(position, item)| {
                    item.downcast_ref::<CelString>()
                        .map(|text| (text_hash(text.inner()), position as u32))
                })
                .collect();
            index.sort_unstable();
            index.into_boxed_slice()
        });
        Some(index)
    }

    fn contains_text(&self, index: &[(u64, u32)], text: &str) -> bool {
        let hash = text_hash(text);
        let first = index.partition_point(|(candidate, _)| *candidate < hash);
        index[first..]
            .iter()
            .take_while(|(candidate, _)| *candidate == hash)
            .any(|(_, position)| {
                self.list.inner()[*position as usize]
                    .downcast_ref::<CelString>()
                    .is_some_and(|element| element.inner() == text)
            })
    }
}

fn text_hash(text: &str) -> u64 {
    BuildHasherDefault::<crate::document::WordHasher>::default().hash_one(text)
}

impl fmt::Debug for MeteredList<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.list, formatter)
    }
}

impl<'v> Val for MeteredList<'v> {
    fn get_type(&self) -> &Type {
        self.list.get_type()
    }

    fn cel_type() -> &'static Type {
        <CelList<'v> as Val>::cel_type()
    }

    fn as_adder<'b, 'w>(&'b self) -> Option<&'b (dyn Adder + 'w)>
    where
        Self: 'w,
    {
        self.list.as_adder()
    }

    fn as_container(&self) -> Option<&dyn Container> {
        Some(self)
    }

    fn as_indexer<'b, 'w>(&'b self) -> Option<&'b (dyn Indexer + 'w)>
    where
        Self: 'w,
    {
        self.list.as_indexer()
    }

    fn into_indexer<'w>(self: Box<Self>) -> Option<Box<dyn Indexer + 'w>>
    where
        Self: 'w,
    {
        Box::new(self.list).into_indexer()
    }

    fn as_iterable<'b, 'w>(&'b self) -> Option<&'b (dyn Iterable + 'w)>
    where
        Self: 'w,
    {
        Some(self)
    }

    fn as_sizer(&self) -> Option<&dyn Sizer> {
        self.list.as_sizer()
    }

    fn as_zeroer(&self) -> Option<&dyn Zeroer> {
        self.list.as_zeroer()
    }

    /// A comparison walks the list: it costs its length.
    fn equals(&self, other: &dyn Val) -> bool {
        take(self.length()) && self.list.equals(other)
    }

    fn clone_as_boxed<'w>(&self) -> Box<dyn Val + 'w>
    where
        Self: 'w,
    {
        Box::new(self.clone())
    }

    fn as_builtin<'b, 'w>(&'b self) -> BuiltinRef<'b, 'w>
    where
        Self: 'w,
    {
        self.list.as_builtin()
    }

    fn into_builtin<'w>(self: Box<Self>) -> Option<Builtin<'w>>
    where
        Self: 'w,
    {
        Box::new(self.list).into_builtin()
    }
}

impl Iterable for MeteredList<'_> {
    fn iter<'b, 'w>(&'b self) -> Box<dyn traits::Iterator<'b, 'w> + 'b>
    where
        Self: 'w,
    {
        Box::new(MeteredIterator(Elements(self.list.inner().iter())))
    }
}

/// `x in list` costs a step with the index, else the list's length (a scan).
impl Container for MeteredList<'_> {
    fn contains(&self, value: &dyn Val) -> Result<bool, ExecutionError> {
        if let Some(text) = value.downcast_ref::<CelString>() {
            if let Some(index) = self.index() {
                if !take(1) {
                    return Err(exhausted_error("in"));
                }
                return Ok(self.contains_text(index, text.inner()));
            }
        }
        if !take(self.length()) {
            return Err(exhausted_error("in"));
        }
        match self.list.as_container() {
            Some(container) => container.contains(value),
            None => Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_counted_only_inside_a_meter() {
        assert!(take(u64::MAX));
        let ((), spent) = metered(10, || {
            assert!(take(4));
            assert!(take(6));
            assert!(!take(1));
        });
        assert_eq!(
            spent,
            Spent {
                steps: 10,
                exhausted: true
            }
        );
        assert!(take(u64::MAX));
    }

    /// The index gives the scan's answer, on a long list of strings and other values, for
    /// strings in it and not in it, and for values that are not strings; and from the second
    /// look-up on, a look-up costs one step, not the list's length.
    #[test]
    fn membership_by_index_answers_as_the_scan() {
        let mut items: Vec<Box<dyn Val>> = (0..100)
            .map(|n| Box::new(CelString::from(format!("code-{n}"))) as Box<dyn Val>)
            .collect();
        items.push(Box::new(cel::common::types::CelInt::from(7)));
        let list = MeteredList::new(CelList::from(items));
        let copy = list.clone();
        let asked = |list: &MeteredList, value: &dyn Val| {
            let (answer, spent) = metered(1_000, || list.contains(value));
            (answer.expect("no error"), spent.steps)
        };
        // the first look-up scans
        assert_eq!(asked(&list, &CelString::from("code-5")), (true, 101));
        // the second makes the index (one pass), the third is a look-up
        assert_eq!(asked(&copy, &CelString::from("code-99")), (true, 102));
        assert_eq!(asked(&list, &CelString::from("code-42")), (true, 1));
        assert_eq!(asked(&list, &CelString::from("code-100")), (false, 1));
        assert_eq!(asked(&list, &CelString::from("7")), (false, 1));
        // a value that is not a string is found by the scan
        assert_eq!(
            asked(&list, &cel::common::types::CelInt::from(7)),
            (true, 101)
        );
    }
}
