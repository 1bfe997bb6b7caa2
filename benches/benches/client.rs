//! Per-call overhead of the client (plans, retry bookkeeping) over a bare transport call,
//! measured in the same run: fetching the same task from the in-process simulator.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use criterion::{Criterion, criterion_group, criterion_main};
use mj_client::prelude::*;
use mj_proto::Transport;
use mj_sim::{SimConfig, SimTransport};

fn overhead(c: &mut Criterion) {
    let transport = SimTransport::manual(SimConfig::new("http://sim.test"), 1_800_000_000_000);
    let config = Config::new("http://sim.test").expect("config");
    let client = Client::with_transport(transport.clone(), config.clone());
    let id = client.submit(Imagine::new("a benchmarked fox")).expect("submitted").task_id;
    transport.sleep(std::time::Duration::from_secs(60));
    let fetch = Fetch::new(&id);
    let mut group = c.benchmark_group("fetch");
    group.bench_function("bare transport", |b| {
        b.iter(|| {
            let response = transport.send(config.build(&fetch).expect("request")).expect("answer");
            config.parse(&fetch, response).expect("task")
        })
    });
    group.bench_function("client", |b| b.iter(|| client.fetch(&id).expect("task")));
    group.finish();

    // The same pair over a transport that answers from memory, which isolates what the
    // client itself costs from the simulator's work.
    let body = serde_json::to_vec(&client.fetch(&id).expect("task")).expect("json");
    let canned = Canned(body);
    let canned_client = Client::with_transport(Canned(canned.0.clone()), config.clone());
    let mut group = c.benchmark_group("fetch-canned");
    group.bench_function("client", |b| b.iter(|| canned_client.fetch(&id).expect("task")));
    group.bench_function("bare transport", |b| {
        b.iter(|| {
            let response = canned.send(config.build(&fetch).expect("request")).expect("answer");
            config.parse(&fetch, response).expect("task")
        })
    });
    group.finish();
}

/// Answers every request with the same body.
struct Canned(Vec<u8>);

impl Transport for Canned {
    fn send(&self, _: mj_proto::HttpRequest) -> Result<mj_proto::HttpResponse, mj_proto::TransportError> {
        Ok(mj_proto::http::Response::new(self.0.clone()))
    }
    fn sleep(&self, _: std::time::Duration) {}
}

criterion_group!(benches, overhead);
criterion_main!(benches);
