//! The binary's allocator settings (`hvsim::allocator`), in a process that uses mimalloc as
//! the binary and the benchmarks do.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(target_os = "linux")]
#[test]
fn keeping_freed_memory_turns_transparent_huge_pages_off_for_the_process() {
    use std::os::raw::{c_int, c_ulong};
    extern "C" {
        fn prctl(option: c_int, ...) -> c_int;
    }
    /// `PR_GET_THP_DISABLE` (linux `include/uapi/linux/prctl.h`).
    const PR_GET_THP_DISABLE: c_int = 42;
    hvsim::allocator::keep_freed_memory();
    // SAFETY: this prctl takes no argument and only reads a flag of the process.
    let off = unsafe {
        prctl(
            PR_GET_THP_DISABLE,
            0 as c_ulong,
            0 as c_ulong,
            0 as c_ulong,
            0 as c_ulong,
        )
    };
    assert_eq!(off, 1);
}
