//! The scenario loader and, for an input that loads, one bounded seeded run rendered by
//! every report: `hvsim::fuzz::one_input`. A panic anywhere is a crash; a loader error that
//! is not one `FILE:LINE:COLUMN: message` line is made one.
#![no_main]

use hvsim::fuzz::{one_input, Outcome};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Outcome::BadError(e) = one_input(text) {
        panic!("a loader error that is not one FILE:LINE:COLUMN line: {e:?}");
    }
});
