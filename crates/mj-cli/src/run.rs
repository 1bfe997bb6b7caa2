//! One function per command.

use std::path::Path;

use mj_proto::endpoint::Press;
use mj_proto::model::VideoMotion;
use mj_proto::prelude::*;
use serde_json::json;

use crate::cli::{Cli, Command, DimensionsArg, Finish, FlavorArg, Hook, MotionArg, StatusArg};
use crate::download::{self, Saved};
use crate::exit::{self, Failure};
use crate::output;
use crate::progress::Progress;
use crate::render;
use crate::session::Session;

/// Runs the command line; the exit code on success.
pub fn run(cli: Cli) -> Result<u8, Failure> {
    let json = cli.global.json;
    match cli.command {
        Command::Parse { kind, file, status } => crate::parse::run(&kind, file.as_deref(), status, json),
        Command::Sim { port, flavor, api_key, speed, faults, seed } => sim(port, flavor, api_key, speed, faults, seed),
        Command::Listen { port } => crate::listen::run(port, json).map(|()| exit::OK),
        Command::Batch { prompts, out, journal, concurrency, status } => {
            crate::batch::run(&cli.global, crate::batch::Options { prompts, out, journal, concurrency, status })
        }
        command => {
            let session = Session::open(&cli.global)?;
            remote(&session, command)
        }
    }
}

fn remote(s: &Session, command: Command) -> Result<u8, Failure> {
    match command {
        Command::Imagine { prompt, images, finish, hook } => {
            check_finish(&finish)?;
            let mut imagine = Imagine::new(prompt);
            for image in images {
                imagine = imagine.image(image_ref(&image)?);
            }
            let submitted = s.client.imagine(hooked(imagine, &hook))?;
            complete(s, submitted, &finish)
        }
        Command::Action { task_id, button, finish, hook } => {
            check_finish(&finish)?;
            let task = s
                .client
                .fetch(&task_id)?
                .ok_or_else(|| Failure::usage(format!("the server does not know task {task_id}")))?;
            let press = press(&task, &button, s.client.config().profile())?;
            let submitted = s.client.submit(hooked(press, &hook))?;
            complete(s, submitted, &finish)
        }
        Command::Modal { task_id, prompt, mask, finish, hook } => {
            check_finish(&finish)?;
            let mut modal = Modal::new(task_id);
            if let Some(prompt) = prompt {
                modal = modal.prompt(prompt);
            }
            if let Some(mask) = mask {
                modal = modal.mask(file_data_url(&mask)?);
            }
            let submitted = s.client.modal(hooked(modal, &hook))?;
            complete(s, submitted, &finish)
        }
        Command::Describe { image, wait, hook } => {
            let submitted = s.client.describe(hooked(Describe::new(image_ref(&image)?), &hook))?;
            complete(s, submitted, &Finish { wait, out: None, split: false })
        }
        Command::Blend { images, dimensions, finish, hook } => {
            check_finish(&finish)?;
            let images = images.iter().map(|i| image_ref(i)).collect::<Result<Vec<_>, _>>()?;
            let dimensions = match dimensions {
                DimensionsArg::Portrait => BlendDimensions::Portrait,
                DimensionsArg::Square => BlendDimensions::Square,
                DimensionsArg::Landscape => BlendDimensions::Landscape,
            };
            let submitted = s.client.blend(hooked(Blend::new(images).dimensions(dimensions), &hook))?;
            complete(s, submitted, &finish)
        }
        Command::Shorten { prompt, wait, hook } => {
            let submitted = s.client.shorten(hooked(Shorten::new(prompt), &hook))?;
            complete(s, submitted, &Finish { wait, out: None, split: false })
        }
        Command::Video { prompt, image, extend, index, motion, wait, hook } => {
            let video = match (image, extend) {
                (_, Some(task)) => Video::extend(prompt, task, index),
                (Some(image), None) => Video::new(prompt, image_ref(&image)?),
                (None, None) => return Err(Failure::usage("give --image FILE|URL or --extend TASK_ID")),
            };
            let motion = if motion == MotionArg::High { VideoMotion::High } else { VideoMotion::Low };
            let submitted = s.client.video(hooked(video.motion(motion), &hook))?;
            complete(s, submitted, &Finish { wait, out: None, split: false })
        }
        Command::Seed { task_id } => {
            let seed = s.client.image_seed(&task_id)?;
            if s.json {
                output::result(json!({"taskId": task_id, "seed": seed}));
            } else {
                println!("{seed}");
            }
            Ok(exit::OK)
        }
        Command::Cancel { task_id } => {
            s.client.cancel(&task_id)?;
            if s.json {
                output::result(json!({"taskId": task_id, "cancelled": true}));
            } else {
                println!("cancelled task {task_id}");
            }
            Ok(exit::OK)
        }
        Command::Fetch { ids } => {
            // One id: GET fetch, which every server has; several: one batch request (or
            // per-id fetches where the server lacks it).
            let tasks = match ids.as_slice() {
                [id] => s.client.fetch(id)?.into_iter().collect(),
                _ => s.client.tasks(ids.clone())?,
            };
            let unknown: Vec<&String> = ids.iter().filter(|id| !tasks.iter().any(|t| &t.id == *id)).collect();
            if s.json {
                let tasks: Vec<Task> = tasks.iter().map(|t| s.redacted(t)).collect();
                output::result(json!({"tasks": tasks, "unknown": unknown}));
            } else {
                for id in &ids {
                    if let Some(task) = tasks.iter().find(|t| &t.id == id) {
                        s.show(task);
                    }
                }
            }
            for id in unknown {
                eprintln!("mj: the server does not know task {}", crate::terminal::clean(id));
            }
            Ok(if tasks.len() == ids.len() { exit::OK } else { exit::REFUSED })
        }
        Command::List { status, page, size } => list(s, status, page, size),
        Command::Wait { ids } => wait_all(s, &ids),
        Command::Parse { .. } | Command::Sim { .. } | Command::Listen { .. } | Command::Batch { .. } => Ok(exit::OK),
    }
}

/// After a submit: print it, or wait (with progress), show the task and download.
fn complete(s: &Session, submitted: Submitted, finish: &Finish) -> Result<u8, Failure> {
    if !finish.wait && finish.out.is_none() {
        if s.json {
            output::result(json!({"taskId": submitted.task_id, "taskIds": submitted.task_ids, "submitted": submitted}));
        } else {
            println!("{}", render::submitted(&submitted, s.follow_up()));
        }
        return Ok(exit::OK);
    }
    crate::interrupt::waiting_for(&submitted.task_id);
    let task = s.wait(&submitted.task_id)?;
    if !s.json {
        s.show(&task);
    }
    let files = match &finish.out {
        Some(dir) => save_results(s, &task, dir, finish.split)?,
        None => Vec::new(),
    };
    crate::interrupt::done();
    if s.json {
        let files: Vec<_> =
            files.iter().map(|f| json!({"path": f.path(), "kept": matches!(f, Saved::Kept(_))})).collect();
        output::result(json!({"task": s.redacted(&task), "files": files}));
    }
    Ok(exit::for_task(&task))
}

/// `request` with `--notify-hook`, when given.
/// The request that presses `button` (a label, emoji or customId on the task; or U1-U4,
/// V1-V4 or reroll, which a server without buttons takes through `/submit/change`), built
/// by the SDK's [`Press`].
fn press(task: &Task, button: &str, profile: Option<ServerProfile>) -> Result<Press, Failure> {
    let named = match button.trim().to_ascii_lowercase().as_str() {
        "reroll" | "🔄" => Some(ButtonKind::Reroll),
        text => match (text.get(..1), text.get(1..).and_then(|n| n.parse::<u8>().ok())) {
            (Some("u"), Some(n @ 1..=4)) => Some(ButtonKind::Upscale(n)),
            (Some("v"), Some(n @ 1..=4)) => Some(ButtonKind::Variation(n)),
            _ => None,
        },
    };
    match (task.find_button(button), named) {
        (Some(found), _) if found.kind() == ButtonKind::Other => Ok(Press::Button(task.press(found))),
        (Some(found), _) => Ok(Press::new(task, &found.kind(), profile)?),
        (None, Some(kind)) => Ok(Press::new(task, &kind, profile)?),
        (None, None) => {
            let names: Vec<&str> = task.buttons.iter().map(mj_proto::Button::display_name).collect();
            let has = if names.is_empty() { "no buttons (is it finished?)".to_owned() } else { names.join("  ") };
            Err(Failure::usage(format!("task {} has no button `{button}`; it has: {has}", task.id)))
        }
    }
}

fn hooked<S: Submit>(request: S, hook: &Hook) -> S {
    match &hook.notify_hook {
        Some(url) => request.notify_hook(url.clone()),
        None => request,
    }
}

/// Checks before anything is submitted that `--out` can be written, so that a billable
/// task never ends in a local error.
fn check_finish(finish: &Finish) -> Result<(), Failure> {
    let Some(dir) = &finish.out else { return Ok(()) };
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::usage(format!("--out {}: cannot create it: {e}", dir.display())))?;
    let probe = dir.join(format!(".mj-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .map_err(|e| Failure::usage(format!("--out {}: cannot write there: {e}", dir.display())))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Downloads the result images (the four images when the server lists them, else the
/// grid or single image), and with `split` cuts the grid into four. In the human view,
/// one line per file.
fn save_results(s: &Session, task: &Task, dir: &Path, split: bool) -> Result<Vec<Saved>, Failure> {
    let mut saved = Vec::new();
    let urls = task.result_image_urls();
    let grid = task.image_url.as_deref().filter(|_| task.status == TaskStatus::Success);
    let listed_separately = !task.image_urls.is_empty();
    for (n, url) in urls.iter().enumerate() {
        let suffix = if listed_separately { format!("-{}", n + 1) } else { String::new() };
        saved.push(
            download::fetch(&s.client, url, dir, &download::file_name(&task.id, &suffix, url))
                .map_err(Failure::gave_up)?,
        );
    }
    if split {
        let grid = grid.ok_or_else(|| Failure::usage("the task has no grid image to split"))?;
        let name = download::file_name(&task.id, "", grid);
        let file = match saved.iter().find(|f| f.path().ends_with(&name)) {
            Some(file) => file.path().to_path_buf(),
            None => {
                let file = download::fetch(&s.client, grid, dir, &name).map_err(Failure::gave_up)?;
                let path = file.path().to_path_buf();
                saved.push(file);
                path
            }
        };
        let stem = format!("{}-split", mj_proto::file_name::safe_stem(&task.id));
        saved.extend(download::split(&file, &stem).map_err(Failure::gave_up)?);
    }
    if !s.json {
        for file in &saved {
            let kept = matches!(file, Saved::Kept(_));
            println!("{} {}", if kept { "kept " } else { "saved" }, file.path().display());
        }
    }
    Ok(saved)
}

fn list(s: &Session, status: Option<StatusArg>, page: u32, size: u32) -> Result<u8, Failure> {
    let status = status.map(|st| match st {
        StatusArg::NotStart => TaskStatus::NotStart,
        StatusArg::Submitted => TaskStatus::Submitted,
        StatusArg::InProgress => TaskStatus::InProgress,
        StatusArg::Modal => TaskStatus::Modal,
        StatusArg::Success => TaskStatus::Success,
        StatusArg::Failure => TaskStatus::Failure,
        StatusArg::Cancel => TaskStatus::Cancel,
    });
    let mut query = Query::new().page(page, size.clamp(1, 100));
    if let Some(status) = status.clone() {
        query = query.status(status);
    }
    let (tasks, more) = match s.client.query(&query) {
        Ok(page) => {
            let more = !page.is_last();
            (page.content, more)
        }
        // No paged query on this server: page the plain list here.
        Err(e) if e.kind() == ErrorKind::Unexpected => {
            let all: Vec<Task> =
                s.client.list()?.into_iter().filter(|t| status.as_ref().is_none_or(|st| &t.status == st)).collect();
            let start = page as usize * size as usize;
            let more = all.len() > start + size as usize;
            (all.into_iter().skip(start).take(size as usize).collect(), more)
        }
        Err(e) => return Err(e.into()),
    };
    let tasks: Vec<Task> = tasks.iter().map(|t| s.redacted(t)).collect();
    if s.json {
        output::result(json!({"tasks": tasks, "page": page, "size": size, "more": more}));
        return Ok(exit::OK);
    }
    for task in &tasks {
        println!("{}", render::list_line(task));
    }
    match (tasks.is_empty(), more) {
        (true, _) => eprintln!("no tasks on page {page}"),
        (false, true) => eprintln!("page {page}; more: mj list --page {}", page + 1),
        (false, false) => eprintln!("page {page}; the last one"),
    }
    Ok(exit::OK)
}

fn wait_all(s: &Session, ids: &[String]) -> Result<u8, Failure> {
    crate::interrupt::waiting_for_all(ids);
    let mut progress = Progress::new(s.json);
    let report = s.client.watch(ids.to_vec(), |task| progress.update(&s.client.config().redact_task(task.clone())));
    progress.finish();
    let report = report?;
    if s.json {
        let finished: Vec<Task> = report.finished.iter().map(|t| s.redacted(t)).collect();
        let unfinished: Vec<Task> = report.unfinished.iter().map(|t| s.redacted(t)).collect();
        output::result(json!({
            "finished": finished, "unfinished": unfinished, "unknown": report.unknown, "unseen": report.unseen,
        }));
    } else {
        for task in &report.finished {
            s.show(task);
        }
    }
    for task in &report.unfinished {
        eprintln!(
            "mj: gave up waiting for task {} ({} {})",
            task.id,
            task.status,
            task.progress.as_deref().unwrap_or("")
        );
    }
    for id in &report.unknown {
        eprintln!("mj: the server does not know task {}", crate::terminal::clean(id));
    }
    for id in &report.unseen {
        eprintln!("mj: timed out before the server said anything about task {}", crate::terminal::clean(id));
    }
    Ok(if !report.unfinished.is_empty() || !report.unseen.is_empty() {
        exit::GAVE_UP
    } else if !report.unknown.is_empty() {
        exit::REFUSED
    } else if report.all_succeeded() {
        exit::OK
    } else {
        exit::TASK_FAILED
    })
}

fn sim(
    port: u16,
    flavor: Option<FlavorArg>,
    api_key: Option<String>,
    speed: f64,
    faults: Option<String>,
    seed: u64,
) -> Result<u8, Failure> {
    let mut config = mj_sim::SimConfig::new("").speed(speed).seed(seed);
    if let Some(flavor) = flavor {
        config = config.flavor(match flavor {
            FlavorArg::Plus => mj_sim::Flavor::Plus,
            FlavorArg::Novicezk => mj_sim::Flavor::Novicezk,
            FlavorArg::Trueai => mj_sim::Flavor::Trueai,
            FlavorArg::Newapi => mj_sim::Flavor::Newapi,
            FlavorArg::Reseller => mj_sim::Flavor::Reseller,
        });
    }
    if let Some(key) = api_key {
        config = config.api_key(key);
    }
    if let Some(faults) = faults {
        config = config.faults(faults.parse().map_err(|e| Failure::usage(format!("--faults: {e}")))?);
    }
    let server = mj_sim::Server::start(config, port)
        .map_err(|e| Failure::usage(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    println!("listening on {}", server.url());
    eprintln!("mj: simulator running; Ctrl-C stops it");
    loop {
        std::thread::park();
    }
}

/// An http(s) URL as it is; a file as a data URL.
pub(crate) fn image_ref(image: &str) -> Result<String, Failure> {
    if image.starts_with("http://") || image.starts_with("https://") {
        Ok(image.to_owned())
    } else {
        file_data_url(Path::new(image))
    }
}

fn file_data_url(path: &Path) -> Result<String, Failure> {
    mj_ureq::read_image(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidData => {
            Failure::usage(format!("{} is not a PNG, JPEG, GIF or WebP image", path.display()))
        }
        _ => Failure::usage(format!("cannot read {}: {e}", path.display())),
    })
}
