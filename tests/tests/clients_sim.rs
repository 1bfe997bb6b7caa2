//! The blocking and async clients against the in-process simulator on a manual clock:
//! whole flows, faults without duplicate submits, batch watching, paging.

use std::time::Duration;

use mj_client::prelude::*;
use mj_proto::ServerProfile;
use mj_proto::endpoint::ChangeAction;
use mj_proto::model::TaskHandle;
use mj_sim::{FaultPlan, Flavor, Route, SimConfig, SimTransport};
use mj_tests::{Ledger, block_on};

const PNG: &str = "data:image/png;base64,iVBORw0KGgo=";
/// The fault matrix of the fault issue, plus the duplicate window: slow answers come after
/// the default 30 s timeout (so they strike as timeouts, not inertly), and `late` requests
/// create their task 3 s after their connection died.
const FAULTS: &str = "500=0.2,429=0.1,reset=0.05,truncate=0.05,slow=0.1,slow_ms=31000,late=0.02";
const FLAVORS: [Flavor; 5] = [Flavor::Plus, Flavor::Trueai, Flavor::Novicezk, Flavor::Newapi, Flavor::Reseller];

fn sim(config: SimConfig) -> SimTransport {
    SimTransport::manual(config, 1_800_000_000_000)
}

/// The shipped settings; only the jitter is seeded, so that a failing seed replays.
fn client(transport: SimTransport, seed: u64) -> Client<SimTransport> {
    Client::with_transport(transport, Config::new("http://sim.test").expect("config"))
        .with_settings(Settings::default().seed(seed))
}

#[test]
fn the_common_flow_is_three_lines() {
    let client = client(sim(SimConfig::new("http://sim.test")), 1);
    let mut progress = Vec::new();
    let grid =
        client.submit_and_wait(Imagine::new("a red fox"), |t| progress.push(t.progress_percent())).expect("grid");
    let upscale = client.press_and_wait(&grid, &ButtonKind::Upscale(1), |_| {}).expect("upscale");
    assert_eq!((grid.status.clone(), upscale.action.clone()), (TaskStatus::Success, Some(TaskAction::Upscale)));
    // The submit's answer (no progress yet), a running state, the result (a first poll
    // that still says NOT_START is older than the submit's answer, and not shown).
    assert!(progress.len() >= 3 && progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
    assert_eq!((progress.first(), progress.last()), (Some(&None), Some(&Some(100))));
    let e = client.press(&upscale, &ButtonKind::Upscale(1)).expect_err("no U1 on an upscale");
    assert!(e.to_string().contains("Vary (Subtle)"), "lists what there is: {e}");
}

#[test]
fn submit_and_wait_hands_over_the_id_before_waiting() {
    let client = client(sim(SimConfig::new("http://sim.test")), 2);
    let mut first = None;
    let task = client
        .submit_and_wait(Imagine::new("a fox"), |t| {
            first.get_or_insert_with(|| t.clone());
        })
        .expect("done");
    let first = first.expect("called");
    assert_eq!((first.id.as_str(), first.status.clone()), (task.id.as_str(), TaskStatus::Submitted));
    assert!(first.state.as_deref().is_some_and(|s| s.starts_with("mj-")), "{first:?}");
}

/// Where a status stands in a task's life, for checking that progress never goes back.
fn stage(status: &TaskStatus) -> u8 {
    match status {
        TaskStatus::Empty | TaskStatus::Other(_) => 0,
        TaskStatus::NotStart => 1,
        TaskStatus::Submitted => 2,
        TaskStatus::InProgress => 3,
        TaskStatus::Modal => 4,
        _ => 5,
    }
}

/// What a progress bar is shown, from the submit's first sight to the end, never goes
/// back to an earlier status, on every flavor (a server that lists a new task as
/// NOT_START after its submit said SUBMITTED included), for a submit and for a press.
#[test]
fn progress_never_goes_back_to_an_earlier_status() {
    for flavor in FLAVORS {
        let client = client(sim(SimConfig::new("http://sim.test").flavor(flavor)), 3);
        let mut seen = Vec::new();
        let grid = client.submit_and_wait(Imagine::new("a red fox"), |t| seen.push(t.status.clone())).expect("grid");
        assert!(seen.windows(2).all(|w| stage(&w[0]) <= stage(&w[1])), "{flavor:?} imagine: {seen:?}");
        assert_eq!(seen.last(), Some(&TaskStatus::Success), "{flavor:?}");
        if flavor.offers(Route::Action) {
            let mut seen = Vec::new();
            client.press_and_wait(&grid, &ButtonKind::Upscale(1), |t| seen.push(t.status.clone())).expect("upscale");
            assert!(seen.windows(2).all(|w| stage(&w[0]) <= stage(&w[1])), "{flavor:?} U1: {seen:?}");
        }
    }
}

#[test]
fn async_progress_never_goes_back_either() {
    let transport = sim(SimConfig::new("http://sim.test").flavor(Flavor::Plus));
    let client = AsyncClient::with_transport(transport, Config::new("http://sim.test").expect("config"));
    let mut seen = Vec::new();
    let grid = block_on(client.submit_and_wait(Imagine::new("a red fox"), |t| seen.push(t.status.clone())));
    assert_eq!(grid.expect("grid").status, TaskStatus::Success);
    assert!(seen.windows(2).all(|w| stage(&w[0]) <= stage(&w[1])), "{seen:?}");
}

/// Every flow this flavor's server can run, recording what the client was handed.
fn every_flow(client: &Client<SimTransport>, flavor: Flavor, ledger: &mut Ledger) {
    let grid = ledger.note("imagine", client.submit_and_wait(Imagine::new("a red fox"), |_| {}));
    let up = grid.as_ref().and_then(|grid| {
        if flavor.offers(Route::Action) {
            ledger.note("U1", client.press_and_wait(grid, &ButtonKind::Upscale(1), |_| {}))
        } else {
            let change = Change::upscale(&grid.id, 1);
            ledger.note("U1 (change)", client.submit_and_wait(change, |_| {}))
        }
    });
    if let Some(described) = ledger.note("describe", client.submit_and_wait(Describe::new(PNG), |_| {})) {
        assert!(described.properties.final_prompt().is_some() || described.prompt.is_some(), "{described:?}");
    }
    ledger.note("blend", client.submit_and_wait(Blend::new([PNG, PNG]), |_| {}));
    if flavor.offers(Route::Modal)
        && let Some(up) = &up
        && let Some(zoom) = ledger.note("custom zoom", client.press(up, &ButtonKind::CustomZoom))
    {
        let id = zoom.task_id.clone();
        if ledger.expect_err("zoom wait", client.wait(&id), ErrorKind::NeedsInput)
            && ledger.note("modal", client.submit(Modal::new(&id).prompt("a red fox --zoom 1.5"))).is_some()
        {
            ledger.note("zoomed", client.wait(&id));
        }
    }
    if flavor.offers(Route::Cancel)
        && let Some(doomed) = ledger.note("stalled", client.submit(Imagine::new("cancel me --sim-stall")))
        && ledger.note("cancel", client.cancel(&doomed.task_id)).is_some()
    {
        ledger.expect_err("cancelled", client.wait(&doomed.task_id), ErrorKind::TaskFailed);
    }
    if flavor.offers(Route::Query) {
        let pages: Result<Vec<_>, _> = client.pages(Query::new().page(0, 2)).collect();
        ledger.note("pages", pages);
    }
    let ids: Vec<String> = (0..3)
        .filter_map(|i| ledger.note("imagine for watch", client.submit(Imagine::new(format!("fox {i}")))))
        .map(|s| s.task_id)
        .collect();
    if let Some(report) = ledger.note("watch", client.watch(ids, |_| {})) {
        assert!(report.all_succeeded(), "{report:?}");
    }
    // Every other submit endpoint, exactly once each.
    if flavor.offers(Route::Shorten) {
        ledger.note("shorten", client.submit(Shorten::new("a very long prompt about a red fox in the snow")));
    }
    if let Some(grid) = &grid {
        if flavor.offers(Route::Change) {
            ledger.note("change", client.submit(Change::variation(&grid.id, 2)));
        }
        if flavor.offers(Route::SimpleChange) {
            ledger.note("simple change", client.submit(SimpleChange::new(&grid.id, ChangeAction::Reroll, 1)));
        }
        if flavor.offers(Route::Video) {
            ledger.note("video", client.submit(Video::extend("a fox runs", &grid.id, 1)));
        }
    }
    if flavor.offers(Route::Edits) {
        ledger.note("edits", client.submit(Edits::new("make it blue", PNG)));
    }
    if flavor.offers(Route::SwapFace) {
        ledger.note("swap face", client.submit(SwapFace::new(PNG, PNG)));
    }
}

/// Can this flavor look a lost submit up (paged query or task list)?
fn has_lookup(flavor: Flavor) -> bool {
    flavor.offers(Route::Query) || flavor.offers(Route::List)
}

#[test]
fn every_flow_completes_without_faults_on_every_flavor() {
    for flavor in FLAVORS {
        let client = client(sim(SimConfig::new("http://sim.test").flavor(flavor)), 1);
        let mut ledger = Ledger::default();
        every_flow(&client, flavor, &mut ledger);
        assert_eq!((ledger.failures.as_slice(), ledger.unknown.len()), (&[][..], 0), "{flavor}");
        ledger.audit(&client.transport().stats().created, &format!("{flavor}"));
    }
}

/// 200 seeds of every flow on every flavor under the fault matrix, with the shipped
/// settings: no duplicate and no orphan anywhere; every flow completes where the server
/// can look tasks up; elsewhere `OutcomeUnknown` after a lost answer is the only failure.
#[test]
fn with_faults_every_flow_completes_on_every_flavor_for_200_seeds() {
    let faults: FaultPlan = FAULTS.parse().expect("plan");
    let mut table = Vec::new();
    for flavor in FLAVORS {
        let (mut unknown, mut struck, mut late) = (0, 0, 0);
        for seed in 1..=200 {
            let config = SimConfig::new("http://sim.test").flavor(flavor).faults(faults.clone()).seed(seed);
            let client = client(sim(config), seed);
            let mut ledger = Ledger::default();
            every_flow(&client, flavor, &mut ledger);
            let stats = client.transport().stats();
            let label = format!("{flavor} seed {seed}");
            assert!(ledger.failures.is_empty(), "{label}: {:?}", ledger.failures);
            if has_lookup(flavor) {
                assert!(ledger.unknown.is_empty(), "{label}: unknown outcomes {:?}", ledger.unknown_errors);
            }
            ledger.audit(&stats.created, &label);
            unknown += ledger.unknown.len();
            struck += stats.total_faults();
            late += stats.faults.get("late").copied().unwrap_or(0);
        }
        table.push(format!("{flavor}: 200 seeds, {struck} faults ({late} late), {unknown} OutcomeUnknown"));
        assert!(late > 0, "{flavor}: the duplicate window was exercised");
    }
    eprintln!("{}", table.join("\n"));
}

#[test]
fn without_a_lookup_a_lost_submit_is_outcome_unknown() {
    let client = client(
        sim(SimConfig::new("http://sim.test").flavor(Flavor::Newapi).faults("reset=1".parse().expect("plan"))),
        3,
    );
    let e = client.submit(Imagine::new("a fox")).expect_err("lost");
    let Error::OutcomeUnknown { token, why, .. } = &e else { panic!("{e:?}") };
    assert!(matches!(**why, mj_proto::LookupFailure::Unavailable), "{why:?}");
    assert!(e.to_string().contains("offers no lookup by state"), "{e}");
    assert!(token.starts_with("mj-"));
    assert_eq!(client.transport().stats().total_tasks(), 1, "one task, and mj did not make a second");
}

#[test]
fn a_task_that_never_finishes_times_out_with_its_last_state() {
    let client = client(sim(SimConfig::new("http://sim.test")), 4);
    let stuck = client.submit(Imagine::new("a fox --sim-stall")).expect("submitted");
    match client.wait(&stuck.task_id) {
        Err(Error::WaitTimeout { last: Some(last), waited, .. }) => {
            assert_eq!(last.status, TaskStatus::InProgress);
            assert_eq!(waited, Duration::from_secs(600));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn watching_200_tasks_takes_one_request_per_round() {
    let watcher = client(sim(SimConfig::new("http://sim.test").capacity(200, 200)), 5);
    let ids: Vec<String> =
        (0..200).map(|i| watcher.submit(Imagine::new(format!("fox {i}"))).expect("submit").task_id).collect();
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
    let alone = client(single, 6);
    let ids: Vec<String> =
        (0..200).map(|i| alone.submit(Imagine::new(format!("fox {i}"))).expect("submit").task_id).collect();
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
    // The README's figures, exactly: three rounds of two requests (200 ids in batches of
    // 100) while the ~5 s tasks finish, against three fetches per task polled alone.
    assert_eq!((batch_requests, fetches), (6, 600), "{ratio}");
    assert!(updates >= 400);
}

#[test]
fn the_async_client_has_the_same_flow() {
    let faults: FaultPlan = FAULTS.parse().expect("plan");
    let transport = sim(SimConfig::new("http://sim.test").faults(faults).seed(3));
    let client = AsyncClient::with_transport(transport, Config::new("http://sim.test").expect("config"))
        .with_settings(Settings::default().seed(3));
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

/// trueai's "Imagine all" makes four tasks in one submit: mj hands over every id, and a
/// watch waits for all of them.
#[test]
fn imagine_all_yields_every_task_and_a_watch_waits_for_them() {
    let client = client(sim(SimConfig::new("http://sim.test").flavor(Flavor::Trueai)), 8);
    let described = client.submit_and_wait(Describe::new(PNG), |_| {}).expect("described");
    assert_eq!(described.result_prompts().len(), 4, "{:?}", described.result_prompts());
    let all = client.press(&described, &ButtonKind::PicReader(None)).expect("imagine all");
    assert_eq!(all.task_ids.len(), 4, "{all:?}");
    let report = client.watch(all.task_ids.clone(), |_| {}).expect("watched");
    assert!(report.all_succeeded() && report.finished.len() == 4, "{report:?}");
    assert_eq!(client.transport().stats().tasks_created.get("IMAGINE"), Some(&4));
}

/// With a profile, a button the server rejects is refused before anything is sent, and
/// U/V/reroll on novicezk go through /submit/change even when a task lists buttons.
#[test]
fn profiles_shape_what_a_press_sends() {
    let sim_config = SimConfig::new("http://sim.test").flavor(Flavor::Newapi);
    let config = Config::new("http://sim.test").expect("config").with_profile(ServerProfile::Gateway);
    let client = Client::with_transport(sim(sim_config), config).with_settings(Settings::default().seed(9));
    let described = client.submit_and_wait(Describe::new(PNG), |_| {}).expect("described");
    let before = client.transport().stats().requests.get("submit/action").copied();
    let e = client.press(&described, &ButtonKind::PicReader(Some(1))).expect_err("new-api refuses PicReader");
    assert_eq!(e.to_string(), "invalid request: gateway servers refuse PicReader(Some(1)) buttons");
    assert_eq!(client.transport().stats().requests.get("submit/action").copied(), before, "nothing was sent");
    let grid = client.submit_and_wait(Imagine::new("a fox"), |_| {}).expect("grid");
    client.press_and_wait(&grid, &ButtonKind::Upscale(2), |_| {}).expect("accepted kinds go through");
}

/// trueai's retexture and its multipart video swap, end to end: built, sent, created
/// with the right action, waited for.
#[test]
fn retexture_and_video_swap_run_on_trueai() {
    let client = Client::with_transport(
        sim(SimConfig::new("http://sim.test").flavor(Flavor::Trueai)),
        Config::new("http://sim.test").expect("config").with_profile(ServerProfile::Trueai),
    )
    .with_settings(Settings::default().seed(9));
    let retextured = client.submit_and_wait(Edits::retexture("brushed steel", PNG), |_| {}).expect("retexture");
    assert_eq!(retextured.action, Some(TaskAction::Retexture));
    let target = VideoTarget::file("clip.mp4", "video/mp4", b"\0\0\0\x18ftypmp42".to_vec());
    let swapped = client.submit_and_wait(VideoSwap::new(PNG, target).state("swap-1"), |_| {}).expect("video swap");
    assert_eq!((swapped.action.clone(), swapped.state.as_deref()), (Some(TaskAction::SwapVideoFace), Some("swap-1")));
    assert!(!swapped.result_video_urls().is_empty(), "{swapped:?}");
    let stats = client.transport().stats();
    assert_eq!(
        (stats.requests.get("submit/retexture"), stats.requests.get("insight-face/video-swap")),
        (Some(&1), Some(&1))
    );
}

/// The async client's streams: each change of a wait (the error last when the task
/// fails), a watch with its report at the end, and every page of a search.
#[test]
fn async_streams_hand_out_each_change_and_every_page() {
    use mj_client::Stream;
    use std::future::poll_fn;

    let client = AsyncClient::with_transport(
        sim(SimConfig::new("http://sim.test")),
        Config::new("http://sim.test").expect("config"),
    )
    .with_settings(Settings::default().seed(12));
    block_on(async {
        let grid = client.submit(Imagine::new("a streamed fox")).await.expect("submitted");
        let mut updates = std::pin::pin!(client.wait_stream(grid.task_id.clone()));
        let mut seen = Vec::new();
        while let Some(update) = poll_fn(|cx| updates.as_mut().poll_next(cx)).await {
            seen.push(update.expect("no error"));
        }
        assert!(seen.len() >= 2, "{seen:?}");
        assert!(seen.windows(2).all(|w| w[0].progress_percent() <= w[1].progress_percent()));
        assert_eq!(seen.last().map(|t| t.status.clone()), Some(TaskStatus::Success));
        assert_eq!(updates.as_mut().get_mut().output().map(|t| t.id), Some(grid.task_id.clone()));

        let failing = client.submit(Imagine::new("a fox --sim-fail")).await.expect("submitted");
        let mut updates = std::pin::pin!(client.wait_stream(failing.task_id));
        let mut last = None;
        while let Some(update) = poll_fn(|cx| updates.as_mut().poll_next(cx)).await {
            last = Some(update);
        }
        assert!(matches!(last, Some(Err(Error::TaskFailed(_)))), "{last:?}");

        let ids = [grid.task_id.clone(), "404404".to_owned()];
        let mut watched = std::pin::pin!(client.watch_stream(ids));
        while let Some(update) = poll_fn(|cx| watched.as_mut().poll_next(cx)).await {
            update.expect("no error");
        }
        let report = watched.as_mut().get_mut().output().expect("a report");
        assert_eq!((report.finished.len(), report.unknown.as_slice()), (1, [TaskHandle::bare("404404")].as_slice()));

        let mut pages = std::pin::pin!(client.page_stream(Query::new().page(0, 1)));
        let mut count = 0;
        while let Some(page) = poll_fn(|cx| pages.as_mut().poll_next(cx)).await {
            page.expect("a page");
            count += 1;
        }
        assert_eq!(count, 2, "one page per task");
    });
}

/// The async streams own a clone of the client, so a stream can be handed to another
/// task (it is `'static`); submit-and-wait and press-and-wait come as streams too, the
/// first item being the new task as soon as its submit is answered.
#[test]
fn owned_streams_move_to_another_task_and_cover_submit_and_press() {
    use mj_client::Stream;
    use std::future::poll_fn;

    async fn collect(mut updates: mj_client::TaskUpdates<'static, Task>) -> (Vec<Task>, Option<Task>) {
        let mut seen = Vec::new();
        while let Some(update) = poll_fn(|cx| std::pin::Pin::new(&mut updates).poll_next(cx)).await {
            seen.push(update.expect("no error"));
        }
        (seen, updates.output())
    }

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let client = AsyncClient::with_transport(
            sim(SimConfig::new("http://sim.test")),
            Config::new("http://sim.test").expect("config"),
        )
        .with_settings(Settings::default().seed(21));
        // Made here, polled on another task: nothing borrows `client`.
        let stream = client.submit_and_wait_stream(Imagine::new("an owned fox"));
        let (seen, grid) = tokio::spawn(collect(stream)).await.expect("the task ran");
        let grid = grid.expect("the finished task");
        assert!(matches!(seen.first().map(|t| &t.status), Some(TaskStatus::Submitted | TaskStatus::NotStart)));
        assert_eq!(seen.first().map(|t| t.id.clone()), Some(grid.id.clone()), "first sight names the new task");
        assert_eq!(seen.last().map(|t| t.status.clone()), Some(TaskStatus::Success));

        let stream = client.press_and_wait_stream(&grid, &ButtonKind::Upscale(2));
        drop(client);
        let (seen, upscale) = tokio::spawn(collect(stream)).await.expect("the task ran");
        let upscale = upscale.expect("the upscale");
        assert_ne!(upscale.id, grid.id);
        assert_eq!(upscale.action, Some(TaskAction::Upscale));
        assert!(seen.len() >= 2, "{seen:?}");
    });
}
