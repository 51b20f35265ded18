//! The `hvsim` command line. Its subcommands and exit codes are in the library's `cli`
//! (0 held / expectations met, 1 violated / unmet, 2 bad input or usage, 3 a repro not
//! reproduced).

use std::process::ExitCode;

// Runs allocate many small strings and maps; mimalloc's per-thread pages make them about
// a third cheaper than glibc's malloc and keep parallel sweeps from contending (README).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    hvsim::allocator::keep_freed_memory();
    hvsim::cli::main()
}
