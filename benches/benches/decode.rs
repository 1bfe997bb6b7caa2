//! Bulk decoding of task arrays: mj's owned `Task` against what reading the JSON costs at
//! all (`IgnoredAny`) and against a `serde_json::Value`, measured in the same run.

#![allow(missing_docs)] // criterion_group! generates undocumented items

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mj_benches::task_array;
use serde::de::IgnoredAny;

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    for n in [1u64, 100, 10_000] {
        let body = task_array(n, 42);
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::new("floor", n), &body, |b, body| {
            b.iter(|| serde_json::from_slice::<IgnoredAny>(body).map(|_| ()))
        });
        group.bench_with_input(BenchmarkId::new("value", n), &body, |b, body| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(body))
        });
        group.bench_with_input(BenchmarkId::new("owned", n), &body, |b, body| {
            b.iter(|| serde_json::from_slice::<Vec<mj_proto::Task>>(body))
        });
    }
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
