//! One client for one server or many: the same program, unchanged, against one loopback
//! simulator and against a servers file of three; a bare id found on the server that has
//! it; an id two servers know refused as ambiguous; and the pool's books kept by the
//! client itself, across a member's own view. Counted on the servers' side.

use mj_sim::{Flavor, Server, SimConfig};
use mj_test_support::hostile::{Answer, Hostile};
use mj_ureq::prelude::*;

fn sim(flavor: Flavor, seed: u64) -> Server {
    Server::start(SimConfig::new("").flavor(flavor).speed(10.0).capacity(8, 16).seed(seed), 0).expect("sim")
}

/// What a user's program does, written once against the client: a grid, its upscale on
/// the grid's server, a fetch and a wait by what the client returned, both looked up
/// together, then watched.
fn program(client: &Client) -> (Task, Task) {
    let grid = client.submit_and_wait(Imagine::new("a red fox in the snow"), |_| {}).expect("a grid");
    let upscale = client.press_and_wait(&grid, &ButtonKind::Upscale(1), |_| {}).expect("an upscale");
    assert_eq!(upscale.server, grid.server, "a button is pressed where its task lives");
    let fetched = client.fetch(&grid).expect("fetched").expect("known");
    assert_eq!((fetched.id.as_str(), fetched.server.as_deref()), (grid.id.as_str(), grid.server.as_deref()));
    assert_eq!(client.wait(&upscale).expect("finished").status, TaskStatus::Success);
    let both = client.tasks([&grid, &upscale]).expect("looked up");
    assert_eq!(both.len(), 2, "{both:?}");
    let report = client.watch([grid.handle(), upscale.handle()], |_| {}).expect("watched");
    assert!(report.all_succeeded(), "{report:?}");
    assert!(
        client.status().iter().all(|m| m.in_flight == 0),
        "finished tasks give their room back: {:?}",
        client.status()
    );
    (grid, upscale)
}

#[test]
fn one_program_runs_against_one_server_and_a_servers_file_of_three() {
    let one = sim(Flavor::Plus, 1);
    let client = Client::new(Config::new(&one.url()).expect("config"));
    let (grid, upscale) = program(&client);
    assert_eq!((grid.server.as_deref(), grid.handle().to_string()), (None, grid.id.clone()), "one server: bare ids");
    assert!(upscale.handle().server.is_none());
    assert_eq!(one.stats().total_tasks(), 2, "nothing made twice");

    let sims = [sim(Flavor::Plus, 2), sim(Flavor::Trueai, 3), sim(Flavor::Novicezk, 4)];
    let dir = std::env::temp_dir().join(format!("mj-one-client-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("servers.toml");
    let text: String = ["a", "b", "c"]
        .iter()
        .zip(&sims)
        .map(|(name, s)| format!("[[server]]\nname = \"{name}\"\nbase_url = \"{}\"\n\n", s.url()))
        .collect();
    std::fs::write(&path, text).expect("written");
    let file = mj_files::ServersFile::read(&path).expect("the servers file");
    let client = Client::new(Pool::new(file.into_members()).expect("a pool"));
    let (grid, upscale) = program(&client);
    let server = grid.server.clone().expect("a pool names the server");
    assert_eq!(grid.handle().to_string(), format!("{server}:{}", grid.id));
    assert_eq!(upscale.handle().server.as_deref(), Some(server.as_str()));
    let made: Vec<u64> = sims.iter().map(|s| s.stats().total_tasks()).collect();
    assert_eq!(made.iter().sum::<u64>(), 2, "nothing made twice: {made:?}");

    // A bare id is found on the server that has it, and only there.
    let found = client.fetch(grid.id.as_str()).expect("asked").expect("found");
    assert_eq!(found.server.as_deref(), Some(server.as_str()));
    assert_eq!(client.wait(grid.id.as_str()).expect("waited").server.as_deref(), Some(server.as_str()));
    assert_eq!(client.fetch("no-such-task").expect("asked"), None, "nobody knows it");
    let report = client.watch([grid.id.as_str(), "no-such-task"], |_| {}).expect("watched");
    assert_eq!(report.finished.iter().map(|t| t.handle()).collect::<Vec<_>>(), [grid.handle()]);
    assert_eq!(report.unknown, [mj_proto::model::TaskHandle::bare("no-such-task")]);
    let nowhere: mj_proto::model::TaskHandle = "z:1".parse().expect("a handle");
    assert_eq!(client.fetch(&nowhere).expect_err("no server z").kind(), ErrorKind::Config);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_id_two_servers_know_must_be_named() {
    let answer = |_: &mj_test_support::hostile::Seen, _: &str| {
        Answer::json(r#"{"id":"7","status":"SUCCESS","progress":"100%"}"#)
    };
    let (x, y) = (Hostile::start(answer), Hostile::start(answer));
    let member = |name: &str, url: &str| Member::new(name, Config::new(url).expect("config")).expect("member");
    let client = Client::new(Pool::new(vec![member("x", &x.url), member("y", &y.url)]).expect("pool"));
    let error = client.fetch("7").expect_err("ambiguous");
    assert!(error.to_string().contains("x:7, y:7"), "{error}");
    assert_eq!(
        client.fetch("y:7".parse::<mj_proto::model::TaskHandle>().expect("handle")).expect("named").map(|t| t.server),
        Some(Some("y".to_owned()))
    );
    assert_eq!(x.count("/task/7/fetch"), 1, "the named fetch asked y only");
}

#[test]
fn a_members_own_view_shares_the_pools_books() {
    let (a, b) = (sim(Flavor::Plus, 5), sim(Flavor::Plus, 6));
    let member = |name: &str, s: &Server| Member::new(name, Config::new(&s.url()).expect("config")).expect("member");
    let client = Client::new(Pool::new(vec![member("a", &a), member("b", &b)]).expect("pool"));
    let only_b = client.member("b").expect("b");
    assert_eq!(only_b.name(), Some("b"));
    let submitted = only_b.submit(Imagine::new("a wolf")).expect("sent to b");
    assert_eq!((submitted.server.as_deref(), b.stats().total_tasks(), a.stats().total_tasks()), (Some("b"), 1, 0));
    let in_flight = |name: &str| client.status().into_iter().find(|m| m.name == name).map(|m| m.in_flight);
    assert_eq!(in_flight("b"), Some(1), "the pool counts what its member's view sent");
    assert_eq!(client.wait(&submitted).expect("done").server.as_deref(), Some("b"));
    assert_eq!(in_flight("b"), Some(0), "and gives it back when the wait ends");
    assert!(client.member("nobody").is_none());
    // A lost submit is resumed on the server it went to, never guessed across the pool.
    let resumed = client.resume_submit(Imagine::new("a wolf"), std::time::Duration::from_secs(1));
    assert!(resumed.expect_err("which server?").to_string().contains("client.member(name)"));
    assert_eq!(a.stats().total_tasks() + b.stats().total_tasks(), 1, "nothing sent");
}
