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

use std::os::raw::{c_int, c_long, c_ulong};

extern "C" {
    // mimalloc v3 `include/mimalloc.h`; the library is linked through the `mimalloc` crate.
    fn mi_option_set(option: c_int, value: c_long);
}

/// `mi_option_purge_delay` in mimalloc v3's `mi_option_e` (its 16th option).
const MI_OPTION_PURGE_DELAY: c_int = 15;

#[cfg(target_os = "linux")]
extern "C" {
    // glibc `sys/prctl.h`.
    fn prctl(option: c_int, ...) -> c_int;
}

/// `PR_SET_THP_DISABLE` (linux `include/uapi/linux/prctl.h`): no transparent huge page is
/// faulted in for the process from then on, whatever its mappings were advised. This is
/// what mimalloc itself does at start-up when `MIMALLOC_ALLOW_THP=0`; its option, set
/// later, would only stop its `madvise` of mappings made after, and it maps its first
/// arena (1 GiB) before `main`.
#[cfg(target_os = "linux")]
const PR_SET_THP_DISABLE: c_int = 41;

/// Keeps memory that went free for reuse instead of giving it back to the OS, and maps
/// memory in 4 KiB pages rather than transparent huge pages.
///
/// With huge pages each first touch of a 2 MiB region had the kernel zero all of it: the
/// 1,000-node upgrade (peak 290 MiB) spent 0.6 s of its 4 s in the kernel
/// (`clear_page_erms`, 9% of its samples), 0.15 s with 4 KiB pages, for 0.1 to 0.2 s more
/// user time (TLB misses); nothing under 100 nodes changes measurably.
pub fn keep_freed_memory() {
    // SAFETY: `mi_option_set` only stores the value, from any thread, at any time (its
    // options are atomics); -1 means never purge.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
    // SAFETY: this prctl takes one integer argument and only sets a flag of the process;
    // where the kernel refuses it (before 3.15), huge pages stay allowed, as before.
    #[cfg(target_os = "linux")]
    unsafe {
        prctl(
            PR_SET_THP_DISABLE,
            1 as c_ulong,
            0 as c_ulong,
            0 as c_ulong,
            0 as c_ulong,
        );
    }
}
