//! Instruction-count companion of the `client` bench (criterion's timings are noisy on a
//! shared 2-core machine): runs N fetches either bare or through the client, so that
//! `valgrind --tool=callgrind` can compare the two exactly.
//!
//! ```text
//! cargo build --release -p mj-benches --example overhead
//! valgrind --tool=callgrind target/release/examples/overhead bare 1000
//! valgrind --tool=callgrind target/release/examples/overhead client 1000
//! ```

use mj_client::prelude::*;
use mj_proto::Transport;
use mj_sim::{SimConfig, SimTransport};

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "client".to_owned());
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let transport = SimTransport::manual(SimConfig::new("http://sim.test"), 1_800_000_000_000);
    let config = Config::new("http://sim.test").expect("config");
    let client = Client::with_transport(transport.clone(), config.clone());
    let id = client.submit(Imagine::new("a measured fox")).expect("submitted").task_id;
    transport.sleep(std::time::Duration::from_secs(60));
    let fetch = Fetch::new(&id);
    let mut found = 0;
    for _ in 0..n {
        let task = match mode.as_str() {
            "bare" => config.parse(&fetch, transport.send(config.build(&fetch).expect("request")).expect("answer")),
            _ => client.fetch(&id),
        };
        found += usize::from(task.expect("task").is_some());
    }
    println!("{mode}: {found} fetches");
}
