//! The `servers` tool: each server asked now whether it answers and what it has queued,
//! with what the pool knows of its health, today's counts and what is left of its caps
//! and of the budget: what an agent reads before it spends.

use std::time::{Duration, Instant};

use mj_client::Client;
use mj_proto::Transport;
use mj_proto::plan::RetryPolicy;
use serde_json::{Value, json};

use crate::Options;

/// How long a server has to answer the health check: this is a look, not a job.
const LOOK: Duration = Duration::from_secs(10);

/// Every server of `client`, as the agent reads them.
pub(crate) fn report<T: Transport>(client: &Client<T>, options: &Options) -> Value {
    let spending = client.spending();
    let servers: Vec<Value> = client
        .status()
        .into_iter()
        .zip(client.configs())
        .map(|(status, config)| {
            let pacing = config.pacing();
            let mut server = json!({
                "name": status.name, "in_flight": status.in_flight, "unanswered": status.unanswered,
                "cooling_s": status.cooling_for.map(|d| d.as_secs()), "crowded": status.crowded,
                "profile": config.profile().map(|p| p.name()),
            });
            // A lone server answers as the client; a pool's member by its name.
            let alone = client.member(&status.name).unwrap_or_else(|| client.clone());
            look(&alone, &mut server);
            if let Some((_, today)) = spending.today.iter().find(|(name, _)| *name == status.name) {
                server["today"] = json!({"tasks": today.tasks, "images": today.images, "spent": today.spent.units()});
            }
            for (key, cap) in [("daily_tasks", pacing.daily_tasks), ("daily_images", pacing.daily_images)] {
                if let Some(cap) = cap {
                    server[key] = cap.into();
                }
            }
            if let Some(budget) = pacing.budget_per_day {
                server["budget_per_day"] = budget.units().into();
            }
            server
        })
        .collect();
    let mut value =
        json!({"servers": servers, "read_only": options.read_only, "out": options.out.display().to_string()});
    if let Some(budget) = spending.budget {
        value["budget"] = json!({"budget": budget.units(), "spent": spending.spent.units(), "left": budget.minus(spending.spent).units()});
    }
    if options.simulator {
        value["simulator"] = "the built-in simulator: nothing is paid, and its tasks end with this server".into();
    }
    value
}

/// Asks `server` once (no retry) for a task that does not exist, and, when it answers,
/// for its queue: `state` (`answers`, or what failed), `ms` and `queued`.
fn look<T: Transport>(server: &Client<T>, into: &mut Value) {
    let mut settings = server.settings().clone();
    settings.retry = RetryPolicy::none();
    let server = server.clone().with_settings(settings.deadline(LOOK));
    let started = Instant::now();
    let answer = server.fetch("0");
    into["ms"] = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX).into();
    match answer {
        Ok(_) => {
            into["state"] = "answers".into();
            into["queued"] = server.queue().ok().map(|tasks| tasks.len()).into();
        }
        Err(e) => into["state"] = server.redact_text(&e.to_string()).into(),
    }
}
