//! Bulk decoding of task arrays, against the cost of reading the JSON at all.
//!
//! ```text
//! cargo bench -p mj-benches --bench decode
//! ```
//!
//! For N = 1, 100 and 10 000 generated tasks (fixed seed) it measures, in one run:
//! `floor` (serde_json into `IgnoredAny`: validation only), `value` (`serde_json::Value`,
//! what a user would do without mj), `untagged` (derived structs with
//! `#[serde(untagged)]` int-or-string), `owned` (mj's `Task`, through the same list decode
//! the client uses) and `borrowed` (mj's `TaskView` over the body). The timings run on the
//! system allocator as users run it; allocations and retained heap per task are counted
//! in a child process with a counting allocator (`decode-allocations`). It prints the
//! tables with the goals and writes `target/criterion/decode-summary.json`.
#![allow(missing_docs)] // criterion macros generate undocumented items

use std::hint::black_box;
use std::process::Command;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use mj_benches::decoders::decode;
use mj_benches::summary::{self, DECODERS, Measure, Row};
use mj_benches::task_array;

const SIZES: [u64; 3] = [1, 100, 10_000];

fn throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    for n in SIZES {
        let body = task_array(n, 42);
        group.throughput(Throughput::Bytes(body.len() as u64));
        if n >= 10_000 {
            group.sample_size(20).measurement_time(Duration::from_secs(6));
        }
        for name in DECODERS {
            group.bench_with_input(BenchmarkId::new(name, n), &body, |b, body| {
                // The value is dropped inside the timing, as a program that decodes a list
                // and lets it go pays for both (Value's drop is the heaviest).
                b.iter(|| decode(name, black_box(body)).len())
            });
        }
    }
    group.finish();
}

/// Allocations and retained heap per task of one decode, with the value still alive,
/// counted in a child process (`decode-allocations`) whose allocator counts: a counting
/// allocator here would slow every timed allocation by its atomic counters, and the
/// decoders that allocate most by the most.
fn allocations(name: &str, n: u64) -> (f64, f64) {
    let counted = Command::new(env!("CARGO_BIN_EXE_decode-allocations"))
        .args([name, &n.to_string()])
        .output()
        .unwrap_or_else(|e| panic!("decode-allocations {name} {n}: {e}"));
    let text = String::from_utf8_lossy(&counted.stdout);
    let mut numbers = text.split_whitespace().filter_map(|w| w.parse::<f64>().ok());
    match (numbers.next(), numbers.next()) {
        (Some(allocs), Some(retained)) => (allocs, retained),
        _ => panic!("decode-allocations {name} {n} printed `{text}`"),
    }
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    throughput(&mut criterion);
    criterion.final_summary();

    let rows: Vec<Row> = SIZES
        .iter()
        .map(|&n| {
            let body = task_array(n, 42);
            let decoders = DECODERS
                .iter()
                .map(|&name| {
                    let mean = summary::mean_ns("decode", name, &n.to_string());
                    let (allocs, retained) = allocations(name, n);
                    let measure = Measure {
                        mb_per_s: mean.map(|ns| body.len() as f64 / ns * 1_000.0),
                        allocations_per_task: Some(allocs),
                        retained_bytes_per_task: Some(retained),
                    };
                    (name.to_owned(), measure)
                })
                .collect();
            Row { tasks: n, bytes: body.len() as u64, decoders }
        })
        .collect();
    summary::report(&rows);
}
