//! Fuzz target `cel_eval`: see guifan_fuzz::cel_eval and docs/FUZZING.md.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // the harness panics on a broken invariant; what it returns is the normal ending
    let _ = guifan_fuzz::cel_eval(data);
});
