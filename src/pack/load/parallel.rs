//! The parts of a pack's loading that do not depend on each other, on helper threads: its files
//! are parsed side by side, and its JSON Schema is compiled while its rules are. A check of one
//! dossier with the embedded pack spent two thirds of its time loading the pack on one core,
//! the other idle once the dossier was parsed (docs/PERFORMANCE.md, point 41).
//!
//! Plain scoped threads, not rayon's pool: `check` loads the pack while its files are read and
//! parsed on that pool, and a file parsed first waits for the pack on a worker of the pool. A
//! pack waiting for the pool in turn could wait forever. A helper thread that cannot be started
//! leaves its work to the calling thread, in the same order: what is loaded never depends on
//! the threads.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The stack of a helper thread: as the loader's own (`LOADER_STACK_BYTES` in `check.rs`), since
/// the parsers and the schema compiler recurse once per level of nesting. Only the pages used
/// are committed.
const HELPER_STACK_BYTES: usize = 256 << 20;

fn spawn<'scope, 'env, T: Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    work: impl FnOnce() -> T + Send + 'scope,
) -> std::io::Result<std::thread::ScopedJoinHandle<'scope, T>> {
    std::thread::Builder::new()
        .name("guifan-pack-helper".to_string())
        .stack_size(HELPER_STACK_BYTES)
        .spawn_scoped(scope, work)
}

/// `beside()` run on a helper thread while `here()` runs on this one; both results. When no
/// helper can be started, `beside()` runs here first. A panic in either is this thread's, as if
/// both had run here.
pub(super) fn beside<A: Send, B>(
    beside: impl Fn() -> A + Sync,
    here: impl FnOnce() -> B,
) -> (A, B) {
    // a closure over a reference: one copy for the helper, another here if it cannot start
    let run = || beside();
    std::thread::scope(|scope| match spawn(scope, run) {
        Ok(helper) => {
            let b = here();
            match helper.join() {
                Ok(a) => (a, b),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        Err(_) => (run(), here()),
    })
}

/// `work` on each of `items`, its results in the items' order, on this thread and as many
/// helper threads as the pool has threads (less one); the items are taken one at a time, so a
/// long one does not hold up the rest.
pub(super) fn each<T: Sync, R: Send + Sync>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = rayon::current_num_threads().min(items.len());
    if threads <= 1 {
        return items.iter().map(&work).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Vec<OnceLock<R>> = items.iter().map(|_| OnceLock::new()).collect();
    let take = || loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        let Some(item) = items.get(index) else {
            break;
        };
        let _ = results[index].set(work(item));
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            // a helper that cannot be made leaves its share to the others and to this thread
            let _ = spawn(scope, take);
        }
        take();
    });
    // every item was taken by a thread that finished (the scope joined them, and a panic in
    // one is this thread's): a result is missing only if that changes, and is then made here
    items
        .iter()
        .zip(results)
        .map(|(item, result)| result.into_inner().unwrap_or_else(|| work(item)))
        .collect()
}
