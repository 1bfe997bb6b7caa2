//! `mj sim`: the simulator as a server on 127.0.0.1 until Ctrl-C.

use crate::cli::SimArgs;
use crate::exit::Failure;

pub(crate) fn run(args: SimArgs) -> Result<u8, Failure> {
    let SimArgs { port, flavor, api_key, speed, faults, seed } = args;
    let mut config = mj_sim::SimConfig::new("").speed(speed).seed(seed);
    if let Some(flavor) = flavor {
        config = config.flavor(flavor);
    }
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
