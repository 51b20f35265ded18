//! Test tables ported from the upstream projects whose computations hvsim models: each
//! module runs one upstream table (inputs and expected outputs are facts read at a release
//! tag, named in the module's header) and asserts that every row agrees, or is rejected with
//! the reason the real code gives.

#[path = "real_tables/overhead.rs"]
mod overhead;
#[path = "real_tables/quantity.rs"]
mod quantity;
