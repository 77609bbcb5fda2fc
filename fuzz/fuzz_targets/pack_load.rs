//! Fuzz target `pack_load`: see guifan_fuzz::pack_load and docs/FUZZING.md.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // the harness panics on a broken invariant; what it returns is the normal ending
    let _ = guifan_fuzz::pack_load(data);
});
