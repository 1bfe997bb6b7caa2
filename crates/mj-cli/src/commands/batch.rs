//! `mj batch`: a prompt file through mj-batch's durable engine, with one progress bar.

use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use mj_batch::plan::{self, Counts};
use mj_batch::{Batch, BatchError, Journal, JournalError, SqliteJournal, Unfinished, prompts};

use serde_json::json;

use crate::cli::{BatchArgs, Global};
use crate::exit::{self, Failure};
use crate::output;
use crate::session::Session;
use crate::shared_db;
use crate::terminal;

/// The journal's name inside the output folder.
const JOURNAL: &str = "mj-batch.journal";

/// Where the journal is: a file of this machine's, or a database several workers share.
enum Place {
    File(PathBuf),
    Database(Box<shared_db::Database>),
}

/// A journal opened for a run.
enum Opened {
    File(SqliteJournal),
    #[cfg(feature = "postgres")]
    Database(Box<mj_postgres::PgJournal>),
}

/// Runs `mj batch` (or, with `--status`, reads its journal).
pub(crate) fn run(global: &Global, options: BatchArgs) -> Result<u8, Failure> {
    let place = match (options.journal.as_deref().map(str::trim), &options.out) {
        (Some(url), _) if shared_db::is_url(url) => Place::Database(Box::new(shared_db::parse(url, "--journal")?)),
        (Some(path), _) => Place::File(PathBuf::from(path)),
        (None, Some(out)) => Place::File(out.join(JOURNAL)),
        (None, None) => return Err(Failure::usage("give --out DIR (or --journal PATH)")),
    };
    let read_prompts = |path: &Path| {
        std::fs::read(path).map_err(|e| Failure::usage(format!("cannot read the prompt file {}: {e}", path.display())))
    };
    if options.status {
        return match &place {
            Place::File(path) => status(
                &path.display().to_string(),
                &mut SqliteJournal::open_read_only(path).map_err(journal_failure)?,
                global.json,
            ),
            Place::Database(db) => {
                let fingerprint =
                    options.prompts.as_deref().map(read_prompts).transpose()?.map(|b| prompts::fingerprint(&b));
                status_shared(db, fingerprint, global.json)
            }
        };
    }
    let (Some(prompts_path), Some(out)) = (&options.prompts, &options.out) else {
        return Err(Failure::usage("give the prompt file and --out DIR"));
    };
    let bytes = read_prompts(prompts_path)?;
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
    let fingerprint = prompts::fingerprint(&bytes);
    let (journal, shown_place) = open(&place, &fingerprint, global)?;

    // The session's one transport, watchdog, deadline and clients: `--timeout` bounds the
    // whole run, and every call of it ends by then. A shared journal's database also
    // keeps the pacing, and passes callbacks between the workers.
    let database = match &place {
        Place::Database(db) => Some(&**db),
        Place::File(_) => None,
    };
    let session = Session::open_sharing(global, database)?;
    if database.is_some() && session.simulated() {
        // Each worker would send to a simulator of its own, and take over tasks that its
        // simulator never had.
        return Err(Failure::usage(
            "a shared journal needs servers every worker reaches: give them --base-url (or a servers file); to try it, run `mj sim` and give each worker its URL",
        ));
    }
    let deadline = session.deadline();
    let interval =
        Duration::try_from_secs_f64(global.interval).unwrap_or(Duration::from_secs(2)).min(Duration::from_secs(2));

    crate::interrupt::resume_with(format!(
        "the tasks go on on the server and the journal keeps them: run the same `mj batch` again to resume ({shown_place})"
    ));
    let bar = (!global.json).then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} (ETA {eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let on_progress = |progress: &mj_batch::Progress| {
        let c = progress.counts;
        if let Some(bar) = &bar {
            bar.set_length(c.total() as u64);
            bar.set_position((c.done + c.failed) as u64);
            let out: String = progress.refused.iter().map(|(name, _)| format!("; {name} refused the key")).collect();
            bar.set_message(terminal::clean(&format!(
                "done {}, running {}, failed {}, left {}{out}",
                c.done, c.running, c.failed, c.left
            )));
        } else {
            println!(
                "{}",
                output::batch_progress(
                    json!({"done": c.done, "running": c.running, "failed": c.failed, "left": c.left,
                        "refused": progress.refused.iter().map(|(name, _)| name).collect::<Vec<_>>()})
                )
            );
        }
    };
    // Over the pool, every member may take its max_in_flight, unless told otherwise.
    let concurrency = match (options.concurrency, session.members()) {
        (Some(n), _) => usize::from(n),
        (None, Some(members)) => members.iter().fold(0usize, |n, m| n.saturating_add(m.max_in_flight)),
        (None, None) => 4,
    };
    // Over the servers file, `--server NAME` included, jobs are journaled by server, so
    // that a run on the whole pool finds them where they are.
    let run = Run {
        client: session.client(),
        out,
        concurrency,
        interval,
        deadline,
        lines: &lines,
        fingerprint: &fingerprint,
    };
    let result = match journal {
        Opened::File(journal) => run.on(journal, on_progress),
        #[cfg(feature = "postgres")]
        Opened::Database(journal) => run.on(*journal, on_progress),
    };
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    crate::interrupt::done();
    let summary = result.map_err(batch_failure)?;
    let requests = session.requests_sent();
    let tasks = summary.submitted.max(1);
    let redact = |text: &str| session.redact_text(text);
    // A task's progress is the server's text.
    let shown = |job: &Unfinished| {
        let mut job = job.clone();
        job.progress = job.progress.map(|p| redact(&p));
        job.status = job.status.map(|s| redact(&s));
        job
    };
    if global.json {
        let failed: Vec<_> = summary
            .failed
            .iter()
            .map(|(line, prompt, why)| json!({"line": line, "prompt": prompt, "reason": redact(why)}))
            .collect();
        output::result(json!({
            "done": summary.done, "failed": failed, "jobs": summary.jobs, "filesWritten": summary.files_written,
            "filesRepaired": summary.files_repaired, "unfinished": summary.unfinished,
            "unfinishedJobs": summary.unfinished_jobs.iter().map(|j| unfinished_json(&shown(j))).collect::<Vec<_>>(),
            "refused": summary.refused.iter().map(|r| json!({"server": r.server, "reason": redact(&r.reason), "jobs": r.jobs})).collect::<Vec<_>>(),
            "paced": summary.paced.iter().map(|r| json!({"server": r.server, "hold": redact(&r.reason), "jobs": r.jobs})).collect::<Vec<_>>(),
            "absent": summary.absent.iter().map(|(s, n)| json!({"server": s, "jobs": n})).collect::<Vec<_>>(),
            "submitted": summary.submitted, "requests": requests, "seconds": summary.elapsed.as_secs_f64(),
            "claimed": summary.claimed, "takenOver": summary.taken_over,
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
        if summary.claimed > 0 || summary.taken_over > 0 {
            // A shared journal: what this worker took on, and gave up to another.
            println!(
                "  this worker claimed {} job(s); {} went to another worker when its lease ran out",
                summary.claimed, summary.taken_over
            );
        }
        for (line, prompt, why) in &summary.failed {
            println!("  failed: line {line} `{}`: {}", terminal::clean(prompt), terminal::clean(&redact(why)));
        }
        for job in &summary.unfinished_jobs {
            println!("  unfinished: {}", terminal::clean(&unfinished_line(&shown(job))));
        }
        if summary.files_repaired > 0 {
            println!("  {} recorded file(s) were missing or altered and were downloaded again", summary.files_repaired);
        }
    }
    for refused in &summary.refused {
        warn(&format!(
            "{} refused to work for this account ({}); its {} job(s) wait: mend what it names (its key in api_key_file or api_key_env, the account's balance, or the server's setup) and run the same `mj batch` again",
            server_name(refused.server.as_deref()),
            redact(&refused.reason),
            refused.jobs
        ));
    }
    for paced in &summary.paced {
        warn(&format!("{}: no new submits this run ({})", server_name(paced.server.as_deref()), redact(&paced.reason)));
    }
    for (server, jobs) in &summary.absent {
        warn(&format!(
            "{jobs} job(s) were sent to {}, which this run does not have: they wait for a run that has it",
            server_name(server.as_deref())
        ));
    }
    drop(session);
    if !summary.refused.is_empty() {
        let names: Vec<String> = summary.refused.iter().map(|r| server_name(r.server.as_deref())).collect();
        return Err(Failure::refused(format!(
            "{} refused to work for this account; the other servers' jobs ran ({} of {} done, {} unfinished)",
            names.join(" and "),
            summary.done,
            summary.jobs,
            summary.unfinished
        )));
    }
    if summary.unfinished > 0 && !summary.paced.is_empty() {
        let waiting = summary.unfinished_jobs.iter().filter(|j| j.state == mj_batch::JobState::Pending).count();
        return Err(Failure {
            code: exit::PACED,
            message: format!(
                "pacing held new submits ({} of {} done, {waiting} job(s) not sent, {} unfinished); they stay in the journal: run the same `mj batch` again once the hold ends",
                summary.done, summary.jobs, summary.unfinished
            ),
        });
    }
    if summary.unfinished > 0 {
        let why = if summary.elapsed.as_secs() >= global.timeout || summary.absent.is_empty() {
            format!("--timeout ({} s) ran out with", global.timeout)
        } else {
            "the run ended with".to_owned()
        };
        return Err(Failure::gave_up(format!(
            "{why} {} job(s) unfinished{}; they stay in the journal: run the same `mj batch` again to resume (with a longer --timeout, or with the servers they wait for)",
            summary.unfinished,
            unfinished_by_member(&summary.unfinished_jobs)
        )));
    }
    Ok(if summary.failed.is_empty() { exit::OK } else { exit::TASK_FAILED })
}

/// What a run is given, whatever its journal.
struct Run<'a> {
    client: &'a crate::session::CliClient,
    out: &'a Path,
    concurrency: usize,
    interval: Duration,
    deadline: std::time::Instant,
    lines: &'a [prompts::PromptLine],
    fingerprint: &'a str,
}

impl Run<'_> {
    fn on<J: Journal>(
        self,
        journal: J,
        on_progress: impl FnMut(&mj_batch::Progress),
    ) -> Result<mj_batch::Summary, BatchError> {
        Batch::new(self.client, journal, self.out)
            .concurrency(self.concurrency)
            .interval(self.interval)
            .deadline(self.deadline)
            .run(self.lines, self.fingerprint, on_progress)
    }
}

/// Opens the journal at `place` for the batch of `fingerprint`; says where it is (a path,
/// or the database without its password).
fn open(place: &Place, fingerprint: &str, global: &Global) -> Result<(Opened, String), Failure> {
    match place {
        Place::File(path) => {
            Ok((Opened::File(SqliteJournal::open(path).map_err(journal_failure)?), path.display().to_string()))
        }
        #[cfg(feature = "postgres")]
        Place::Database(db) => {
            // The database's failures are ridden out within the run's --timeout.
            let patience = mj_postgres::DEFAULT_PATIENCE.min(Duration::from_secs(global.timeout.max(1)));
            let journal = mj_postgres::PgJournal::connect(db, fingerprint).map_err(journal_failure)?.patience(patience);
            Ok((Opened::Database(Box::new(journal)), db.to_string()))
        }
        #[cfg(not(feature = "postgres"))]
        Place::Database(db) => {
            let _ = (fingerprint, global);
            match **db {}
        }
    }
}

/// A member's name for a person: `server `b``, or the single server.
fn server_name(server: Option<&str>) -> String {
    server.map_or_else(|| "the server".to_owned(), |s| format!("server `{}`", terminal::clean(s)))
}

/// A line on stderr that does not end the command.
fn warn(line: &str) {
    eprintln!("mj: {}", terminal::clean(line));
}

/// Over a pool, where the unfinished jobs are (` (sent to c: 3)`): a member that died
/// holds its tasks, and they are resumed there only.
fn unfinished_by_member(jobs: &[Unfinished]) -> String {
    let mut members: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for server in jobs.iter().filter_map(|j| j.server.as_deref()) {
        *members.entry(server).or_default() += 1;
    }
    if members.is_empty() {
        return String::new();
    }
    let members: Vec<String> = members.iter().map(|(name, n)| format!("{name}: {n}")).collect();
    format!(" (sent to {})", terminal::clean(&members.join(", ")))
}

/// One unfinished job for a person: its line, the start of its prompt, its member, and
/// where its task stands (`IN_PROGRESS 42%, unchanged for 600 s`).
fn unfinished_line(job: &Unfinished) -> String {
    let prompt: String = job.prompt.chars().take(40).collect();
    let more = if job.prompt.chars().count() > 40 { "…" } else { "" };
    let step = if job.step == 0 { String::new() } else { format!(" U{}", job.step) };
    let server = job.server.as_deref().map(|s| format!(" on {s}")).unwrap_or_default();
    let task = job.task_id.as_deref().map(|t| format!(" task {t}")).unwrap_or_default();
    let stands = match (&job.status, &job.blocked) {
        (_, Some(blocked)) => blocked.clone(),
        (Some(status), None) => {
            let progress = job.progress.as_deref().map(|p| format!(" {p}")).unwrap_or_default();
            let unchanged = job.unchanged_for.map(|d| format!(", unchanged for {} s", d.as_secs())).unwrap_or_default();
            format!("{status}{progress}{unchanged}")
        }
        (None, None) => job.state.name().to_owned(),
    };
    format!("line {}{step} `{prompt}{more}`{server}{task}: {stands}", job.line)
}

/// One unfinished job as JSON.
fn unfinished_json(job: &Unfinished) -> serde_json::Value {
    json!({
        "line": job.line, "prompt": job.prompt, "step": job.step, "state": job.state.name(),
        "server": job.server, "taskId": job.task_id, "status": job.status, "progress": job.progress,
        "unchangedSeconds": job.unchanged_for.map(|d| d.as_secs()), "blocked": job.blocked,
    })
}

/// `--status` of a shared journal: the batch of the prompt file given, or every batch the
/// database holds.
fn status_shared(db: &shared_db::Database, fingerprint: Option<String>, json: bool) -> Result<u8, Failure> {
    #[cfg(feature = "postgres")]
    {
        let batches = match fingerprint {
            Some(fingerprint) => vec![fingerprint],
            None => mj_postgres::PgJournal::batches(db).map_err(journal_failure)?,
        };
        if batches.is_empty() && !json {
            println!("{db}: no batch yet");
        }
        for fingerprint in batches {
            let mut journal = mj_postgres::PgJournal::connect(db, &fingerprint).map_err(journal_failure)?;
            let short: String = fingerprint.chars().take(12).collect();
            status(&format!("{db} (batch {short}…)"), &mut journal, json)?;
        }
        Ok(exit::OK)
    }
    #[cfg(not(feature = "postgres"))]
    {
        let _ = (fingerprint, json);
        match *db {}
    }
}

/// `--status`: what the journal at `place` says.
fn status(place: &str, journal: &mut impl Journal, json: bool) -> Result<u8, Failure> {
    let jobs = journal.jobs().map_err(journal_failure)?;
    let Counts { done, running, failed, left } = plan::counts(&jobs);
    let failures: Vec<_> = jobs
        .iter()
        .filter(|j| j.state == mj_batch::JobState::Failed)
        .map(|j| (j.prompt.clone(), j.reason.clone().unwrap_or_default()))
        .collect();
    // Only what is on disk as it was saved counts: a deleted or altered file is not
    // claimed. A file another worker saved on its own machine is counted as its.
    let all = || jobs.iter().flat_map(|j| &j.files);
    let elsewhere = all().filter(|f| f.worker.is_some() && !Path::new(&f.path).exists()).count();
    let (files, broken): (Vec<_>, Vec<_>) =
        all().filter(|f| f.worker.is_none() || Path::new(&f.path).exists()).partition(|f| mj_batch::file_intact(f));
    let (files, broken) = (files.len(), broken.len());
    let mut workers: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for worker in all().filter_map(|f| f.worker.as_deref()) {
        *workers.entry(worker).or_default() += 1;
    }
    // Over a pool: how many jobs went to each member.
    let mut members: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for server in jobs.iter().filter_map(|j| j.server.as_deref()) {
        *members.entry(server).or_default() += 1;
    }
    if json {
        let failures: Vec<_> = failures.iter().map(|(p, r)| json!({"prompt": p, "reason": r})).collect();
        output::result(json!({
            "journal": place, "done": done, "running": running, "failed": failures, "left": left, "files": files,
            "filesMissingOrAltered": broken, "filesOnOtherMachines": elsewhere, "servers": members, "workers": workers,
        }));
    } else {
        let broken = if broken > 0 {
            format!(" ({broken} missing or altered: the next run downloads them again)")
        } else {
            String::new()
        };
        let elsewhere = if elsewhere > 0 { format!(", {elsewhere} on other machines") } else { String::new() };
        println!(
            "{place}: {done} done, {running} running, {failed} failed, {left} left; {files} files{broken}{elsewhere}"
        );
        if !members.is_empty() {
            let members: Vec<String> = members.iter().map(|(name, n)| format!("{name}: {n}")).collect();
            println!("  sent to {}", terminal::clean(&members.join(", ")));
        }
        if !workers.is_empty() {
            let workers: Vec<String> = workers.iter().map(|(name, n)| format!("{name}: {n}")).collect();
            println!("  files saved by {}", terminal::clean(&workers.join(", ")));
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
                "the server refused to work for this account; the batch stopped and nothing was recorded as failed ({e})"
            ),
        },
        BatchError::Journal(e) => journal_failure(e),
        other @ BatchError::Output { .. } => Failure::io(other.to_string()),
        other => Failure::usage(other.to_string()),
    }
}
