//! `mj usage`: what the ledger in the state file says of each server and day (tasks,
//! images, failures, moderation, estimated spend), and what is left of today's caps.

use std::time::{SystemTime, UNIX_EPOCH};

use mj_proto::pacing::{Money, Pacing, Tally, Wall, clock, date_of_day, day_of_date};
use serde_json::json;

use crate::cli::Global;
use crate::exit::{self, Failure};
use crate::output;
use crate::terminal::clean;

/// The ledger's days from `since` on, every tally, and where they were read: the state
/// file, or the database `MJ_STATE=postgres://…` names. `None` (said) when nothing was
/// recorded yet.
type Read = (Vec<mj_batch::Usage>, Vec<(String, Tally)>, String);

fn read(since: i64, json: bool) -> Result<Option<Read>, Failure> {
    #[cfg(feature = "postgres")]
    if let Some(db) = crate::shared_db::of_state()? {
        let store = mj_postgres::PgPacing::connect(&db).map_err(|e| Failure::io(format!("the state: {e}")))?;
        let days = store.usage(since).map_err(|e| Failure::io(format!("the state: {e}")))?;
        let tallies = store.tallies().map_err(|e| Failure::io(format!("the state: {e}")))?;
        return Ok(Some((days, tallies, db.to_string())));
    }
    let path =
        mj_batch::PacingDb::default_path().ok_or_else(|| Failure::usage("no state file: set MJ_STATE (or HOME)"))?;
    if !path.exists() {
        if json {
            output::result(json!({"days": [], "today": [], "state": path}));
        } else {
            println!(
                "no usage recorded yet ({} does not exist: it is made by the first paced or priced submit)",
                path.display()
            );
        }
        return Ok(None);
    }
    let db = mj_batch::PacingDb::open(&path).map_err(|e| Failure::io(format!("the state file: {e}")))?;
    let days = db.usage(since).map_err(|e| Failure::io(format!("the state file: {e}")))?;
    let tallies = db.tallies().map_err(|e| Failure::io(format!("the state file: {e}")))?;
    Ok(Some((days, tallies, path.display().to_string())))
}

/// Shows the ledger from `since` (a date) on, and today's caps.
pub(super) fn run(global: &Global, since: Option<&str>) -> Result<u8, Failure> {
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(0));
    let since = match since {
        Some(date) => day_of_date(date).ok_or_else(|| Failure::usage(format!("--since {date}: write YYYY-MM-DD")))?,
        None => Wall::new(now_ms, 0).day() - 30,
    };
    let Some((days, tallies, path)) = read(since, global.json)? else { return Ok(exit::OK) };
    let rules = servers_rules(global);
    let today: Vec<Today> = tallies
        .iter()
        .map(|(server, tally)| {
            let pacing = rules.iter().find(|(name, _)| name == server).map(|(_, p)| p.clone()).unwrap_or_default();
            Today::of(server, tally, &pacing, now_ms)
        })
        .collect();
    if global.json {
        let days: Vec<_> = days
            .iter()
            .map(|d| {
                json!({"server": d.server, "date": date_of_day(d.day), "tasks": d.tasks, "images": d.images,
                    "failed": d.failed, "moderated": d.moderated, "spent": d.spent.units()})
            })
            .collect();
        let today: Vec<_> = today.iter().map(Today::json).collect();
        output::result(json!({"days": days, "today": today, "state": path}));
        return Ok(exit::OK);
    }
    println!(
        "{:<10} {:<24} {:>6} {:>7} {:>7} {:>10} {:>10}",
        "DATE", "SERVER", "TASKS", "IMAGES", "FAILED", "MODERATED", "SPENT"
    );
    for d in &days {
        println!(
            "{:<10} {:<24} {:>6} {:>7} {:>7} {:>10} {:>10}",
            date_of_day(d.day),
            clean(&d.server),
            d.tasks,
            d.images,
            d.failed,
            d.moderated,
            d.spent
        );
    }
    for t in &today {
        println!("today on {}: {}", clean(&t.server), t.words());
    }
    Ok(exit::OK)
}

/// Each server of the servers file, with its pacing (no file: none).
fn servers_rules(global: &Global) -> Vec<(String, Pacing)> {
    let Some(path) = mj_files::ServersFile::locate(global.config.as_deref()) else { return Vec::new() };
    mj_files::ServersFile::read(path)
        .map(|file| file.members().iter().map(|m| (m.name.clone(), m.config.pacing().clone())).collect())
        .unwrap_or_default()
}

/// A server's day so far, against its caps.
struct Today {
    server: String,
    tasks: u32,
    images: u32,
    spent: Money,
    strikes: u32,
    pacing: Pacing,
    resting_until: Option<i64>,
    utc_offset_secs: i32,
}

impl Today {
    fn of(server: &str, tally: &Tally, pacing: &Pacing, now_ms: i64) -> Self {
        let now = pacing.wall(now_ms);
        let counts_today = tally.day == now.day();
        let pick = |n: u32| if counts_today { n } else { 0 };
        Self {
            server: server.to_owned(),
            tasks: pick(tally.tasks),
            images: pick(tally.images),
            spent: if counts_today { tally.spent } else { Money::default() },
            strikes: pick(tally.strikes_today),
            pacing: pacing.clone(),
            resting_until: tally.resting_until.filter(|&until| until > now_ms),
            utc_offset_secs: now.utc_offset_secs,
        }
    }

    /// `12 of 200 tasks, 48 of 800 images, 0.6 of 50 spent, 1 moderation strike`.
    fn words(&self) -> String {
        let of = |n: String, cap: Option<String>, what: &str| match cap {
            Some(cap) => format!("{n} of {cap} {what}"),
            None => format!("{n} {what}"),
        };
        let mut parts = vec![
            of(self.tasks.to_string(), self.pacing.daily_tasks.map(|c| c.to_string()), "tasks"),
            of(self.images.to_string(), self.pacing.daily_images.map(|c| c.to_string()), "images"),
            of(self.spent.to_string(), self.pacing.budget_per_day.map(|b| b.to_string()), "spent"),
        ];
        if self.strikes > 0 {
            parts.push(format!("{} moderation strike(s)", self.strikes));
        }
        if let Some(until) = self.resting_until {
            let rule = mj_proto::pacing::Rule::Cooldown;
            parts.push(format!("resting: no submit before {} ({rule})", clock(until, self.utc_offset_secs)));
        }
        parts.join(", ")
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "server": self.server, "tasks": self.tasks, "images": self.images, "spent": self.spent.units(),
            "strikes": self.strikes, "restingUntilMs": self.resting_until,
            "left": {
                "tasks": self.pacing.daily_tasks.map(|c| c.saturating_sub(self.tasks)),
                "images": self.pacing.daily_images.map(|c| c.saturating_sub(self.images)),
                "spend": self.pacing.budget_per_day.map(|b| b.minus(self.spent).units()),
            },
        })
    }
}
