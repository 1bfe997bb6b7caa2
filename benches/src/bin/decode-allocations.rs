//! Counts the allocations and the retained heap of one decode, per task, for the decode
//! benchmark: `decode-allocations <decoder> <tasks>` prints `<allocations> <bytes>`. It runs
//! as its own process so that only it pays for the counting allocator; the benchmark's
//! timings run on the plain system allocator.

use std::alloc::System;

use mj_benches::decoders::decode;
use mj_benches::task_array;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "owned".to_owned());
    let n: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let body = task_array(n, 42);
    let region = Region::new(GLOBAL);
    let decoded = decode(&name, &body);
    let stats = region.change();
    assert!(!decoded.is_empty(), "{name} decoded nothing");
    drop(decoded);
    let allocations = (stats.allocations + stats.reallocations) as f64 / n as f64;
    let retained =
        (stats.bytes_allocated as f64 + stats.bytes_reallocated as f64 - stats.bytes_deallocated as f64) / n as f64;
    println!("{allocations} {retained}");
}
