//! One function per command.

use std::io::Read;
use std::path::Path;

use mj_proto::inspect::{self, BodyKind};
use mj_proto::prelude::*;
use mj_proto::{data_url, model::VideoMotion};
use serde_json::json;

use crate::cli::{Cli, Command, DimensionsArg, Finish, FlavorArg, MotionArg, StatusArg};
use crate::download::{self, Saved};
use crate::exit::{self, Failure};
use crate::progress::Progress;
use crate::render;
use crate::session::Session;

/// Runs the command line; the exit code on success.
pub fn run(cli: Cli) -> Result<u8, Failure> {
    let json = cli.global.json;
    match cli.command {
        Command::Parse { kind, file, status } => parse(&kind, file.as_deref(), status),
        Command::Sim { port, flavor, api_key, speed, faults, seed } => sim(port, flavor, api_key, speed, faults, seed),
        Command::Listen { port } => crate::listen::run(port, json).map(|()| exit::OK),
        command => {
            let session = Session::open(&cli.global)?;
            remote(&session, command)
        }
    }
}

fn remote(s: &Session, command: Command) -> Result<u8, Failure> {
    match command {
        Command::Imagine { prompt, images, finish } => {
            let mut imagine = Imagine::new(prompt);
            for image in images {
                imagine = imagine.image(image_ref(&image)?);
            }
            let submitted = s.client.imagine(imagine)?;
            complete(s, submitted, &finish)
        }
        Command::Action { task_id, button, finish } => {
            let task = s
                .client
                .fetch(&task_id)?
                .ok_or_else(|| Failure::usage(format!("the server does not know task {task_id}")))?;
            let Some(found) = task.find_button(&button) else {
                let names: Vec<&str> = task.buttons.iter().map(mj_proto::Button::display_name).collect();
                let has = if names.is_empty() { "no buttons (is it finished?)".to_owned() } else { names.join("  ") };
                return Err(Failure::usage(format!("task {task_id} has no button `{button}`; it has: {has}")));
            };
            let submitted = s.client.action(task.press(found))?;
            complete(s, submitted, &finish)
        }
        Command::Modal { task_id, prompt, mask, finish } => {
            let mut modal = Modal::new(task_id);
            if let Some(prompt) = prompt {
                modal = modal.prompt(prompt);
            }
            if let Some(mask) = mask {
                modal = modal.mask(file_data_url(&mask)?);
            }
            let submitted = s.client.modal(modal)?;
            complete(s, submitted, &finish)
        }
        Command::Describe { image, wait } => {
            let submitted = s.client.describe(Describe::new(image_ref(&image)?))?;
            complete(s, submitted, &Finish { wait, out: None, split: false })
        }
        Command::Blend { images, dimensions, finish } => {
            let images = images.iter().map(|i| image_ref(i)).collect::<Result<Vec<_>, _>>()?;
            let dimensions = match dimensions {
                DimensionsArg::Portrait => BlendDimensions::Portrait,
                DimensionsArg::Square => BlendDimensions::Square,
                DimensionsArg::Landscape => BlendDimensions::Landscape,
            };
            let submitted = s.client.blend(Blend::new(images).dimensions(dimensions))?;
            complete(s, submitted, &finish)
        }
        Command::Shorten { prompt, wait } => {
            let submitted = s.client.shorten(Shorten::new(prompt))?;
            complete(s, submitted, &Finish { wait, out: None, split: false })
        }
        Command::Video { prompt, image, extend, index, motion, wait } => {
            let video = match (image, extend) {
                (_, Some(task)) => Video::extend(prompt, task, index),
                (Some(image), None) => Video::new(prompt, image_ref(&image)?),
                (None, None) => return Err(Failure::usage("give --image FILE|URL or --extend TASK_ID")),
            };
            let motion = if motion == MotionArg::High { VideoMotion::High } else { VideoMotion::Low };
            let submitted = s.client.video(video.motion(motion))?;
            complete(s, submitted, &Finish { wait, out: None, split: false })
        }
        Command::Seed { task_id } => {
            let seed = s.client.image_seed(&task_id)?;
            if s.json {
                println!("{}", json!({"taskId": task_id, "seed": seed}));
            } else {
                println!("{seed}");
            }
            Ok(exit::OK)
        }
        Command::Cancel { task_id } => {
            s.client.cancel(&task_id)?;
            if s.json {
                println!("{}", json!({"taskId": task_id, "cancelled": true}));
            } else {
                println!("cancelled task {task_id}");
            }
            Ok(exit::OK)
        }
        Command::Fetch { ids } => {
            let tasks = s.client.tasks(ids.clone())?;
            for id in &ids {
                match tasks.iter().find(|t| &t.id == id) {
                    Some(task) => s.show(task),
                    None => eprintln!("mj: the server does not know task {id}"),
                }
            }
            Ok(if tasks.len() == ids.len() { exit::OK } else { exit::REFUSED })
        }
        Command::List { status, page, size } => list(s, status, page, size),
        Command::Wait { ids } => wait_all(s, &ids),
        Command::Parse { .. } | Command::Sim { .. } | Command::Listen { .. } => Ok(exit::OK),
    }
}

/// After a submit: print it, or wait (with progress), show the task and download.
fn complete(s: &Session, submitted: Submitted, finish: &Finish) -> Result<u8, Failure> {
    if !finish.wait && finish.out.is_none() {
        if s.json {
            println!("{}", render::json(&submitted));
        } else {
            println!("{}", render::submitted(&submitted));
        }
        return Ok(exit::OK);
    }
    let task = s.wait(&submitted.task_id)?;
    s.show(&task);
    if let Some(dir) = &finish.out {
        save_results(s, &task, dir, finish.split)?;
    }
    Ok(exit::for_task(&task))
}

/// Downloads the result images (the four images when the server lists them, else the
/// grid or single image), and with `split` cuts the grid into four.
fn save_results(s: &Session, task: &Task, dir: &Path, split: bool) -> Result<(), Failure> {
    let agent = download::agent();
    let mut saved = Vec::new();
    let urls = task.result_image_urls();
    let grid = task.image_url.as_deref().filter(|_| task.status == TaskStatus::Success);
    let listed_separately = !task.image_urls.is_empty();
    for (n, url) in urls.iter().enumerate() {
        let suffix = if listed_separately { format!("-{}", n + 1) } else { String::new() };
        saved.push(
            download::fetch(
                &agent,
                url,
                dir,
                &download::file_name(&task.id, &suffix, url),
                s.deadline,
                s.request_timeout,
            )
            .map_err(Failure::gave_up)?,
        );
    }
    if split {
        let grid = grid.ok_or_else(|| Failure::usage("the task has no grid image to split"))?;
        let name = download::file_name(&task.id, "", grid);
        let file = match saved.iter().find(|f| f.path().ends_with(&name)) {
            Some(file) => file.path().to_path_buf(),
            None => {
                let file = download::fetch(&agent, grid, dir, &name, s.deadline, s.request_timeout)
                    .map_err(Failure::gave_up)?;
                let path = file.path().to_path_buf();
                saved.push(file);
                path
            }
        };
        saved.extend(download::split(&file, &format!("{}-split", task.id)).map_err(Failure::gave_up)?);
    }
    for file in &saved {
        let (path, kept) = match file {
            Saved::Written(p) => (p, false),
            Saved::Kept(p) => (p, true),
        };
        if s.json {
            println!("{}", json!({"file": path, "kept": kept}));
        } else {
            println!("{} {}", if kept { "kept " } else { "saved" }, path.display());
        }
    }
    Ok(())
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
    let tasks = match s.client.query(&query) {
        Ok(page) => page.content,
        // No paged query on this server: page the plain list here.
        Err(e) if e.kind() == ErrorKind::Unexpected => {
            let all = s.client.list()?;
            all.into_iter()
                .filter(|t| status.as_ref().is_none_or(|st| &t.status == st))
                .skip(page as usize * size as usize)
                .take(size as usize)
                .collect()
        }
        Err(e) => return Err(e.into()),
    };
    for task in &tasks {
        if s.json {
            println!("{}", render::json(task));
        } else {
            println!("{}", render::progress_line(task));
        }
    }
    if tasks.is_empty() && !s.json {
        eprintln!("no tasks");
    }
    Ok(exit::OK)
}

fn wait_all(s: &Session, ids: &[String]) -> Result<u8, Failure> {
    let mut progress = Progress::new(s.json);
    let report = s.client.watch(ids.to_vec(), |task| progress.update(&s.client.config().redact_task(task.clone())));
    progress.finish();
    let report = report?;
    if !s.json {
        for task in &report.finished {
            println!("{}", render::task(task));
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
        eprintln!("mj: the server does not know task {id}");
    }
    Ok(if !report.unfinished.is_empty() {
        exit::GAVE_UP
    } else if !report.unknown.is_empty() {
        exit::REFUSED
    } else if report.all_succeeded() {
        exit::OK
    } else {
        exit::TASK_FAILED
    })
}

fn parse(kind: &str, file: Option<&Path>, status: u16) -> Result<u8, Failure> {
    let kind: BodyKind = kind.parse().map_err(Failure::usage)?;
    let body = match file {
        Some(path) => {
            std::fs::read(path).map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?
        }
        None => {
            let mut body = Vec::new();
            std::io::stdin().read_to_end(&mut body).map_err(|e| Failure::usage(format!("cannot read stdin: {e}")))?;
            body
        }
    };
    let response = mj_proto::http::Response::builder()
        .status(status)
        .body(body)
        .map_err(|_| Failure::usage(format!("{status} is not an HTTP status")))?;
    let value = inspect::decode(kind, response)?;
    println!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
    Ok(exit::OK)
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
fn image_ref(image: &str) -> Result<String, Failure> {
    if image.starts_with("http://") || image.starts_with("https://") {
        Ok(image.to_owned())
    } else {
        file_data_url(Path::new(image))
    }
}

fn file_data_url(path: &Path) -> Result<String, Failure> {
    let bytes = std::fs::read(path).map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
    let mime = data_url::sniff_image_type(&bytes)
        .ok_or_else(|| Failure::usage(format!("{} is not a PNG, JPEG, GIF or WebP image", path.display())))?;
    Ok(data_url::encode(mime, &bytes))
}
