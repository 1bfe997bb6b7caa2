//! `mj batch`: a prompt file through mj-batch's durable engine, with one progress bar.

use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use mj_batch::plan::{self, Counts};
use mj_batch::{Batch, BatchError, Journal, JournalError, SqliteJournal, prompts};

use crate::counted::Counted;
use mj_ureq::UreqTransport;
use serde_json::json;

use crate::cli::{BatchArgs, Global};
use crate::exit::{self, Failure};
use crate::output;
use crate::session::Session;
use crate::terminal;
use crate::watchdog::Watched;

/// The journal's name inside the output folder.
const JOURNAL: &str = "mj-batch.journal";

/// Runs `mj batch` (or, with `--status`, reads its journal).
pub(crate) fn run(global: &Global, options: BatchArgs) -> Result<u8, Failure> {
    let journal_path = match (&options.journal, &options.out) {
        (Some(path), _) => path.clone(),
        (None, Some(out)) => out.join(JOURNAL),
        (None, None) => return Err(Failure::usage("give --out DIR (or --journal PATH)")),
    };
    if options.status {
        return status(&journal_path, global.json);
    }
    let (Some(prompts_path), Some(out)) = (&options.prompts, &options.out) else {
        return Err(Failure::usage("give the prompt file and --out DIR"));
    };
    let bytes = std::fs::read(prompts_path)
        .map_err(|e| Failure::usage(format!("cannot read the prompt file {}: {e}", prompts_path.display())))?;
    let jsonl = prompts_path.extension().is_some_and(|e| e == "jsonl");
    let mut lines =
        prompts::parse(&bytes, jsonl).map_err(|e| Failure::usage(format!("{}: {e}", prompts_path.display())))?;
    for line in &mut lines {
        for image in &mut line.images {
            *image = super::finish::image_ref(image)?;
        }
    }
    std::fs::create_dir_all(out)
        .map_err(|e| Failure::usage(format!("cannot create the output folder {}: {e}", out.display())))?;
    let journal = SqliteJournal::open(&journal_path).map_err(journal_failure)?;

    let session = Session::open(global)?;
    // `--timeout` bounds the whole run: every call ends by then, and so does the batch.
    let deadline = std::time::Instant::now() + Duration::from_secs(global.timeout.max(1));
    let request_timeout = Duration::from_secs(global.request_timeout.max(1));
    let transport = Counted::new(Watched::new(
        UreqTransport::builder().timeout(request_timeout).build(),
        request_timeout,
        deadline,
    ));
    // The session's settings: its deadline, its notices on stderr, its callback receiver.
    let settings = session.settings().clone();
    let interval =
        Duration::try_from_secs_f64(global.interval).unwrap_or(Duration::from_secs(2)).min(Duration::from_secs(2));

    crate::interrupt::resume_with(format!(
        "the tasks go on on the server and the journal keeps them: run the same `mj batch` again to resume ({})",
        journal_path.display()
    ));
    let bar = (!global.json).then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} (ETA {eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let fingerprint = prompts::fingerprint(&bytes);
    let on_progress = |progress: &mj_batch::Progress| {
        let c = progress.counts;
        if let Some(bar) = &bar {
            bar.set_length(c.total() as u64);
            bar.set_position((c.done + c.failed) as u64);
            bar.set_message(format!("done {}, running {}, failed {}, left {}", c.done, c.running, c.failed, c.left));
        } else {
            println!(
                "{}",
                output::batch_progress(
                    json!({"done": c.done, "running": c.running, "failed": c.failed, "left": c.left})
                )
            );
        }
    };
    // Over the pool, every member may take its max_in_flight, unless told otherwise.
    let concurrency = match (options.concurrency, session.members()) {
        (Some(n), _) => usize::from(n),
        (None, Some(members)) => members.iter().map(|m| m.max_in_flight).sum(),
        (None, None) => 4,
    };
    let result = match session.members() {
        Some(members) => {
            let pool = mj_proto::plan::Pool::new(members.to_vec()).map_err(|e| Failure::usage(e.to_string()))?;
            let client = mj_proto::PoolClient::with_transport(transport.clone(), pool).with_settings(settings);
            Batch::new(&client, journal, out).concurrency(concurrency).interval(interval).deadline(deadline).run(
                &lines,
                &fingerprint,
                on_progress,
            )
        }
        None => {
            let config = session.single()?.config().clone();
            let client = mj_proto::Client::with_transport(transport.clone(), config).with_settings(settings);
            Batch::new(&client, journal, out).concurrency(concurrency).interval(interval).deadline(deadline).run(
                &lines,
                &fingerprint,
                on_progress,
            )
        }
    };
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    crate::interrupt::done();
    let summary = result.map_err(batch_failure)?;
    let requests = transport.sent();
    let tasks = summary.submitted.max(1);
    let redact = |text: &str| session.redact_text(text);
    if global.json {
        let failed: Vec<_> = summary
            .failed
            .iter()
            .map(|(line, prompt, why)| json!({"line": line, "prompt": prompt, "reason": redact(why)}))
            .collect();
        output::result(json!({
            "done": summary.done, "failed": failed, "jobs": summary.jobs, "filesWritten": summary.files_written,
            "filesRepaired": summary.files_repaired, "unfinished": summary.unfinished,
            "submitted": summary.submitted, "requests": requests, "seconds": summary.elapsed.as_secs_f64(),
        }));
    } else {
        println!(
            "batch: {} of {} done, {} failed; {} files written; {} submits, {} requests ({:.1} per submit) in {:.0} s",
            summary.done,
            summary.jobs,
            summary.failed.len(),
            summary.files_written,
            summary.submitted,
            requests,
            requests as f64 / tasks as f64,
            summary.elapsed.as_secs_f64()
        );
        for (line, prompt, why) in &summary.failed {
            println!("  failed: line {line} `{}`: {}", terminal::clean(prompt), terminal::clean(&redact(why)));
        }
        if summary.files_repaired > 0 {
            println!("  {} recorded file(s) were missing or altered and were downloaded again", summary.files_repaired);
        }
    }
    drop(session);
    if summary.unfinished > 0 {
        return Err(Failure::gave_up(format!(
            "--timeout ({} s) ran out with {} job(s) unfinished{}; they stay in the journal: run the same `mj batch` again to resume (with a longer --timeout)",
            global.timeout,
            summary.unfinished,
            unfinished_by_member(&journal_path)
        )));
    }
    Ok(if summary.failed.is_empty() { exit::OK } else { exit::TASK_FAILED })
}

/// Over a pool, where the unfinished jobs are (` (on c: 3)`): a member that died holds
/// its tasks, and they are resumed there only.
fn unfinished_by_member(journal: &Path) -> String {
    let Ok(jobs) = SqliteJournal::open_read_only(journal).and_then(|mut j| j.jobs()) else { return String::new() };
    let mut members: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    let sent = |j: &&mj_batch::Job| matches!(j.state, mj_batch::JobState::Submitting | mj_batch::JobState::Running);
    for server in jobs.iter().filter(sent).filter_map(|j| j.server.clone()) {
        *members.entry(server).or_default() += 1;
    }
    if members.is_empty() {
        return String::new();
    }
    let members: Vec<String> = members.iter().map(|(name, n)| format!("{name}: {n}")).collect();
    format!(" (sent to {})", members.join(", "))
}

/// `--status`: what the journal says.
fn status(path: &Path, json: bool) -> Result<u8, Failure> {
    let mut journal = SqliteJournal::open_read_only(path).map_err(journal_failure)?;
    let jobs = journal.jobs().map_err(journal_failure)?;
    let Counts { done, running, failed, left } = plan::counts(&jobs);
    let failures: Vec<_> = jobs
        .iter()
        .filter(|j| j.state == mj_batch::JobState::Failed)
        .map(|j| (j.prompt.clone(), j.reason.clone().unwrap_or_default()))
        .collect();
    // Only what is on disk as it was saved counts: a deleted or altered file is not claimed.
    let (files, broken): (Vec<_>, Vec<_>) = jobs.iter().flat_map(|j| &j.files).partition(|f| mj_batch::file_intact(f));
    let (files, broken) = (files.len(), broken.len());
    // Over a pool: how many jobs went to each member.
    let mut members: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for server in jobs.iter().filter_map(|j| j.server.as_deref()) {
        *members.entry(server).or_default() += 1;
    }
    if json {
        let failures: Vec<_> = failures.iter().map(|(p, r)| json!({"prompt": p, "reason": r})).collect();
        output::result(json!({
            "done": done, "running": running, "failed": failures, "left": left, "files": files,
            "filesMissingOrAltered": broken, "servers": members,
        }));
    } else {
        let broken = if broken > 0 {
            format!(" ({broken} missing or altered: the next run downloads them again)")
        } else {
            String::new()
        };
        println!(
            "{}: {done} done, {running} running, {failed} failed, {left} left; {files} files{broken}",
            path.display()
        );
        if !members.is_empty() {
            let members: Vec<String> = members.iter().map(|(name, n)| format!("{name}: {n}")).collect();
            println!("  sent to {}", terminal::clean(&members.join(", ")));
        }
        for (prompt, why) in failures {
            println!("  failed: `{}`: {}", terminal::clean(&prompt), terminal::clean(&why));
        }
    }
    Ok(exit::OK)
}

fn journal_failure(error: JournalError) -> Failure {
    match error {
        // The disk, not the user: full, unwritable, or gone.
        JournalError::Store { .. } => Failure::io(error.to_string()),
        _ => Failure::usage(error.to_string()),
    }
}

fn batch_failure(error: BatchError) -> Failure {
    match error {
        BatchError::Unauthorized(e) => Failure {
            code: exit::REFUSED,
            message: format!(
                "the server refused the API key; the batch stopped and nothing was recorded as failed ({e})"
            ),
        },
        BatchError::Journal(e) => journal_failure(e),
        other @ BatchError::Output { .. } => Failure::io(other.to_string()),
        other => Failure::usage(other.to_string()),
    }
}
