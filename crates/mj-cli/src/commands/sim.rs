//! `mj sim`: the simulator as a server on 127.0.0.1 until Ctrl-C.

use crate::cli::SimArgs;
use crate::exit::Failure;

/// The server mj simulates when none is named: the built-in simulator of a command run
/// without a base URL and `mj sim` without `--flavor` are the same server. trueai, because
/// its finished grids carry their four images as well, so the main job saves four files.
pub(crate) const FLAVOR: mj_sim::Flavor = mj_sim::Flavor::Trueai;

pub(crate) fn run(args: SimArgs) -> Result<u8, Failure> {
    let SimArgs { port, flavor, api_key, speed, faults, seed } = args;
    let mut config = mj_sim::SimConfig::new("").speed(speed).seed(seed).flavor(flavor.unwrap_or(FLAVOR));
    if let Some(key) = api_key {
        config = config.api_key(key);
    }
    if let Some(faults) = faults {
        config = config.faults(faults.parse().map_err(|e| Failure::usage(format!("--faults: {e}")))?);
    }
    let server = mj_sim::Server::start(config, port)
        .map_err(|e| Failure::usage(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    println!("listening on {}", server.url());
    eprintln!("mj: simulator running; Ctrl-C stops it");
    loop {
        std::thread::park();
    }
}
