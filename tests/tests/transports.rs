//! mj-ureq and mj-reqwest against mj-sim over loopback: whole flows, every flavor, faults
//! without duplicate submits, hanging servers, oversized bodies, and no leaked key.

use mj_test_support::refused;

use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;

use mj_client::prelude::*;
use mj_reqwest::ReqwestTransport;
use mj_sim::{Flavor, Server, SimConfig};
use mj_ureq::UreqTransport;
use refused::Refused;

const PNG: &str = "data:image/png;base64,iVBORw0KGgo=";
const KEY: &str = "sk-loopback-secret-4242";

/// The shipped settings, with the jitter seeded so that a failing run replays.
fn settings() -> Settings {
    Settings::default().seed(7)
}

fn start(config: SimConfig) -> Server {
    Server::start(config.speed(50.0), 0).expect("the simulator starts on a free loopback port")
}

fn config_for(server: &Server, flavor: Flavor) -> Config {
    let auth = match flavor {
        Flavor::Plus | Flavor::Novicezk => AuthStyle::MjApiSecret,
        Flavor::Trueai => AuthStyle::RawAuthorization,
        Flavor::Newapi | Flavor::Reseller => AuthStyle::Bearer,
    };
    Config::new(&server.url()).and_then(|c| c.with_api_key(KEY)).expect("config").with_auth_style(auth)
}

fn ureq_client(server: &Server, flavor: Flavor, transport: UreqTransport) -> Client<UreqTransport> {
    Client::with_transport(transport, config_for(server, flavor)).with_settings(settings())
}

fn reqwest_client(server: &Server, flavor: Flavor, transport: ReqwestTransport) -> AsyncClient<ReqwestTransport> {
    AsyncClient::with_transport(transport, config_for(server, flavor)).with_settings(settings())
}

/// Runs one scenario body over both transports: `aw!(x)` is `x` in the blocking run and
/// `x.await` in the async one.
macro_rules! on_both_transports {
    ($name:ident, $flavor:expr, $sim:expr, |$client:ident, $server:ident| $body:block) => {
        mod $name {
            use super::*;

            #[test]
            fn ureq() {
                let $server = start($sim.flavor($flavor).api_key(KEY));
                let transport = UreqTransport::builder().timeout(Duration::from_secs(1)).build();
                let $client = ureq_client(&$server, $flavor, transport);
                #[allow(unused_macros)]
                macro_rules! aw {
                    ($e:expr) => {
                        $e
                    };
                }
                let run = || -> Result<(), Error> {
                    $body;
                    Ok(())
                };
                if let Err(e) = run() {
                    panic!("ureq: {e}");
                }
            }

            #[test]
            fn reqwest() {
                let $server = start($sim.flavor($flavor).api_key(KEY));
                let transport = ReqwestTransport::builder().timeout(Duration::from_secs(1)).build();
                let $client = reqwest_client(&$server, $flavor, transport);
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                #[allow(unused_macros)]
                macro_rules! aw {
                    ($e:expr) => {
                        $e.await
                    };
                }
                let result: Result<(), Error> = runtime.block_on(async {
                    $body;
                    Ok(())
                });
                if let Err(e) = result {
                    panic!("reqwest: {e}");
                }
            }
        }
    };
}

fn sim() -> SimConfig {
    SimConfig::new("").capacity(250, 250)
}

fn created(server: &Server, action: &str) -> u64 {
    server.stats().tasks_created.get(action).copied().unwrap_or(0)
}

on_both_transports!(imagine_wait_upscale_wait, Flavor::Plus, sim(), |client, server| {
    let grid = aw!(client.submit_and_wait(Imagine::new("a red fox in the snow"), |_| {}))?;
    assert_eq!(grid.status, TaskStatus::Success);
    let upscale = aw!(client.press_and_wait(&grid, &ButtonKind::Upscale(1), |_| {}))?;
    assert_eq!(upscale.action, Some(TaskAction::Upscale));
    assert_eq!((created(&server, "IMAGINE"), created(&server, "UPSCALE")), (1, 1));
});

on_both_transports!(describe_blend_modal_cancel_pages, Flavor::Plus, sim(), |client, server| {
    let described = aw!(client.submit_and_wait(Describe::new(PNG), |_| {}))?;
    assert!(described.properties.final_prompt().is_some());
    aw!(client.submit_and_wait(Blend::new([PNG, PNG, PNG]), |_| {}))?;
    let grid = aw!(client.submit_and_wait(Imagine::new("a lighthouse"), |_| {}))?;
    let up = aw!(client.press_and_wait(&grid, &ButtonKind::Upscale(3), |_| {}))?;
    let zoom = aw!(client.press(&up, &ButtonKind::CustomZoom))?;
    assert_eq!(aw!(client.wait(&zoom.task_id)).expect_err("modal").kind(), ErrorKind::NeedsInput);
    aw!(client.submit(Modal::new(&zoom.task_id).prompt("a lighthouse --zoom 1.5")))?;
    assert_eq!(aw!(client.wait(&zoom.task_id))?.status, TaskStatus::Success);
    let doomed = aw!(client.submit(Imagine::new("cancel me")))?;
    aw!(client.cancel(&doomed.task_id))?;
    assert_eq!(aw!(client.wait(&doomed.task_id)).expect_err("cancelled").kind(), ErrorKind::TaskFailed);
    let page = aw!(client.query(&Query::new().page(0, 3)))?;
    assert_eq!((page.content.len(), page.total_elements), (3, 6));
    assert_eq!(server.stats().total_tasks(), 6);
});

on_both_transports!(watch_200_tasks, Flavor::Plus, sim(), |client, server| {
    let mut ids = Vec::new();
    for i in 0..200 {
        ids.push(aw!(client.submit(Imagine::new(format!("fox {i}"))))?.task_id);
    }
    // Tasks take 0.1 s at 50x on the simulator's clock: after a second every one is done,
    // so the first round finds them all, whatever the machine's load.
    std::thread::sleep(Duration::from_secs(1));
    let report = aw!(client.watch(ids, |_| {}))?;
    assert!(report.all_succeeded(), "{report:?}");
    assert_eq!(report.finished.len(), 200);
    let rounds = server.stats().requests.get("task/list-by-condition").copied().unwrap_or(0);
    assert_eq!(rounds, report.requests);
    // 200 ids in batches of 100, all done in the first round: exactly two requests.
    assert_eq!(rounds, 2, "{rounds} batch requests for 200 tasks");
});

const FAULTS: &str = "500=0.2,429=0.1,reset=0.05,truncate=0.05,slow=0.1,slow_ms=1500";

fn faulty() -> SimConfig {
    sim().faults(FAULTS.parse().expect("fault plan")).seed(11)
}

on_both_transports!(faults_never_duplicate_a_submit, Flavor::Plus, faulty(), |client, server| {
    for round in 0..3 {
        let grid = aw!(client.submit_and_wait(Imagine::new(format!("a fox {round}")), |_| {}))?;
        aw!(client.press_and_wait(&grid, &ButtonKind::Upscale(2), |_| {}))?;
        aw!(client.submit_and_wait(Describe::new(PNG), |_| {}))?;
    }
    let stats = server.stats();
    assert_eq!(created(&server, "IMAGINE"), 3, "{:?}", stats.faults);
    assert_eq!(created(&server, "UPSCALE"), 3, "{:?}", stats.faults);
    assert_eq!(created(&server, "DESCRIBE"), 3, "{:?}", stats.faults);
    for kind in ["500", "429", "reset", "truncate", "slow"] {
        assert!(stats.faults.get(kind).copied().unwrap_or(0) > 0, "{kind} struck: {:?}", stats.faults);
    }
});

on_both_transports!(faults_on_the_trueai_flavor_recover_by_list, Flavor::Trueai, faulty(), |client, server| {
    for round in 0..3 {
        let grid = aw!(client.submit_and_wait(Imagine::new(format!("a fox {round}")), |_| {}))?;
        aw!(client.press_and_wait(&grid, &ButtonKind::Upscale(1), |_| {}))?;
    }
    assert_eq!((created(&server, "IMAGINE"), created(&server, "UPSCALE")), (3, 3), "{:?}", server.stats());
});

on_both_transports!(newapi_flavor_flow, Flavor::Newapi, sim(), |client, server| {
    let grid = aw!(client.submit_and_wait(Imagine::new("a gateway fox"), |_| {}))?;
    let up = aw!(client.press_and_wait(&grid, &ButtonKind::Upscale(4), |_| {}))?;
    assert!(up.image_url.as_deref().is_some_and(|u| u.contains("/mj/image/")));
    assert_eq!(aw!(client.fetch("404404"))?, None);
    assert_eq!(server.stats().total_tasks(), 2);
});

on_both_transports!(novicezk_flavor_flow, Flavor::Novicezk, sim(), |client, server| {
    let grid = aw!(client.submit_and_wait(Imagine::new("an open-source fox"), |_| {}))?;
    assert!(grid.buttons.is_empty());
    let up = aw!(client.submit_and_wait(Change::upscale(&grid.id, 2), |_| {}))?;
    assert_eq!(up.action, Some(TaskAction::Upscale));
    // The examples' U1: no buttons on novicezk, so the press goes through /submit/change.
    let u1 = aw!(client.press_and_wait(&grid, &ButtonKind::Upscale(1), |_| {}))?;
    assert_eq!(u1.action, Some(TaskAction::Upscale));
    assert_eq!(server.stats().total_tasks(), 3);
    assert_eq!(server.stats().requests.get("submit/action"), None, "novicezk has no /submit/action");
});

on_both_transports!(reseller_flavor_flow, Flavor::Reseller, sim(), |client, server| {
    let grid = aw!(client.submit_and_wait(Imagine::new("a resold fox"), |_| {}))?;
    assert!(grid.buttons.iter().all(|b| b.kind_code == Some(mj_proto::model::ComponentValue::Int(2))));
    aw!(client.press_and_wait(&grid, &ButtonKind::Variation(2), |_| {}))?;
    assert_eq!(server.stats().total_tasks(), 2);
});

on_both_transports!(a_task_that_never_finishes_times_out, Flavor::Plus, sim(), |client, server| {
    let stuck = aw!(client.submit(Imagine::new("a fox --sim-stall")))?;
    let _ = &server;
    let client = client.with_settings(settings().deadline(Duration::from_secs(5)));
    // The deadline counts from the call; the wait's own clock from its first poll, a few
    // milliseconds later (and more under load): the call is what the deadline bounds.
    let called = std::time::Instant::now();
    match aw!(client.wait(&stuck.task_id)) {
        Err(Error::WaitTimeout { last: Some(last), waited, .. }) => {
            let call = called.elapsed();
            assert_eq!(last.status, TaskStatus::InProgress);
            assert_eq!(call.as_secs(), 5, "the call's deadline ended it");
            assert!(waited <= call, "the wait ({waited:?}) is part of the call ({call:?})");
        }
        other => panic!("{other:?}"),
    }
});

#[test]
fn a_wrong_key_is_unauthorized_and_never_printed() {
    let server = start(sim().flavor(Flavor::Reseller).api_key(KEY));
    let wrong = config_for(&server, Flavor::Reseller).with_api_key("sk-wrong-key-777").expect("key");
    let blocking = Client::with_transport(UreqTransport::new(), wrong.clone());
    let e1 = blocking.fetch("1").expect_err("refused");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let asynchronous = AsyncClient::with_transport(ReqwestTransport::new(), wrong);
    let e2 = runtime.block_on(asynchronous.fetch("1")).expect_err("refused");
    for e in [&e1, &e2] {
        assert_eq!(e.kind(), ErrorKind::Unauthorized);
    }
    // mj logs nothing; what a user could print is the errors, the clients and the configs.
    let text = format!("{e1} {e1:?} {e2} {e2:?} {blocking:?} {asynchronous:?}");
    assert!(!text.contains("sk-wrong-key-777") && !text.contains(KEY), "{text}");
}

/// Accepts connections and never answers (for at most 10 s, then it lets go).
fn hanging_server() -> (std::thread::JoinHandle<()>, String) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let handle = std::thread::spawn(move || {
        let until = std::time::Instant::now() + Duration::from_secs(10);
        listener.set_nonblocking(true).expect("nonblocking");
        let mut held = Vec::new();
        while std::time::Instant::now() < until {
            match listener.accept() {
                Ok((conn, _)) => held.push(conn),
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    });
    (handle, url)
}

#[test]
fn a_deadline_bounds_a_call_against_a_black_hole() {
    let (_t, url) = hanging_server();
    let config = Config::new(&url).expect("config");
    let client = Client::with_transport(UreqTransport::new(), config.clone())
        .with_settings(settings().deadline(Duration::from_secs(2)));
    let started = std::time::Instant::now();
    let e = client.wait("1").expect_err("hangs");
    let took = started.elapsed();
    assert_eq!(e.kind(), ErrorKind::WaitTimeout, "{e}");
    assert!(took < Duration::from_secs(3), "the 30 s exchange was cut at the deadline: {took:?}");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let client = AsyncClient::with_transport(ReqwestTransport::new(), config)
        .with_settings(settings().deadline(Duration::from_secs(2)));
    let started = std::time::Instant::now();
    let e = runtime.block_on(client.fetch("1")).expect_err("hangs");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}

#[test]
fn https_against_the_plain_http_simulator_fails_fast_and_names_the_scheme() {
    let server = start(sim());
    let config = Config::new(&server.url().replace("http://", "https://")).expect("config");
    let deadline = settings().deadline(Duration::from_secs(3));
    let blocking = Client::with_transport(UreqTransport::new(), config.clone()).with_settings(deadline.clone());
    let started = std::time::Instant::now();
    let e1 = blocking.fetch("1").expect_err("no TLS here");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let asynchronous = AsyncClient::with_transport(ReqwestTransport::new(), config).with_settings(deadline);
    let e2 = runtime.block_on(asynchronous.fetch("1")).expect_err("no TLS here");
    assert!(started.elapsed() < Duration::from_secs(7), "{:?}", started.elapsed());
    for e in [e1, e2] {
        // A failed handshake fails the same way every time: never retried.
        assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
        assert!(!e.is_retryable(), "{e}");
        assert!(e.to_string().contains("use an http:// base URL"), "{e}");
    }
    // A refused https port is not a TLS problem and gets no such hint.
    let port = Refused::new();
    let refused = Config::new(&port.url("https")).expect("config");
    let client = AsyncClient::with_transport(ReqwestTransport::new(), refused)
        .with_settings(settings().deadline(Duration::from_secs(1)));
    let e = runtime.block_on(client.fetch("1")).expect_err("refused");
    assert!(!e.to_string().contains("http://"), "{e}");
}

#[test]
fn the_reset_fault_is_a_real_tcp_reset_and_other_bytes_are_cut_off() {
    use std::io::Write;
    let server = start(sim().faults("reset=1".parse().expect("plan")));
    let mut conn = std::net::TcpStream::connect(server.addr()).expect("connect");
    conn.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    conn.write_all(b"GET /mj/task/1/fetch HTTP/1.1\r\nhost: x\r\n\r\n").expect("write");
    let mut buf = [0u8; 64];
    let e = conn.read(&mut buf).expect_err("reset");
    assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}");
    // A TLS ClientHello (first byte 0x16) is not HTTP: closed at once, not left hanging.
    let mut conn = std::net::TcpStream::connect(server.addr()).expect("connect");
    conn.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    conn.write_all(&[0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]).expect("write");
    let started = std::time::Instant::now();
    let closed = !matches!(conn.read(&mut buf), Ok(n) if n > 0);
    assert!(closed && started.elapsed() < Duration::from_secs(1));
}

#[test]
fn a_hanging_server_is_a_timeout_on_both_transports() {
    let (_t1, url) = hanging_server();
    let config = Config::new(&url).expect("config");
    let transport = UreqTransport::builder().timeout(Duration::from_millis(300)).build();
    let client = Client::with_transport(transport, config.clone()).with_settings({
        let mut s = settings();
        s.retry = RetryPolicy::none();
        s
    });
    let e = client.fetch("1").expect_err("hangs");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");

    let (_t2, url) = hanging_server();
    let transport = ReqwestTransport::builder().timeout(Duration::from_millis(300)).build();
    let client = AsyncClient::with_transport(transport, Config::new(&url).expect("config"));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let e = runtime
        .block_on(mj_proto::AsyncTransport::send(
            client.transport(),
            client.config().build(&Fetch::new("1")).expect("request"),
        ))
        .expect_err("hangs");
    assert_eq!(e.kind(), mj_proto::TransportErrorKind::Timeout, "{e}");
}

#[test]
fn a_body_over_the_cap_is_a_size_error_on_both_transports() {
    let server = start(sim());
    let config = Config::new(&server.url()).expect("config");
    let big = Client::with_transport(UreqTransport::new(), config.clone());
    for i in 0..20 {
        big.submit(Imagine::new(format!("a very long prompt {i} {}", "x".repeat(500)))).expect("submit");
    }
    let small = Client::with_transport(UreqTransport::builder().max_body(4096).build(), config.clone());
    let e = small.list().expect_err("too big");
    assert_eq!(e.kind(), ErrorKind::BodyTooLarge, "{e}");
    assert!(big.list().is_ok());
    let small = AsyncClient::with_transport(ReqwestTransport::builder().max_body(4096).build(), config);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let e = runtime.block_on(small.list()).expect_err("too big");
    assert_eq!(e.kind(), ErrorKind::BodyTooLarge, "{e}");
}

#[test]
fn nothing_listens_is_a_connect_error() {
    let port = Refused::new();
    let config = Config::new(&port.url("http")).expect("config");
    let client = Client::with_transport(UreqTransport::new(), config.clone()).with_settings({
        let mut s = settings();
        s.retry = RetryPolicy::none();
        s
    });
    assert_eq!(client.fetch("1").expect_err("refused").kind(), ErrorKind::Connect);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let client = AsyncClient::with_transport(ReqwestTransport::new(), config).with_settings(client.settings().clone());
    assert_eq!(runtime.block_on(client.fetch("1")).expect_err("refused").kind(), ErrorKind::Connect);
}

/// The fault issue's matrix on the real wire. Slow answers come after 1.5 s against a
/// 1 s request timeout (`--request-timeout 1`), so that they strike as timeouts.
const WIRE_FAULTS: &str = "500=0.2,429=0.1,reset=0.05,truncate=0.05,slow=0.1,slow_ms=1500";

/// Seeds 1-20, each on a fresh simulator (default, plus or trueai flavor, speed 5), the
/// imagine + U1 flow over both transports at once, shipped settings: every flow finishes,
/// and the simulator saw no duplicate and no orphan.
#[test]
fn over_real_http_every_seed_finishes_with_shipped_defaults() {
    let runs: Vec<_> = (1..=20u64)
        .flat_map(|seed| [(seed, true), (seed, false)])
        .map(|(seed, blocking)| {
            std::thread::spawn(move || {
                let flavor = [None, Some(Flavor::Plus), Some(Flavor::Trueai)][(seed % 3) as usize];
                let mut sim = SimConfig::new("").faults(WIRE_FAULTS.parse().expect("plan")).seed(seed).speed(5.0);
                if let Some(flavor) = flavor {
                    sim = sim.flavor(flavor);
                }
                let server = Server::start(sim, 0).expect("simulator");
                let auth = match flavor {
                    Some(Flavor::Trueai) => AuthStyle::RawAuthorization,
                    _ => AuthStyle::MjApiSecret,
                };
                let config = Config::new(&server.url()).expect("config").with_auth_style(auth);
                let label = format!("seed {seed} {flavor:?} {}", if blocking { "ureq" } else { "reqwest" });
                let mut ledger = mj_tests::Ledger::default();
                if blocking {
                    let transport = UreqTransport::builder().timeout(Duration::from_secs(1)).build();
                    let client = Client::with_transport(transport, config).with_settings(settings().seed(seed));
                    if let Some(grid) =
                        ledger.note("imagine", client.submit_and_wait(Imagine::new("a red fox"), |_| {}))
                    {
                        ledger.note("U1", client.press_and_wait(&grid, &ButtonKind::Upscale(1), |_| {}));
                    }
                } else {
                    let transport = ReqwestTransport::builder().timeout(Duration::from_secs(1)).build();
                    let client = AsyncClient::with_transport(transport, config).with_settings(settings().seed(seed));
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                    runtime.block_on(async {
                        let grid = client.submit_and_wait(Imagine::new("a red fox"), |_| {}).await;
                        if let Some(grid) = ledger.note("imagine", grid) {
                            let up = client.press_and_wait(&grid, &ButtonKind::Upscale(1), |_| {}).await;
                            ledger.note("U1", up);
                        }
                    });
                }
                let stats = server.stats();
                assert!(ledger.failures.is_empty() && ledger.unknown.is_empty(), "{label}: {ledger:?}");
                ledger.audit(&stats.created, &label);
                assert_eq!(stats.total_tasks(), 2, "{label}: {:?}", stats.created);
                stats.total_faults()
            })
        })
        .collect();
    let faults: u64 = runs.into_iter().map(|r| r.join().expect("a run panicked")).sum();
    assert!(faults >= 40, "faults struck: {faults}");
}

#[test]
fn the_connect_timeout_applies_on_both_transports() {
    let hole = refused::Unreachable::new();
    let url = format!("http://127.0.0.1:{}", hole.port);
    let request = || Config::new(&url).expect("config").build(&Fetch::new("1")).expect("request");
    let (connect, overall) = (Duration::from_millis(300), Duration::from_secs(20));
    let started = std::time::Instant::now();
    let transport = UreqTransport::builder().connect_timeout(connect).timeout(overall).build();
    let e = mj_proto::Transport::send(&transport, request()).expect_err("no handshake");
    let took = started.elapsed();
    // Nothing was sent, so it is a connect failure (a submit may be retried safely). It
    // waited for the timeout (a refusal takes under a millisecond; timers may fire a hair
    // early, so 90% of it), and not for the 20 s one.
    let waited = connect * 9 / 10;
    assert_eq!(e.kind(), mj_proto::TransportErrorKind::Connect, "{e}");
    assert!(took >= waited && took < Duration::from_secs(5), "the 300 ms connect timeout, not the 20 s one: {took:?}");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let started = std::time::Instant::now();
    let transport = ReqwestTransport::builder().connect_timeout(connect).timeout(overall).build();
    let e = runtime.block_on(mj_proto::AsyncTransport::send(&transport, request())).expect_err("no handshake");
    let took = started.elapsed();
    assert_eq!(e.kind(), mj_proto::TransportErrorKind::Connect, "{e}");
    assert!(took >= waited && took < Duration::from_secs(5), "{took:?}");
}

/// Fifty submits at once against the default queue (3 running, 10 waiting): the ones
/// refused with code 23 wait the queue out, none gives up, none is duplicated.
#[test]
fn fifty_concurrent_submits_wait_out_a_full_queue() {
    let server = Server::start(SimConfig::new("").speed(5.0), 0).expect("simulator");
    let config = Config::new(&server.url()).expect("config");
    let client = std::sync::Arc::new(Client::with_transport(UreqTransport::new(), config).with_settings(settings()));
    let runs: Vec<_> = (0..50)
        .map(|i| {
            let client = std::sync::Arc::clone(&client);
            std::thread::spawn(move || client.submit(Imagine::new(format!("fox {i}"))).map(|s| s.task_id))
        })
        .collect();
    let ids: Vec<String> = runs.into_iter().map(|r| r.join().expect("joined").expect("accepted in the end")).collect();
    let stats = server.stats();
    assert_eq!(stats.created.len(), 50);
    assert!(stats.duplicated_states().is_empty());
    assert!(ids.iter().all(|id| stats.created.iter().any(|c| &c.id == id)));
    let refused = stats.requests.get("submit/imagine").copied().unwrap_or(0) - 50;
    assert!(refused > 0, "the queue was full at some point");
}

/// A failover log can say which server failed: both transports name the host and port
/// (never the path, query or key), classify a refused port alike, and chain the client
/// library's error as the source.
#[test]
fn transport_errors_name_the_host_and_chain_their_source() {
    let port = Refused::new();
    let config = Config::new(&format!("{}/v1", port.url("http"))).and_then(|c| c.with_api_key(KEY)).expect("config");
    let quick = settings().deadline(Duration::from_millis(300));
    let blocking = Client::with_transport(UreqTransport::new(), config.clone()).with_settings(quick.clone());
    let e1 = blocking.fetch("1747190313867714").expect_err("refused");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let asynchronous = AsyncClient::with_transport(ReqwestTransport::new(), config).with_settings(quick);
    let e2 = runtime.block_on(asynchronous.fetch("1747190313867714")).expect_err("refused");
    let host = format!("127.0.0.1:{}", port.port);
    for e in [e1, e2] {
        let Error::Transport(t) = &e else { panic!("{e:?}") };
        assert_eq!((e.kind(), t.host()), (ErrorKind::Connect, Some(host.as_str())), "{e}");
        let text = e.to_string();
        assert!(text.contains(&host) && !text.contains("/mj/") && !text.contains("/v1"), "{text}");
        let source = std::error::Error::source(&e).expect("the library's error");
        assert!(!source.to_string().contains(KEY) && !source.to_string().contains("/mj/"), "{source}");
    }
}

/// `source()` is what lost an answer or ended a wait, and never repeats the message.
#[test]
fn error_sources_chain_the_cause_once() {
    use std::error::Error as _;
    let server = start(sim().faults("reset=1".parse().expect("plan")).flavor(Flavor::Newapi));
    let client = Client::with_transport(UreqTransport::new(), Config::new(&server.url()).expect("config"))
        .with_settings(settings());
    let e = client.submit(Imagine::new("a fox")).expect_err("lost");
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown);
    let cause = e.source().expect("what lost the answer");
    assert!(cause.to_string().contains("connection interrupted"), "{cause}");
    assert!(!e.to_string().contains(&cause.to_string()), "the message does not repeat its source");
    let build = client.submit(Imagine::new("  ")).expect_err("empty prompt");
    assert!(build.source().is_none(), "a build error has no deeper cause: {:?}", build.source());
}
