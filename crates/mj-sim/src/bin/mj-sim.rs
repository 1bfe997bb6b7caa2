//! `mj-sim`: the simulator as a loopback HTTP server.
//!
//! ```text
//! cargo run -p mj-sim -- [--port 8080] [--flavor F] [--api-key K] [--speed X] [--faults SPEC]
//!                        [--seed N] [--concurrency N] [--queue-size N] [--minimal] [--legacy-enums]
//!                        [--exit-after SECS]
//! ```
//!
//! Binds 127.0.0.1 only and prints `listening on http://127.0.0.1:PORT` as its first line.
//! Ctrl-C or `--exit-after` stop it.

use std::process::ExitCode;
use std::time::Duration;

use mj_sim::{FaultPlan, Flavor, Server, SimConfig};

const HELP: &str = "\
mj-sim: a local Midjourney proxy for development and tests

usage: mj-sim [OPTIONS]

  --port N            port on 127.0.0.1 (default 8080; 0 picks a free one)
  --flavor F          imitate plus (default), novicezk, trueai, newapi or reseller,
                      including that server's auth header
  --api-key K         require this key (otherwise anyone may call)
  --speed X           run tasks X times faster (default 1: about 5 s a task)
  --faults SPEC       NAME=VALUE pairs, comma-separated, e.g. 500=0.1,slow=0.1,slow_ms=5000
                      chances per request (0 to 1):
                        500             HTTP 500 before the request is handled
                        429             HTTP 429 with Retry-After before it is handled
                        slow            the answer comes slow_ms late
                        truncate        handled, then the body is cut short
                        reset           handled, then the connection drops unanswered
                        html            an HTML error page before it is handled
                        late            the connection drops; handled late_ms later
                        hook_drop       a webhook POST is never sent
                        hook_dup        a webhook POST is sent twice
                      delays (milliseconds):
                        slow_ms         how late a slow answer comes (default 2000)
                        late_ms         how long a late request waits (default 3000)
                        lookup_lag_ms   how long a new task is missing from lookups by
                                        state (default 0)
                        refresh_lag_ms  how often a gateway refreshes the tasks it
                                        shows, as new-api's 15000 (default 0)
                        hook_delay_ms   the most a webhook POST is held back (default 0)
  --seed N            seed ids and faults (default 1)
  --concurrency N     jobs running at once (default 3)
  --queue-size N      jobs waiting at most; beyond that submits get code 23 (default 10)
  --minimal           serve only the submits and GET /mj/task/{id}/fetch (a minimal reseller)
  --legacy-enums      webhooks with integer enums, as trueai sent them before v5.8.16
  --exit-after SECS   stop after SECS seconds
  -h, --help          this text

Prompt markers: --sim-fail ends a task in FAILURE, --sim-stall never finishes it.
GET /sim/stats shows requests, faults and tasks created.";

struct Options {
    port: u16,
    config: SimConfig,
    exit_after: Option<Duration>,
}

fn parse(args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut args = args.peekable();
    let mut port = 8080u16;
    let mut config = SimConfig::new("");
    let mut exit_after = None;
    let (mut concurrency, mut queue) = (config.concurrency, config.queue_size);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = || inline.clone().or_else(|| args.next()).ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" => port = value()?.parse().map_err(|_| "--port takes a number from 0 to 65535".to_owned())?,
            "--flavor" => config = config.flavor(value()?.parse::<Flavor>()?),
            "--api-key" => config = config.api_key(value()?),
            "--speed" => {
                let speed: f64 = value()?.parse().map_err(|_| "--speed takes a number".to_owned())?;
                if !(speed.is_finite() && speed > 0.0) {
                    return Err("--speed must be above 0".into());
                }
                config = config.speed(speed);
            }
            "--faults" => config = config.faults(value()?.parse::<FaultPlan>()?),
            "--seed" => config = config.seed(value()?.parse().map_err(|_| "--seed takes a number".to_owned())?),
            "--concurrency" => concurrency = value()?.parse().map_err(|_| "--concurrency takes a number".to_owned())?,
            "--queue-size" => queue = value()?.parse().map_err(|_| "--queue-size takes a number".to_owned())?,
            "--minimal" => config = config.minimal(),
            "--legacy-enums" => config = config.legacy_enums(),
            "--exit-after" => {
                let secs: f64 = value()?.parse().map_err(|_| "--exit-after takes seconds".to_owned())?;
                exit_after =
                    Some(Duration::try_from_secs_f64(secs).map_err(|_| "--exit-after takes seconds".to_owned())?);
            }
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok(Some(Options { port, config: config.capacity(concurrency, queue), exit_after }))
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("mj-sim: {message}\n(see mj-sim --help)");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("mj-sim: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(options))
}

async fn run(options: Options) -> ExitCode {
    let config = options.config;
    let flavor = config.flavor;
    let auth = if config.api_key.is_none() {
        "no key required"
    } else if config.strict_auth {
        "flavor's auth header"
    } else {
        "key in any auth style"
    };
    let speed = config.speed;
    // The server runs on its own thread; this runtime only waits for the signal to stop.
    let server = match Server::start(config, options.port) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("mj-sim: cannot listen on 127.0.0.1:{}: {e}", options.port);
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {}", server.url());
    eprintln!("mj-sim: flavor {flavor}, {auth}, speed {speed}x");
    let timer = async {
        match options.exit_after {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => eprintln!("mj-sim: interrupted, stopping"),
        _ = timer => eprintln!("mj-sim: --exit-after reached, stopping"),
    }
    server.stop();
    ExitCode::SUCCESS
}
