//! `mj servers`: the servers of the servers file, each asked whether it answers, how
//! much it has in flight, and which endpoints it lacks.

use std::time::{Duration, Instant};

use mj_proto::ErrorKind;
use mj_proto::plan::RetryPolicy;
use serde_json::json;

use crate::cli::Global;
use crate::exit::{self, Failure};
use crate::session::Session;

/// Lists each server with what a few small requests to it found.
pub(super) fn run(global: &Global) -> Result<u8, Failure> {
    let Some(path) = mj_files::ServersFile::locate(global.config.as_deref()) else {
        return Err(Failure::usage(
            "no servers file: write ~/.config/mj/config.toml with [[server]] tables, or pass --config FILE",
        ));
    };
    // The session's one transport, watchdog and deadline, over the file's servers (or the
    // one `--server` picks).
    let session = Session::open(global)?;
    let Some(members) = session.members() else {
        return Err(Failure::usage(format!(
            "mj servers lists the servers of {}, and --base-url (MJ_BASE_URL) names one server instead: unset it",
            path.display()
        )));
    };
    let mut all_answer = true;
    if !global.json {
        println!("{:<12} {:<10} {:>6} {:>4} {:>9}  STATE", "SERVER", "PROFILE", "WEIGHT", "ROOM", "IN FLIGHT");
    }
    for member in members {
        let Some(client) = session.client().member(&member.name) else { continue };
        // One try each, ten seconds in all: this is a look, not a job.
        let mut settings = client.settings().clone();
        settings.retry = RetryPolicy::none();
        let client = client.with_settings(settings.deadline(Duration::from_secs(10)));
        let started = Instant::now();
        let state = match client.fetch("0") {
            Ok(_) => "answers".to_owned(),
            Err(e) if e.kind() == ErrorKind::Unauthorized => "refuses the key".to_owned(),
            Err(e) if e.kind() == ErrorKind::Quota => "the account's quota or balance is spent".to_owned(),
            Err(e) if e.kind() == ErrorKind::NotConfigured => "not set up to serve Midjourney".to_owned(),
            Err(e) if e.kind() == ErrorKind::Connect => "down (no connection)".to_owned(),
            Err(e) => crate::terminal::clean(&e.to_string()),
        };
        let ms = started.elapsed().as_millis();
        let answers = state == "answers";
        all_answer &= answers;
        // Its load: the tasks it has queued or running; and what it lacks, learned from
        // a batch lookup (a server without `list-by-condition` answers it 404).
        let load = if answers { client.queue().ok().map(|tasks| tasks.len()) } else { None };
        if answers {
            let _ = client.tasks(["0", "1"]);
        }
        let missing: Vec<&str> = client.missing_endpoints().into_iter().map(mj_proto::EndpointName::as_str).collect();
        // No declared profile: mj takes the server for any of the family and learns what
        // it lacks.
        let profile = member.config.profile().map(|p| p.name());
        if global.json {
            println!(
                "{}",
                json!({"type": "server", "name": member.name, "profile": profile, "weight": member.weight,
                       "max_in_flight": member.max_in_flight, "state": state, "ms": ms, "in_flight": load,
                       "missing": missing})
            );
        } else {
            let load = load.map_or_else(|| "-".to_owned(), |n| n.to_string());
            let lacks = if missing.is_empty() { String::new() } else { format!("; lacks {}", missing.join(", ")) };
            println!(
                "{:<12} {:<10} {:>6} {:>4} {load:>9}  {state} ({ms} ms){lacks}",
                member.name,
                profile.unwrap_or("any"),
                member.weight,
                member.max_in_flight
            );
        }
    }
    Ok(if all_answer { exit::OK } else { exit::GAVE_UP })
}
