//! mimalloc's settings, for the binary and the benchmarks, which choose mimalloc as their
//! allocator (README: Dependencies); the library itself allocates through whichever
//! allocator its user chose, and calling this with another one changes nothing.
//!
//! By default mimalloc gives memory that went free back to the OS 10 ms later
//! (`purge_delay`). A run frees and reuses memory all the time (every write replaces a
//! snapshot, every delivery drops one), so some pages were given back and faulted in again,
//! zeroed by the kernel each time: the 1,000-node upgrade took 393, 411 and 890 page faults
//! in three runs, and 328 to 334 in six runs with no purging (about its peak memory in 2 MiB
//! pages). The peak is the same; the process keeps it until it exits.

use std::os::raw::{c_int, c_long};

extern "C" {
    // mimalloc v3 `include/mimalloc.h`; the library is linked through the `mimalloc` crate.
    fn mi_option_set(option: c_int, value: c_long);
}

/// `mi_option_purge_delay` in mimalloc v3's `mi_option_e` (its 16th option).
const MI_OPTION_PURGE_DELAY: c_int = 15;

/// Keeps memory that went free for reuse instead of giving it back to the OS.
pub fn keep_freed_memory() {
    // SAFETY: `mi_option_set` only stores the value, from any thread, at any time (its
    // options are atomics); -1 means never purge.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}
