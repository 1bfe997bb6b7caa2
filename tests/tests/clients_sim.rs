//! The blocking and async clients against the in-process simulator on a manual clock:
//! whole flows, faults without duplicate submits, batch watching, paging.

use std::collections::BTreeMap;
use std::time::Duration;

use mj_proto::prelude::*;
use mj_sim::{FaultPlan, Flavor, SimConfig, SimTransport};
use mj_tests::block_on;

const PNG: &str = "data:image/png;base64,iVBORw0KGgo=";
const FAULTS: &str = "500=0.2,429=0.1,reset=0.05,truncate=0.05,slow=0.1";

fn sim(config: SimConfig) -> SimTransport {
    SimTransport::manual(config, 1_800_000_000_000)
}

fn patient() -> Settings {
    let mut settings = Settings::default();
    settings.retry = RetryPolicy::default().attempts(40).elapsed(Duration::from_secs(3600));
    settings
}

fn client(transport: SimTransport) -> Client<SimTransport> {
    Client::with_transport(transport, Config::new("http://sim.test").expect("config")).with_settings(patient())
}

#[test]
fn the_common_flow_is_three_lines() {
    let client = client(sim(SimConfig::new("http://sim.test")));
    let mut progress = Vec::new();
    let grid =
        client.submit_and_wait(Imagine::new("a red fox"), |t| progress.push(t.progress_percent())).expect("grid");
    let upscale = client.press_and_wait(&grid, &ButtonKind::Upscale(1), |_| {}).expect("upscale");
    assert_eq!((grid.status.clone(), upscale.action.clone()), (TaskStatus::Success, Some(TaskAction::Upscale)));
    // A ~5 s task polled every 4 s: the first sighting, a running state, the result.
    assert!(progress.len() >= 3 && progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
    assert_eq!(progress.last(), Some(&Some(100)));
    let e = client.press(&upscale, &ButtonKind::Upscale(1)).expect_err("no U1 on an upscale");
    assert!(e.to_string().contains("Vary (Subtle)"), "lists what there is: {e}");
}

/// Every flow of the issue, with the given transport; returns the tasks it created.
fn every_flow(client: &Client<SimTransport>) -> BTreeMap<String, u64> {
    let grid = client.submit_and_wait(Imagine::new("a red fox"), |_| {}).expect("imagine");
    let up = client.press_and_wait(&grid, &ButtonKind::Upscale(1), |_| {}).expect("U1");
    let described = client.submit_and_wait(Describe::new(PNG), |_| {}).expect("describe");
    assert_eq!(described.properties.final_prompt().map(|p| p.split("\n\n").count()), Some(4));
    client.submit_and_wait(Blend::new([PNG, PNG]), |_| {}).expect("blend");
    let zoom = client.press(&up, &ButtonKind::CustomZoom).expect("custom zoom");
    let waiting = client.wait(&zoom.task_id).expect_err("modal");
    assert_eq!(waiting.kind(), ErrorKind::NeedsInput);
    client.modal(Modal::new(&zoom.task_id).prompt("a red fox --zoom 1.5")).expect("modal");
    assert_eq!(client.wait(&zoom.task_id).expect("zoomed").status, TaskStatus::Success);
    let doomed = client.imagine(Imagine::new("cancel me")).expect("submitted");
    client.cancel(&doomed.task_id).expect("cancelled");
    let cancelled = client.wait(&doomed.task_id).expect_err("cancelled");
    assert_eq!(cancelled.kind(), ErrorKind::TaskFailed);
    let pages: Vec<_> = client.pages(Query::new().page(0, 2)).collect::<Result<_, _>>().expect("pages");
    assert_eq!(pages.iter().map(|p| p.content.len()).sum::<usize>(), 6);
    client.transport().stats().tasks_created
}

#[test]
fn every_flow_completes_without_faults() {
    let client = client(sim(SimConfig::new("http://sim.test")));
    let created = every_flow(&client);
    let want: BTreeMap<String, u64> = [("BLEND", 1), ("DESCRIBE", 1), ("IMAGINE", 2), ("UPSCALE", 1), ("ZOOM", 1)]
        .map(|(k, v)| (k.to_owned(), v))
        .into();
    assert_eq!(created, want);
}

#[test]
fn with_faults_every_flow_completes_and_no_submit_is_duplicated() {
    for seed in 1..=8 {
        let faults: FaultPlan = FAULTS.parse().expect("plan");
        let client = client(sim(SimConfig::new("http://sim.test").faults(faults).seed(seed)));
        let created = every_flow(&client);
        let want: BTreeMap<String, u64> = [("BLEND", 1), ("DESCRIBE", 1), ("IMAGINE", 2), ("UPSCALE", 1), ("ZOOM", 1)]
            .map(|(k, v)| (k.to_owned(), v))
            .into();
        let stats = client.transport().stats();
        assert_eq!(created, want, "seed {seed}: faults {:?}", stats.faults);
        assert!(stats.total_faults() > 10, "seed {seed}: faults struck ({:?})", stats.faults);
    }
}

#[test]
fn without_a_lookup_a_lost_submit_is_outcome_unknown() {
    let client =
        client(sim(SimConfig::new("http://sim.test").flavor(Flavor::Newapi).faults("reset=1".parse().expect("plan"))));
    let e = client.imagine(Imagine::new("a fox")).expect_err("lost");
    let Error::OutcomeUnknown { token, .. } = &e else { panic!("{e:?}") };
    assert!(token.starts_with("mj-"));
    assert_eq!(client.transport().stats().total_tasks(), 1, "one task, and mj did not make a second");
}

#[test]
fn a_task_that_never_finishes_times_out_with_its_last_state() {
    let mut settings = patient();
    settings.wait = WaitOptions::default().timeout(Duration::from_secs(600));
    let client = client(sim(SimConfig::new("http://sim.test"))).with_settings(settings);
    let stuck = client.imagine(Imagine::new("a fox --sim-stall")).expect("submitted");
    match client.wait(&stuck.task_id) {
        Err(Error::WaitTimeout { last: Some(last), waited }) => {
            assert_eq!(last.status, TaskStatus::InProgress);
            assert_eq!(waited, Duration::from_secs(600));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn watching_200_tasks_takes_one_request_per_round() {
    let watcher = client(sim(SimConfig::new("http://sim.test").capacity(200, 200)));
    let ids: Vec<String> =
        (0..200).map(|i| watcher.imagine(Imagine::new(format!("fox {i}"))).expect("submit").task_id).collect();
    let before = watcher.transport().stats().requests.clone();
    let mut updates = 0;
    let report = watcher.watch(ids.clone(), |_| updates += 1).expect("watched");
    assert!(report.all_succeeded(), "{report:?}");
    assert_eq!(report.finished.len(), 200);
    let after = watcher.transport().stats().requests;
    let batch_requests = after.get("task/list-by-condition").copied().unwrap_or(0)
        - before.get("task/list-by-condition").copied().unwrap_or(0);
    assert_eq!(batch_requests, report.requests);

    // The same tasks, each polled on its own at the same 4 s pace (what N independent
    // `wait`s do): every unfinished task costs one fetch per round.
    let single = SimTransport::manual(SimConfig::new("http://sim.test").capacity(200, 200), 1_800_000_000_000);
    let alone = client(single);
    let ids: Vec<String> =
        (0..200).map(|i| alone.imagine(Imagine::new(format!("fox {i}"))).expect("submit").task_id).collect();
    let mut unfinished = ids.clone();
    while !unfinished.is_empty() {
        unfinished.retain(|id| !alone.fetch(id).expect("fetch").expect("exists").is_terminal());
        mj_proto::Transport::sleep(alone.transport(), alone.settings().wait.interval);
    }
    let fetches = alone.transport().stats().requests.get("task/fetch").copied().unwrap_or(0);
    let ratio = fetches as f64 / batch_requests as f64;
    eprintln!(
        "watch: {batch_requests} batch requests for 200 tasks ({:.3} per task); polling each alone: {fetches} fetches ({:.2} per task, {ratio:.0}x more)",
        batch_requests as f64 / 200.0,
        fetches as f64 / 200.0
    );
    assert!(ratio >= 20.0, "{ratio}");
    assert!(updates >= 400);
}

#[test]
fn the_async_client_has_the_same_flow() {
    let faults: FaultPlan = FAULTS.parse().expect("plan");
    let transport = sim(SimConfig::new("http://sim.test").faults(faults).seed(3));
    let client = AsyncClient::with_transport(transport, Config::new("http://sim.test").expect("config"))
        .with_settings(patient());
    let (grid, upscale, pages) = block_on(async {
        let grid = client.submit_and_wait(Imagine::new("an async fox"), |_| {}).await?;
        let upscale = client.press_and_wait(&grid, &ButtonKind::Upscale(2), |_| {}).await?;
        let mut pages = client.pages(Query::new().page(0, 1));
        let mut n = 0;
        while let Some(page) = pages.next_page().await {
            page?;
            n += 1;
        }
        Ok::<_, Error>((grid, upscale, n))
    })
    .expect("flow");
    assert_eq!((grid.status, upscale.action, pages), (TaskStatus::Success, Some(TaskAction::Upscale), 2));
    let created = client.transport().stats().tasks_created;
    assert_eq!((created.get("IMAGINE"), created.get("UPSCALE")), (Some(&1), Some(&1)));
}

#[test]
fn async_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let client = AsyncClient::with_transport(
        sim(SimConfig::new("http://sim.test")),
        Config::new("http://sim.test").expect("config"),
    );
    let future = client.submit_and_wait(Imagine::new("x"), |_| {});
    assert_send(&future);
    let boxed: AsyncClient<std::sync::Arc<dyn AsyncTransport>> = AsyncClient::with_transport(
        std::sync::Arc::new(sim(SimConfig::new("http://sim.test"))),
        Config::new("http://sim.test").expect("config"),
    );
    assert_send(&boxed.wait("1"));
}

use mj_proto::AsyncTransport;
